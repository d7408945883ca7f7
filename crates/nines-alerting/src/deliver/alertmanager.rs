//! Alertmanager API v2: `POST /api/v2/alerts` with a JSON array of alerts, as Prometheus
//! sends them. A firing alert's `endsAt` lies `4 × max(resend interval, evaluation
//! interval)` ahead (Prometheus' rule), so Alertmanager resolves it by itself if nines
//! stops re-sending; a resolved alert's `endsAt` is when it resolved.
//!
//! Policy and review events are not alerts, but an Alertmanager only takes alerts: they
//! go as `NinesPolicyChanged` / `NinesReviewOverdue` alerts that end
//! [`ONE_SHOT_LIFETIME`] after they started, to be routed by `alertname`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::notification::{Event, Notification};

/// How long a policy or review event stays active in Alertmanager: long enough for a
/// `group_wait` and a `group_interval`, short enough not to linger as "firing".
pub const ONE_SHOT_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_secs(3600);

/// The path the alerts are posted to, below the Alertmanager's URL.
pub const ALERTS_PATH: &str = "/api/v2/alerts";

/// The URL to post to: `base` (an Alertmanager's address, with or without a path prefix)
/// joined with [`ALERTS_PATH`], unless it already ends with it.
pub fn alerts_url(base: &str) -> String {
    let trimmed = base.trim_end_matches('/');
    if trimmed.ends_with(ALERTS_PATH) {
        trimmed.to_string()
    } else {
        format!("{trimmed}{ALERTS_PATH}")
    }
}

/// One alert of the array. `firing_lifetime` is `4 × max(resend, evaluation interval)`.
pub fn alert(
    notification: &Notification,
    now: Timestamp,
    firing_lifetime: jiff::SignedDuration,
) -> Value {
    let mut labels: BTreeMap<String, String> = notification.labels.clone();
    labels
        .entry("service".to_string())
        .or_insert_with(|| notification.service.clone());
    labels
        .entry("slo".to_string())
        .or_insert_with(|| notification.slo.clone());
    let at = parse(&notification.at).unwrap_or(now);
    let (starts_at, ends_at) = match notification.event {
        Event::AlertFiring => {
            let started = notification
                .alert
                .as_ref()
                .and_then(|alert| alert.fired_at.as_deref().and_then(parse))
                .unwrap_or(at);
            (started, now + firing_lifetime)
        }
        Event::AlertResolved => {
            let alert = notification.alert.as_ref();
            let started = alert
                .and_then(|alert| alert.fired_at.as_deref().and_then(parse))
                .unwrap_or(at);
            let resolved = alert
                .and_then(|alert| alert.resolved_at.as_deref().and_then(parse))
                .unwrap_or(at);
            (started, resolved)
        }
        Event::PolicyChanged | Event::ReviewOverdue => {
            let name = if notification.event == Event::PolicyChanged {
                "NinesPolicyChanged"
            } else {
                "NinesReviewOverdue"
            };
            labels
                .entry("alertname".to_string())
                .or_insert_with(|| name.to_string());
            if let Some(change) = &notification.policy {
                labels.insert("policy".to_string(), change.policy.clone());
                if let Some(state) = &change.to {
                    labels.insert("policy_state".to_string(), state.clone());
                }
            }
            (at, at + ONE_SHOT_LIFETIME)
        }
    };
    let mut annotations = notification.annotations.clone();
    if let Some(change) = &notification.policy {
        annotations
            .entry("summary".to_string())
            .or_insert_with(|| super::summary(notification));
        annotations
            .entry("description".to_string())
            .or_insert_with(|| change.in_words.clone());
    }
    annotations
        .entry("nines_id".to_string())
        .or_insert_with(|| notification.id.clone());
    let mut alert = json!({
        "labels": labels,
        "annotations": annotations,
        "startsAt": starts_at.to_string(),
        "endsAt": ends_at.to_string(),
    });
    if let Some(url) = &notification.url {
        alert["generatorURL"] = Value::String(url.clone());
    }
    alert
}

fn parse(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}
