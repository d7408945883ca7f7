//! `nines convert`.

use std::fmt::Write as _;

use nines_spec::convert::{self, Target};

use crate::cli::{ConvertArgs, OutputFormat, Status, TargetFormat};
use crate::output;

pub fn run(args: &ConvertArgs) -> anyhow::Result<Status> {
    let loaded = match nines_spec::load_with_context(&args.paths, &args.context) {
        Ok(loaded) => loaded,
        Err(error) => {
            output::error(&error.to_string());
            return Ok(Status::Error);
        }
    };
    let errors: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == nines_spec::Severity::Error)
        .collect();
    if !errors.is_empty() {
        for diagnostic in &errors {
            output::message(&diagnostic.to_string());
        }
        output::error(&format!(
            "{} error(s) in the input; nothing converted (see `nines validate`)",
            errors.len()
        ));
        return Ok(Status::Failure);
    }
    let target = match args.to {
        TargetFormat::Nines => Target::Native,
        TargetFormat::Openslo => Target::OpenSlo,
    };
    let conversion = convert::convert(&loaded.catalog, target);
    let header = format!(
        "Converted by nines {} to {}.",
        env!("CARGO_PKG_VERSION"),
        match target {
            Target::Native => "nines/v1",
            Target::OpenSlo => "OpenSLO v1",
        }
    );
    match &args.out_dir {
        // One stream of the target format only: what it cannot hold rides in annotations.
        None => output::data(&conversion.render_with(Some(&header))),
        Some(directory) => {
            std::fs::create_dir_all(directory).map_err(|error| {
                anyhow::anyhow!("cannot create {}: {error}", directory.display())
            })?;
            for (stem, documents) in conversion.files() {
                let path = directory.join(format!("{stem}.yaml"));
                let text = nines_spec::emit::documents(Some(&header), documents);
                std::fs::write(&path, text)
                    .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", path.display()))?;
                output::message(&format!("wrote {}", path.display()));
            }
        }
    }
    match args.output {
        OutputFormat::Json => {
            let text =
                serde_json::to_string_pretty(&serde_json::json!({"notes": conversion.notes}))?;
            output::message(&text);
        }
        OutputFormat::Text => {
            if !conversion.notes.is_empty() {
                let mut text = format!(
                    "{} note(s): what the target format cannot express, and where it went:\n",
                    conversion.notes.len()
                );
                for note in &conversion.notes {
                    let _ = writeln!(text, "  {}: {}", note.location, note.message);
                }
                output::message(text.trim_end());
            }
        }
    }
    Ok(Status::Success)
}
