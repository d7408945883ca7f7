//! `nines validate`.

use std::fmt::Write as _;

use nines_spec::{Diagnostic, Rule, Severity};

use crate::cli::{OutputFormat, Status, ValidateArgs};
use crate::output;

/// The JSON report of `nines validate --output json` (schema in docs/validate.md).
#[derive(serde::Serialize)]
struct Report<'a> {
    valid: bool,
    files: usize,
    documents: usize,
    services: usize,
    slos: usize,
    errors: Vec<&'a Diagnostic>,
    warnings: Vec<&'a Diagnostic>,
}

pub fn run(args: &ValidateArgs) -> anyhow::Result<Status> {
    if args.list_rules {
        return list_rules(args.output);
    }
    let today = args.today.unwrap_or_else(super::today);
    let validation = match nines_spec::validate_with_context(&args.paths, &args.context, today) {
        Ok(validation) => validation,
        Err(error) => {
            output::error(&error.to_string());
            return Ok(Status::Error);
        }
    };
    let errors: Vec<&Diagnostic> = validation.errors().collect();
    let warnings: Vec<&Diagnostic> = validation.warnings().collect();
    let warnings_fail = args.strict && !warnings.is_empty();
    let valid = errors.is_empty() && !warnings_fail;
    let catalog = &validation.loaded.catalog;
    match args.output {
        OutputFormat::Json => output::json(&Report {
            valid,
            files: validation.loaded.files,
            documents: validation.loaded.documents,
            services: catalog.service_names().len(),
            slos: catalog.slos.len(),
            errors,
            warnings,
        })?,
        OutputFormat::Text => {
            let mut text = String::new();
            for (title, list) in [("Errors", &errors), ("Warnings", &warnings)] {
                if list.is_empty() {
                    continue;
                }
                let _ = writeln!(text, "{title} ({}):", list.len());
                for diagnostic in list {
                    let _ = writeln!(text, "{diagnostic}");
                }
                text.push('\n');
            }
            let _ = writeln!(
                text,
                "{}: {} error{}, {} warning{} in {} file{} ({} service{}, {} SLO{})",
                if valid { "valid" } else { "invalid" },
                errors.len(),
                plural(errors.len()),
                warnings.len(),
                plural(warnings.len()),
                validation.loaded.files,
                plural(validation.loaded.files),
                catalog.service_names().len(),
                plural(catalog.service_names().len()),
                catalog.slos.len(),
                plural(catalog.slos.len()),
            );
            output::diagnostics(&text);
        }
    }
    Ok(if valid {
        Status::Success
    } else {
        Status::Failure
    })
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn list_rules(format: OutputFormat) -> anyhow::Result<Status> {
    #[derive(serde::Serialize)]
    struct RuleRow {
        id: &'static str,
        severity: Severity,
        summary: &'static str,
    }
    let rows: Vec<RuleRow> = Rule::ALL
        .iter()
        .map(|rule| RuleRow {
            id: rule.id(),
            severity: rule.severity(),
            summary: rule.summary(),
        })
        .collect();
    match format {
        OutputFormat::Json => output::json(&rows)?,
        OutputFormat::Text => {
            let mut text = String::new();
            for row in rows {
                let severity = match row.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let _ = writeln!(text, "{:<28} {:<8} {}", row.id, severity, row.summary);
            }
            output::data(&text);
        }
    }
    Ok(Status::Success)
}
