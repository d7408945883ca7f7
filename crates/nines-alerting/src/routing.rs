//! Which targets receive a notification.
//!
//! - Alert events: the SLO's `alerting.notify`, else its service's `notify`, plus every
//!   `nines serve --alertmanager` URL.
//! - Policy events: the `notify:` actions of the policy's new state and of the state it
//!   left (those told that a budget ran low hear that it recovered).
//! - Review reminders: the target named like the SLO's owner, else the SLO's alert
//!   targets.
//!
//! Then each target's `match` filter: `severity` (notifications without one, policy and
//! review events, pass only a target that filters on no severity) and `labels` (all must
//! be equal). Grouping, silences and inhibition are Alertmanager's job.

use nines_core::model::{Action, Catalog, NotificationTarget};

use crate::notification::{Event, Notification};
use crate::targets::Destination;

/// The destinations of `notification`, each once, in a stable order.
pub fn destinations(
    notification: &Notification,
    catalog: &Catalog,
    catch_all: &[String],
) -> Vec<Destination> {
    let slo = catalog.slo(&notification.service, &notification.slo);
    let alert_targets = || -> Vec<String> {
        let own = slo
            .map(|slo| slo.alerting.notify.clone())
            .unwrap_or_default();
        if own.is_empty() {
            catalog
                .service(&notification.service)
                .map(|service| service.notify.clone())
                .unwrap_or_default()
        } else {
            own
        }
    };
    let names: Vec<String> = match notification.event {
        Event::AlertFiring | Event::AlertResolved => alert_targets(),
        Event::PolicyChanged => notification
            .policy
            .as_ref()
            .and_then(|change| {
                let policy = catalog.policy(&change.policy)?;
                let notify_of = |state: Option<&String>| -> Vec<String> {
                    let Some(state) = state else {
                        return Vec::new();
                    };
                    policy
                        .states
                        .iter()
                        .filter(|candidate| &candidate.name == state)
                        .flat_map(|candidate| candidate.actions.iter())
                        .filter_map(|action| match action {
                            Action::Notify { targets } => Some(targets.clone()),
                            _ => None,
                        })
                        .flatten()
                        .collect()
                };
                let mut names = notify_of(change.to.as_ref());
                names.extend(notify_of(change.from.as_ref()));
                Some(names)
            })
            .unwrap_or_default(),
        Event::ReviewOverdue => {
            let owner = notification
                .review
                .as_ref()
                .and_then(|review| review.owner.clone())
                .or_else(|| slo.and_then(|slo| slo.ownership.owner.clone()));
            match owner.filter(|owner| target(catalog, owner).is_some()) {
                Some(owner) => vec![owner],
                None => alert_targets(),
            }
        }
    };
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        let Some(spec) = target(catalog, &name) else {
            continue;
        };
        if !matches(spec, notification) {
            continue;
        }
        match Destination::from_target(spec) {
            Some(found) => out.extend(found),
            None => tracing::debug!(
                target_name = %name,
                kind = spec.kind.as_deref().unwrap_or("none"),
                "Notification target of a kind nines does not deliver to: skipped"
            ),
        }
    }
    if matches!(
        notification.event,
        Event::AlertFiring | Event::AlertResolved
    ) {
        out.extend(catch_all.iter().map(|url| Destination::catch_all(url)));
    }
    out
}

fn target<'c>(catalog: &'c Catalog, name: &str) -> Option<&'c NotificationTarget> {
    catalog
        .notification_targets
        .iter()
        .find(|target| target.name == name)
}

/// True when `notification` passes the target's `match` filter.
pub fn matches(target: &NotificationTarget, notification: &Notification) -> bool {
    let filter = &target.delivery;
    if !filter.match_severity.is_empty() {
        match &notification.severity {
            Some(severity) if filter.match_severity.contains(severity) => {}
            _ => return false,
        }
    }
    filter
        .match_labels
        .iter()
        .all(|(name, value)| notification.labels.get(name) == Some(value))
}
