//! The alert routes, an axum router the server mounts behind its read token:
//!
//! - `GET /api/v1/alerts?service=&severity=&state=`: pending and firing alerts;
//! - `GET /api/v1/alerts/history?from=&to=&limit=&after=`: every transition, oldest
//!   first, at most [`MAX_HISTORY_PAGE`] a page, with `next` to continue.
//!
//! Errors are the server's JSON errors: `{"error": {"code", "message"}}`, 400
//! `invalid_query` for a parameter that is unknown, malformed or names nothing known.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use nines_core::alerts::{AlertInstance, AlertState};
use nines_core::source::Millis;
use nines_core::timestamp::format_millis;
use serde::Serialize;

use crate::evaluate::Evaluator;
use crate::history::{self, HistoryEntry, MAX_HISTORY_PAGE};

/// The history page size when `limit` is not given.
pub const DEFAULT_HISTORY_PAGE: usize = 100;

/// How far back the history reads when `from` is not given: 7 days.
pub const DEFAULT_HISTORY_SPAN_MS: Millis = 7 * 86_400_000;

/// The routes, with their state applied.
pub fn router(evaluator: Arc<Evaluator>) -> Router {
    Router::new()
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/alerts/history", get(alert_history))
        .with_state(evaluator)
}

/// A refusal in the server's error schema.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn query(message: impl Into<String>) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_query",
            message: message.into(),
        }
    }
    fn internal(message: impl Into<String>) -> Refusal {
        Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": { "code": self.code, "message": self.message } })),
        )
            .into_response()
    }
}

type Params = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

fn params(query: Params, allowed: &[&str]) -> Result<HashMap<String, String>, Refusal> {
    let Query(map) = query.map_err(|rejection| Refusal::query(rejection.body_text()))?;
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(Refusal::query(format!(
                "unknown parameter `{key}`: use {} (docs/api.md)",
                allowed.join(", ")
            )));
        }
    }
    Ok(map
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect())
}

fn one_of(key: &str, value: &str, known: &BTreeSet<String>, what: &str) -> Result<(), Refusal> {
    if known.contains(value) {
        return Ok(());
    }
    let list: Vec<&str> = known.iter().map(String::as_str).collect();
    Err(Refusal::query(format!(
        "`{key}={value}`: no {what} of that name; known: {}",
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    )))
}

/// An alert as the API shows it.
#[derive(Debug, Serialize)]
pub struct AlertView {
    /// `service/slo/objective/row` or `service/slo/no-data`.
    pub id: String,
    /// `pending` or `firing`.
    pub state: &'static str,
    /// `burn_rate` or `no_data`.
    pub kind: &'static str,
    /// Severity.
    pub severity: String,
    /// Service.
    pub service: String,
    /// SLO.
    pub slo: String,
    /// Objective (burn-rate alerts).
    pub objective: Option<String>,
    /// Row name (`page-1h`) or `no-data`.
    pub row: String,
    /// When its condition started holding, RFC 3339.
    pub active_at: String,
    /// When it fired, RFC 3339.
    pub fired_at: Option<String>,
    /// The row's `for:`, in seconds.
    pub for_seconds: i64,
    /// Long window.
    pub long_window: Option<String>,
    /// Short window.
    pub short_window: Option<String>,
    /// Threshold (burn rate).
    pub threshold: Option<f64>,
    /// Long-window burn rate when it became active, then when it fired.
    pub long_burn: Option<f64>,
    /// Short-window burn rate at the same instant.
    pub short_burn: Option<f64>,
    /// Budget remaining at the same instant.
    pub budget_remaining: Option<f64>,
    /// Seconds to exhaustion at the same instant.
    pub time_to_exhaustion_seconds: Option<i64>,
    /// Why its state was kept without evaluation at the last evaluation (a backend
    /// error, no data in its windows).
    pub held: Option<String>,
    /// The last evaluation that saw it, RFC 3339.
    pub evaluated_at: String,
}

impl From<&AlertInstance> for AlertView {
    fn from(instance: &AlertInstance) -> Self {
        AlertView {
            id: instance.id.clone(),
            state: instance.state.as_str(),
            kind: instance.kind.as_str(),
            severity: instance.severity.clone(),
            service: instance.service.clone(),
            slo: instance.slo.clone(),
            objective: instance.objective.clone(),
            row: instance.row.clone(),
            active_at: format_millis(instance.active_at),
            fired_at: instance.fired_at.map(format_millis),
            for_seconds: instance.for_ms / 1000,
            long_window: instance.long_window.clone(),
            short_window: instance.short_window.clone(),
            threshold: instance.threshold,
            long_burn: instance.long_burn,
            short_burn: instance.short_burn,
            budget_remaining: instance.budget_remaining,
            time_to_exhaustion_seconds: instance.time_to_exhaustion_ms.map(|millis| millis / 1000),
            held: instance.held.clone(),
            evaluated_at: format_millis(instance.evaluated_at),
        }
    }
}

async fn alerts(
    State(evaluator): State<Arc<Evaluator>>,
    query: Params,
) -> Result<Response, Refusal> {
    let params = params(query, &["service", "severity", "state"])?;
    let known = evaluator.known();
    if let Some(service) = params.get("service") {
        one_of("service", service, &known.services, "service")?;
    }
    if let Some(severity) = params.get("severity") {
        one_of("severity", severity, &known.severities, "severity")?;
    }
    let state = match params.get("state").map(String::as_str) {
        None => None,
        Some("pending") => Some(AlertState::Pending),
        Some("firing") => Some(AlertState::Firing),
        Some(other) => {
            return Err(Refusal::query(format!(
                "`state={other}`: use pending or firing (resolved alerts are in /api/v1/alerts/history)"
            )));
        }
    };
    let alerts: Vec<AlertView> = evaluator
        .active()
        .iter()
        .filter(|alert| {
            params
                .get("service")
                .is_none_or(|service| alert.service == *service)
        })
        .filter(|alert| {
            params
                .get("severity")
                .is_none_or(|severity| alert.severity == *severity)
        })
        .filter(|alert| state.is_none_or(|state| alert.state == state))
        .map(AlertView::from)
        .collect();
    Ok(Json(serde_json::json!({
        "count": alerts.len(),
        "alerts": alerts,
        "last_evaluation": evaluator.last_outcome(),
    }))
    .into_response())
}

fn instant(params: &HashMap<String, String>, key: &str) -> Result<Option<Millis>, Refusal> {
    let Some(text) = params.get(key) else {
        return Ok(None);
    };
    let text = text.trim();
    if text == "now" {
        return Ok(Some(jiff::Timestamp::now().as_millisecond()));
    }
    let bytes = text.as_bytes();
    let parsed = if bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        text.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|date| date.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
            .map(|zoned| zoned.timestamp().as_millisecond())
            .filter(|millis| nines_core::timestamp::in_range(*millis))
            .ok_or_else(|| format!("not a date in {}", nines_core::timestamp::RANGE_TEXT))
    } else {
        nines_core::timestamp::parse(text).map_err(|error| error.to_string())
    };
    parsed
        .map(Some)
        .map_err(|problem| Refusal::query(format!("`{key}={text}`: {problem}")))
}

#[derive(Serialize)]
struct HistoryPage {
    from: String,
    to: String,
    count: usize,
    entries: Vec<HistoryEntry>,
    /// Pass as `after` for the next page; `null` when this is the last.
    next: Option<String>,
}

async fn alert_history(
    State(evaluator): State<Arc<Evaluator>>,
    query: Params,
) -> Result<Response, Refusal> {
    let params = params(query, &["from", "to", "limit", "after"])?;
    let now = jiff::Timestamp::now().as_millisecond();
    let to = instant(&params, "to")?.unwrap_or(now + 1);
    let from = instant(&params, "from")?.unwrap_or(to - DEFAULT_HISTORY_SPAN_MS);
    if from >= to {
        return Err(Refusal::query(format!(
            "`from` ({}) must be before `to` ({})",
            format_millis(from),
            format_millis(to)
        )));
    }
    let limit = match params.get("limit") {
        None => DEFAULT_HISTORY_PAGE,
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=MAX_HISTORY_PAGE).contains(&limit) => limit,
            _ => {
                return Err(Refusal::query(format!(
                    "`limit={text}`: use a whole number from 1 to {MAX_HISTORY_PAGE}"
                )));
            }
        },
    };
    let after = params.get("after").cloned();
    if let Some(after) = &after
        && (after.len() != 26
            || !after
                .bytes()
                .all(|byte| byte.is_ascii_digit() || byte == b'-'))
    {
        return Err(Refusal::query(format!(
            "`after={after}`: pass the `next` of the previous page"
        )));
    }
    let reader = evaluator.clone();
    let (entries, next) = tokio::task::spawn_blocking(move || {
        history::read(reader.store(), from, to, after.as_deref(), limit)
    })
    .await
    .map_err(|error| Refusal::internal(format!("a worker failed: {error}")))?
    .map_err(|error| Refusal::internal(format!("reading the alert history: {error}")))?;
    Ok(Json(HistoryPage {
        from: format_millis(from),
        to: format_millis(to),
        count: entries.len(),
        entries,
        next,
    })
    .into_response())
}
