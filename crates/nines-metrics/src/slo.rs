//! Every objective's state as metrics, from the report rows the API serves: the same
//! numbers as `/api/v1/slos`, so a Grafana panel and `nines report` never disagree.
//!
//! Labels on every series: `service`, `slo`, `objective`, then the SLO's own labels
//! (spec labels with their names made valid, `app.kubernetes.io/name` becoming
//! `app_kubernetes_io_name`; one that would clash with a label nines sets gets a `label_`
//! prefix). A number nines does not know (an SLI without data, a budget without events)
//! is an absent series, never 0: "no data" must not look like an outage or a success.

use std::collections::BTreeMap;

use nines_core::model::Catalog;
use nines_core::report::{Report, Row};

use crate::exposition::{Encoder, Kind, label_name};

/// Label names nines sets itself on SLO series; an SLO label of the same name is
/// written `label_<name>`.
const RESERVED: [&str; 14] = [
    "service",
    "slo",
    "objective",
    "window",
    "alert",
    "severity",
    "long_window",
    "short_window",
    "policy",
    "state",
    "sla",
    "owner",
    "display_name",
    "budgeting",
];

/// The labels of one objective's series, in order.
struct RowLabels {
    pairs: Vec<(String, String)>,
}

impl RowLabels {
    fn of(row: &Row, catalog: &Catalog) -> Self {
        let mut pairs = vec![
            ("service".to_string(), row.service.clone()),
            ("slo".to_string(), row.slo.clone()),
            ("objective".to_string(), row.objective.clone()),
        ];
        let mut own: BTreeMap<String, String> = BTreeMap::new();
        if let Some(slo) = catalog.slo(&row.service, &row.slo) {
            for (name, value) in &slo.labels {
                let mut valid = label_name(name);
                if RESERVED.contains(&valid.as_str()) || valid.starts_with("__") {
                    valid = format!("label_{}", valid.trim_start_matches('_'));
                }
                // Two spec labels that become the same name: the first (in name order)
                // is kept, so the series stay valid.
                own.entry(valid).or_insert_with(|| value.clone());
            }
        }
        pairs.extend(own);
        RowLabels { pairs }
    }

    /// These labels and `extra` after them, borrowed for the encoder.
    fn with<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut labels: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        labels.extend_from_slice(extra);
        labels
    }
}

/// Writes the SLO families for every row of `report`.
pub fn render(encoder: &mut Encoder, report: &Report, catalog: &Catalog) {
    let rows: Vec<(&Row, RowLabels)> = report
        .objectives
        .iter()
        .map(|row| (row, RowLabels::of(row, catalog)))
        .collect();
    let gauge =
        |encoder: &mut Encoder, name: &str, help: &str, value: &dyn Fn(&Row) -> Option<f64>| {
            encoder.family(name, Kind::Gauge, help);
            for (row, labels) in &rows {
                if let Some(value) = value(row) {
                    encoder.sample(&labels.with(&[]), value);
                }
            }
        };

    encoder.family(
        "nines_slo",
        Kind::Info,
        "One series per objective, with its owner, window and budgeting method.",
    );
    for (row, labels) in &rows {
        let owner = row.owner.clone().unwrap_or_default();
        let display = row.display_name.clone().unwrap_or_default();
        encoder.sample(
            &labels.with(&[
                ("owner", owner.as_str()),
                ("display_name", display.as_str()),
                ("window", row.window.description.as_str()),
                ("budgeting", row.budgeting),
            ]),
            1.0,
        );
    }
    gauge(
        encoder,
        "nines_slo_target_ratio",
        "The objective's target, as a fraction (0.999 for 99.9%).",
        &|row| Some(row.target),
    );
    gauge(
        encoder,
        "nines_slo_aspirational_target_ratio",
        "The objective's aspirational target, as a fraction, when it has one.",
        &|row| {
            row.aspirational
                .as_ref()
                .map(|aspirational| aspirational.target)
        },
    );
    gauge(
        encoder,
        "nines_slo_sli_ratio",
        "The SLI over the window, as a fraction; absent without data.",
        &|row| row.sli,
    );
    gauge(
        encoder,
        "nines_slo_window_good_events",
        "Good events in the window (a gauge: a rolling window's count goes down as old events leave it).",
        &|row| row.error.is_none().then_some(row.good),
    );
    gauge(
        encoder,
        "nines_slo_window_valid_events",
        "Valid events in the window (a gauge, as nines_slo_window_good_events).",
        &|row| row.error.is_none().then_some(row.valid),
    );
    gauge(
        encoder,
        "nines_slo_error_budget_remaining_ratio",
        "Share of the error budget left (negative when overspent); absent without data.",
        &|row| row.budget_remaining,
    );
    gauge(
        encoder,
        "nines_slo_error_budget_consumed_ratio",
        "Share of the error budget spent (above 1 when overspent); absent without data.",
        &|row| row.budget.consumed,
    );
    encoder.family(
        "nines_slo_burn_rate",
        Kind::Gauge,
        "Burn rate over each window (1 spends the budget exactly over the SLO window).",
    );
    for (row, labels) in &rows {
        for (window, rate) in &row.burn_rates.0 {
            if let Some(rate) = rate {
                encoder.sample(&labels.with(&[("window", window)]), *rate);
            }
        }
    }
    gauge(
        encoder,
        "nines_slo_time_to_exhaustion_seconds",
        "Seconds until the budget is spent at the 1-hour burn rate; absent when it is not being spent.",
        &|row| row.time_to_exhaustion_seconds,
    );
    encoder.family(
        "nines_slo_alert_condition",
        Kind::Gauge,
        "1 while both windows of an alert row burn faster than its threshold, else 0.",
    );
    for (row, labels) in &rows {
        for alert in &row.alert_rows {
            encoder.sample(
                &labels.with(&[
                    ("alert", alert.name.as_str()),
                    ("severity", alert.severity.as_str()),
                    ("long_window", alert.long.as_str()),
                    ("short_window", alert.short.as_str()),
                ]),
                if alert.holds { 1.0 } else { 0.0 },
            );
        }
    }
    encoder.family(
        "nines_slo_alert_threshold",
        Kind::Gauge,
        "The burn rate an alert row's windows must both exceed.",
    );
    for (row, labels) in &rows {
        for alert in &row.alert_rows {
            encoder.sample(
                &labels.with(&[
                    ("alert", alert.name.as_str()),
                    ("severity", alert.severity.as_str()),
                    ("long_window", alert.long.as_str()),
                    ("short_window", alert.short.as_str()),
                ]),
                alert.factor,
            );
        }
    }
    encoder.family(
        "nines_slo_policy_state",
        Kind::Info,
        "The error budget policy's state in force (`no data` without current data, `none` when no state applies), with whether it freezes releases.",
    );
    for (row, labels) in &rows {
        if let Some(policy) = &row.policy_state {
            let state = match (&policy.state, policy.no_data) {
                (Some(state), _) => state.as_str(),
                (None, true) => "no data",
                (None, false) => "none",
            };
            encoder.sample(
                &labels.with(&[
                    ("policy", policy.policy.as_str()),
                    ("state", state),
                    ("frozen", if policy.frozen { "true" } else { "false" }),
                ]),
                1.0,
            );
        }
    }
    let sla_gauge =
        |encoder: &mut Encoder,
         name: &str,
         help: &str,
         value: &dyn Fn(&nines_core::report::SlaInfo) -> Option<f64>| {
            encoder.family(name, Kind::Gauge, help);
            for (row, labels) in &rows {
                if let Some(sla) = &row.sla
                    && let Some(value) = value(sla)
                {
                    encoder.sample(&labels.with(&[("sla", sla.name.as_str())]), value);
                }
            }
        };
    sla_gauge(
        encoder,
        "nines_sla_target_ratio",
        "The SLA's contractual target, as a fraction.",
        &|sla| Some(sla.target),
    );
    sla_gauge(
        encoder,
        "nines_sla_attainment_ratio",
        "The SLA's attainment over its calendar period so far; absent without data.",
        &|sla| sla.attainment,
    );
    sla_gauge(
        encoder,
        "nines_sla_credit_ratio",
        "The credit owed at the attainment so far, as a share of the bill; absent without data.",
        &|sla| sla.credit,
    );
    gauge(
        encoder,
        "nines_slo_window_coverage_ratio",
        "Share of the window the data spans (below 1 for a young window); absent without data.",
        &|row| row.data_quality.window_coverage,
    );
    gauge(
        encoder,
        "nines_slo_data_current",
        "1 while the objective's data is current, 0 when stale or missing (noData.after).",
        &|row| {
            Some(if row.data_quality.state == "current" {
                1.0
            } else {
                0.0
            })
        },
    );
    gauge(
        encoder,
        "nines_slo_last_data_timestamp_seconds",
        "Start of the last interval with data, when the data is stale and the source can tell.",
        &|row| row.data_quality.last_data.as_deref().and_then(seconds_of),
    );
    gauge(
        encoder,
        "nines_slo_stale_after_seconds",
        "Without data for longer than this, the objective's data is stale (noData.after).",
        &|row| Some(row.data_quality.stale_after_seconds),
    );
    gauge(
        encoder,
        "nines_slo_measurement_error",
        "1 when the objective could not be measured (a backend error), else 0.",
        &|row| Some(if row.error.is_some() { 1.0 } else { 0.0 }),
    );
    gauge(
        encoder,
        "nines_slo_review_due_timestamp_seconds",
        "When the objective's next review is due (midnight UTC of the due date).",
        &|row| row.review.due.as_deref().and_then(date_seconds),
    );
}

/// Seconds since the epoch of an RFC 3339 timestamp.
fn seconds_of(text: &str) -> Option<f64> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|at| at.as_millisecond() as f64 / 1000.0)
}

/// Seconds since the epoch of midnight UTC on a date (`2027-03-01`).
fn date_seconds(text: &str) -> Option<f64> {
    let date = text.parse::<jiff::civil::Date>().ok()?;
    let zoned = date.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?;
    Some(zoned.timestamp().as_second() as f64)
}
