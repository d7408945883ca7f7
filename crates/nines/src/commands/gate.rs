//! `nines gate`.

use std::fmt::Write as _;

use nines_core::engine::{Engine, Options};
use nines_core::report;

use crate::cli::{GateArgs, OutputFormat, Status};
use crate::commands::data::Data;
use crate::output;

pub fn run(args: &GateArgs) -> anyhow::Result<Status> {
    let Ok(data) = Data::load(&args.data) else {
        return Ok(Status::Error);
    };
    if !data.catalog.service_names().contains(&args.service) {
        output::error(&format!(
            "no service `{}` in the specs; services: {}",
            args.service,
            data.catalog.service_names().join(", ")
        ));
        return Ok(Status::Error);
    }
    let engine = Engine::new(&data.catalog, Options::default());
    let statuses = engine.evaluate_all(&data.source, data.at);
    let decision = report::gate(
        &statuses,
        &args.service,
        args.change_type.as_deref(),
        data.at,
    );
    match args.output {
        OutputFormat::Json => output::json(&decision)?,
        OutputFormat::Text => {
            let change = args
                .change_type
                .as_deref()
                .map(|kind| format!("{kind} change"))
                .unwrap_or_else(|| "change".to_string());
            let mut text = String::new();
            if decision.allowed {
                let _ = writeln!(
                    text,
                    "go: {} may ship this {change} ({} SLO(s) checked)",
                    decision.service,
                    decision.slos.len()
                );
            } else {
                let _ = writeln!(
                    text,
                    "frozen: {} may not ship this {change}",
                    decision.service
                );
                for blocker in &decision.blockers {
                    let _ = writeln!(
                        text,
                        "  {}: policy `{}` is in state `{}`",
                        blocker.slo, blocker.policy, blocker.state
                    );
                    if let Some(reason) = &blocker.reason {
                        let _ = writeln!(text, "    why: {reason}");
                    }
                    for action in &blocker.actions {
                        let _ = writeln!(text, "    action: {action}");
                    }
                    if !blocker.exempt.is_empty() {
                        let _ = writeln!(
                            text,
                            "    still allowed: {} (use --change-type)",
                            blocker.exempt.join(", ")
                        );
                    }
                }
            }
            output::data(&text);
        }
    }
    Ok(if decision.allowed {
        Status::Success
    } else {
        Status::Failure
    })
}
