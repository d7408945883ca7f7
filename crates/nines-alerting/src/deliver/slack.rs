//! Slack incoming webhooks: a message with a `text` fallback and blocks (a header, the
//! description, the facts, and a button to the SLO on the nines server).

use serde_json::{Value, json};

use crate::notification::{Event, Notification};

/// Slack's limit for a section's text; longer descriptions are cut.
const SECTION_TEXT_LIMIT: usize = 3000;
/// Slack's limit for a header's text.
const HEADER_TEXT_LIMIT: usize = 150;

/// The message.
pub fn message(notification: &Notification) -> Value {
    let summary = super::summary(notification);
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": cut(&summary, HEADER_TEXT_LIMIT), "emoji": true}
    })];
    let description = super::description(notification);
    if !description.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": cut(&description, SECTION_TEXT_LIMIT)}
        }));
    }
    let mut facts = vec![
        format!("*Service:* {}", notification.service),
        format!("*SLO:* {}", notification.slo),
    ];
    if let Some(severity) = &notification.severity {
        facts.push(format!("*Severity:* {severity}"));
    }
    facts.push(format!("*Event:* {}", event_name(notification.event)));
    facts.push(format!("*At:* {}", notification.at));
    blocks.push(json!({
        "type": "context",
        "elements": facts.iter().map(|fact| json!({"type": "mrkdwn", "text": fact})).collect::<Vec<_>>()
    }));
    let mut buttons = Vec::new();
    if let Some(url) = &notification.url {
        buttons.push(json!({"type": "button", "text": {"type": "plain_text", "text": "Open in nines"}, "url": url}));
    }
    if let Some(runbook) = notification.annotations.get("runbook_url") {
        buttons.push(json!({"type": "button", "text": {"type": "plain_text", "text": "Runbook"}, "url": runbook}));
    }
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    json!({ "text": summary, "blocks": blocks })
}

/// The event in words.
pub fn event_name(event: Event) -> &'static str {
    match event {
        Event::AlertFiring => "firing",
        Event::AlertResolved => "resolved",
        Event::PolicyChanged => "policy changed",
        Event::ReviewOverdue => "review overdue",
    }
}

fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out: String = text.chars().take(limit - 1).collect();
    out.push('…');
    out
}
