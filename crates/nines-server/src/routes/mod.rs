//! The routes, grouped by what they do.

mod admin;
mod ingest;
mod metrics;
mod reports;
pub(crate) mod status;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use nines_core::source::Millis;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Every route.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(status::index))
        .route("/api/v1/events", post(ingest::events))
        .route("/api/v1/counts", post(ingest::counts))
        .route("/api/v1/write", post(ingest::remote_write))
        .route("/api/v1/backfill", post(ingest::backfill))
        .route("/api/v1/slos", get(status::slos))
        .route("/api/v1/slos/{service}", get(status::service))
        .route("/api/v1/slos/{service}/{slo}", get(status::slo))
        .route("/api/v1/slos/{service}/{slo}/series", get(status::series))
        .route("/api/v1/gate", get(status::gate))
        .route("/api/v1/suggest", get(status::suggest))
        .route("/api/v1/reports", get(reports::reports))
        .route("/api/v1/status", get(admin::status))
        .route("/metrics", get(metrics::metrics))
        .route("/-/reload", post(admin::reload))
        .route("/-/healthy", get(admin::healthy))
        .route("/-/ready", get(admin::ready))
        .route_layer(axum::middleware::from_fn(remember_route))
        .fallback(not_found)
}

/// The route pattern a request matched (`/api/v1/slos/{service}/{slo}`), for the log.
#[derive(Clone, Debug)]
struct RouteName(String);

/// Keeps the matched route in the response, where the request log reads it.
pub(crate) async fn remember_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|matched| matched.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteName(route));
    }
    response
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}; see docs/api.md",
        request.method(),
        request.uri().path()
    ))
}

/// A method the route does not have: the same JSON error as every other refusal, with
/// the methods it does have (axum's own 405 has an empty body).
fn method_not_allowed(method: &axum::http::Method, path: &str, response: Response) -> Response {
    let allowed = response
        .headers()
        .get(axum::http::header::ALLOW)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut refusal = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{path} does not take {method}: use {allowed} (see docs/api.md)"),
    )
    .into_response();
    if let Ok(value) = allowed.parse() {
        refusal
            .headers_mut()
            .insert(axum::http::header::ALLOW, value);
    }
    refusal
}

/// Logs every request on stderr, one line each: failures at warn or error with their
/// stable error code, successes at debug. The route is the matched pattern
/// (`/api/v1/slos/{service}/{slo}`), the path what was asked.
pub async fn log_requests(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let mut response = next.run(request).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && response.extensions().get::<ErrorCode>().is_none()
    {
        response = method_not_allowed(&method, &path, response);
    }
    let route = response
        .extensions()
        .get::<RouteName>()
        .map_or("(none)", |route| route.0.as_str());
    let status = response.status().as_u16();
    let code = response
        .extensions()
        .get::<ErrorCode>()
        .map_or("", |code| code.0);
    let elapsed = started.elapsed();
    state.health.request(route, status, elapsed);
    if status >= 400
        && let Some(endpoint) = ingest::endpoint(route)
    {
        state
            .health
            .ingested(endpoint, nines_metrics::Outcome::Refused, 0);
    }
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(%method, route, path, status, code, elapsed_ms, "request failed");
    } else if status >= 400 {
        tracing::warn!(%method, route, path, status, code, elapsed_ms, "request refused");
    } else {
        tracing::debug!(%method, route, path, status, elapsed_ms, "request");
    }
    response
}

/// Now, in milliseconds since the epoch.
pub fn now() -> Millis {
    jiff::Timestamp::now().as_millisecond()
}

/// Query parameters, read by hand so errors say which parameter and why.
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(map) =
            axum::extract::Query::<HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| ApiError::query(rejection.body_text()))?;
        Ok(Params(map))
    }
}

impl Params {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }
    /// `at`, `from`, `to`: RFC 3339, a date (midnight UTC), Unix seconds or
    /// milliseconds, or `now`; within the one range nines accepts
    /// ([`nines_core::timestamp`]), else 400 `invalid_query`.
    fn instant(&self, key: &str) -> Result<Option<Millis>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some("now") => Ok(Some(now())),
            Some(text) => instant(text)
                .map(Some)
                .map_err(|problem| ApiError::query(format!("`{key}`: {problem}"))),
        }
    }
    /// `format`, one of `allowed` (the first is the default).
    fn format(&self, allowed: &[&'static str]) -> Result<&'static str, ApiError> {
        match self.get("format") {
            None => Ok(allowed[0]),
            Some(text) => allowed
                .iter()
                .copied()
                .find(|known| *known == text)
                .ok_or_else(|| {
                    ApiError::query(format!(
                        "`format={text}`: use one of {}",
                        allowed.join(", ")
                    ))
                }),
        }
    }
}

/// A timestamp of a query: a date (`2026-11-01`, midnight UTC) or what
/// [`nines_core::timestamp::parse`] reads, in its range either way.
fn instant(text: &str) -> Result<Millis, nines_core::timestamp::TimestampError> {
    use nines_core::timestamp::{TimestampError, check, parse};
    let trimmed = text.trim();
    let bytes = trimmed.as_bytes();
    let date_shaped = bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-';
    if !date_shaped {
        return parse(trimmed);
    }
    match trimmed.parse::<jiff::civil::Date>() {
        Ok(date) => date
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map_err(|_| TimestampError::OutOfRange(trimmed.to_string()))
            .and_then(|zoned| {
                check(zoned.timestamp().as_millisecond())
                    .map_err(|_| TimestampError::OutOfRange(trimmed.to_string()))
            }),
        Err(_) => Err(TimestampError::Malformed(trimmed.to_string())),
    }
}

/// A text response (tables, markdown, the gate in words).
fn text(body: String) -> Response {
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Runs blocking work (store I/O, evaluation) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::internal(format!("a worker failed: {error}")))?
}

/// The `Idempotency-Key` header, checked.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|text| !text.is_empty() && text.len() <= 256)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 256 visible ASCII characters",
            )
        })?;
    Ok(Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        )
    }

    #[test]
    fn query_parameters_explain_errors() {
        let good = params(&[("at", "2026-11-29T12:00:00Z"), ("format", "")]);
        assert_eq!(good.instant("at").unwrap(), Some(1_795_953_600_000));
        assert_eq!(good.format(&["json", "table"]).unwrap(), "json");
        let bad = params(&[("format", "yaml"), ("at", "yesterday")]);
        assert!(
            bad.format(&["json"])
                .unwrap_err()
                .message
                .contains("use one of json")
        );
        assert_eq!(bad.instant("at").unwrap_err().code, "invalid_query");
    }

    #[test]
    fn far_future_and_far_past_instants_get_one_clear_refusal() {
        // issue 9.8: `253402300799` answered 200 with a 1970 window; `9999-12-31` was "not
        // a timestamp". Every form outside the range now says the range.
        for text in [
            "253402300799",
            "9999-12-31T23:59:59Z",
            "9999-12-31",
            "1969-12-31",
            "0",
            "253402300799000",
        ] {
            let error = params(&[("at", text)]).instant("at").unwrap_err();
            assert_eq!(error.code, "invalid_query", "{text}");
            assert!(
                error.message.contains(nines_core::timestamp::RANGE_TEXT),
                "{text}: {}",
                error.message
            );
        }
        assert_eq!(
            params(&[("at", "2026-11-29")]).instant("at").unwrap(),
            Some(1_795_910_400_000)
        );
        assert!(
            params(&[("at", "2026-13-01")])
                .instant("at")
                .unwrap_err()
                .message
                .contains("not a timestamp")
        );
    }
}
