//! The step function: statuses at an instant in, transitions out.

use std::collections::{BTreeSet, HashSet};

use crate::alerts::consequences::{policy_change, review_due};
use crate::alerts::{
    AlertBook, AlertEvent, AlertInstance, AlertKind, AlertState, AlertTransition, Change,
    DEFAULT_NO_DATA_SEVERITY, NO_DATA_ROW,
};
use crate::engine::{AlertStatus, ObjectiveStatus, SloStatus};
use crate::source::{Millis, millis};

/// Why a state was kept while an objective's counts could not be read.
const HELD_FOR_ERROR: &str = "kept as it was: the counts could not be read";
/// Why a state was kept while its burn windows have no data.
const HELD_FOR_NO_DATA: &str =
    "kept as it was: no data in its burn windows (no data is not healthy)";

/// Evaluates every SLO's alerts, policy state and review at `at` against `book`, updates
/// `book` and returns what changed, in a stable order (the statuses' order, then
/// instances whose SLO, objective or row left the specs).
pub fn step(book: &mut AlertBook, statuses: &[SloStatus<'_>], at: Millis) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut seen: HashSet<String> = HashSet::with_capacity(book.instances.len());
    let mut present: HashSet<String> = HashSet::with_capacity(statuses.len());
    let today = jiff::Timestamp::from_millisecond(at)
        .ok()
        .map(|timestamp| timestamp.to_zoned_datetime(jiff::tz::TimeZone::UTC).date());
    for status in statuses {
        let key = status.slo.qualified_name();
        let error = status
            .objectives
            .iter()
            .find_map(|objective| objective.error.as_deref());
        let alerting = &status.slo.alerting;
        if !alerting.disabled {
            for objective in &status.objectives {
                let mut rows: BTreeSet<String> = BTreeSet::new();
                for alert in &objective.alerts {
                    let row = unique_row_name(&mut rows, alert);
                    let id = format!("{key}/{}/{row}", objective.objective.name);
                    burn_rate(
                        book,
                        &mut changes,
                        status,
                        objective,
                        alert,
                        id.clone(),
                        row,
                        at,
                    );
                    seen.insert(id);
                }
            }
            if !alerting.no_data.disabled {
                let id = format!("{key}/{NO_DATA_ROW}");
                no_data(book, &mut changes, status, error, id.clone(), at);
                seen.insert(id);
            }
        }
        if error.is_none()
            && let Some(change) = policy_change(book, status, &key, at)
        {
            changes.push(Change::Policy(change));
        }
        if let Some(today) = today
            && let Some(reminder) = review_due(book, status, &key, today, at)
        {
            changes.push(Change::Review(reminder));
        }
        present.insert(key);
    }
    // Instances no evaluation saw: their SLO, objective or row left the specs, or
    // alerting was switched off. Resolved (or cancelled) and dropped, with the reason.
    let gone: Vec<String> = book
        .instances
        .keys()
        .filter(|id| !seen.contains(*id))
        .cloned()
        .collect();
    for id in gone {
        let Some(instance) = book.instances.remove(&id) else {
            continue;
        };
        let slo_key = format!("{}/{}", instance.service, instance.slo);
        let reason = if !present.contains(&slo_key) {
            "the SLO was removed from the specs"
        } else if statuses
            .iter()
            .find(|status| {
                status.slo.service == instance.service && status.slo.name == instance.slo
            })
            .is_some_and(|status| status.slo.alerting.disabled)
        {
            "alerting was disabled for the SLO"
        } else {
            "its alert was removed from the specs"
        };
        changes.push(end(instance, at, Some(reason.to_string())));
    }
    book.policies.retain(|key, _| present.contains(key));
    book.reviews.retain(|key, _| present.contains(key));
    changes
}

/// The row's name, made unique within its objective (`page-1h`, then `page-1h-2`).
fn unique_row_name(rows: &mut BTreeSet<String>, alert: &AlertStatus<'_>) -> String {
    let base = alert.row.display_name();
    let mut name = base.clone();
    let mut counter = 2;
    while rows.contains(&name) {
        name = format!("{base}-{counter}");
        counter += 1;
    }
    rows.insert(name.clone());
    name
}

/// A resolve (firing) or a cancel (pending) of `instance` at `at`.
fn end(instance: AlertInstance, at: Millis, reason: Option<String>) -> Change {
    let event = match instance.state {
        AlertState::Firing => AlertEvent::Resolved,
        AlertState::Pending => AlertEvent::Cancelled,
    };
    Change::Alert(AlertTransition {
        event,
        at,
        alert: instance,
        resolved_at: Some(at),
        reason,
    })
}

fn transition(event: AlertEvent, instance: &AlertInstance, at: Millis) -> Change {
    Change::Alert(AlertTransition {
        event,
        at,
        alert: instance.clone(),
        resolved_at: None,
        reason: None,
    })
}

/// Takes the current figures of `objective` and `alert` into `instance`.
fn snapshot(
    instance: &mut AlertInstance,
    objective: &ObjectiveStatus<'_>,
    alert: Option<&AlertStatus<'_>>,
) {
    if let Some(alert) = alert {
        instance.long_burn = alert.long_burn;
        instance.short_burn = alert.short_burn;
    }
    instance.budget_remaining = objective.budget.remaining;
    instance.time_to_exhaustion_ms = objective.time_to_exhaustion;
}

#[allow(clippy::too_many_arguments)]
fn burn_rate(
    book: &mut AlertBook,
    changes: &mut Vec<Change>,
    status: &SloStatus<'_>,
    objective: &ObjectiveStatus<'_>,
    alert: &AlertStatus<'_>,
    id: String,
    row: String,
    at: Millis,
) {
    let held = if objective.error.is_some() {
        Some(HELD_FOR_ERROR)
    } else if alert.long_burn.is_none() || alert.short_burn.is_none() {
        Some(HELD_FOR_NO_DATA)
    } else {
        None
    };
    if let Some(reason) = held {
        if let Some(instance) = book.instances.get_mut(&id) {
            instance.held = Some(match &objective.error {
                Some(error) => format!("{reason} ({error})"),
                None => reason.to_string(),
            });
            instance.evaluated_at = at;
        }
        return;
    }
    let for_ms = alert.row.for_duration.map(millis).unwrap_or(0).max(0);
    match book.instances.get_mut(&id) {
        None if alert.holds => {
            let mut instance = AlertInstance {
                id: id.clone(),
                kind: AlertKind::BurnRate,
                service: status.slo.service.clone(),
                slo: status.slo.name.clone(),
                objective: Some(objective.objective.name.clone()),
                row,
                severity: alert.row.severity.clone(),
                state: AlertState::Pending,
                active_at: at,
                fired_at: None,
                for_ms,
                long_window: Some(alert.row.long.to_string()),
                short_window: Some(alert.row.short.to_string()),
                threshold: Some(alert.factor),
                long_burn: None,
                short_burn: None,
                budget_remaining: None,
                time_to_exhaustion_ms: None,
                held: None,
                evaluated_at: at,
            };
            snapshot(&mut instance, objective, Some(alert));
            if for_ms == 0 {
                instance.state = AlertState::Firing;
                instance.fired_at = Some(at);
                changes.push(transition(AlertEvent::Firing, &instance, at));
            } else {
                changes.push(transition(AlertEvent::Pending, &instance, at));
            }
            book.instances.insert(id, instance);
        }
        None => {}
        Some(instance) if alert.holds => {
            instance.held = None;
            instance.evaluated_at = at;
            instance.for_ms = for_ms;
            if instance.state == AlertState::Pending && at - instance.active_at >= for_ms {
                instance.state = AlertState::Firing;
                instance.fired_at = Some(at);
                snapshot(instance, objective, Some(alert));
                changes.push(transition(AlertEvent::Firing, instance, at));
            }
        }
        Some(_) => {
            if let Some(instance) = book.instances.remove(&id) {
                changes.push(end(instance, at, None));
            }
        }
    }
}

fn no_data(
    book: &mut AlertBook,
    changes: &mut Vec<Change>,
    status: &SloStatus<'_>,
    error: Option<&str>,
    id: String,
    at: Millis,
) {
    if let Some(error) = error {
        if let Some(instance) = book.instances.get_mut(&id) {
            instance.held = Some(format!("{HELD_FOR_ERROR} ({error})"));
            instance.evaluated_at = at;
        }
        return;
    }
    let holds = !status.freshness.is_current();
    match book.instances.get_mut(&id) {
        None if holds => {
            let severity = status
                .slo
                .alerting
                .no_data
                .severity
                .clone()
                .unwrap_or_else(|| DEFAULT_NO_DATA_SEVERITY.to_string());
            let instance = AlertInstance {
                id: id.clone(),
                kind: AlertKind::NoData,
                service: status.slo.service.clone(),
                slo: status.slo.name.clone(),
                objective: None,
                row: NO_DATA_ROW.to_string(),
                severity,
                state: AlertState::Firing,
                active_at: at,
                fired_at: Some(at),
                for_ms: 0,
                long_window: None,
                short_window: None,
                threshold: None,
                long_burn: None,
                short_burn: None,
                budget_remaining: None,
                time_to_exhaustion_ms: None,
                held: None,
                evaluated_at: at,
            };
            changes.push(transition(AlertEvent::Firing, &instance, at));
            book.instances.insert(id, instance);
        }
        None => {}
        Some(instance) if holds => {
            instance.held = None;
            instance.evaluated_at = at;
        }
        Some(_) => {
            if let Some(instance) = book.instances.remove(&id) {
                changes.push(end(instance, at, None));
            }
        }
    }
}
