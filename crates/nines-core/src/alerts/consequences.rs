//! The consequences beside alerts: an error budget policy changing state, and an
//! overdue review (announced once per day at most).

use serde::{Deserialize, Serialize};

use crate::alerts::AlertBook;
use crate::engine::{PolicyReason, SloStatus};
use crate::source::Millis;

/// An SLO's error budget policy changed state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyTransition {
    /// The service.
    pub service: String,
    /// The SLO.
    pub slo: String,
    /// The policy's name.
    pub policy: String,
    /// The state before; `None` when no state applied, or on the first evaluation that
    /// saw the SLO (see [`policy_change`]).
    pub from: Option<String>,
    /// The state now; `None` when no state applies (no current data).
    pub to: Option<String>,
    /// The new state's actions, one line each (`freeze releases except p0, security`).
    pub actions: Vec<String>,
    /// The actions in one sentence (`freeze releases except p0, security; escalate to
    /// cto`), or why no state applies.
    pub in_words: String,
    /// Why the new state applies (`objective `default`: -3.20% of the error budget
    /// remains (below 0%)`).
    pub reason: Option<String>,
    /// The evaluation instant.
    pub at: Millis,
}

/// An SLO whose review is overdue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewDue {
    /// The service.
    pub service: String,
    /// The SLO.
    pub slo: String,
    /// Its owner, when it has one.
    pub owner: Option<String>,
    /// Its last review (`2025-11-01`).
    pub last_reviewed: String,
    /// When the next review was due (`2026-11-01`).
    pub due: String,
    /// The evaluation instant.
    pub at: Millis,
}

/// The policy change of `status` since the book's last state, recorded in the book.
///
/// The first evaluation that sees an SLO (a new SLO, or a first start) records its state
/// and announces it only when a condition put it there (not the `always` fallback): a
/// frozen SLO at start-up is news, a healthy one is not.
pub(crate) fn policy_change(
    book: &mut AlertBook,
    status: &SloStatus<'_>,
    key: &str,
    at: Millis,
) -> Option<PolicyTransition> {
    let Some(policy) = &status.policy else {
        book.policies.remove(key);
        return None;
    };
    let now = policy.state.map(|state| state.name.clone());
    let actions: Vec<String> = policy.actions().iter().map(ToString::to_string).collect();
    let from = match book.policies.get(key) {
        Some(previous) if *previous == now => return None,
        Some(previous) => previous.clone(),
        None => {
            book.policies.insert(key.to_string(), now.clone());
            let fallback = matches!(policy.reason, None | Some(PolicyReason::Always));
            if now.is_none() || fallback {
                return None;
            }
            None
        }
    };
    book.policies.insert(key.to_string(), now.clone());
    let in_words = match (&now, actions.is_empty()) {
        (None, _) => format!(
            "no state applies: {}",
            policy
                .reason
                .map(|reason| reason.to_string())
                .unwrap_or_else(|| "the SLO has no current data".to_string())
        ),
        (Some(_), true) => "no actions".to_string(),
        (Some(_), false) => actions
            .iter()
            .map(|action| action.trim_end_matches('.'))
            .collect::<Vec<_>>()
            .join("; "),
    };
    Some(PolicyTransition {
        service: status.slo.service.clone(),
        slo: status.slo.name.clone(),
        policy: policy.policy.name.clone(),
        from,
        to: now,
        actions,
        in_words,
        reason: policy.reason.map(|reason| reason.to_string()),
        at,
    })
}

/// The review reminder of `status` when its review is overdue `today` and none was
/// given today yet (recorded in the book).
pub(crate) fn review_due(
    book: &mut AlertBook,
    status: &SloStatus<'_>,
    key: &str,
    today: jiff::civil::Date,
    at: Millis,
) -> Option<ReviewDue> {
    let review = &status.slo.review;
    if !review.is_overdue(today) {
        book.reviews.remove(key);
        return None;
    }
    let (Some(last_reviewed), Some(due)) = (review.last_reviewed, review.due()) else {
        return None;
    };
    if book.reviews.get(key) == Some(&today) {
        return None;
    }
    book.reviews.insert(key.to_string(), today);
    Some(ReviewDue {
        service: status.slo.service.clone(),
        slo: status.slo.name.clone(),
        owner: status.slo.ownership.owner.clone(),
        last_reviewed: last_reviewed.to_string(),
        due: due.to_string(),
        at,
    })
}
