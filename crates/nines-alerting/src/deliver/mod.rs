//! Renderers and senders, one file per kind: each turns a [`Notification`] into its
//! target's format and sends it once; the outbox ([`crate::outbox`]) decides about
//! retries from the [`Outcome`].

pub mod alertmanager;
pub mod email;
pub mod pagerduty;
pub mod slack;
pub mod webhook;

use std::time::Duration as StdDuration;

use jiff::Timestamp;

use crate::notification::{Event, Notification};
use crate::targets::{Destination, Kind};

/// Why a send failed in a way worth retrying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Connection refused, reset, DNS, timeout.
    Transport(String),
    /// The receiver answered 408, 429 or 5xx.
    Status(u16),
    /// A secret or header value could not be read (the environment or a file may be
    /// fixed while retrying).
    Config(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Transport(text) | Failure::Config(text) => formatter.write_str(text),
            Failure::Status(code) => write!(formatter, "HTTP {code}"),
        }
    }
}

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted (2xx, or the SMTP server took the message).
    Sent,
    /// Worth retrying, after at least this long when the receiver said so (`Retry-After`).
    Retry(Failure, Option<StdDuration>),
    /// Never worth retrying (4xx other than 408 and 429, a message that cannot be built).
    Permanent(String),
}

/// Settings every send needs.
#[derive(Clone, Debug)]
pub struct SendSettings {
    /// `4 × max(resend interval, evaluation interval)`: how far ahead a firing alert's
    /// `endsAt` lies for Alertmanager.
    pub firing_lifetime: jiff::SignedDuration,
    /// Per-request timeout.
    pub request_timeout: StdDuration,
}

/// A one-line summary: `FIRING page: checkout/latency burns its budget 14.4× too fast`.
pub fn summary(notification: &Notification) -> String {
    if let Some(summary) = notification.annotations.get("summary") {
        let prefix = match notification.event {
            Event::AlertFiring => "FIRING",
            Event::AlertResolved => "RESOLVED",
            _ => "",
        };
        return if prefix.is_empty() {
            summary.clone()
        } else {
            format!("{prefix}: {summary}")
        };
    }
    let subject = format!("{}/{}", notification.service, notification.slo);
    match notification.event {
        Event::AlertFiring => format!(
            "FIRING {}: {subject}",
            notification.severity.as_deref().unwrap_or("alert")
        ),
        Event::AlertResolved => format!(
            "RESOLVED {}: {subject}",
            notification.severity.as_deref().unwrap_or("alert")
        ),
        Event::PolicyChanged => match &notification.policy {
            Some(change) => format!(
                "{subject}: error budget policy `{}` is now {}",
                change.policy,
                change.to.as_deref().unwrap_or("in no state")
            ),
            None => format!("{subject}: error budget policy changed"),
        },
        Event::ReviewOverdue => format!("{subject}: the SLO's review is overdue"),
    }
}

/// The description in words: the `description` annotation, a policy's actions, a
/// review's due date.
pub fn description(notification: &Notification) -> String {
    if let Some(description) = notification.annotations.get("description") {
        return description.clone();
    }
    if let Some(change) = &notification.policy {
        return change.in_words.clone();
    }
    if let Some(review) = &notification.review {
        return format!(
            "The review was due on {} (last reviewed: {}).",
            review.due,
            review.last_reviewed.as_deref().unwrap_or("never")
        );
    }
    String::new()
}

/// The event's name in the webhook schema (`alert_firing`...).
pub fn webhook_event_name(event: Event) -> &'static str {
    match event {
        Event::AlertFiring => "alert_firing",
        Event::AlertResolved => "alert_resolved",
        Event::PolicyChanged => "policy_changed",
        Event::ReviewOverdue => "review_overdue",
    }
}

/// Renders `notification` for `destination` and sends it once.
pub async fn send_once(
    client: &reqwest::Client,
    notification: &Notification,
    destination: &Destination,
    settings: &SendSettings,
    now: Timestamp,
) -> Outcome {
    let (url, body, headers) = match destination.kind {
        Kind::Email => {
            let Some(smtp) = &destination.smtp else {
                return Outcome::Permanent("an e-mail target without SMTP settings".into());
            };
            return match email::message(notification, destination, smtp) {
                Ok(message) => email::send(message, smtp, settings.request_timeout).await,
                Err(problem) => Outcome::Permanent(problem),
            };
        }
        Kind::Alertmanager => (
            alertmanager::alerts_url(&destination.address),
            serde_json::to_vec(&[alertmanager::alert(
                notification,
                now,
                settings.firing_lifetime,
            )])
            .unwrap_or_default(),
            Vec::new(),
        ),
        Kind::Webhook => {
            let body = webhook::body(notification);
            let mut headers = vec![
                (
                    "X-Nines-Event".to_string(),
                    webhook_event_name(notification.event).to_string(),
                ),
                ("X-Nines-Id".to_string(), notification.id.clone()),
            ];
            if let Some(secret) = &destination.secret {
                match secret.read() {
                    Ok(secret) => headers.push((
                        webhook::SIGNATURE_HEADER.to_string(),
                        webhook::signature(secret.as_bytes(), &body),
                    )),
                    Err(error) => {
                        return Outcome::Retry(Failure::Config(format!("secret: {error}")), None);
                    }
                }
            }
            for (name, value) in &destination.headers {
                match value.read() {
                    Ok(value) => headers.push((name.clone(), value)),
                    Err(error) => {
                        return Outcome::Retry(
                            Failure::Config(format!("header `{name}`: {error}")),
                            None,
                        );
                    }
                }
            }
            (destination.address.clone(), body, headers)
        }
        Kind::Slack => (
            destination.address.clone(),
            serde_json::to_vec(&slack::message(notification)).unwrap_or_default(),
            Vec::new(),
        ),
        Kind::Pagerduty => {
            let key = match destination.routing_key.as_ref().map(|key| key.read()) {
                Some(Ok(key)) => key,
                Some(Err(error)) => {
                    return Outcome::Retry(Failure::Config(format!("routingKey: {error}")), None);
                }
                None => return Outcome::Permanent("a PagerDuty target without routingKey".into()),
            };
            (
                destination.address.clone(),
                serde_json::to_vec(&pagerduty::event(notification, &key)).unwrap_or_default(),
                Vec::new(),
            )
        }
    };
    post(client, &url, body, &headers, settings.request_timeout).await
}

/// Posts a JSON body and classifies the answer.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
    headers: &[(String, String)],
    timeout: StdDuration,
) -> Outcome {
    let mut request = client
        .post(url)
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            if status.is_success() {
                return Outcome::Sent;
            }
            let code = status.as_u16();
            if code == 408 || code == 429 || status.is_server_error() {
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|text| text.trim().parse::<u64>().ok())
                    .map(StdDuration::from_secs);
                Outcome::Retry(Failure::Status(code), retry_after)
            } else {
                Outcome::Permanent(format!("HTTP {code}"))
            }
        }
        // Never the URL: a Slack webhook's path is its secret.
        Err(error) => Outcome::Retry(Failure::Transport(error.without_url().to_string()), None),
    }
}
