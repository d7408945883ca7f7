//! Notification targets' delivery settings, shared by the native format (top-level fields
//! of a `NotificationTarget`) and OpenSLO (the `nines.dev/extensions` annotation of an
//! `AlertNotificationTarget`): addresses, secrets as `{env: NAME}` / `{file: path}`
//! references, headers, SMTP settings and the routing filter, and the checks that a target
//! of a kind nines delivers to can actually deliver.
//!
//! Secret values never enter the model: only where to read them. Messages quote field
//! names and variable names, never a value that could be a secret.

use nines_core::model::{NotificationTarget, SecretSource, SmtpTls, TargetDelivery};

use crate::decode::{self as d, Cx, Fields};
use crate::diag::Rule;
use crate::yaml::Node;

/// The delivery fields, beside `type`, `target` and `description`.
pub(crate) const DELIVERY_FIELDS: &[&str] = &[
    "secret",
    "headers",
    "routingKey",
    "smtp",
    "tls",
    "from",
    "username",
    "password",
    "match",
];

/// The kinds nines delivers to; other kinds load (for conversion) and receive nothing.
pub const DELIVERED_KINDS: &[&str] = &["alertmanager", "webhook", "slack", "pagerduty", "email"];

/// PagerDuty's Events API v2 endpoint, the default `target` of a `pagerduty` target.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// At most this many addresses per target: an HA pair or a few recipients, not a list
/// that turns one notification into a flood.
pub const MAX_ADDRESSES: usize = 16;

/// At most this many custom headers per webhook target.
pub const MAX_HEADERS: usize = 32;

const MATCH_FIELDS: &[&str] = &["severity", "labels"];
const SOURCE_FIELDS: &[&str] = &["env", "file"];

/// `target` as one address or a list of them (an Alertmanager HA pair, several e-mail
/// recipients): the first and the rest.
pub(crate) fn addresses(cx: &mut Cx<'_>, node: &Node) -> Option<(String, Vec<String>)> {
    let mut all = d::strings(cx, node, "target");
    if all.is_empty() {
        cx.report(Rule::MissingField, node, "`target` lists no address")
            .hint("write one address, or a list of them");
        return None;
    }
    if all.len() > MAX_ADDRESSES {
        cx.report(
            Rule::InvalidValue,
            node,
            format!(
                "`target` lists {} addresses, more than the {MAX_ADDRESSES} a target may have",
                all.len()
            ),
        )
        .hint("split the addresses over several targets");
        all.truncate(MAX_ADDRESSES);
    }
    let first = all.remove(0);
    Some((first, all))
}

/// Reads the delivery fields present in `fields`.
pub(crate) fn delivery(cx: &mut Cx<'_>, fields: &Fields<'_>) -> TargetDelivery {
    let mut delivery = TargetDelivery {
        secret: fields
            .get("secret")
            .and_then(|node| source(cx, node, "secret", true)),
        routing_key: fields
            .get("routingKey")
            .and_then(|node| source(cx, node, "routingKey", true)),
        smtp: fields
            .get("smtp")
            .and_then(|node| d::string(cx, node, "smtp")),
        from: fields
            .get("from")
            .and_then(|node| d::string(cx, node, "from")),
        username: fields
            .get("username")
            .and_then(|node| source(cx, node, "username", false)),
        password: fields
            .get("password")
            .and_then(|node| source(cx, node, "password", true)),
        ..TargetDelivery::default()
    };
    if let Some(node) = fields.get("tls") {
        delivery.tls = d::string(cx, node, "tls").and_then(|text| match text.as_str() {
            "starttls" => Some(SmtpTls::Starttls),
            "tls" => Some(SmtpTls::Tls),
            "none" => Some(SmtpTls::None),
            _ => {
                cx.report(
                    Rule::InvalidValue,
                    node,
                    format!(
                        "`tls: {}` is not `starttls`, `tls` or `none`",
                        d::excerpt(&text)
                    ),
                )
                .hint("write `tls: starttls` (port 587) or `tls: tls` (port 465)");
                None
            }
        });
    }
    if let Some(node) = fields.get("headers") {
        match node.as_mapping() {
            Some(entries) => {
                for (key, value) in entries.iter().take(MAX_HEADERS) {
                    let name = key.as_scalar().unwrap_or_default().to_string();
                    if !valid_header_name(&name) {
                        cx.report(
                            Rule::InvalidValue,
                            key,
                            format!("`{}` is not an HTTP header name", d::excerpt(&name)),
                        )
                        .hint("header names are letters, digits and `-`");
                        continue;
                    }
                    if let Some(value) = source(cx, value, "a header value", false) {
                        delivery.headers.push((name, value));
                    }
                }
                if entries.len() > MAX_HEADERS {
                    cx.report(
                        Rule::InvalidValue,
                        node,
                        format!("more than {MAX_HEADERS} headers"),
                    )
                    .hint("keep the headers a receiver needs");
                }
            }
            None => {
                cx.report(
                    Rule::WrongType,
                    node,
                    format!("`headers` must be a mapping, found {}", node.kind_name()),
                )
                .hint("write `Header-Name: value` or `Header-Name: {env: VARIABLE}` pairs");
            }
        }
    }
    if let Some(node) = fields.get("match")
        && let Some(filter) = Fields::open(cx, node, "a target's `match`", MATCH_FIELDS)
    {
        if let Some(severity) = filter.get("severity") {
            delivery.match_severity = d::strings(cx, severity, "match.severity");
        }
        if let Some(labels) = filter.get("labels") {
            delivery.match_labels = d::string_map(cx, labels, "match.labels");
        }
    }
    delivery
}

/// A value written as a literal, `{env: NAME}` or `{file: path}`. A literal is refused
/// when `secret` is true: a secret in a spec file ends up in version control.
fn source(cx: &mut Cx<'_>, node: &Node, what: &str, secret: bool) -> Option<SecretSource> {
    if node.as_mapping().is_some() {
        let fields = Fields::open(cx, node, what, SOURCE_FIELDS)?;
        return match (fields.get("env"), fields.get("file")) {
            (Some(variable), None) => d::string(cx, variable, "env").map(SecretSource::Env),
            (None, Some(path)) => d::string(cx, path, "file").map(SecretSource::File),
            _ => {
                cx.report(
                    Rule::InvalidValue,
                    node,
                    format!("{what} must name exactly one of `env` or `file`"),
                )
                .hint("write `{env: VARIABLE}` or `{file: /path/to/secret}`");
                None
            }
        };
    }
    if secret {
        // The value itself is never quoted: it is a secret.
        cx.report(
            Rule::InvalidTarget,
            node,
            format!(
                "`{what}` is written in the spec: a secret must come from the environment or a file"
            ),
        )
        .hint(format!(
            "write `{what}: {{env: VARIABLE}}` or `{what}: {{file: /path/to/secret}}`"
        ));
        return None;
    }
    d::string(cx, node, what).map(SecretSource::Literal)
}

fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// Checks that a target of a kind nines delivers to can deliver: an `http(s)` URL for
/// the HTTP kinds, a routing key for PagerDuty, a server and sender for e-mail, no
/// plain-text SMTP beyond loopback, and only the fields its kind uses. `node` is the
/// document (native) or the annotation (OpenSLO) where the settings were written.
pub(crate) fn check(
    cx: &mut Cx<'_>,
    node: &Node,
    target: &NotificationTarget,
    fields: &Fields<'_>,
) {
    let Some(kind) = target.kind.as_deref() else {
        return;
    };
    if !DELIVERED_KINDS.contains(&kind) {
        return;
    }
    let used: &[&str] = match kind {
        "webhook" => &["secret", "headers", "match"],
        "pagerduty" => &["routingKey", "match"],
        "email" => &["smtp", "tls", "from", "username", "password", "match"],
        _ => &["match"],
    };
    for field in DELIVERY_FIELDS {
        if !used.contains(field)
            && let Some(key) = fields.key(field)
        {
            cx.report(
                Rule::InvalidTarget,
                key,
                format!("a `{kind}` target does not use `{field}`"),
            )
            .hint(format!(
                "remove `{field}`; a `{kind}` target reads {}",
                used.iter()
                    .map(|field| format!("`{field}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let at = |name: &str| fields.get(name).unwrap_or(node);
    if kind == "email" {
        for address in target.addresses() {
            if !looks_like_address(address) {
                cx.report(
                    Rule::InvalidTarget,
                    node,
                    format!("`{}` is not an e-mail address", d::excerpt(address)),
                )
                .hint("an e-mail target's `target` is the recipient, `name@example.com`");
            }
        }
        match target.delivery.smtp.as_deref() {
            None => {
                cx.report(
                    Rule::InvalidTarget,
                    node,
                    "an `email` target needs `smtp`, the server's `host:port`",
                )
                .hint("add `smtp: smtp.example.com:587`");
            }
            Some(server) => match split_host_port(server) {
                None => {
                    cx.report(
                        Rule::InvalidTarget,
                        at("smtp"),
                        format!("`smtp: {}` is not `host:port`", d::excerpt(server)),
                    )
                    .hint("write `smtp: smtp.example.com:587`");
                }
                Some((host, _)) => {
                    if target.delivery.tls == Some(SmtpTls::None) && !is_loopback_host(host) {
                        cx.report(
                            Rule::InvalidTarget,
                            at("tls"),
                            format!("`tls: none` to `{}`: passwords and alerts would cross the network in clear", d::excerpt(host)),
                        )
                        .hint("use `tls: starttls` or `tls: tls`; `none` is only for a server on loopback");
                    }
                }
            },
        }
        match target.delivery.from.as_deref() {
            None => {
                cx.report(
                    Rule::InvalidTarget,
                    node,
                    "an `email` target needs `from`, the sender address",
                )
                .hint("add `from: nines@example.com`");
            }
            Some(from) if !looks_like_address(from) => {
                cx.report(
                    Rule::InvalidTarget,
                    at("from"),
                    format!("`from: {}` is not an e-mail address", d::excerpt(from)),
                )
                .hint("write `from: nines@example.com`");
            }
            Some(_) => {}
        }
        if target.delivery.username.is_some() != target.delivery.password.is_some() {
            cx.report(
                Rule::InvalidTarget,
                node,
                "`username` and `password` go together",
            )
            .hint("give both, or neither for a server without authentication");
        }
        return;
    }
    for address in target.addresses() {
        let lower = address.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://"))
            || address.len() <= "https://".len()
        {
            cx.report(
                Rule::InvalidTarget,
                at("target"),
                format!(
                    "`{}` is not an http:// or https:// URL",
                    d::excerpt(address)
                ),
            )
            .hint(format!(
                "a `{kind}` target's `target` is the URL it posts to"
            ));
        }
    }
    if kind == "pagerduty" && target.delivery.routing_key.is_none() {
        cx.report(
            Rule::InvalidTarget,
            node,
            "a `pagerduty` target needs `routingKey`, the integration key of the service",
        )
        .hint("add `routingKey: {env: PAGERDUTY_ROUTING_KEY}`");
    }
    if kind != "alertmanager" && !target.more_targets.is_empty() {
        cx.report(
            Rule::InvalidTarget,
            at("target"),
            format!(
                "a `{kind}` target posts to one URL; only `alertmanager` takes a list (an HA pair)"
            ),
        )
        .hint("write one target per URL");
    }
}

fn looks_like_address(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !text
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        }
        None => false,
    }
}

/// `host:port` (or `[v6]:port`) with a port number.
pub fn split_host_port(text: &str) -> Option<(&str, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return None;
    }
    Some((host, port.parse().ok()?))
}

/// True for `localhost` and loopback addresses.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_and_loopback() {
        assert_eq!(
            split_host_port("smtp.example.com:587"),
            Some(("smtp.example.com", 587))
        );
        assert_eq!(split_host_port("[::1]:25"), Some(("::1", 25)));
        assert_eq!(split_host_port("smtp.example.com"), None);
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("::1"));
        assert!(is_loopback_host("localhost"));
        assert!(!is_loopback_host("10.0.0.1"));
    }
}
