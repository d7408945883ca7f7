//! A period report as a table (terminal), markdown (a wiki page or a pull request) and
//! CSV (a spreadsheet): the same facts, one row per objective, then the SLA statements.

use std::fmt::Write as _;

use super::{PeriodReport, PeriodRow};

fn percent(value: Option<f64>) -> String {
    value.map_or_else(
        || "no data".to_string(),
        |value| format!("{}%", crate::engine::round_significant(value * 100.0, 6)),
    )
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "no data",
    }
}

fn duration(seconds: i64) -> String {
    let hours = seconds / 3600;
    let minutes = (seconds % 3600) / 60;
    match (hours / 24, hours % 24, minutes) {
        (0, 0, minutes) => format!("{minutes}m"),
        (0, hours, 0) => format!("{hours}h"),
        (0, hours, minutes) => format!("{hours}h{minutes}m"),
        (days, 0, _) => format!("{days}d"),
        (days, hours, _) => format!("{days}d{hours}h"),
    }
}

/// The trend in words: `2026-10 100% met, 2026-09 no data`.
fn trend(row: &PeriodRow) -> String {
    row.trend
        .iter()
        .map(|point| format!("{} {}", point.label, percent(point.attainment)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn frozen(row: &PeriodRow) -> String {
    row.policy.as_ref().map_or_else(
        || "-".to_string(),
        |policy| {
            if policy.frozen_seconds == 0 {
                "never".to_string()
            } else {
                duration(policy.frozen_seconds)
            }
        },
    )
}

fn alerts(row: &PeriodRow) -> String {
    if row.alerts.is_empty() {
        return "none".to_string();
    }
    row.alerts
        .iter()
        .map(|(severity, count)| format!("{count} {severity}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn worst(row: &PeriodRow) -> String {
    match (&row.consumers, &row.consumers_note) {
        (Some(consumers), _) if consumers.is_empty() => "none over 1x".to_string(),
        (Some(consumers), _) => {
            let first = &consumers[0];
            format!(
                "{} for {}: {} of the budget",
                first.start,
                duration(first.duration_seconds),
                percent(first.budget_share)
            )
        }
        (None, Some(note)) => note.clone(),
        (None, None) => "-".to_string(),
    }
}

const HEADERS: [&str; 9] = [
    "SLO",
    "target",
    "attained",
    "verdict",
    "budget spent",
    "trend",
    "frozen",
    "alerts",
    "biggest consumer",
];

fn cells(row: &PeriodRow) -> [String; 9] {
    let name = if row.objective == crate::model::DEFAULT_OBJECTIVE {
        format!("{}/{}", row.service, row.slo)
    } else {
        format!("{}/{} {}", row.service, row.slo, row.objective)
    };
    [
        name,
        percent(Some(row.target)),
        match &row.error {
            Some(error) => format!("not measured: {error}"),
            None => percent(row.attainment),
        },
        verdict(row.met).to_string(),
        percent(row.budget_consumed),
        trend(row),
        frozen(row),
        alerts(row),
        worst(row),
    ]
}

fn heading(report: &PeriodReport) -> String {
    format!(
        "{} ({} to {}, {}){}",
        report.period.label,
        report.period.start,
        report.period.end,
        report.period.zone,
        if report.period.partial {
            format!(", so far: measured up to {}", report.generated_at)
        } else {
            String::new()
        }
    )
}

/// An aligned table.
pub fn table(report: &PeriodReport) -> String {
    let rows: Vec<[String; 9]> = report.objectives.iter().map(cells).collect();
    let mut widths = HEADERS.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = format!("Period report {}\n\n", heading(report));
    let line = |cells: &[String]| -> String {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if index + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        text.trim_end().to_string()
    };
    out.push_str(&line(&HEADERS.map(str::to_string)));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    statements(report, &mut out);
    out
}

/// Markdown: a heading, a table, the SLA statements as lists.
pub fn markdown(report: &PeriodReport) -> String {
    let mut out = format!(
        "## Period report {}\n\n| {} |\n|{}\n",
        heading(report),
        HEADERS.join(" | "),
        "---|".repeat(HEADERS.len())
    );
    for row in &report.objectives {
        let cells = cells(row).map(|cell| cell.replace('|', "\\|"));
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    statements(report, &mut out);
    out
}

fn statements(report: &PeriodReport, out: &mut String) {
    for statement in &report.slas {
        let _ = writeln!(
            out,
            "\nSLA `{}` of {}/{}{}: {} contractual minimum",
            statement.sla,
            statement.service,
            statement.slo,
            statement
                .customer
                .as_ref()
                .map(|customer| format!(" with {customer}"))
                .unwrap_or_default(),
            percent(Some(statement.target))
        );
        for period in &statement.periods {
            let credit = match (period.met, period.credit) {
                (Some(true), _) => "met, no credit owed".to_string(),
                (Some(false), Some(credit)) => {
                    format!(
                        "MISSED, credit owed: {} of the period's bill",
                        percent(Some(credit))
                    )
                }
                (Some(false), None) => "MISSED".to_string(),
                (None, _) => "no data".to_string(),
            };
            let _ = writeln!(
                out,
                "- {} to {}{}: {} attained, {credit}",
                period.start,
                period.end,
                if period.partial { " (so far)" } else { "" },
                percent(period.attainment),
            );
        }
    }
}

/// CSV: one line per objective, numbers as fractions, empty where unknown.
pub fn csv(report: &PeriodReport) -> String {
    let number = |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
    let quote = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    let mut out = String::from(
        "period,service,slo,objective,target,attainment,met,good,valid,bad,budget_allowed,budget_spent,budget_consumed,frozen_seconds,alerts,error\n",
    );
    for row in &report.objectives {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            quote(&report.period.label),
            quote(&row.service),
            quote(&row.slo),
            quote(&row.objective),
            row.target,
            number(row.attainment),
            row.met.map(|met| met.to_string()).unwrap_or_default(),
            row.good,
            row.valid,
            row.bad,
            number(row.budget_allowed),
            row.budget_spent,
            number(row.budget_consumed),
            row.policy
                .as_ref()
                .map(|policy| policy.frozen_seconds.to_string())
                .unwrap_or_default(),
            quote(&alerts(row)),
            quote(row.error.as_deref().unwrap_or_default()),
        );
    }
    out
}
