//! `nines report`.

use nines_core::engine::{Engine, Options};
use nines_core::report::{self, Report};

use crate::cli::{ReportArgs, ReportFormat, Status};
use crate::commands::data::{Target, check_service};
use crate::output;

pub fn run(args: &ReportArgs) -> anyhow::Result<Status> {
    let Ok(target) = Target::resolve(&args.data) else {
        return Ok(Status::Error);
    };
    let data = match target {
        Target::Local(data) => data,
        Target::Remote(remote) => {
            let format = match args.output {
                ReportFormat::Json => "json",
                ReportFormat::Table => "table",
                ReportFormat::Markdown => "markdown",
            };
            let mut params = vec![("format", format)];
            if let Some(service) = &args.service {
                params.push(("service", service));
            }
            return Ok(match remote.get("/api/v1/slos", &params) {
                Ok(body) if args.output == ReportFormat::Json => {
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
    if let Some(service) = &args.service
        && check_service(&data.catalog, service).is_err()
    {
        return Ok(Status::Error);
    }
    let engine = Engine::new(&data.catalog, Options::default());
    let mut report = data.with_source(|source| {
        Report::of_service(
            engine.evaluate_all(source, data.at),
            data.at,
            args.service.as_deref(),
        )
    });
    data.note_unmeasured(&mut report);
    match args.output {
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Table => output::table(&report::table(&report)),
        ReportFormat::Markdown => output::data(&report::markdown(&report)),
    }
    // Rows the backend could not measure carry its error; the run did not succeed.
    if let Some(failure) = data.backend_failure() {
        output::error(&failure);
        return Ok(Status::Error);
    }
    Ok(Status::Success)
}
