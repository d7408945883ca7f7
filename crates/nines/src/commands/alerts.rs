//! `nines alerts`: a running server's alerts, or their history.

use serde_json::Value;

use crate::cli::{AlertStateArg, AlertsArgs, AlertsFormat, Status};
use crate::commands::remote::Remote;
use crate::output;

/// Entries one history request asks for (the server's page limit).
const HISTORY_PAGE: usize = 1_000;

pub fn run(args: &AlertsArgs) -> anyhow::Result<Status> {
    let remote = match Remote::new(&args.server, args.token.as_deref(), None) {
        Ok(remote) => remote,
        Err(message) => {
            output::error(&message);
            return Ok(Status::Error);
        }
    };
    let result = if args.history {
        history(&remote, args)
    } else {
        active(&remote, args)
    };
    match result {
        Ok(()) => Ok(Status::Success),
        Err(message) => {
            output::error(&message);
            Ok(Status::Error)
        }
    }
}

fn parse(body: &str) -> Result<Value, String> {
    serde_json::from_str(body)
        .map_err(|problem| format!("the server's answer is not JSON: {problem}"))
}

fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => "-".to_string(),
        Some(other) => other.to_string(),
    }
}

fn rate(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_f64)
        .map_or("-".to_string(), |rate| format!("{rate:.2}"))
}

fn percent(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_f64)
        .map_or("-".to_string(), |share| format!("{:.1}%", share * 100.0))
}

fn active(remote: &Remote, args: &AlertsArgs) -> Result<(), String> {
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(service) = &args.service {
        params.push(("service", service));
    }
    if let Some(severity) = &args.severity {
        params.push(("severity", severity));
    }
    if let Some(state) = args.state {
        params.push((
            "state",
            match state {
                AlertStateArg::Pending => "pending",
                AlertStateArg::Firing => "firing",
            },
        ));
    }
    let body = parse(&remote.get("/api/v1/alerts", &params)?)?;
    if args.output == AlertsFormat::Json {
        return output::json(&body).map_err(|problem| problem.to_string());
    }
    let alerts = body
        .get("alerts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut rows = vec![
        [
            "STATE",
            "SEVERITY",
            "SLO",
            "OBJECTIVE",
            "ALERT",
            "SINCE",
            "LONG BURN",
            "SHORT BURN",
            "BUDGET LEFT",
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    for alert in &alerts {
        let since = match alert.get("fired_at") {
            Some(Value::String(fired)) => fired.clone(),
            _ => text(alert, "active_at"),
        };
        let mut state = text(alert, "state");
        if alert.get("held").is_some_and(|held| !held.is_null()) {
            state.push_str(" (held)");
        }
        rows.push(vec![
            state,
            text(alert, "severity"),
            format!("{}/{}", text(alert, "service"), text(alert, "slo")),
            text(alert, "objective"),
            text(alert, "row"),
            since,
            rate(alert, "long_burn"),
            rate(alert, "short_burn"),
            percent(alert, "budget_remaining"),
        ]);
    }
    let mut out = String::new();
    if alerts.is_empty() {
        out.push_str("no alerts pending or firing\n");
    } else {
        out.push_str(&table(&rows));
    }
    if let Some(last) = body.get("last_evaluation").filter(|last| !last.is_null()) {
        out.push_str(&format!(
            "\nlast evaluation: {} ({} SLOs, {} ms){}\n",
            text(last, "at"),
            text(last, "slos"),
            last.get("duration_ms")
                .and_then(Value::as_f64)
                .map_or("-".to_string(), |ms| format!("{ms:.0}")),
            match last.get("error") {
                Some(Value::String(error)) => format!("; FAILED: {error}"),
                _ => String::new(),
            }
        ));
    } else {
        out.push_str("\nno evaluation yet since the server started\n");
    }
    output::data(&out);
    Ok(())
}

fn history(remote: &Remote, args: &AlertsArgs) -> Result<(), String> {
    let mut entries: Vec<Value> = Vec::new();
    let mut after: Option<String> = None;
    let last_page = loop {
        let want = (args.limit - entries.len())
            .clamp(1, HISTORY_PAGE)
            .to_string();
        let mut params: Vec<(&str, &str)> = vec![("limit", &want)];
        if let Some(from) = &args.from {
            params.push(("from", from));
        }
        if let Some(to) = &args.to {
            params.push(("to", to));
        }
        if let Some(after) = &after {
            params.push(("after", after));
        }
        let page = parse(&remote.get("/api/v1/alerts/history", &params)?)?;
        entries.extend(
            page.get("entries")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        after = page.get("next").and_then(Value::as_str).map(str::to_string);
        if after.is_none() || entries.len() >= args.limit {
            break page;
        }
    };
    if let Some(service) = &args.service {
        entries.retain(|entry| entry.get("service").and_then(Value::as_str) == Some(service));
    }
    if args.output == AlertsFormat::Json {
        let value = serde_json::json!({
            "from": last_page.get("from"),
            "to": last_page.get("to"),
            "count": entries.len(),
            "entries": entries,
            "more": after.is_some(),
        });
        return output::json(&value).map_err(|problem| problem.to_string());
    }
    let mut rows = vec![
        ["AT", "EVENT", "SLO", "WHAT", "DETAIL"]
            .map(str::to_string)
            .to_vec(),
    ];
    for entry in &entries {
        let (what, detail) =
            if let Some(alert) = entry.get("alert").filter(|alert| !alert.is_null()) {
                let instance = &alert["alert"];
                let detail = match alert.get("reason") {
                    Some(Value::String(reason)) => reason.clone(),
                    _ => format!(
                        "{} burn {} / {}",
                        text(instance, "severity"),
                        rate(instance, "long_burn"),
                        rate(instance, "short_burn")
                    ),
                };
                (text(instance, "row"), detail)
            } else if let Some(policy) = entry.get("policy").filter(|policy| !policy.is_null()) {
                (
                    format!("{} → {}", text(policy, "from"), text(policy, "to")),
                    text(policy, "in_words"),
                )
            } else if let Some(review) = entry.get("review").filter(|review| !review.is_null()) {
                ("review".to_string(), format!("due {}", text(review, "due")))
            } else {
                ("-".to_string(), String::new())
            };
        rows.push(vec![
            text(entry, "at"),
            text(entry, "event"),
            format!("{}/{}", text(entry, "service"), text(entry, "slo")),
            what,
            detail,
        ]);
    }
    let mut out = if entries.is_empty() {
        "no transitions in that time\n".to_string()
    } else {
        table(&rows)
    };
    if after.is_some() {
        out.push_str(&format!(
            "\n(more transitions follow; raise --limit, {} now, or narrow --from/--to)\n",
            args.limit
        ));
    }
    output::data(&out);
    Ok(())
}

/// Left-aligned columns separated by two spaces.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(column, cell)| format!("{cell:<width$}", width = widths[column]))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
