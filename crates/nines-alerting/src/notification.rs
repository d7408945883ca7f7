//! The notification: what happened, to which SLO, with everything a receiver needs, in
//! one versioned schema. Each target kind renders it in its own format (Alertmanager's
//! alerts, the webhook's JSON as is, a Slack message, a PagerDuty event, an e-mail).
//!
//! `id` is stable: the same transition always has the same id, across retries and
//! restarts, so receivers de-duplicate on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The version of this schema, sent in every webhook payload as `version`.
pub const SCHEMA_VERSION: u32 = 1;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// An alert started firing (after its `for:`).
    AlertFiring,
    /// A firing alert stopped holding.
    AlertResolved,
    /// An SLO's error budget policy changed state.
    PolicyChanged,
    /// An SLO's review is overdue (sent at most once a day).
    ReviewOverdue,
}

/// One notification, independent of the target that receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Schema version ([`SCHEMA_VERSION`]).
    pub version: u32,
    /// Stable id of this event: receivers de-duplicate on it.
    pub id: String,
    /// What happened.
    pub event: Event,
    /// When it happened (the evaluation instant), RFC 3339.
    pub at: String,
    /// The service.
    pub service: String,
    /// The SLO's name within its service.
    pub slo: String,
    /// Severity (`page`, `ticket`...) for alerts; `None` for policy and review events.
    pub severity: Option<String>,
    /// Labels: `alertname`, `severity`, `service`, `slo`, `objective`, `long_window`,
    /// `short_window` for alerts, plus the SLO's and the alert row's labels.
    pub labels: BTreeMap<String, String>,
    /// Annotations: `summary`, `description` (in words), `runbook_url`, `dashboard_url`
    /// when known, plus the spec's own.
    pub annotations: BTreeMap<String, String>,
    /// Link to the SLO on the nines server, when its public URL is known.
    pub url: Option<String>,
    /// For alert events.
    pub alert: Option<AlertInfo>,
    /// For policy events.
    pub policy: Option<PolicyChange>,
    /// For review events.
    pub review: Option<ReviewReminder>,
}

/// The alert behind an alert event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertInfo {
    /// The alert instance's id (`service/slo/objective/row`, or `.../no-data`).
    pub alert_id: String,
    /// `burn_rate` or `no_data`.
    pub kind: String,
    /// When its condition started holding (pending from), RFC 3339.
    pub active_at: String,
    /// When it fired, RFC 3339.
    pub fired_at: Option<String>,
    /// When it resolved, RFC 3339.
    pub resolved_at: Option<String>,
    /// The burn-rate threshold of its row.
    pub threshold: Option<f64>,
    /// The long window's burn rate at the event.
    pub long_burn: Option<f64>,
    /// The short window's burn rate at the event.
    pub short_burn: Option<f64>,
    /// Share of the error budget left at the event (may be negative when overspent).
    pub budget_remaining: Option<f64>,
    /// Seconds until the budget is gone at the current rate.
    pub time_to_exhaustion_seconds: Option<i64>,
}

/// An error budget policy's change of state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyChange {
    /// The policy's name.
    pub policy: String,
    /// The state before (`None` on the first evaluation that had one).
    pub from: Option<String>,
    /// The state now (`None` when no state applies).
    pub to: Option<String>,
    /// The new state's actions, one line each ("freeze releases except p0, security").
    pub actions: Vec<String>,
    /// The actions in one sentence.
    pub in_words: String,
}

/// An overdue review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewReminder {
    /// The SLO's owner, when it has one.
    pub owner: Option<String>,
    /// When it was last reviewed (a date), if ever.
    pub last_reviewed: Option<String>,
    /// When the review was due (a date).
    pub due: String,
}
