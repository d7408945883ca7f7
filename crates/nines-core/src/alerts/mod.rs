//! Alert state: the instances that hold, and the transitions between evaluations.
//!
//! Pure: no clock, no store. [`step`] takes the engine's statuses at an instant and the
//! [`AlertBook`] (what was pending or firing, each SLO's last policy state, the day each
//! SLO's overdue review was last announced) and returns the [`Change`]s: alert
//! transitions, policy changes and review reminders. The caller persists the book and
//! the changes together (`nines-alerting`).
//!
//! States of an alert instance: inactive (no instance) → pending (its condition holds,
//! for less than the row's `for:`) → firing → resolved (the instance is removed; the
//! transition stays in the history). A row without `for:` fires on the first evaluation
//! its condition holds. Unknown is never healthy: an objective whose counts could not be
//! read (a backend error), or whose burn windows have no data, keeps its alerts as they
//! are.

mod consequences;
mod step;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::source::Millis;

pub use consequences::{PolicyTransition, ReviewDue};
pub use step::step;

/// The severity of no-data alerts when `alerting.noData.severity` does not say: a
/// broken pipeline needs a person during working hours, not a page at night.
pub const DEFAULT_NO_DATA_SEVERITY: &str = "ticket";

/// The row name of an SLO's no-data alert in its id (`service/slo/no-data`).
pub const NO_DATA_ROW: &str = "no-data";

/// What raised an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A burn-rate row: both windows burn faster than its threshold.
    BurnRate,
    /// The SLO's data stopped arriving (`noData.after`).
    NoData,
}

impl AlertKind {
    /// `burn_rate`, `no_data`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::BurnRate => "burn_rate",
            AlertKind::NoData => "no_data",
        }
    }
}

/// The state of an instance that exists (inactive and resolved ones do not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// The condition holds, for less than the row's `for:`.
    Pending,
    /// The alert fired.
    Firing,
}

impl AlertState {
    /// `pending`, `firing`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// One alert instance: an SLO objective's alert row (or the SLO's no-data alert) whose
/// condition holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertInstance {
    /// `service/slo/objective/row` (row: the row's name, or `page-1h` style), or
    /// `service/slo/no-data`.
    pub id: String,
    /// What raised it.
    pub kind: AlertKind,
    /// The service.
    pub service: String,
    /// The SLO within its service.
    pub slo: String,
    /// The objective (burn-rate alerts).
    pub objective: Option<String>,
    /// The row's name (`page-1h`), or `no-data`.
    pub row: String,
    /// `page`, `ticket`...
    pub severity: String,
    /// Pending or firing.
    pub state: AlertState,
    /// When its condition started holding.
    pub active_at: Millis,
    /// When it fired.
    pub fired_at: Option<Millis>,
    /// The row's `for:`, in milliseconds (0: fires at once).
    pub for_ms: i64,
    /// The row's long window (`1h`).
    pub long_window: Option<String>,
    /// The row's short window (`5m`).
    pub short_window: Option<String>,
    /// The burn rate both windows must exceed.
    pub threshold: Option<f64>,
    /// The long window's burn rate when it became active, then when it fired.
    pub long_burn: Option<f64>,
    /// The short window's burn rate at the same instant.
    pub short_burn: Option<f64>,
    /// Share of the error budget left at the same instant (negative when overspent).
    pub budget_remaining: Option<f64>,
    /// Time until the budget is gone at the 1-hour burn rate, at the same instant, in
    /// milliseconds.
    pub time_to_exhaustion_ms: Option<i64>,
    /// Why the state was last kept without evaluating it (a backend error, no data in
    /// the burn windows); `None` when the last evaluation decided it.
    pub held: Option<String>,
    /// The last evaluation that saw it.
    pub evaluated_at: Millis,
}

/// What happened to an alert at an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertEvent {
    /// Its condition started holding; it waits for `for:`.
    Pending,
    /// It fired.
    Firing,
    /// A firing alert stopped holding (or its SLO, objective or row left the specs, or
    /// alerting was disabled: see the reason).
    Resolved,
    /// A pending alert stopped holding before its `for:` ran out: nothing was sent.
    Cancelled,
}

impl AlertEvent {
    /// `pending`, `firing`, `resolved`, `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertEvent::Pending => "pending",
            AlertEvent::Firing => "firing",
            AlertEvent::Resolved => "resolved",
            AlertEvent::Cancelled => "cancelled",
        }
    }
}

/// One alert transition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertTransition {
    /// What happened.
    pub event: AlertEvent,
    /// The evaluation instant.
    pub at: Millis,
    /// The instance as it was at the transition (for a resolve: as it fired).
    pub alert: AlertInstance,
    /// When it resolved or was cancelled.
    pub resolved_at: Option<Millis>,
    /// Why, in words, when not the plain condition (`the SLO was removed from the specs`).
    pub reason: Option<String>,
}

/// A change an evaluation produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// An alert changed state.
    Alert(AlertTransition),
    /// An SLO's error budget policy changed state.
    Policy(PolicyTransition),
    /// An SLO's review is overdue (once per day at most).
    Review(ReviewDue),
}

/// What persists between evaluations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertBook {
    /// Pending and firing instances by id.
    pub instances: BTreeMap<String, AlertInstance>,
    /// Each SLO's (`service/slo`) last policy state (`None`: no state applied).
    pub policies: BTreeMap<String, Option<String>>,
    /// Each SLO's last review reminder, as a date (`2026-12-03`).
    pub reviews: BTreeMap<String, jiff::civil::Date>,
}

impl AlertBook {
    /// The instances that are firing now.
    pub fn firing(&self) -> impl Iterator<Item = &AlertInstance> {
        self.instances
            .values()
            .filter(|instance| instance.state == AlertState::Firing)
    }
}
