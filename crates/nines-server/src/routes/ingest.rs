//! Ingestion: raw events, pre-aggregated counts, Prometheus remote write.
//!
//! Each handler checks the write token, reads the whole body, parses all of it (a bad
//! line rejects the batch with its number and changes nothing), then commits it in one
//! fsynced transaction before answering.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use nines_core::source::millis;
use nines_store::ingest::counts::parse_counts;
use nines_store::ingest::events::parse_events;
use nines_store::ingest::remote_write::{decode, to_batch};
use nines_store::{Batch, Delta};

use super::{blocking, idempotency_key, now};
use crate::auth::Access;
use crate::error::ApiError;
use crate::state::AppState;

/// The body, or why it could not be read (too large above all).
fn body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is larger than {limit} bytes (--max-body); split the batch"),
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                rejection.body_text(),
            )
        }
    })
}

/// The store, or why this server takes no writes.
fn store_of(state: &AppState) -> Result<&nines_store::Store, ApiError> {
    state.store().ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "ingestion_disabled",
            "this server reads statuses from a Prometheus-compatible backend (--prometheus): send data there",
        )
    })
}

fn store_error(error: nines_store::StoreError) -> ApiError {
    // Refusals the client caused (an interval past its ceiling, a timestamp out of range):
    // retrying will not help.
    match error.client_code() {
        Some("count_limit") => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "count_limit",
            error.to_string(),
        ),
        Some(code) => ApiError::new(StatusCode::BAD_REQUEST, code, error.to_string()),
        None => ApiError::internal(format!("{error}; the batch was not applied, retry it")),
    }
}

/// What every write endpoint checks first: the write token, that this server ingests,
/// then the body and the idempotency key.
fn admit(
    state: &AppState,
    headers: &HeaderMap,
    payload: Result<Bytes, BytesRejection>,
) -> Result<(Bytes, Option<String>), ApiError> {
    state.config.auth.check(Access::Write, headers)?;
    store_of(state)?;
    Ok((
        body(payload, state.config.max_body_bytes)?,
        idempotency_key(headers)?,
    ))
}

/// Commits parsed deltas as one durable batch.
fn commit(
    store: &nines_store::Store,
    deltas: Vec<Delta>,
    idempotency_key: Option<String>,
) -> Result<nines_store::Applied, ApiError> {
    store
        .write(Batch {
            deltas,
            idempotency_key,
            ..Batch::default()
        })
        .map_err(store_error)
}

/// `POST /api/v1/events`: NDJSON or a JSON array of events.
pub async fn events(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (payload, key) = admit(&state, &headers, payload)?;
    blocking(move || {
        let specs = state.specs();
        let store = store_of(&state)?;
        let (deltas, summary) = parse_events(&payload, &specs.events, &state.window(store, now()))?;
        // Events an SLI could not judge are counted with the batch (data quality).
        let applied = store
            .write(Batch {
                deltas,
                idempotency_key: key,
                unmeasured: summary.unmeasured.clone(),
                ..Batch::default()
            })
            .map_err(store_error)?;
        Ok(Json(serde_json::json!({
            "accepted": true,
            "duplicate": applied.duplicate,
            "events": summary.events,
            "unmatched": summary.unmatched,
            "unmeasured": summary.unmeasured,
            "intervals": applied.intervals,
        })))
    })
    .await
}

/// `POST /api/v1/counts`: `{sli, timestamp, good|bad, valid}` records.
pub async fn counts(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (payload, key) = admit(&state, &headers, payload)?;
    blocking(move || {
        let specs = state.specs();
        let store = store_of(&state)?;
        let deltas = parse_counts(&payload, &specs.names, &state.window(store, now()))?;
        let records = deltas.len();
        let applied = commit(store, deltas, key)?;
        Ok(Json(serde_json::json!({
            "accepted": true,
            "duplicate": applied.duplicate,
            "intervals": records,
        })))
    })
    .await
}

/// `POST /api/v1/write`: Prometheus remote write 1.0 (snappy-compressed protobuf).
pub async fn remote_write(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Write, &headers)?;
    store_of(&state)?;
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if content_type.contains("io.prometheus.write.v2") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "remote write 2.0 is not supported yet: set `protobuf_message: prometheus.WriteRequest` in Prometheus' remote_write",
        ));
    }
    let payload = body(payload, state.config.max_body_bytes)?;
    let key = idempotency_key(&headers)?;
    blocking(move || {
        let specs = state.specs();
        let request = decode(&payload)?;
        let received = now();
        let store = store_of(&state)?;
        let config = store.config();
        // Remote write may replay its write-ahead log: samples as old as full-resolution
        // retention still count; older ones only move the counters.
        let oldest = received - millis(config.fine_retention);
        let newest = received + millis(config.future_skew);
        let resolution = config.resolution;
        let mut summary = None;
        let applied = store
            .write_with(|writer| {
                let (mut batch, counted) = to_batch(
                    &request,
                    &specs.remote_write,
                    writer,
                    oldest,
                    newest,
                    resolution,
                );
                batch.idempotency_key = key;
                summary = Some(counted);
                Ok::<_, std::convert::Infallible>(batch)
            })
            .unwrap_or_else(|never| match never {})
            .map_err(store_error)?;
        if let Some(summary) = summary {
            tracing::debug!(
                series = summary.series,
                matched = summary.matched,
                samples = summary.samples,
                out_of_range = summary.out_of_range,
                duplicate = applied.duplicate,
                "remote write"
            );
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}
