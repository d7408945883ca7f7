//! The routes, grouped by what they do.

mod admin;
mod ingest;
mod status;

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

use crate::error::ApiError;
use crate::state::AppState;

/// Every route.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(status::index))
        .route("/api/v1/events", post(ingest::events))
        .route("/api/v1/counts", post(ingest::counts))
        .route("/api/v1/write", post(ingest::remote_write))
        .route("/api/v1/slos", get(status::slos))
        .route("/api/v1/slos/{service}/{slo}", get(status::slo))
        .route("/api/v1/slos/{service}/{slo}/series", get(status::series))
        .route("/api/v1/gate", get(status::gate))
        .route("/api/v1/suggest", get(status::suggest))
        .route("/api/v1/status", get(admin::status))
        .route("/-/reload", post(admin::reload))
        .route("/-/healthy", get(admin::healthy))
        .route("/-/ready", get(admin::ready))
        .fallback(not_found)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}; see docs/api.md",
        request.method(),
        request.uri().path()
    ))
}

/// Logs every request on stderr: failures at warn or error, successes at debug.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(%method, path, status, elapsed_ms, "request failed");
    } else if status >= 400 {
        tracing::warn!(%method, path, status, elapsed_ms, "request refused");
    } else {
        tracing::debug!(%method, path, status, elapsed_ms, "request");
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
    /// `at`, `from`, `to`: RFC 3339, Unix seconds or milliseconds, or `now`.
    fn instant(&self, key: &str) -> Result<Option<Millis>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some("now") => Ok(Some(now())),
            Some(text) => nines_counts::parse_timestamp(text)
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
}
