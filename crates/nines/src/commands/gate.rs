//! `nines gate`.

use nines_core::engine::{Engine, Options};
use nines_core::report::{self, GateDecision, GateOptions};

use crate::cli::{GateArgs, OutputFormat, Status};
use crate::commands::data::{Target, check_service};
use crate::output;

pub fn run(args: &GateArgs) -> anyhow::Result<Status> {
    let Ok(target) = Target::resolve(&args.data) else {
        return Ok(Status::Error);
    };
    let decision: GateDecision = match target {
        Target::Remote(remote) => {
            let mut params = vec![("service", args.service.as_str())];
            if let Some(kind) = &args.change_type {
                params.push(("change_type", kind));
            }
            match remote.get("/api/v1/gate", &params) {
                Ok(body) if args.allow_no_data => {
                    serde_json::from_str::<GateDecision>(&body)?.allowing_no_data()
                }
                Ok(body) => serde_json::from_str(&body)?,
                Err(message) => {
                    output::error(&message);
                    return Ok(Status::Error);
                }
            }
        }
        Target::Local(data) => {
            if check_service(&data.catalog, &args.service).is_err() {
                return Ok(Status::Error);
            }
            let engine = Engine::new(&data.catalog, Options::default());
            let decision = data.with_source(|source| {
                let statuses = engine.evaluate_all(source, data.at);
                report::gate_with(
                    &statuses,
                    &args.service,
                    args.change_type.as_deref(),
                    data.at,
                    GateOptions {
                        allow_no_data: args.allow_no_data,
                    },
                )
            });
            // Unmeasured is not healthy: without the backend's answers there is no decision.
            if let Some(failure) = data.backend_failure() {
                output::error(&format!(
                    "{failure}; the gate cannot decide for {} and refuses",
                    args.service
                ));
                return Ok(Status::Error);
            }
            decision
        }
    };
    match args.output {
        OutputFormat::Json => output::json(&decision)?,
        OutputFormat::Text => output::data(&report::gate_text(&decision)),
    }
    Ok(if decision.allowed {
        Status::Success
    } else {
        Status::Failure
    })
}
