//! PagerDuty Events API v2: an alert's firing is a `trigger` and its resolve a `resolve`,
//! both with `dedup_key` = the alert instance's id, so PagerDuty keeps one incident per
//! alert and closes it. Policy and review events are `trigger`s of severity `info` with
//! their own notification id as `dedup_key` (nothing resolves them: they are facts to
//! acknowledge, and a retried send never opens a second incident).

use serde_json::{Value, json};

use crate::notification::{Event, Notification};

/// The event for `routing_key`.
pub fn event(notification: &Notification, routing_key: &str) -> Value {
    let dedup_key = notification
        .alert
        .as_ref()
        .map(|alert| alert.alert_id.clone())
        .unwrap_or_else(|| notification.id.clone());
    let action = match notification.event {
        Event::AlertResolved => "resolve",
        _ => "trigger",
    };
    let mut event = json!({
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": dedup_key,
    });
    if action == "trigger" {
        event["payload"] = json!({
            "summary": super::summary(notification),
            "source": format!("nines {}/{}", notification.service, notification.slo),
            "severity": severity(notification),
            "timestamp": notification.at,
            "component": notification.slo,
            "group": notification.service,
            "class": super::webhook_event_name(notification.event),
            "custom_details": {
                "id": notification.id,
                "description": super::description(notification),
                "labels": notification.labels,
                "annotations": notification.annotations,
                "alert": notification.alert,
                "policy": notification.policy,
                "review": notification.review,
            },
        });
        if let Some(url) = &notification.url {
            event["links"] = json!([{"href": url, "text": "The SLO in nines"}]);
        }
    }
    event
}

/// PagerDuty's severities: `page` is critical, `ticket` a warning, other alert
/// severities an error, policy and review events info.
pub fn severity(notification: &Notification) -> &'static str {
    match (notification.event, notification.severity.as_deref()) {
        (Event::PolicyChanged | Event::ReviewOverdue, _) => "info",
        (_, Some("page" | "critical")) => "critical",
        (_, Some("ticket" | "warning")) => "warning",
        (_, Some("info")) => "info",
        _ => "error",
    }
}
