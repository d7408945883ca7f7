//! `nines suggest`.

use std::fmt::Write as _;

use nines_core::engine::suggest::SuggestRequest;
use nines_core::engine::{Engine, Options};
use nines_core::report::percent;

use crate::cli::{OutputFormat, Status, SuggestArgs};
use crate::commands::data::Data;
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
    let Ok(data) = Data::load(&args.data) else {
        return Ok(Status::Error);
    };
    let targets: Vec<(String, String)> = match &args.slo {
        Some(reference) => {
            let Some((service, slo)) = reference.split_once('/') else {
                output::error(&format!("--slo `{reference}`: write service/slo"));
                return Ok(Status::Error);
            };
            if data.catalog.slo(service, slo).is_none() {
                output::error(&format!("no SLO `{reference}` in the specs"));
                return Ok(Status::Error);
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
    let Some(history) = data.source.span() else {
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
        if let Some(suggestion) = engine.suggest(&data.source, &request) {
            suggestions.push(suggestion);
        }
    }
    match args.output {
        OutputFormat::Json => output::json(&suggestions)?,
        OutputFormat::Text => {
            let mut text = String::new();
            for suggestion in &suggestions {
                let _ = writeln!(
                    text,
                    "{} ({}): current target {}",
                    suggestion.slo,
                    suggestion.objective,
                    percent(suggestion.current, 4)
                );
                match (suggestion.achievable, suggestion.quantile) {
                    (Some(achievable), Some(quantile)) => {
                        let _ = writeln!(
                            text,
                            "  achievable: {} (attainment was at least {} in {} of {} past {} windows)",
                            percent(achievable, 4),
                            percent(quantile, 4),
                            percent(suggestion.share, 1),
                            suggestion.windows,
                            suggestion.window,
                        );
                    }
                    (None, Some(quantile)) => {
                        let _ = writeln!(
                            text,
                            "  achievable: none above 50% (the quantile was {})",
                            percent(quantile, 4)
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            text,
                            "  achievable: unknown: no complete window with data in the history"
                        );
                    }
                }
                if let Some([low, p10, median, p90, high]) = suggestion.distribution {
                    let _ = writeln!(
                        text,
                        "  attainment: min {}, p10 {}, median {}, p90 {}, max {}",
                        percent(low, 4),
                        percent(p10, 4),
                        percent(median, 4),
                        percent(p90, 4),
                        percent(high, 4)
                    );
                }
                if let (Some(aspirational), Some(gap), Some(ratio)) = (
                    suggestion.aspirational,
                    suggestion.gap_to_aspirational_points,
                    suggestion.budget_ratio_to_aspirational,
                ) {
                    let _ = writeln!(
                        text,
                        "  aspirational: {} is {} points above what history supports; it allows {} of the errors",
                        percent(aspirational, 4),
                        nines_core::ratio::format_decimal(gap, 4),
                        if ratio >= 1.0 {
                            format!("1/{}", nines_core::ratio::format_decimal(ratio, 1))
                        } else {
                            format!("{}x", nines_core::ratio::format_decimal(1.0 / ratio, 1))
                        }
                    );
                }
            }
            output::data(&text);
        }
    }
    Ok(Status::Success)
}
