//! The report: one row per SLO objective, in a stable JSON schema (`docs/report-json.md`)
//! shared by `nines report --output json`, the server's status endpoints and later the
//! dashboard, plus the release gate's decision.

use std::fmt::Write as _;

use serde::ser::SerializeMap;

use crate::engine::{BURN_WINDOW_LABELS, BudgetUnit, ObjectiveStatus, SloStatus};
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
            factor: alert.factor,
            long_burn: alert.long_burn,
            short_burn: alert.short_burn,
            holds: alert.holds,
        })
        .collect();
    let mut burn_rates: Vec<(&'static str, Option<f64>)> = BURN_WINDOW_LABELS
        .iter()
        .copied()
        .zip(objective.burn.windows)
        .collect();
    burn_rates.push(("window", objective.burn.whole));
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
        sli: objective.sli,
        sli_interval: objective.sli_interval.map(|(low, high)| [low, high]),
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
            fraction: objective.budget.fraction,
            unit: objective.budget.unit,
            allowed: objective.budget.allowed,
            spent: objective.budget.spent,
            consumed: objective.budget.consumed,
            remaining: objective.budget.remaining,
        },
        budget_remaining: objective.budget.remaining,
        burn_rates: BurnRateMap(burn_rates),
        fastest_burn: objective
            .burn
            .fastest()
            .map(|(window, rate)| FastestBurn { window, rate }),
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
        }),
        sla: status.sla.as_ref().map(|sla| SlaInfo {
            name: sla.sla.name.clone(),
            target: sla.sla.target.fraction(),
            period_start: timestamp(sla.period.start),
            period_end: timestamp(sla.period.end),
            attainment: sla.attainment,
            met: sla.met,
            credit: sla.credit,
            margin: sla.margin,
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
        },
        members: status
            .members
            .iter()
            .map(|member| MemberInfo {
                name: member.name.clone(),
                weight: member.weight,
                target: member.target,
                sli: member.sli,
                consumed: member.consumed,
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

/// The cells of the table and markdown forms, one line per row.
fn cells(row: &Row) -> [String; 10] {
    let sli = match row.sli {
        Some(sli) => percent(sli, 3),
        None => "no data".to_string(),
    };
    let remaining = match row.budget_remaining {
        Some(remaining) => percent(remaining, 1),
        None => "-".to_string(),
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
    let policy = match &row.policy_state {
        Some(PolicyInfo {
            state: Some(state),
            frozen: true,
            ..
        }) => format!("{state} (frozen)"),
        Some(PolicyInfo {
            state: Some(state), ..
        }) => state.clone(),
        Some(_) => "-".to_string(),
        None => "no policy".to_string(),
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
    let mut name = format!("{}/{}", row.service, row.slo);
    if row.objective != crate::model::DEFAULT_OBJECTIVE {
        name.push(':');
        name.push_str(&row.objective);
    }
    let mut sli = sli;
    if row.data_quality.low_traffic {
        sli.push_str(" (low traffic)");
    }
    [
        name,
        percent(row.target, 4),
        sli,
        remaining,
        burn,
        alerts,
        policy,
        sla,
        review,
        row.error.clone().unwrap_or_default(),
    ]
}

const HEADERS: [&str; 9] = [
    "SLO",
    "TARGET",
    "SLI",
    "REMAINING",
    "FASTEST BURN",
    "ALERTS",
    "POLICY",
    "SLA",
    "REVIEW DUE",
];

/// The report as an aligned text table.
pub fn table(report: &Report) -> String {
    let rows: Vec<[String; 10]> = report.objectives.iter().map(cells).collect();
    let mut widths: Vec<usize> = HEADERS.iter().map(|header| header.len()).collect();
    for row in &rows {
        for (index, cell) in row.iter().take(9).enumerate() {
            widths[index] = widths[index].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&mut out, &HEADERS);
    for row in &rows {
        let borrowed: Vec<&str> = row.iter().take(9).map(String::as_str).collect();
        line(&mut out, &borrowed);
        if !row[9].is_empty() {
            let _ = writeln!(out, "  error: {}", row[9]);
        }
    }
    out
}

/// The report as a markdown table.
pub fn markdown(report: &Report) -> String {
    let mut out = format!(
        "SLO status at {}\n\n| {} |\n|{}\n",
        report.at,
        HEADERS.join(" | "),
        "---|".repeat(HEADERS.len())
    );
    for row in &report.objectives {
        let cells = cells(row);
        let escaped: Vec<String> = cells
            .iter()
            .take(9)
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
    /// The evaluation instant.
    pub at: String,
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
}

/// The gate's decision for `service` and a change of `change_type`.
pub fn gate(
    statuses: &[SloStatus<'_>],
    service: &str,
    change_type: Option<&str>,
    at: Millis,
) -> GateDecision {
    let mut blockers = Vec::new();
    let mut slos = Vec::new();
    for status in statuses
        .iter()
        .filter(|status| status.slo.service == service)
    {
        slos.push(status.slo.qualified_name());
        let Some(policy) = &status.policy else {
            continue;
        };
        let Some(state) = policy.state else { continue };
        if policy.blocks(change_type) {
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
            });
        }
    }
    GateDecision {
        service: service.to_string(),
        change_type: change_type.map(str::to_string),
        allowed: blockers.is_empty(),
        blockers,
        slos,
        at: timestamp(at),
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
        return text;
    }
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
