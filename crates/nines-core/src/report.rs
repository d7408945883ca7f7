//! The report: one row per SLO objective, in a stable JSON schema (`docs/report-json.md`)
//! shared by `nines report --output json`, the server's status endpoints and later the
//! dashboard, plus the release gate's decision.

use std::fmt::Write as _;

use serde::ser::SerializeMap;

use crate::engine::{BURN_WINDOW_LABELS, BudgetUnit, ObjectiveStatus, SloStatus, tidy};
use crate::ratio::format_decimal;
use crate::source::Millis;

/// The schema identifier, bumped on any incompatible change.
pub const SCHEMA: &str = "nines.report/v1";

/// A report at one instant.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The evaluation instant, RFC 3339.
    pub at: String,
    /// One row per objective.
    pub objectives: Vec<Row>,
}

/// One objective's status.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    /// Service name.
    pub service: String,
    /// SLO name.
    pub slo: String,
    /// Objective name (`default` for a single target).
    pub objective: String,
    /// The SLO's display name.
    pub display_name: Option<String>,
    /// The series the counts come from.
    pub series: String,
    /// Target, as a fraction.
    pub target: f64,
    /// The aspirational target and whether it is met.
    pub aspirational: Option<Aspirational>,
    /// The window.
    pub window: WindowInfo,
    /// `occurrences`, `timeslices` or `ratio-timeslices`.
    pub budgeting: &'static str,
    /// SLI over the window, as a fraction; `null` with no data.
    pub sli: Option<f64>,
    /// 95% Wilson interval of the SLI.
    pub sli_interval: Option<[f64; 2]>,
    /// Good events in the window.
    pub good: f64,
    /// Valid events in the window.
    pub valid: f64,
    /// Bad events in the window.
    pub bad: f64,
    /// Slice outcomes (time-slice budgeting).
    pub slices: Option<SliceInfo>,
    /// The error budget.
    pub budget: BudgetInfo,
    /// Remaining budget as a fraction (negative when overspent); `null` with no data.
    pub budget_remaining: Option<f64>,
    /// Burn rates keyed by window: `5m`, `30m`, `1h`, `2h`, `6h`, `1d`, `3d`, `window`.
    pub burn_rates: BurnRateMap,
    /// The fastest of the fixed-window burn rates.
    pub fastest_burn: Option<FastestBurn>,
    /// Seconds until the budget is spent at the 1-hour burn rate.
    pub time_to_exhaustion_seconds: Option<f64>,
    /// The alert rows that hold.
    pub alerts: Vec<AlertInfo>,
    /// Every alert row, evaluated.
    pub alert_rows: Vec<AlertInfo>,
    /// The error budget policy's state.
    pub policy_state: Option<PolicyInfo>,
    /// The SLA's state over its calendar period so far.
    pub sla: Option<SlaInfo>,
    /// The review.
    pub review: ReviewInfo,
    /// The owner.
    pub owner: Option<String>,
    /// Data quality.
    pub data_quality: DataQualityInfo,
    /// Composite members.
    pub members: Vec<MemberInfo>,
    /// A data source error, when counts could not be read.
    pub error: Option<String>,
}

/// The aspirational target.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Aspirational {
    /// Target, as a fraction.
    pub target: f64,
    /// Met over the window; `null` with no data.
    pub met: Option<bool>,
}

/// The window.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WindowInfo {
    /// `rolling` or `calendar`.
    pub kind: &'static str,
    /// `28d`, `calendar month (UTC)`.
    pub description: String,
    /// Start of the measured window.
    pub start: String,
    /// End of the measured window (the evaluation instant, or the period end).
    pub end: String,
    /// End of the whole period (calendar windows).
    pub period_end: String,
}

/// Slice outcomes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SliceInfo {
    /// Good slices.
    pub good: f64,
    /// Bad slices.
    pub bad: f64,
    /// Slices with data.
    pub with_data: f64,
    /// Slices spanned.
    pub total: f64,
}

/// The error budget.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BudgetInfo {
    /// `1 − target`.
    pub fraction: f64,
    /// `events` or `slices`.
    pub unit: BudgetUnit,
    /// Bad events (or slices) the window allows.
    pub allowed: Option<f64>,
    /// Bad events (or slices) so far.
    pub spent: f64,
    /// Share of the budget spent (more than 1 when overspent).
    pub consumed: Option<f64>,
    /// `1 − consumed`.
    pub remaining: Option<f64>,
    /// A young window's budget is that of the whole window's expected events: the
    /// factor the observed events were scaled by; `null` for a mature window.
    pub extrapolated_by: Option<f64>,
}

/// Burn rates in window order.
#[derive(Clone, Debug, Default)]
pub struct BurnRateMap(pub Vec<(&'static str, Option<f64>)>);

impl serde::Serialize for BurnRateMap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (label, rate) in &self.0 {
            map.serialize_entry(label, rate)?;
        }
        map.end()
    }
}

/// The fastest burn.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FastestBurn {
    /// Window label.
    pub window: &'static str,
    /// Burn rate.
    pub rate: f64,
}

/// An alert row.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AlertInfo {
    /// Row name (`page-1h` when unnamed).
    pub name: String,
    /// Severity.
    pub severity: String,
    /// Long window.
    pub long: String,
    /// Short window.
    pub short: String,
    /// Burn rate both windows must exceed.
    pub factor: f64,
    /// Burn over the long window.
    pub long_burn: Option<f64>,
    /// Burn over the short window.
    pub short_burn: Option<f64>,
    /// Both exceed the factor.
    pub holds: bool,
}

/// The policy's state.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PolicyInfo {
    /// Policy name.
    pub policy: String,
    /// The state in force; `null` when no state applies.
    pub state: Option<String>,
    /// Why it applies.
    pub reason: Option<String>,
    /// Its actions, in words.
    pub actions: Vec<String>,
    /// True when the state freezes changes.
    pub frozen: bool,
    /// Change types the freeze allows.
    pub exempt: Vec<String>,
    /// True when the SLO has no current data and so no state but "no data" applies.
    pub no_data: bool,
}

/// The SLA's state.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SlaInfo {
    /// SLA name.
    pub name: String,
    /// Contractual target.
    pub target: f64,
    /// Period start.
    pub period_start: String,
    /// Period end.
    pub period_end: String,
    /// Attainment so far; `null` with no data.
    pub attainment: Option<f64>,
    /// Met so far; `null` with no data.
    pub met: Option<bool>,
    /// Credit owed at this attainment, as a share of the bill.
    pub credit: Option<f64>,
    /// SLO target minus SLA target.
    pub margin: f64,
}

/// The review.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReviewInfo {
    /// Last review date.
    pub last: Option<String>,
    /// When the next review is due.
    pub due: Option<String>,
    /// Due date passed (or no review ever).
    pub overdue: bool,
}

/// Data quality.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DataQualityInfo {
    /// Nothing measured in the window.
    pub no_data: bool,
    /// Intervals without data.
    pub gaps: u64,
    /// Share of intervals with data.
    pub coverage: Option<f64>,
    /// Too few events for the SLI to mean much.
    pub low_traffic: bool,
    /// The low-traffic threshold in valid events.
    pub low_traffic_threshold: f64,
    /// Seconds excluded by exclusions.
    pub excluded_seconds: f64,
    /// `current`, `stale` (no data within `stale_after_seconds`) or `none` (never, as far
    /// back as the window).
    pub state: &'static str,
    /// Start of the last interval with data, when stale and known.
    pub last_data: Option<String>,
    /// Without data for longer than this, the SLO is stale (`noData.after`).
    pub stale_after_seconds: f64,
    /// For a young window: when its data starts.
    pub data_since: Option<String>,
    /// Share of the window its data spans: 1 with data before the window, less for a
    /// young one; `null` without data.
    pub window_coverage: Option<f64>,
    /// Events the SLI's filter took but could not judge (its measured field missing or of
    /// a wrong type), counted by the store since it began; `null` where the source does
    /// not count them (counts files, Prometheus).
    pub unmeasured: Option<UnmeasuredInfo>,
}

/// Events an SLI could not judge, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct UnmeasuredInfo {
    /// The measured field was absent (or null).
    pub missing_field: u64,
    /// The measured field was not a number or a duration.
    pub wrong_type: u64,
}

/// A composite member.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MemberInfo {
    /// Member name.
    pub name: String,
    /// Weight.
    pub weight: f64,
    /// Target.
    pub target: f64,
    /// SLI.
    pub sli: Option<f64>,
    /// Budget consumed.
    pub consumed: Option<f64>,
}

/// RFC 3339 for milliseconds since the epoch.
pub fn timestamp(at: Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|ts| ts.to_string())
        .unwrap_or_default()
}

impl Report {
    /// Fills in each row's unmeasured events from a source that counts them (the store),
    /// looked up by the row's series.
    pub fn note_unmeasured(&mut self, lookup: impl Fn(&str) -> Option<UnmeasuredInfo>) {
        for row in &mut self.objectives {
            row.data_quality.unmeasured = lookup(&row.series);
        }
    }

    /// The report `nines report` prints: the statuses of one `service` (all when
    /// `None`), services in name order and SLOs in spec order within each.
    pub fn of_service(
        mut statuses: Vec<SloStatus<'_>>,
        at: Millis,
        service: Option<&str>,
    ) -> Report {
        if let Some(service) = service {
            statuses.retain(|status| status.slo.service == service);
        }
        statuses.sort_by(|a, b| a.slo.service.cmp(&b.slo.service));
        Report::new(&statuses, at)
    }

    /// Builds the report rows of `statuses`, evaluated at `at`.
    pub fn new(statuses: &[SloStatus<'_>], at: Millis) -> Report {
        let today = jiff::Timestamp::from_millisecond(at)
            .map(|ts| ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
            .ok();
        let objectives = statuses
            .iter()
            .flat_map(|status| {
                status
                    .objectives
                    .iter()
                    .map(move |objective| row(status, objective, today))
            })
            .collect();
        Report {
            schema: SCHEMA,
            at: timestamp(at),
            objectives,
        }
    }
}

fn row(
    status: &SloStatus<'_>,
    objective: &ObjectiveStatus<'_>,
    today: Option<jiff::civil::Date>,
) -> Row {
    let slo = status.slo;
    let spec = objective.objective;
    let alert_rows: Vec<AlertInfo> = objective
        .alerts
        .iter()
        .map(|alert| AlertInfo {
            name: alert.row.display_name(),
            severity: alert.row.severity.clone(),
            long: alert.row.long.to_string(),
            short: alert.row.short.to_string(),
            factor: tidy(alert.factor),
            long_burn: alert.long_burn.map(tidy),
            short_burn: alert.short_burn.map(tidy),
            holds: alert.holds,
        })
        .collect();
    let mut burn_rates: Vec<(&'static str, Option<f64>)> = BURN_WINDOW_LABELS
        .iter()
        .copied()
        .zip(objective.burn.windows.map(|rate| rate.map(tidy)))
        .collect();
    burn_rates.push(("window", objective.burn.whole.map(tidy)));
    let due = slo.review.due();
    Row {
        service: slo.service.clone(),
        slo: slo.name.clone(),
        objective: spec.name.clone(),
        display_name: slo.display_name.clone(),
        series: objective.series.to_string(),
        target: spec.target.fraction(),
        aspirational: spec.aspirational.map(|target| Aspirational {
            target: target.fraction(),
            met: objective.aspirational_met,
        }),
        window: WindowInfo {
            kind: if slo.window.is_calendar() {
                "calendar"
            } else {
                "rolling"
            },
            description: slo.window.to_string(),
            start: timestamp(status.window.start),
            end: timestamp(status.window.end),
            period_end: timestamp(status.period.end),
        },
        budgeting: slo.budgeting.as_str(),
        sli: objective.sli.map(tidy),
        sli_interval: objective
            .sli_interval
            .map(|(low, high)| [tidy(low), tidy(high)]),
        good: objective.counts.good,
        valid: objective.counts.valid,
        bad: objective.counts.bad(),
        slices: objective.slices.map(|slices| SliceInfo {
            good: slices.good,
            bad: slices.bad(),
            with_data: slices.with_data,
            total: slices.total,
        }),
        budget: BudgetInfo {
            fraction: tidy(objective.budget.fraction),
            unit: objective.budget.unit,
            allowed: objective.budget.allowed.map(tidy),
            spent: objective.budget.spent,
            consumed: objective.budget.consumed.map(tidy),
            remaining: objective.budget.remaining.map(tidy),
            extrapolated_by: objective.budget.extrapolated_by.map(tidy),
        },
        budget_remaining: objective.budget.remaining.map(tidy),
        burn_rates: BurnRateMap(burn_rates),
        fastest_burn: objective.burn.fastest().map(|(window, rate)| FastestBurn {
            window,
            rate: tidy(rate),
        }),
        time_to_exhaustion_seconds: objective.time_to_exhaustion.map(|ms| ms as f64 / 1000.0),
        alerts: alert_rows
            .iter()
            .filter(|alert| alert.holds)
            .cloned()
            .collect(),
        alert_rows,
        policy_state: status.policy.as_ref().map(|policy| PolicyInfo {
            policy: policy.policy.name.clone(),
            state: policy.state.map(|state| state.name.clone()),
            reason: policy.reason.map(|reason| reason.to_string()),
            actions: policy.actions().iter().map(ToString::to_string).collect(),
            frozen: policy.blocks(None),
            exempt: policy.exempt(),
            no_data: policy.no_data.is_some(),
        }),
        sla: status.sla.as_ref().map(|sla| SlaInfo {
            name: sla.sla.name.clone(),
            target: sla.sla.target.fraction(),
            period_start: timestamp(sla.period.start),
            period_end: timestamp(sla.period.end),
            attainment: sla.attainment.map(tidy),
            met: sla.met,
            credit: sla.credit,
            margin: tidy(sla.margin),
        }),
        review: ReviewInfo {
            last: slo.review.last_reviewed.map(|date| date.to_string()),
            due: due.map(|date| date.to_string()),
            overdue: match (due, today) {
                (Some(due), Some(today)) => due < today,
                (None, _) => true,
                _ => false,
            },
        },
        owner: slo.ownership.owner.clone(),
        data_quality: DataQualityInfo {
            no_data: objective.data_quality.no_data,
            gaps: objective.data_quality.gaps,
            coverage: objective.data_quality.coverage,
            low_traffic: objective.data_quality.low_traffic,
            low_traffic_threshold: objective.data_quality.low_traffic_threshold,
            excluded_seconds: objective.data_quality.excluded_ms as f64 / 1000.0,
            state: objective.data_quality.freshness.as_str(),
            last_data: match objective.data_quality.freshness {
                crate::engine::Freshness::Stale { last: Some(last) } => Some(timestamp(last)),
                _ => None,
            },
            stale_after_seconds: status.no_data.after.as_millis() as f64 / 1000.0,
            data_since: objective.data_quality.data_since.map(timestamp),
            window_coverage: objective.data_quality.window_coverage.map(tidy),
            unmeasured: None,
        },
        members: status
            .members
            .iter()
            .map(|member| MemberInfo {
                name: member.name.clone(),
                weight: member.weight,
                target: member.target,
                sli: member.sli.map(tidy),
                consumed: member.consumed.map(tidy),
            })
            .collect(),
        error: objective.error.clone(),
    }
}

/// A percentage with enough decimals to tell nines apart: `99.953%`.
pub fn percent(value: f64, decimals: usize) -> String {
    format!("{}%", format_decimal(value * 100.0, decimals))
}

/// `2d 4h`, `43m`, `26s`: a duration for people.
pub fn human_seconds(seconds: f64) -> String {
    let seconds = seconds.max(0.0).round() as u64;
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3_600,
        seconds % 3_600 / 60,
    );
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{seconds}s")
    }
}

/// The figures of one row as the table and markdown forms show them.
struct Cells {
    name: String,
    target: String,
    sli: String,
    remaining: String,
    exhausts: String,
    coverage: String,
    burn: String,
    alerts: String,
    policy: String,
    sla: String,
    owner: String,
    review: String,
    /// Lines under the row in the text table: what is notable and has no column there.
    notes: Vec<String>,
}

/// `exhausted (frozen)`, but `frozen` for a state already named so (issue 8.14), and
/// `no data (frozen)` when the policy is in no state for want of data.
fn policy_cell(policy: Option<&PolicyInfo>) -> String {
    let Some(policy) = policy else {
        return "no policy".to_string();
    };
    let state = match (&policy.state, policy.no_data) {
        (Some(state), _) => state.clone(),
        (None, true) => "no data".to_string(),
        (None, false) => return "-".to_string(),
    };
    let says_frozen = ["froz", "freez"]
        .iter()
        .any(|word| state.to_ascii_lowercase().contains(word));
    if policy.frozen && !says_frozen {
        format!("{state} (frozen)")
    } else {
        state
    }
}

fn cells(row: &Row) -> Cells {
    let sli = match row.sli {
        Some(sli) => percent(sli, 3),
        None => "no data".to_string(),
    };
    let remaining = match row.budget_remaining {
        Some(remaining) => percent(remaining, 1),
        None => "-".to_string(),
    };
    let exhausts = match (row.budget_remaining, row.time_to_exhaustion_seconds) {
        (Some(remaining), _) if remaining <= 0.0 => "spent".to_string(),
        (_, Some(seconds)) => human_seconds(seconds),
        _ => "-".to_string(),
    };
    // The share of the window the data spans: what makes a young window's numbers
    // provisional. (Intervals with data, `coverage` in the JSON, depend on how often a
    // counts file has rows, so they are not shown here.)
    let coverage = match row.data_quality.window_coverage {
        Some(coverage) if !row.data_quality.no_data => percent(coverage, 1),
        _ => "-".to_string(),
    };
    let burn = match &row.fastest_burn {
        Some(fastest) => format!("{}x ({})", format_decimal(fastest.rate, 2), fastest.window),
        None => "-".to_string(),
    };
    let alerts = if row.alerts.is_empty() {
        "-".to_string()
    } else {
        row.alerts
            .iter()
            .map(|alert| alert.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sla = match &row.sla {
        Some(SlaInfo {
            met: Some(true),
            attainment: Some(attainment),
            ..
        }) => format!("met ({})", percent(*attainment, 3)),
        Some(SlaInfo {
            met: Some(false),
            credit: Some(credit),
            ..
        }) => format!("breached, {} credit", percent(*credit, 1)),
        Some(SlaInfo {
            met: Some(false), ..
        }) => "breached".to_string(),
        Some(_) => "no data".to_string(),
        None => "-".to_string(),
    };
    let review = match (&row.review.due, row.review.overdue) {
        (Some(due), true) => format!("{due} (overdue)"),
        (Some(due), false) => due.clone(),
        (None, _) => "never reviewed".to_string(),
    };
    let mut name = row.slo.clone();
    if row.objective != crate::model::DEFAULT_OBJECTIVE {
        name.push(':');
        name.push_str(&row.objective);
    }
    let mut notes = Vec::new();
    if row.data_quality.state != "current" {
        let reason = match &row.policy_state {
            Some(PolicyInfo {
                no_data: true,
                reason: Some(reason),
                ..
            }) => reason.clone(),
            _ => match (&row.data_quality.last_data, row.data_quality.state) {
                (Some(last), _) => format!("no data since {last}"),
                (None, "none") => "never received data".to_string(),
                _ => "no current data".to_string(),
            },
        };
        notes.push(format!("data: {reason}"));
    }
    if let Some(unmeasured) = row.data_quality.unmeasured
        && unmeasured.missing_field + unmeasured.wrong_type > 0
    {
        notes.push(format!(
            "unmeasured: {} event(s) matched but could not be judged ({} without the field, {} of a wrong type)",
            unmeasured.missing_field + unmeasured.wrong_type,
            unmeasured.missing_field,
            unmeasured.wrong_type
        ));
    }
    if !row.alerts.is_empty() {
        notes.push(format!("alerts: {alerts} (fastest burn {burn})"));
    }
    if row.data_quality.low_traffic {
        notes.push(format!(
            "low traffic: {} valid events, under {}: one bad event spends over a tenth of the budget",
            format_decimal(row.valid, 0),
            format_decimal(row.data_quality.low_traffic_threshold, 0)
        ));
    }
    match (&row.data_quality.data_since, row.budget.extrapolated_by) {
        (Some(since), Some(factor)) => notes.push(format!(
            "young window: data since {since}; budgeted on the whole window's expected events ({}x those seen)",
            format_decimal(factor, 1)
        )),
        (Some(since), None) => notes.push(format!("young window: data since {since}")),
        _ => {}
    }
    if row.sla.is_some() {
        notes.push(format!("sla: {sla}"));
    }
    if row.review.overdue {
        notes.push(format!("review: {review}"));
    }
    if let Some(error) = &row.error {
        notes.push(format!("error: {error}"));
    }
    Cells {
        name,
        target: percent(row.target, 4),
        sli,
        remaining,
        exhausts,
        coverage,
        burn,
        alerts,
        policy: policy_cell(row.policy_state.as_ref()),
        sla,
        owner: row.owner.clone().unwrap_or_else(|| "-".to_string()),
        review,
        notes,
    }
}

/// The text table's columns: what a reader needs at a glance, within 100 columns for
/// the example shop (services as headings with their owner; alerts, SLA, overdue
/// reviews and data problems as notes under their row). The markdown form has every
/// column.
const TABLE_HEADERS: [&str; 7] = [
    "SLO",
    "TARGET",
    "SLI",
    "REMAINING",
    "EXHAUSTS IN",
    "COVERAGE",
    "POLICY",
];

/// The report as an aligned text table, grouped by service.
pub fn table(report: &Report) -> String {
    let rows: Vec<(&Row, Cells)> = report
        .objectives
        .iter()
        .map(|row| (row, cells(row)))
        .collect();
    let columns = |cells: &Cells| -> [String; 7] {
        [
            format!("  {}", cells.name),
            cells.target.clone(),
            cells.sli.clone(),
            cells.remaining.clone(),
            cells.exhausts.clone(),
            cells.coverage.clone(),
            cells.policy.clone(),
        ]
    };
    let mut widths: Vec<usize> = TABLE_HEADERS.iter().map(|header| header.len()).collect();
    for (_, cells) in &rows {
        for (index, cell) in columns(cells).iter().enumerate() {
            widths[index] = widths[index].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&mut out, &TABLE_HEADERS.map(str::to_string));
    let mut index = 0;
    while index < rows.len() {
        let service = &rows[index].0.service;
        let group: Vec<&(&Row, Cells)> = rows[index..]
            .iter()
            .take_while(|(row, _)| &row.service == service)
            .collect();
        index += group.len();
        let owners: Vec<&str> = group
            .iter()
            .map(|(_, cells)| cells.owner.as_str())
            .collect();
        let shared_owner = owners.windows(2).all(|pair| pair[0] == pair[1]);
        match (shared_owner, owners.first()) {
            (true, Some(owner)) if *owner != "-" => {
                let _ = writeln!(out, "{service} (owner: {owner})");
            }
            _ => {
                let _ = writeln!(out, "{service}");
            }
        }
        for (_, cells) in group {
            line(&mut out, &columns(cells));
            if !shared_owner {
                let _ = writeln!(out, "      owner: {}", cells.owner);
            }
            for note in &cells.notes {
                let _ = writeln!(out, "      {note}");
            }
        }
    }
    out
}

const MARKDOWN_HEADERS: [&str; 12] = [
    "SLO",
    "TARGET",
    "SLI",
    "REMAINING",
    "EXHAUSTS IN",
    "COVERAGE",
    "FASTEST BURN",
    "ALERTS",
    "POLICY",
    "SLA",
    "OWNER",
    "REVIEW DUE",
];

/// The report as a markdown table, every column.
pub fn markdown(report: &Report) -> String {
    let mut out = format!(
        "SLO status at {}\n\n| {} |\n|{}\n",
        report.at,
        MARKDOWN_HEADERS.join(" | "),
        "---|".repeat(MARKDOWN_HEADERS.len())
    );
    for row in &report.objectives {
        let cells = cells(row);
        let policy = match row.data_quality.state {
            "current" => cells.policy,
            _ if cells.policy.starts_with("no data") => cells.policy,
            "stale" => format!("{} (stale data)", cells.policy),
            _ => format!("{} (no data)", cells.policy),
        };
        let columns = [
            format!("{}/{}", row.service, cells.name),
            cells.target,
            cells.sli,
            cells.remaining,
            cells.exhausts,
            cells.coverage,
            cells.burn,
            cells.alerts,
            policy,
            cells.sla,
            cells.owner,
            cells.review,
        ];
        let escaped: Vec<String> = columns
            .iter()
            .map(|cell| cell.replace('|', "\\|"))
            .collect();
        let _ = writeln!(out, "| {} |", escaped.join(" | "));
    }
    out
}

/// Whether the release gate lets a change through.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct GateDecision {
    /// The service.
    pub service: String,
    /// The change type asked about.
    pub change_type: Option<String>,
    /// True when no SLO of the service freezes this change.
    pub allowed: bool,
    /// What blocks it.
    pub blockers: Vec<Blocker>,
    /// The SLOs considered.
    pub slos: Vec<String>,
    /// SLOs without current data that were let through anyway (`noData.gate: allow` or
    /// `--allow-no-data`), each with the reason.
    #[serde(default)]
    pub without_data: Vec<String>,
    /// The evaluation instant.
    pub at: String,
}

/// How the gate decides beyond the specs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GateOptions {
    /// Let SLOs without current data through (`nines gate --allow-no-data`): for a
    /// release that must go while the data pipeline is being repaired.
    pub allow_no_data: bool,
}

/// One reason the gate is closed.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Blocker {
    /// `service/slo`.
    pub slo: String,
    /// Policy name.
    pub policy: String,
    /// The state that freezes.
    pub state: String,
    /// Why the state applies.
    pub reason: Option<String>,
    /// The freezing actions, in words.
    pub actions: Vec<String>,
    /// Change types still allowed.
    pub exempt: Vec<String>,
    /// True when what blocks is the lack of current data, not a policy state.
    #[serde(default)]
    pub no_data: bool,
}

/// The gate's decision for `service` and a change of `change_type`, with the default
/// [`GateOptions`].
pub fn gate(
    statuses: &[SloStatus<'_>],
    service: &str,
    change_type: Option<&str>,
    at: Millis,
) -> GateDecision {
    gate_with(statuses, service, change_type, at, GateOptions::default())
}

/// The gate's decision for `service` and a change of `change_type`: closed when a
/// policy state freezes the change, or (issue 8.5) when an SLO of the service with a
/// policy has no current data and neither its `noData.gate` nor `options` allow that.
/// An SLO without a policy never closes the gate; without data it is listed.
pub fn gate_with(
    statuses: &[SloStatus<'_>],
    service: &str,
    change_type: Option<&str>,
    at: Millis,
    options: GateOptions,
) -> GateDecision {
    let mut blockers = Vec::new();
    let mut slos = Vec::new();
    let mut without_data = Vec::new();
    for status in statuses
        .iter()
        .filter(|status| status.slo.service == service)
    {
        slos.push(status.slo.qualified_name());
        // Not measured (the backend failed) is neither healthy nor "no data": without the
        // numbers there is no decision, and `--allow-no-data` does not change that.
        if let Some(problem) = status
            .objectives
            .iter()
            .find_map(|objective| objective.error.as_deref())
        {
            match &status.policy {
                Some(policy) => blockers.push(Blocker {
                    slo: status.slo.qualified_name(),
                    policy: policy.policy.name.clone(),
                    state: "not measured".to_string(),
                    reason: Some(format!("backend error: {problem}")),
                    actions: vec![
                        "no decision without measurements: repair the backend or retry".to_string(),
                    ],
                    exempt: Vec::new(),
                    no_data: false,
                }),
                None => without_data.push(format!(
                    "{} not measured (backend error: {problem}); no policy, so not gated",
                    status.slo.qualified_name()
                )),
            }
            continue;
        }
        let frozen_by_policy = status
            .policy
            .as_ref()
            .is_some_and(|policy| policy.state.is_some() && policy.blocks(change_type));
        if !frozen_by_policy && let Some(reason) = status.no_data_reason() {
            // Without a policy an SLO has no consequences, with data or without: it is
            // listed, never a blocker.
            if status.policy.is_some() && status.no_data_freezes() && !options.allow_no_data {
                blockers.push(Blocker {
                    slo: status.slo.qualified_name(),
                    policy: status
                        .policy
                        .as_ref()
                        .map(|policy| policy.policy.name.clone())
                        .unwrap_or_default(),
                    state: "no data".to_string(),
                    reason: Some(reason),
                    actions: vec!["freeze releases until data arrives".to_string()],
                    exempt: Vec::new(),
                    no_data: true,
                });
            } else if status.policy.is_none() {
                without_data.push(format!("{reason}; no policy, so not gated"));
            } else {
                without_data.push(reason);
            }
            continue;
        }
        let Some(policy) = &status.policy else {
            continue;
        };
        let Some(state) = policy.state else { continue };
        if frozen_by_policy {
            blockers.push(Blocker {
                slo: status.slo.qualified_name(),
                policy: policy.policy.name.clone(),
                state: state.name.clone(),
                reason: policy.reason.map(|reason| reason.to_string()),
                actions: policy
                    .actions()
                    .iter()
                    .filter(|action| action.blocks(change_type))
                    .map(ToString::to_string)
                    .collect(),
                exempt: policy.exempt(),
                no_data: false,
            });
        }
    }
    GateDecision {
        service: service.to_string(),
        change_type: change_type.map(str::to_string),
        allowed: blockers.is_empty(),
        blockers,
        slos,
        without_data,
        at: timestamp(at),
    }
}

impl GateDecision {
    /// Lets SLOs without current data through after all (`--allow-no-data` against a
    /// server, whose decision was made without the flag): their blockers become notes.
    pub fn allowing_no_data(mut self) -> GateDecision {
        let (no_data, blockers): (Vec<Blocker>, Vec<Blocker>) = self
            .blockers
            .into_iter()
            .partition(|blocker| blocker.no_data);
        self.without_data
            .extend(no_data.into_iter().filter_map(|blocker| blocker.reason));
        self.allowed = blockers.is_empty();
        self.blockers = blockers;
        self
    }
}

/// The gate's decision in words, as `nines gate` prints it.
pub fn gate_text(decision: &GateDecision) -> String {
    let change = decision
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
        for reason in &decision.without_data {
            let _ = writeln!(text, "  let through without data: {reason}");
        }
        return text;
    }
    let _ = writeln!(
        text,
        "frozen: {} may not ship this {change}",
        decision.service
    );
    for blocker in &decision.blockers {
        if blocker.no_data {
            let _ = writeln!(text, "  {}: no data", blocker.slo);
            if let Some(reason) = &blocker.reason {
                let _ = writeln!(text, "    why: {reason}");
            }
            let _ = writeln!(
                text,
                "    to ship anyway: repair the data pipeline, or pass --allow-no-data (or set `noData: {{gate: allow}}` in the spec)"
            );
            continue;
        }
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
    text
}

/// Target suggestions in words, as `nines suggest` prints them.
pub fn suggestions_text(suggestions: &[crate::engine::suggest::Suggestion]) -> String {
    let mut text = String::new();
    for suggestion in suggestions {
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
                format_decimal(gap, 4),
                if ratio >= 1.0 {
                    format!("1/{}", format_decimal(ratio, 1))
                } else {
                    format!("{}x", format_decimal(1.0 / ratio, 1))
                }
            );
        }
    }
    text
}
