//! `nines generate prometheus`.

use std::collections::BTreeMap;

use nines_rules::{Format, Naming, Options};

use crate::cli::{GeneratePrometheusArgs, OutputFormat, RulesFormat, RulesNaming, Status};
use crate::commands::data::{load_specs, parse_duration};
use crate::output;

/// What was generated, for `--output json` on stderr.
#[derive(serde::Serialize)]
struct Summary<'a> {
    files: Vec<String>,
    rules: usize,
    skipped: &'a [nines_rules::Skipped],
    notes: &'a [String],
}

pub fn prometheus(args: &GeneratePrometheusArgs) -> anyhow::Result<Status> {
    let mut labels = BTreeMap::new();
    for pair in &args.labels {
        let Some((name, value)) = pair.split_once('=') else {
            output::error(&format!("--label `{pair}`: write NAME=VALUE"));
            return Ok(Status::Error);
        };
        let valid_name = !name.is_empty()
            && name.chars().enumerate().all(|(index, c)| {
                c == '_' || c.is_ascii_alphabetic() || (index > 0 && c.is_ascii_digit())
            });
        if !valid_name {
            output::error(&format!(
                "--label `{pair}`: `{name}` is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
            ));
            return Ok(Status::Error);
        }
        labels.insert(name.to_string(), value.to_string());
    }
    let Ok(interval) = parse_duration("--slo-window-interval", &args.slo_window_interval) else {
        return Ok(Status::Error);
    };
    let Ok(catalog) = load_specs(&args.paths) else {
        return Ok(Status::Failure);
    };
    let options = Options {
        naming: match args.naming {
            RulesNaming::Nines => Naming::Nines,
            RulesNaming::Sloth => Naming::Sloth,
        },
        format: match args.format {
            RulesFormat::Rules => Format::Rules,
            RulesFormat::Operator => Format::Operator,
            RulesFormat::Mimir => Format::Mimir,
            RulesFormat::Vmalert => Format::Vmalert,
        },
        slo_window_interval: interval,
        labels,
    };
    let generated = nines_rules::generate(&catalog, &options);
    let mut written = Vec::new();
    match &args.out_dir {
        Some(directory) => {
            std::fs::create_dir_all(directory)
                .map_err(|problem| anyhow::anyhow!("{}: {problem}", directory.display()))?;
            for file in &generated.files {
                let path = directory.join(&file.name);
                std::fs::write(&path, nines_rules::render(file))
                    .map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))?;
                written.push(path.display().to_string());
            }
        }
        None => {
            let text: Vec<String> = generated.files.iter().map(nines_rules::render).collect();
            output::data(&text.join(""));
            written.extend(generated.files.iter().map(|file| file.name.clone()));
        }
    }
    match args.output {
        OutputFormat::Json => {
            let summary = Summary {
                files: written,
                rules: generated.rules,
                skipped: &generated.skipped,
                notes: &generated.notes,
            };
            output::message(&serde_json::to_string_pretty(&summary)?);
        }
        OutputFormat::Text => {
            for skipped in &generated.skipped {
                output::message(&format!(
                    "skipped {} ({}): {}",
                    skipped.slo, skipped.objective, skipped.reason
                ));
            }
            for note in &generated.notes {
                output::message(&format!("note: {note}"));
            }
            output::message(&format!(
                "{} rule(s) in {} file(s)",
                generated.rules,
                generated.files.len()
            ));
        }
    }
    Ok(Status::Success)
}
