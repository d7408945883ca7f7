//! Notifications from transitions: labels, annotations and descriptions in words.

use std::collections::{BTreeMap, HashMap};

use nines_core::alerts::{
    AlertEvent, AlertInstance, AlertKind, AlertTransition, PolicyTransition, ReviewDue,
};
use nines_core::engine::SloStatus;
use nines_core::model::{BurnRateWindow, Catalog, Slo};
use nines_core::source::Millis;
use nines_core::timestamp::format_millis;

use crate::notification::{
    AlertInfo, Event, Notification, PolicyChange, ReviewReminder, SCHEMA_VERSION,
};

/// What notifications need besides the transition: the SLOs and their statuses by
/// `(service, slo)` (thousands of firing alerts are described every evaluation).
pub(crate) struct Context<'a> {
    slos: HashMap<(&'a str, &'a str), &'a Slo>,
    statuses: HashMap<(&'a str, &'a str), &'a SloStatus<'a>>,
    external_url: Option<&'a str>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        catalog: &'a Catalog,
        statuses: &'a [SloStatus<'a>],
        external_url: Option<&'a str>,
    ) -> Context<'a> {
        Context {
            slos: catalog
                .slos
                .iter()
                .map(|slo| ((slo.service.as_str(), slo.name.as_str()), slo))
                .collect(),
            statuses: statuses
                .iter()
                .map(|status| {
                    (
                        (status.slo.service.as_str(), status.slo.name.as_str()),
                        status,
                    )
                })
                .collect(),
            external_url,
        }
    }
    fn slo(&self, service: &str, name: &str) -> Option<&'a Slo> {
        self.slos.get(&(service, name)).copied()
    }
    fn status(&self, service: &str, name: &str) -> Option<&'a SloStatus<'a>> {
        self.statuses.get(&(service, name)).copied()
    }
    fn url(&self, service: &str, slo: &str) -> Option<String> {
        self.external_url
            .map(|base| format!("{}/api/v1/slos/{service}/{slo}", base.trim_end_matches('/')))
    }
}

/// The id of an alert event: the alert's id, the event and the transition's instant, so
/// a retried or re-committed event keeps its id.
pub fn alert_notification_id(alert_id: &str, event: Event, at: Millis) -> String {
    let event = match event {
        Event::AlertFiring => "firing",
        Event::AlertResolved => "resolved",
        Event::PolicyChanged => "policy",
        Event::ReviewOverdue => "review",
    };
    format!("{alert_id}:{event}:{at}")
}

/// `ShopCheckoutErrorBudgetBurn` (as generated rules name it), or the spec's name.
fn alert_name(slo: Option<&Slo>, instance: &AlertInstance) -> String {
    let spec_name = slo.and_then(|slo| match instance.kind {
        AlertKind::BurnRate => slo.alerting.name.as_deref(),
        AlertKind::NoData => slo.alerting.no_data.name.as_deref(),
    });
    if let Some(name) = spec_name.map(str::trim).filter(|name| !name.is_empty()) {
        return name.to_string();
    }
    let pyrra = slo.is_some_and(|slo| slo.origin.format() == Some("pyrra"));
    match (instance.kind, pyrra) {
        (AlertKind::BurnRate, true) => "ErrorBudgetBurn".to_string(),
        (AlertKind::NoData, true) => "SLOMetricAbsent".to_string(),
        (AlertKind::BurnRate, false) => format!(
            "{}{}ErrorBudgetBurn",
            camel(&instance.service),
            camel(&instance.slo)
        ),
        (AlertKind::NoData, false) => {
            format!("{}{}NoData", camel(&instance.service), camel(&instance.slo))
        }
    }
}

fn camel(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `4h 12m`, `3d 2h`, `45s`.
pub fn duration_in_words(millis: i64) -> String {
    let seconds = millis.max(0) / 1000;
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, minutes) => format!("{minutes}m"),
        (0, hours, minutes) => format!("{hours}h {minutes}m"),
        (days, hours, _) => format!("{days}d {hours}h"),
    }
}

fn rate(value: Option<f64>) -> String {
    value.map_or("unknown".to_string(), |value| {
        nines_core::ratio::format_decimal(value, 2)
    })
}

/// The burn-rate row of `instance` in `slo`.
fn row<'s>(
    status: Option<&'s SloStatus<'s>>,
    instance: &AlertInstance,
) -> Option<&'s BurnRateWindow> {
    let objective = status?
        .objectives
        .iter()
        .find(|objective| Some(&objective.objective.name) == instance.objective.as_ref())?;
    objective
        .alerts
        .iter()
        .map(|alert| alert.row)
        .find(|row| row.display_name() == instance.row)
}

/// The notification of an alert that fired or resolved.
pub(crate) fn alert(context: &Context<'_>, transition: &AlertTransition) -> Option<Notification> {
    let event = match transition.event {
        AlertEvent::Firing => Event::AlertFiring,
        AlertEvent::Resolved => Event::AlertResolved,
        AlertEvent::Pending | AlertEvent::Cancelled => return None,
    };
    let instance = &transition.alert;
    let at = match event {
        Event::AlertFiring => instance.fired_at.unwrap_or(transition.at),
        _ => transition.at,
    };
    let resolution = (event == Event::AlertResolved).then(|| {
        transition
            .reason
            .clone()
            .unwrap_or_else(|| "the condition no longer holds".to_string())
    });
    let mut notification = base(context, instance, event, at, resolution.as_deref());
    if let Some(info) = notification.alert.as_mut() {
        info.resolved_at = transition.resolved_at.map(format_millis);
    }
    Some(notification)
}

/// The notification of a firing `instance` (also what [`crate::NotificationSink::firing`]
/// receives every evaluation, with the id it fired with), or of its resolve with
/// `resolution`, the reason in words.
pub(crate) fn base(
    context: &Context<'_>,
    instance: &AlertInstance,
    event: Event,
    at: Millis,
    resolution: Option<&str>,
) -> Notification {
    let slo = context.slo(&instance.service, &instance.slo);
    let status = context.status(&instance.service, &instance.slo);
    let row = row(status, instance);
    let mut labels = BTreeMap::new();
    let mut annotations = BTreeMap::new();
    if let Some(slo) = slo {
        labels.extend(
            slo.labels
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        labels.extend(
            slo.alerting
                .labels
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        annotations.extend(
            slo.alerting
                .annotations
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        if let Some(runbook) = &slo.alerting.runbook {
            annotations.insert("runbook_url".into(), runbook.clone());
        }
        if let Some(dashboard) = &slo.alerting.dashboard {
            annotations.insert("dashboard_url".into(), dashboard.clone());
        }
    }
    if let Some(row) = row {
        labels.extend(
            row.labels
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        annotations.extend(
            row.annotations
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
    }
    labels.insert("alertname".into(), alert_name(slo, instance));
    labels.insert("severity".into(), instance.severity.clone());
    labels.insert("service".into(), instance.service.clone());
    labels.insert("slo".into(), instance.slo.clone());
    if let Some(objective) = &instance.objective {
        labels.insert("objective".into(), objective.clone());
    }
    if let Some(long) = &instance.long_window {
        labels.insert("long_window".into(), long.clone());
    }
    if let Some(short) = &instance.short_window {
        labels.insert("short_window".into(), short.clone());
    }
    let subject = format!("{}/{}", instance.service, instance.slo);
    let (summary, description) = match instance.kind {
        AlertKind::BurnRate => {
            let objective = instance.objective.as_deref().unwrap_or("default");
            let remaining = instance.budget_remaining.map_or(
                "the budget remaining is unknown".to_string(),
                |share| {
                    format!(
                        "{}% of the error budget remains",
                        nines_core::ratio::format_decimal(share * 100.0, 2)
                    )
                },
            );
            let exhaustion = match instance.time_to_exhaustion_ms {
                Some(0) => "; the budget is spent".to_string(),
                Some(millis) => format!(
                    "; at the 1-hour rate it is gone in {}",
                    duration_in_words(millis)
                ),
                None => String::new(),
            };
            (
                format!(
                    "{subject}: error budget burning fast ({}, {})",
                    instance.row, instance.severity
                ),
                format!(
                    "{subject} objective `{objective}` burns its error budget {}× over {} and {}× over {} (threshold {}×); {remaining}{exhaustion}.",
                    rate(instance.long_burn),
                    instance.long_window.as_deref().unwrap_or("?"),
                    rate(instance.short_burn),
                    instance.short_window.as_deref().unwrap_or("?"),
                    rate(instance.threshold),
                ),
            )
        }
        AlertKind::NoData => {
            let reason = status
                .and_then(SloStatus::no_data_reason)
                .unwrap_or_else(|| format!("no current data for {subject}"));
            (
                format!("{subject}: no data"),
                format!(
                    "{reason}: a broken pipeline is not a healthy service; its burn-rate alerts cannot see an outage meanwhile."
                ),
            )
        }
    };
    let (summary, description) = match resolution {
        Some(reason) => (
            format!("{subject}: resolved ({})", instance.row),
            format!(
                "{subject}: the alert {} that fired at {} resolved: {reason}.",
                instance.id,
                instance.fired_at.map(format_millis).unwrap_or_default()
            ),
        ),
        None => (summary, description),
    };
    annotations.insert("summary".into(), summary);
    annotations.insert("description".into(), description);
    // The spec's own annotations win over the generated ones (as in generated rules).
    if let Some(slo) = slo {
        annotations.extend(
            slo.alerting
                .annotations
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
    }
    if let Some(row) = row {
        annotations.extend(
            row.annotations
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
    }
    Notification {
        version: SCHEMA_VERSION,
        id: alert_notification_id(&instance.id, event, at),
        event,
        at: format_millis(at),
        service: instance.service.clone(),
        slo: instance.slo.clone(),
        severity: Some(instance.severity.clone()),
        labels,
        annotations,
        url: context.url(&instance.service, &instance.slo),
        alert: Some(AlertInfo {
            alert_id: instance.id.clone(),
            kind: instance.kind.as_str().to_string(),
            active_at: format_millis(instance.active_at),
            fired_at: instance.fired_at.map(format_millis),
            resolved_at: None,
            threshold: instance.threshold,
            long_burn: instance.long_burn,
            short_burn: instance.short_burn,
            budget_remaining: instance.budget_remaining,
            time_to_exhaustion_seconds: instance.time_to_exhaustion_ms.map(|millis| millis / 1000),
        }),
        policy: None,
        review: None,
    }
}

fn plain(
    context: &Context<'_>,
    service: &str,
    slo: &str,
    event: Event,
    id: String,
    at: Millis,
) -> Notification {
    let spec = context.slo(service, slo);
    let mut labels = BTreeMap::new();
    let mut annotations = BTreeMap::new();
    if let Some(spec) = spec {
        labels.extend(
            spec.labels
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        if let Some(runbook) = &spec.alerting.runbook {
            annotations.insert("runbook_url".into(), runbook.clone());
        }
        if let Some(dashboard) = &spec.alerting.dashboard {
            annotations.insert("dashboard_url".into(), dashboard.clone());
        }
    }
    labels.insert("service".into(), service.to_string());
    labels.insert("slo".into(), slo.to_string());
    Notification {
        version: SCHEMA_VERSION,
        id,
        event,
        at: format_millis(at),
        service: service.to_string(),
        slo: slo.to_string(),
        severity: None,
        labels,
        annotations,
        url: context.url(service, slo),
        alert: None,
        policy: None,
        review: None,
    }
}

/// The notification of a policy change.
pub(crate) fn policy(context: &Context<'_>, change: &PolicyTransition) -> Notification {
    let to = change.to.as_deref().unwrap_or("none");
    let id = format!(
        "{}/{}/policy:{to}:{}",
        change.service, change.slo, change.at
    );
    let mut notification = plain(
        context,
        &change.service,
        &change.slo,
        Event::PolicyChanged,
        id,
        change.at,
    );
    let subject = format!("{}/{}", change.service, change.slo);
    notification
        .labels
        .insert("policy".into(), change.policy.clone());
    notification
        .labels
        .insert("policy_state".into(), to.to_string());
    notification.annotations.insert(
        "summary".into(),
        format!(
            "{subject}: error budget policy `{}` is now {to} (was {})",
            change.policy,
            change.from.as_deref().unwrap_or("not yet known")
        ),
    );
    let because = change
        .reason
        .as_ref()
        .map(|reason| format!(" because {reason}"))
        .unwrap_or_default();
    notification.annotations.insert(
        "description".into(),
        format!(
            "{subject} entered policy state {to}{because}: {}.",
            change.in_words
        ),
    );
    notification.policy = Some(PolicyChange {
        policy: change.policy.clone(),
        from: change.from.clone(),
        to: change.to.clone(),
        actions: change.actions.clone(),
        in_words: change.in_words.clone(),
    });
    notification
}

/// The notification of an overdue review.
pub(crate) fn review(context: &Context<'_>, due: &ReviewDue) -> Notification {
    let day = format_millis(due.at).chars().take(10).collect::<String>();
    let id = format!("{}/{}/review:{day}", due.service, due.slo);
    let mut notification = plain(
        context,
        &due.service,
        &due.slo,
        Event::ReviewOverdue,
        id,
        due.at,
    );
    let subject = format!("{}/{}", due.service, due.slo);
    notification.annotations.insert(
        "summary".into(),
        format!("{subject}: review overdue since {}", due.due),
    );
    notification.annotations.insert(
        "description".into(),
        format!(
            "{subject} was last reviewed on {} and was due for review on {}{}: review its target, window and alerts (reminded once a day).",
            due.last_reviewed,
            due.due,
            due.owner.as_ref().map(|owner| format!(" (owner: {owner})")).unwrap_or_default()
        ),
    );
    notification.review = Some(ReviewReminder {
        owner: due.owner.clone(),
        last_reviewed: Some(due.last_reviewed.clone()),
        due: due.due.clone(),
    });
    notification
}
