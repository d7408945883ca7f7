//! What the engine says about an SLO at an instant.
//!
//! Every number that can be undefined (no data, nothing allowed) is an `Option`: "no data"
//! is never shown as 0% or 100%, and no NaN or infinity can reach a report.

use crate::model::{
    Action, BurnRateWindow, ErrorBudgetPolicy, NoData, NoDataGate, Objective, PolicyState, Sla, Slo,
};
use crate::source::{Counts, Millis, SliceCounts, TimeRange};
use crate::{Duration, Ratio};

/// Labels of the burn-rate windows every status reports, shortest first.
pub const BURN_WINDOW_LABELS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// The status of one SLO at `at`.
#[derive(Clone, Debug)]
pub struct SloStatus<'c> {
    /// The SLO.
    pub slo: &'c Slo,
    /// The evaluation instant.
    pub at: Millis,
    /// The measured part of the window: `[start, at)`; for a calendar window `start` is
    /// the period's start and `period` the whole period.
    pub window: TimeRange,
    /// The whole period (rolling: the same as `window`).
    pub period: TimeRange,
    /// One status per objective.
    pub objectives: Vec<ObjectiveStatus<'c>>,
    /// The error budget policy's current state.
    pub policy: Option<PolicyStatus<'c>>,
    /// The SLA's attainment over its calendar period so far.
    pub sla: Option<SlaStatus<'c>>,
    /// Members' contributions, for composite SLOs.
    pub members: Vec<MemberStatus>,
    /// Whether the SLO's data is current: the least current of its objectives (and
    /// composite members).
    pub freshness: Freshness,
    /// The rule for missing data in force (the SLO's, its service's or the default).
    pub no_data: NoData,
}

impl SloStatus<'_> {
    /// True when the gate must refuse for want of data: the data is not current and the
    /// rule says `gate: freeze`.
    pub fn no_data_freezes(&self) -> bool {
        !self.freshness.is_current() && self.no_data.gate == NoDataGate::Freeze
    }
    /// "no data for service/slo since ...", or `None` while the data is current.
    pub fn no_data_reason(&self) -> Option<String> {
        if self.freshness.is_current() {
            return None;
        }
        Some(
            self.freshness
                .describe(self.no_data.after, Some(&self.slo.qualified_name())),
        )
    }
}

/// Whether an SLO's counts are current (issue 8.5): a broken pipeline must not look
/// healthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Freshness {
    /// Data arrived within the staleness limit (`noData.after`).
    #[default]
    Current,
    /// Data once, but none within the staleness limit.
    Stale {
        /// Start of the last interval with data, when the source can tell.
        last: Option<Millis>,
    },
    /// No data at all as far back as was looked (the SLO window, at least the
    /// staleness limit).
    Missing {
        /// How far back nothing was found.
        looked_back: Duration,
    },
}

impl Freshness {
    /// True while data is current.
    pub fn is_current(self) -> bool {
        self == Freshness::Current
    }
    /// `current`, `stale` or `none`: the JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Current => "current",
            Freshness::Stale { .. } => "stale",
            Freshness::Missing { .. } => "none",
        }
    }
    /// The less current of two (composites: any member without data makes the whole
    /// unknown).
    pub fn worst(self, other: Freshness) -> Freshness {
        let rank = |freshness: &Freshness| match freshness {
            Freshness::Current => 0,
            Freshness::Stale { .. } => 1,
            Freshness::Missing { .. } => 2,
        };
        match (self, other) {
            (Freshness::Stale { last: Some(a) }, Freshness::Stale { last: Some(b) }) => {
                Freshness::Stale {
                    last: Some(a.min(b)),
                }
            }
            _ if rank(&other) > rank(&self) => other,
            _ => self,
        }
    }
    /// `no data for payments/authorization since 2026-11-30T12:00:00Z (stale after 1h)`,
    /// `never received data for payments/authorization (none in the last 28d)`, with
    /// `subject` (or without ` for ...` when `None`); empty while current.
    pub fn describe(self, after: Duration, subject: Option<&str>) -> String {
        let subject = subject
            .map(|name| format!(" for {name}"))
            .unwrap_or_default();
        match self {
            Freshness::Current => String::new(),
            Freshness::Stale { last: Some(last) } => format!(
                "no data{subject} since {} (stale after {after})",
                crate::timestamp::format_millis(last)
            ),
            Freshness::Stale { last: None } => format!("no data{subject} in the last {after}"),
            Freshness::Missing { looked_back } => {
                format!("never received data{subject} (none in the last {looked_back})")
            }
        }
    }
}

/// How the budget is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetUnit {
    /// Events (occurrences).
    Events,
    /// Time slices.
    Slices,
}

/// An error budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// `1 − target`.
    pub fraction: f64,
    /// What the budget counts.
    pub unit: BudgetUnit,
    /// Bad events (or slices) the window allows: `(1 − target) × valid events`, or
    /// `(1 − target) × slices in the window`.
    pub allowed: Option<f64>,
    /// Bad events (or slices) so far.
    pub spent: f64,
    /// `spent / allowed`; more than 1 when overspent.
    pub consumed: Option<f64>,
    /// `1 − consumed`; negative when overspent (never clamped).
    pub remaining: Option<f64>,
    /// For a young window: the factor the observed events were scaled by to budget the
    /// whole window's expected events (window ÷ time since the first data). `None` for a
    /// mature window, whose budget is never scaled.
    pub extrapolated_by: Option<f64>,
}

/// Burn rates: error ratio over a window divided by the budget fraction.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct BurnRates {
    /// Over [`BURN_WINDOW_LABELS`], in order.
    pub windows: [Option<f64>; 7],
    /// Over the SLO window so far.
    pub whole: Option<f64>,
}

impl BurnRates {
    /// The fastest burn and its window label.
    pub fn fastest(&self) -> Option<(&'static str, f64)> {
        BURN_WINDOW_LABELS
            .iter()
            .zip(self.windows.iter())
            .filter_map(|(label, rate)| rate.map(|rate| (*label, rate)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
    /// The burn over a labelled window.
    pub fn get(&self, label: &str) -> Option<f64> {
        BURN_WINDOW_LABELS
            .iter()
            .position(|known| *known == label)
            .and_then(|index| self.windows[index])
    }
}

/// One alert row evaluated long-and-short.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertStatus<'c> {
    /// The row.
    pub row: &'c BurnRateWindow,
    /// The burn rate both windows must exceed.
    pub factor: f64,
    /// Burn over the long window.
    pub long_burn: Option<f64>,
    /// Burn over the short window.
    pub short_burn: Option<f64>,
    /// True when both exceed the factor.
    pub holds: bool,
}

/// Whether the numbers can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct DataQuality {
    /// Nothing was measured in the window.
    pub no_data: bool,
    /// Intervals of the window without data.
    pub gaps: u64,
    /// Share of the window's intervals with data.
    pub coverage: Option<f64>,
    /// Fewer valid events than `low_traffic_threshold`.
    pub low_traffic: bool,
    /// Valid events under which one bad event spends more than a tenth of the budget.
    pub low_traffic_threshold: f64,
    /// Time excluded from the window by exclusions, in milliseconds.
    pub excluded_ms: i64,
    /// Whether data is current (issue 8.5).
    pub freshness: Freshness,
    /// For a young window (data starts inside it and none came before): the start of
    /// the first interval with data. Unless budgeted by time slices, the budget is then
    /// that of the whole window's expected events (`docs/engine.md`, issue 8.6).
    pub data_since: Option<Millis>,
    /// The share of the measured window its data spans: 1 when the series had data
    /// before the window, the time since the first data over the window's length for a
    /// young one (0.2% for 1.4 hours of a 28-day window). `None` without data.
    pub window_coverage: Option<f64>,
}

/// The status of one objective.
#[derive(Clone, Debug)]
pub struct ObjectiveStatus<'c> {
    /// The objective (for composites without one of their own, a synthesized objective:
    /// the weighted mean of the members' targets).
    pub objective: &'c Objective,
    /// The series its counts come from.
    pub series: &'c str,
    /// Event counts over the window.
    pub counts: Counts,
    /// Bad events (or bad slices) over each burn-rate window, in
    /// [`BURN_WINDOW_LABELS`] order: what the policy's `consumed(...)` conditions read.
    pub spent_in_windows: [f64; 7],
    /// Slice outcomes over the window (time-slice budgeting).
    pub slices: Option<SliceCounts>,
    /// The SLI over the window: good / valid (or good slices / slices, or the mean slice
    /// ratio). `None` with no data.
    pub sli: Option<f64>,
    /// The 95% Wilson score interval of the SLI (occurrences).
    pub sli_interval: Option<(f64, f64)>,
    /// The error budget.
    pub budget: Budget,
    /// Burn rates.
    pub burn: BurnRates,
    /// Time until the budget is spent at the 1-hour burn rate, in milliseconds.
    pub time_to_exhaustion: Option<i64>,
    /// Every alert row, evaluated.
    pub alerts: Vec<AlertStatus<'c>>,
    /// Whether the aspirational target is met.
    pub aspirational_met: Option<bool>,
    /// Data quality.
    pub data_quality: DataQuality,
    /// A source error, when the counts could not be read.
    pub error: Option<String>,
}

/// A composite member's contribution.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberStatus {
    /// Member name.
    pub name: String,
    /// Its weight.
    pub weight: f64,
    /// Its series.
    pub series: String,
    /// Its target.
    pub target: f64,
    /// Its SLI over the composite's window.
    pub sli: Option<f64>,
    /// Its budget consumed.
    pub consumed: Option<f64>,
}

/// The policy's current state.
#[derive(Clone, Debug)]
pub struct PolicyStatus<'c> {
    /// The policy.
    pub policy: &'c ErrorBudgetPolicy,
    /// The first state whose condition holds, if any.
    pub state: Option<&'c PolicyState>,
    /// Why that state applies (displays as a sentence).
    pub reason: Option<PolicyReason<'c>>,
    /// Set when the SLO has no current data and no state other than an `always` one
    /// holds: the policy is then in no state ("no data", never its healthy fallback),
    /// and the gate does what the rule says.
    pub no_data: Option<NoDataGate>,
}

impl PolicyStatus<'_> {
    /// The actions of the current state.
    pub fn actions(&self) -> &[Action] {
        self.state
            .map(|state| state.actions.as_slice())
            .unwrap_or_default()
    }
    /// True when the current state freezes a change of `change_type` (or, without data,
    /// when the rule for missing data freezes).
    pub fn blocks(&self, change_type: Option<&str>) -> bool {
        if self.state.is_none() && self.no_data == Some(NoDataGate::Freeze) {
            return true;
        }
        self.actions()
            .iter()
            .any(|action| action.blocks(change_type))
    }
    /// Change types the current state's freezes still allow.
    pub fn exempt(&self) -> Vec<String> {
        let mut out = Vec::new();
        for action in self.actions() {
            if let Action::Freeze { except, .. } = action {
                out.extend(except.iter().cloned());
            }
        }
        out
    }
}

/// Why a policy state applies. Kept as values, not text, so that evaluating 10,000
/// policies formats nothing; [`std::fmt::Display`] writes the sentence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PolicyReason<'c> {
    /// The state's condition is `always`.
    Always,
    /// An objective's remaining budget is below the share.
    RemainingBelow {
        /// The objective.
        objective: &'c str,
        /// Its remaining budget.
        remaining: f64,
        /// The condition's share.
        share: Ratio,
    },
    /// An objective burns faster than the rate.
    BurnRateAbove {
        /// The objective.
        objective: &'c str,
        /// Its burn rate over the window.
        burn: f64,
        /// The look-back window.
        window: Duration,
        /// The condition's rate.
        rate: f64,
    },
    /// An objective spent more than the share within the look-back.
    ConsumedAbove {
        /// The objective.
        objective: &'c str,
        /// The share of the window's budget spent within the look-back.
        consumed: f64,
        /// The look-back.
        within: Duration,
        /// The condition's share.
        share: Ratio,
    },
    /// The SLO has no current data.
    NoData {
        /// How current it is.
        freshness: Freshness,
        /// The staleness limit.
        after: Duration,
    },
}

impl std::fmt::Display for PolicyReason<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyReason::Always => formatter.write_str("always applies"),
            PolicyReason::NoData { freshness, after } => {
                formatter.write_str(&freshness.describe(*after, None))
            }
            PolicyReason::RemainingBelow {
                objective,
                remaining,
                share,
            } => write!(
                formatter,
                "objective `{objective}`: {:.2}% of the error budget remains (below {share})",
                remaining * 100.0
            ),
            PolicyReason::BurnRateAbove {
                objective,
                burn,
                window,
                rate,
            } => {
                write!(
                    formatter,
                    "objective `{objective}`: burn rate {burn:.2} over {window} (above {rate})"
                )
            }
            PolicyReason::ConsumedAbove {
                objective,
                consumed,
                within,
                share,
            } => write!(
                formatter,
                "objective `{objective}`: {:.1}% of the budget spent in the last {within} (above {share})",
                consumed * 100.0
            ),
        }
    }
}

/// The SLA over its period so far.
#[derive(Clone, Debug)]
pub struct SlaStatus<'c> {
    /// The SLA.
    pub sla: &'c Sla,
    /// Its current calendar period.
    pub period: TimeRange,
    /// Attainment so far (`None` with no data).
    pub attainment: Option<f64>,
    /// Whether attainment meets the target (`None` with no data).
    pub met: Option<bool>,
    /// The credit tier owed at this attainment.
    pub credit: Option<f64>,
    /// SLO target minus SLA target: the margin the SLO keeps.
    pub margin: f64,
}
