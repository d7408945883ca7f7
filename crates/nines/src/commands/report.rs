//! `nines report`.

use nines_core::engine::{Engine, Options};
use nines_core::report::{self, Report};

use crate::cli::{ReportArgs, ReportFormat, Status};
use crate::commands::data::{Target, check_service};
use crate::output;

pub fn run(args: &ReportArgs) -> anyhow::Result<Status> {
    if args.period.is_some() || args.from.is_some() {
        return period(args);
    }
    if args.output == ReportFormat::Csv {
        output::error("--output csv is for period reports: add --period (or --from/--to)");
        return Ok(Status::Error);
    }
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
                ReportFormat::Csv => unreachable!("refused above"),
            };
            let mut params = vec![("format", format)];
            if let Some(service) = &args.service {
                params.push(("service", service));
            }
            return print_remote(&remote, "/api/v1/slos", &params, args.output);
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
        ReportFormat::Csv => unreachable!("refused above"),
    }
    // Rows the backend could not measure carry its error; the run did not succeed.
    if let Some(failure) = data.backend_failure() {
        output::error(&failure);
        return Ok(Status::Error);
    }
    Ok(Status::Success)
}

/// `nines report --period` (or `--from/--to`): a period report (docs/reports.md).
fn period(args: &ReportArgs) -> anyhow::Result<Status> {
    use nines_core::period::{self, Depth, Period};
    if jiff::tz::db().get(&args.zone).is_err() {
        output::error(&format!(
            "--zone {}: not a time zone of the IANA database (e.g. UTC, Europe/Paris)",
            args.zone
        ));
        return Ok(Status::Error);
    }
    let format = match args.output {
        ReportFormat::Json => "json",
        ReportFormat::Table => "table",
        ReportFormat::Markdown => "markdown",
        ReportFormat::Csv => "csv",
    };
    let Ok(target) = Target::resolve(&args.data) else {
        return Ok(Status::Error);
    };
    let data = match target {
        Target::Local(data) => data,
        Target::Remote(remote) => {
            let mut params = vec![("format", format), ("zone", args.zone.as_str())];
            if let Some(named) = &args.period {
                params.push(("period", named));
            }
            if let (Some(from), Some(to)) = (&args.from, &args.to) {
                params.push(("from", from));
                params.push(("to", to));
            }
            if let Some(service) = &args.service {
                params.push(("service", service));
            }
            return print_remote(&remote, "/api/v1/reports", &params, args.output);
        }
    };
    if let Some(service) = &args.service
        && check_service(&data.catalog, service).is_err()
    {
        return Ok(Status::Error);
    }
    let chosen = match (&args.period, &args.from, &args.to) {
        (Some(named), _, _) => Period::parse(named, &args.zone, data.at),
        (None, Some(from), Some(to)) => {
            let (from, to) = match (
                crate::commands::data::parse_at(from),
                crate::commands::data::parse_at(to),
            ) {
                (Ok(from), Ok(to)) => (from, to),
                (Err(problem), _) | (_, Err(problem)) => {
                    output::error(&problem.replace("--at", "--from/--to"));
                    return Ok(Status::Error);
                }
            };
            Period::range(from, to, &args.zone, data.at)
        }
        _ => unreachable!("clap requires --period or --from with --to"),
    };
    let chosen = match chosen {
        Ok(chosen) => chosen,
        Err(problem) => {
            output::error(&problem.to_string());
            return Ok(Status::Error);
        }
    };
    let depth = Depth {
        timeline: !data.is_backend(),
    };
    let mut report = data
        .with_source(|source| period::report_with(&data.catalog, source, &chosen, data.at, depth));
    if let Some(service) = &args.service {
        report.objectives.retain(|row| &row.service == service);
        report
            .slas
            .retain(|statement| &statement.service == service);
    }
    match args.output {
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Table => output::table(&period::table(&report)),
        ReportFormat::Markdown => output::data(&period::markdown(&report)),
        ReportFormat::Csv => output::data(&period::csv(&report)),
    }
    if let Some(failure) = data.backend_failure() {
        output::error(&failure);
        return Ok(Status::Error);
    }
    Ok(Status::Success)
}

/// Asks a server for `path` and prints its answer: JSON re-indented, anything else as is.
fn print_remote(
    remote: &crate::commands::remote::Remote,
    path: &str,
    params: &[(&str, &str)],
    format: ReportFormat,
) -> anyhow::Result<Status> {
    Ok(match remote.get(path, params) {
        Ok(body) if format == ReportFormat::Json => {
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
    })
}
