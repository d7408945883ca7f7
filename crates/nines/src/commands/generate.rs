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
    /// False when no objective got rules (the exit status is then 1).
    generated: bool,
}

pub fn prometheus(args: &GeneratePrometheusArgs) -> anyhow::Result<Status> {
    let mut labels = BTreeMap::new();
    for pair in &args.labels {
        let Some((name, value)) = pair.split_once('=') else {
            output::error(&format!("--label `{pair}`: write NAME=VALUE"));
            return Ok(Status::Error);
        };
        if !nines_rules::is_label_name(name) {
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
        // One loadable stream for every service: one `groups:` list (rules, vmalert,
        // Mimir) or `---`-separated PrometheusRule documents (operator). Issue 8.1.
        None if !generated.files.is_empty() => {
            output::data(&nines_rules::render_all(&generated.files, options.format));
            written.push("<stdout>".to_string());
        }
        None => {}
    }
    let nothing = generated.files.is_empty();
    match args.output {
        OutputFormat::Json => {
            let summary = Summary {
                files: written,
                rules: generated.rules,
                skipped: &generated.skipped,
                notes: &generated.notes,
                generated: !nothing,
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
            if nothing {
                output::error(&format!(
                    "no rules generated: none of the {} objective(s) has Prometheus queries rules can read (reasons above)",
                    generated.skipped.len()
                ));
            } else {
                output::message(&format!(
                    "{} rule(s) for {} service(s){}",
                    generated.rules,
                    generated.files.len(),
                    if generated.skipped.is_empty() {
                        String::new()
                    } else {
                        format!("; {} objective(s) skipped", generated.skipped.len())
                    }
                ));
            }
        }
    }
    // Nothing generated is a failure, never an empty success. Issue 8.3.
    Ok(if nothing {
        Status::Failure
    } else {
        Status::Success
    })
}
