//! E-mail over SMTP (lettre with rustls): STARTTLS by default, implicit TLS, or plain text
//! to a loopback server only (the spec refuses it elsewhere; checked again here). A plain
//! text body with the same facts as the other targets.

use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{Failure, Outcome};
use crate::notification::Notification;
use crate::targets::{Destination, Smtp};

/// Builds the message.
pub fn message(
    notification: &Notification,
    destination: &Destination,
    smtp: &Smtp,
) -> Result<Message, String> {
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|error| format!("`from` is not an address: {error}"))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(format!("[nines] {}", super::summary(notification)))
        .message_id(Some(format!("<{}@nines>", sanitize(&notification.id))))
        .header(ContentType::TEXT_PLAIN);
    for recipient in destination
        .address
        .split(',')
        .filter(|part| !part.is_empty())
    {
        let mailbox: Mailbox = recipient
            .trim()
            .parse()
            .map_err(|error| format!("recipient is not an address: {error}"))?;
        builder = builder.to(mailbox);
    }
    builder
        .body(body(notification))
        .map_err(|error| format!("cannot build the message: {error}"))
}

/// The plain text body.
pub fn body(notification: &Notification) -> String {
    let mut text = String::new();
    text.push_str(&super::summary(notification));
    text.push_str("\n\n");
    let description = super::description(notification);
    if !description.is_empty() {
        text.push_str(&description);
        text.push_str("\n\n");
    }
    text.push_str(&format!("Service:  {}\n", notification.service));
    text.push_str(&format!("SLO:      {}\n", notification.slo));
    if let Some(severity) = &notification.severity {
        text.push_str(&format!("Severity: {severity}\n"));
    }
    text.push_str(&format!(
        "Event:    {}\n",
        super::webhook_event_name(notification.event)
    ));
    text.push_str(&format!("At:       {}\n", notification.at));
    if let Some(url) = &notification.url {
        text.push_str(&format!("Link:     {url}\n"));
    }
    for (name, value) in &notification.labels {
        text.push_str(&format!("Label {name}: {value}\n"));
    }
    text.push_str(&format!("\nNotification id: {}\n", notification.id));
    text
}

fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '.'
            }
        })
        .collect()
}

/// Sends `message` through the target's server.
pub async fn send(message: Message, smtp: &Smtp, timeout: std::time::Duration) -> Outcome {
    let Some((host, port)) = split(&smtp.server) else {
        return Outcome::Permanent(format!("`{}` is not host:port", smtp.server));
    };
    let builder = match smtp.tls.as_str() {
        "none" => {
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Outcome::Permanent(
                    "plain-text SMTP is only allowed to a loopback server".into(),
                );
            }
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        }
        "tls" => match AsyncSmtpTransport::<Tokio1Executor>::relay(host) {
            Ok(builder) => builder,
            Err(error) => return Outcome::Permanent(format!("TLS setup: {error}")),
        },
        _ => match AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host) {
            Ok(builder) => builder,
            Err(error) => return Outcome::Permanent(format!("STARTTLS setup: {error}")),
        },
    };
    let mut builder = builder.port(port).timeout(Some(timeout));
    if let (Some(username), Some(password)) = (&smtp.username, &smtp.password) {
        let (username, password) = match (username.read(), password.read()) {
            (Ok(username), Ok(password)) => (username, password),
            (Err(error), _) | (_, Err(error)) => {
                return Outcome::Retry(Failure::Config(error.to_string()), None);
            }
        };
        builder = builder.credentials(Credentials::new(username, password));
    }
    let transport = builder.build();
    match transport.send(message).await {
        Ok(_) => Outcome::Sent,
        Err(error) if error.is_permanent() => Outcome::Permanent(format!("SMTP: {error}")),
        Err(error) => Outcome::Retry(Failure::Transport(format!("SMTP: {error}")), None),
    }
}

fn split(server: &str) -> Option<(&str, u16)> {
    let (host, port) = server.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some((host, port.parse().ok()?))
}
