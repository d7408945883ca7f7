//! Ingestion: raw events, pre-aggregated counts, history (backfill), Prometheus remote
//! write.
//!
//! Each handler checks the write token from the headers before reading a byte of the
//! body (see [`crate::body`]), reads the whole body, parses all of it (a bad line rejects
//! the batch with its number and changes nothing), then commits it in one fsynced
//! transaction before answering.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use nines_core::source::millis;
use nines_store::ingest::counts::parse_counts;
use nines_store::ingest::events::parse_events;
use nines_store::ingest::remote_write::{decode, to_batch};
use nines_store::ingest::{BatchError, Window};
use nines_store::{Batch, Delta};

use super::{blocking, idempotency_key, now};
use crate::auth::Access;
use crate::body::{self, Native, Received};
use crate::error::ApiError;
use crate::state::AppState;

/// The store, or why this server takes no writes.
/// The ingestion endpoint a matched route is, for `/metrics`.
pub fn endpoint(route: &str) -> Option<&'static str> {
    match route {
        "/api/v1/events" => Some("events"),
        "/api/v1/counts" => Some("counts"),
        "/api/v1/backfill" => Some("backfill"),
        "/api/v1/write" => Some("write"),
        _ => None,
    }
}

/// Counts an applied batch of `records` records for `/metrics`.
fn note_applied(
    state: &AppState,
    endpoint: &'static str,
    applied: &nines_store::Applied,
    records: u64,
) {
    let outcome = if applied.duplicate {
        nines_metrics::Outcome::Duplicate
    } else {
        nines_metrics::Outcome::Accepted
    };
    state.health.ingested(endpoint, outcome, records);
}

fn store_of(state: &AppState) -> Result<&nines_store::Store, ApiError> {
    state.store().ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "ingestion_disabled",
            "this server reads statuses from a Prometheus-compatible backend (--prometheus): send data there",
        )
    })
}

/// What every write endpoint checks first, from the headers alone: the write token,
/// that this server ingests, the idempotency key. Only then is the body read.
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    payload: Body,
    native: Native,
) -> Result<(Received, Option<String>), ApiError> {
    state.config.auth.check(Access::Write, headers)?;
    store_of(state)?;
    let key = idempotency_key(headers)?;
    let received = body::read(state, headers, payload, native).await?;
    Ok((received, key))
}

/// A refused batch, with the way out when it was too old.
fn refused(error: BatchError, backfill: bool) -> ApiError {
    let out_of_window = error.code == "out_of_window";
    let mut refusal = ApiError::from(error);
    if out_of_window && !backfill {
        refusal.message.push_str(
            "; send history with `nines import --server URL` or POST /api/v1/backfill (docs/api.md#backfill)",
        );
    } else if out_of_window {
        refusal.message.push_str(
            "; backfill reaches back as far as the store keeps full resolution (--retention): import older history with `nines import` while the server is stopped",
        );
    }
    refusal
}

/// Commits parsed deltas as one durable batch.
fn commit(
    state: &AppState,
    deltas: Vec<Delta>,
    idempotency_key: Option<String>,
) -> Result<nines_store::Applied, ApiError> {
    let store = store_of(state)?;
    let written = store.write(Batch {
        deltas,
        idempotency_key,
        ..Batch::default()
    });
    state.store_outcome(written)
}

/// `POST /api/v1/events`: NDJSON or a JSON array of events.
pub async fn events(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    payload: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (payload, key) = admit(&state, &headers, payload, Native::Plain).await?;
    blocking(move || {
        body::check_json_depth(&payload.bytes)?;
        let specs = state.specs();
        let store = store_of(&state)?;
        let (deltas, summary) =
            parse_events(&payload.bytes, &specs.events, &state.window(store, now()))
                .map_err(|error| refused(error, false))?;
        // Events an SLI could not judge are counted with the batch (data quality).
        let written = store.write(Batch {
            deltas,
            idempotency_key: key,
            unmeasured: summary.unmeasured.clone(),
            ..Batch::default()
        });
        let applied = state.store_outcome(written)?;
        note_applied(&state, "events", &applied, summary.events as u64);
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
    payload: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    ingest_counts(state, headers, payload, false).await
}

/// `POST /api/v1/backfill`: counts records as for `/api/v1/counts`, accepted as far back
/// as the store keeps full resolution instead of `--lateness`. Send history in chunks,
/// each with its own `Idempotency-Key`: a retried chunk counts once. `nines import
/// --server URL` does exactly that.
pub async fn backfill(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    payload: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    ingest_counts(state, headers, payload, true).await
}

async fn ingest_counts(
    state: Arc<AppState>,
    headers: HeaderMap,
    payload: Body,
    backfill: bool,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (payload, key) = admit(&state, &headers, payload, Native::Plain).await?;
    blocking(move || {
        body::check_json_depth(&payload.bytes)?;
        let specs = state.specs();
        let store = store_of(&state)?;
        let mut window = state.window(store, now());
        if backfill {
            window = Window {
                lateness: store.config().fine_retention,
                ..window
            };
        }
        let deltas = parse_counts(&payload.bytes, &specs.names, &window)
            .map_err(|error| refused(error, backfill))?;
        let records = deltas.len();
        let applied = commit(&state, deltas, key)?;
        note_applied(
            &state,
            if backfill { "backfill" } else { "counts" },
            &applied,
            records as u64,
        );
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
    payload: Body,
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
    let (payload, key) = admit(&state, &headers, payload, Native::Snappy).await?;
    blocking(move || {
        let specs = state.specs();
        let request = decode(&payload.bytes)?;
        let received = now();
        let store = store_of(&state)?;
        let config = store.config();
        // Remote write may replay its write-ahead log: samples as old as full-resolution
        // retention still count; older ones only move the counters.
        let oldest = received - millis(config.fine_retention);
        let newest = received + millis(config.future_skew);
        let resolution = config.resolution;
        let mut summary = None;
        let written = store
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
            .unwrap_or_else(|never| match never {});
        let applied = state.store_outcome(written)?;
        note_applied(
            &state,
            "write",
            &applied,
            summary.as_ref().map_or(0, |summary| summary.samples as u64),
        );
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
