//! `nines suggest`.

use nines_core::engine::suggest::SuggestRequest;
use nines_core::engine::{Engine, Options};
use nines_core::report;

use crate::cli::{OutputFormat, Status, SuggestArgs};
use crate::commands::data::{Target, unknown_name};
use crate::output;

pub fn run(args: &SuggestArgs) -> anyhow::Result<Status> {
    let share = match args.share.parse::<nines_core::Ratio>() {
        Ok(share) if share.fraction() > 0.0 && share.fraction() <= 1.0 => share.fraction(),
        _ => {
            output::error(&format!(
                "--share `{}` must be a percentage above 0% and at most 100%, e.g. 90%",
                args.share
            ));
            return Ok(Status::Error);
        }
    };
    let data = match Target::resolve(&args.data) {
        Err(_) => return Ok(Status::Error),
        Ok(Target::Local(data)) => data,
        Ok(Target::Remote(remote)) => {
            let format = match args.output {
                OutputFormat::Json => "json",
                OutputFormat::Text => "text",
            };
            let mut params = vec![("format", format), ("share", args.share.as_str())];
            if let Some(slo) = &args.slo {
                params.push(("slo", slo));
            }
            if let Some(objective) = &args.objective {
                params.push(("objective", objective));
            }
            return Ok(match remote.get("/api/v1/suggest", &params) {
                Ok(body) if args.output == OutputFormat::Json => {
                    output::json(&serde_json::from_str::<serde_json::Value>(&body)?)?;
                    Status::Success
                }
                Ok(body) => {
                    output::data(&body);
                    Status::Success
                }
                Err(message) => {
                    output::error(&message);
                    Status::Error
                }
            });
        }
    };
    let targets: Vec<(String, String)> = match &args.slo {
        Some(reference) => {
            let Some((service, slo)) = reference.split_once('/') else {
                output::error(&format!("--slo `{reference}`: write service/slo"));
                return Ok(Status::Error);
            };
            let Some(found) = data.catalog.slo(service, slo) else {
                let known: Vec<String> = data
                    .catalog
                    .slos
                    .iter()
                    .map(|slo| slo.qualified_name())
                    .collect();
                output::error(&unknown_name("SLO", reference, &known));
                return Ok(Status::Error);
            };
            if let Some(objective) = &args.objective {
                let known: Vec<&str> = found
                    .objectives
                    .iter()
                    .map(|objective| objective.name.as_str())
                    .collect();
                if !known.contains(&objective.as_str()) {
                    output::error(&unknown_name(
                        &format!("{reference} objective"),
                        objective,
                        &known,
                    ));
                    return Ok(Status::Error);
                }
            }
            vec![(service.to_string(), slo.to_string())]
        }
        None => data
            .catalog
            .slos
            .iter()
            .map(|slo| (slo.service.clone(), slo.name.clone()))
            .collect(),
    };
    let Some(history) = data.span() else {
        output::error("the counts hold no data: nothing to suggest from");
        return Ok(Status::Error);
    };
    let engine = Engine::new(&data.catalog, Options::default());
    let mut suggestions = Vec::new();
    for (service, slo) in &targets {
        let request = SuggestRequest {
            service,
            slo,
            objective: args.objective.as_deref(),
            at: data.at,
            history,
            share,
        };
        if let Some(suggestion) = data.with_source(|source| engine.suggest(source, &request)) {
            suggestions.push(suggestion);
        }
    }
    if let Some(failure) = data.backend_failure() {
        output::error(&failure);
        return Ok(Status::Error);
    }
    match args.output {
        OutputFormat::Json => output::json(&suggestions)?,
        OutputFormat::Text => output::data(&report::suggestions_text(&suggestions)),
    }
    Ok(Status::Success)
}
