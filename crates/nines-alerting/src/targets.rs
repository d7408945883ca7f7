//! A notification target as delivery keeps it in an outbox record: its kind, one address
//! and its settings, with secrets as references. A record is self-contained, so a
//! notification committed before a reload is still sent the way its spec said.

use nines_core::model::{NotificationTarget, SmtpTls};
use serde::{Deserialize, Serialize};

use crate::secret::ValueSource;

/// The name outbox records give the `--alertmanager` URLs of `nines serve`.
pub const CATCH_ALL_NAME: &str = "--alertmanager";

/// The kinds nines delivers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Alertmanager API v2.
    Alertmanager,
    /// The notification JSON, signed.
    Webhook,
    /// A Slack incoming webhook.
    Slack,
    /// PagerDuty Events API v2.
    Pagerduty,
    /// E-mail over SMTP.
    Email,
}

impl Kind {
    /// The kind of a spec's `type`, when nines delivers to it.
    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "alertmanager" => Kind::Alertmanager,
            "webhook" => Kind::Webhook,
            "slack" => Kind::Slack,
            "pagerduty" => Kind::Pagerduty,
            "email" => Kind::Email,
            _ => return None,
        })
    }
    /// The spelling in specs and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Alertmanager => "alertmanager",
            Kind::Webhook => "webhook",
            Kind::Slack => "slack",
            Kind::Pagerduty => "pagerduty",
            Kind::Email => "email",
        }
    }
}

/// SMTP settings of an e-mail target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Smtp {
    /// `host:port`.
    pub server: String,
    /// `starttls`, `tls` or `none`.
    pub tls: String,
    /// Sender.
    pub from: String,
    /// User name, when the server authenticates.
    pub username: Option<ValueSource>,
    /// Password.
    pub password: Option<ValueSource>,
}

/// One destination of one notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// The target's name ([`CATCH_ALL_NAME`] for `--alertmanager`).
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// The address: a URL, or for e-mail every recipient, comma-separated.
    pub address: String,
    /// Webhook signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<ValueSource>,
    /// Webhook headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, ValueSource)>,
    /// PagerDuty routing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<ValueSource>,
    /// E-mail settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<Smtp>,
}

impl Destination {
    /// The destinations of a spec target: one per address for Alertmanager (each member
    /// of an HA pair retried on its own), one for the others; `None` for a kind nines
    /// does not deliver to.
    pub fn from_target(target: &NotificationTarget) -> Option<Vec<Destination>> {
        let kind = Kind::parse(target.kind.as_deref()?)?;
        let delivery = &target.delivery;
        let base = Destination {
            name: target.name.clone(),
            kind,
            address: target.target.clone(),
            secret: delivery.secret.as_ref().map(ValueSource::from),
            headers: delivery
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), ValueSource::from(value)))
                .collect(),
            routing_key: delivery.routing_key.as_ref().map(ValueSource::from),
            smtp: None,
        };
        Some(match kind {
            Kind::Alertmanager => target
                .addresses()
                .map(|address| Destination {
                    address: address.to_string(),
                    ..base.clone()
                })
                .collect(),
            Kind::Email => vec![Destination {
                address: target.addresses().collect::<Vec<_>>().join(","),
                smtp: Some(Smtp {
                    server: delivery.smtp.clone()?,
                    tls: delivery
                        .tls
                        .unwrap_or(SmtpTls::Starttls)
                        .as_str()
                        .to_string(),
                    from: delivery.from.clone()?,
                    username: delivery.username.as_ref().map(ValueSource::from),
                    password: delivery.password.as_ref().map(ValueSource::from),
                }),
                ..base
            }],
            _ => vec![base],
        })
    }
    /// An `--alertmanager` URL.
    pub fn catch_all(url: &str) -> Destination {
        Destination {
            name: CATCH_ALL_NAME.to_string(),
            kind: Kind::Alertmanager,
            address: url.to_string(),
            secret: None,
            headers: Vec::new(),
            routing_key: None,
            smtp: None,
        }
    }
    /// Where it goes, for logs and status: the kind and the host, never the full URL
    /// (a Slack webhook's path is its secret).
    pub fn describe(&self) -> String {
        let host = match self.kind {
            Kind::Email => self
                .smtp
                .as_ref()
                .map(|smtp| smtp.server.clone())
                .unwrap_or_default(),
            _ => reqwest::Url::parse(&self.address)
                .ok()
                .and_then(|url| {
                    url.host_str().map(|host| match url.port() {
                        Some(port) => format!("{host}:{port}"),
                        None => host.to_string(),
                    })
                })
                .unwrap_or_else(|| "an unreadable URL".to_string()),
        };
        format!("{} `{}` ({host})", self.kind.as_str(), self.name)
    }
}
