//! The state of an objective at a glance, and the order of risk the overview sorts by.

use nines_core::report::Row;

/// Budget remaining below which an objective is at risk: a quarter left is when teams
/// usually start to slow down (and the policies of the examples freeze at zero).
pub const AT_RISK_BUDGET: f64 = 0.25;

/// The state of an objective, worst first (the derived order is the risk order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// No budget left (or overspent).
    Exhausted,
    /// At least one alert row holds.
    Alerting,
    /// No data in the window, or the data stopped (stale): never "healthy".
    NoData,
    /// Less than [`AT_RISK_BUDGET`] left, or burning faster than the budget allows over
    /// the whole window, or a policy state in force that freezes changes.
    AtRisk,
    /// None of the above.
    Healthy,
}

impl State {
    /// Every state, worst first.
    pub const ALL: [State; 5] = [
        State::Exhausted,
        State::Alerting,
        State::NoData,
        State::AtRisk,
        State::Healthy,
    ];

    /// The state of a report row.
    pub fn of(row: &Row) -> State {
        if row.error.is_some() || row.sli.is_none() || row.data_quality.state != "current" {
            // A stale source still has an SLI, but no one can say it is healthy now.
            if row.budget_remaining.is_some_and(|left| left <= 0.0) {
                return State::Exhausted;
            }
            if !row.alerts.is_empty() {
                return State::Alerting;
            }
            return State::NoData;
        }
        if row.budget_remaining.is_some_and(|left| left <= 0.0) {
            State::Exhausted
        } else if !row.alerts.is_empty() {
            State::Alerting
        } else if row
            .budget_remaining
            .is_some_and(|left| left < AT_RISK_BUDGET)
            || row
                .policy_state
                .as_ref()
                .is_some_and(|policy| policy.frozen)
            || row
                .burn_rates
                .0
                .iter()
                .find(|(window, _)| *window == "window")
                .and_then(|(_, rate)| *rate)
                .is_some_and(|rate| rate > 1.0)
        {
            State::AtRisk
        } else {
            State::Healthy
        }
    }

    /// The name in URLs and CSS classes.
    pub fn key(self) -> &'static str {
        match self {
            State::Exhausted => "exhausted",
            State::Alerting => "alerting",
            State::NoData => "no-data",
            State::AtRisk => "at-risk",
            State::Healthy => "healthy",
        }
    }

    /// The words shown beside the colour.
    pub fn label(self) -> &'static str {
        match self {
            State::Exhausted => "exhausted",
            State::Alerting => "alerting",
            State::NoData => "no data",
            State::AtRisk => "at risk",
            State::Healthy => "healthy",
        }
    }

    /// A shape that tells the state without colour.
    pub fn icon(self) -> &'static str {
        match self {
            State::Exhausted => "✖",
            State::Alerting => "▲",
            State::NoData => "?",
            State::AtRisk => "◆",
            State::Healthy => "✔",
        }
    }

    /// The state named `key` in a URL.
    pub fn from_key(key: &str) -> Option<State> {
        State::ALL.into_iter().find(|state| state.key() == key)
    }
}
