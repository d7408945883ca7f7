//! `nines report`.

use nines_core::engine::{Engine, Options};
use nines_core::report::{self, Report};

use crate::cli::{ReportArgs, ReportFormat, Status};
use crate::commands::data::Data;
use crate::output;

pub fn run(args: &ReportArgs) -> anyhow::Result<Status> {
    let Ok(data) = Data::load(&args.data) else {
        return Ok(Status::Error);
    };
    if let Some(service) = &args.service {
        if !data.catalog.service_names().contains(service) {
            output::error(&format!(
                "no service `{service}` in the specs; services: {}",
                data.catalog.service_names().join(", ")
            ));
            return Ok(Status::Error);
        }
    }
    let engine = Engine::new(&data.catalog, Options::default());
    let mut statuses = engine.evaluate_all(&data.source, data.at);
    if let Some(service) = &args.service {
        statuses.retain(|status| &status.slo.service == service);
    }
    // Services in name order, SLOs in spec order within each.
    statuses.sort_by(|a, b| a.slo.service.cmp(&b.slo.service));
    let report = Report::new(&statuses, data.at);
    match args.output {
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Table => output::data(&report::table(&report)),
        ReportFormat::Markdown => output::data(&report::markdown(&report)),
    }
    Ok(Status::Success)
}
