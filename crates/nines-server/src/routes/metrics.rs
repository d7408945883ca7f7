//! `GET /metrics`: every objective's state and the server's own health for Prometheus to
//! scrape (the `nines-metrics` room renders it; this is only the mount).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::now;
use super::status::build_report;
use crate::auth::Access;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /metrics`: the Prometheus text format, or OpenMetrics when `Accept` asks for it.
/// Guarded by the read token when one is set.
pub async fn metrics(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let format = nines_metrics::Format::negotiate(
        headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok()),
    );
    let started = Instant::now();
    let report = build_report(&state, now(), None).await?;
    state.health.evaluated(started.elapsed());
    let specs = state.specs();
    let (started_at, loaded_at) = state.loaded_times();
    let gauges = nines_metrics::Gauges {
        store_disk_bytes: state.store().map(nines_store::Store::disk_bytes),
        notifications_pending: state
            .alerting()
            .and_then(|evaluator| evaluator.sink().status()["pending"].as_u64()),
        alerts_firing: state
            .alerting()
            .and_then(|evaluator| evaluator.status()["firing"].as_u64()),
        objectives: report.objectives.len(),
        specs_loaded_seconds: Some(loaded_at as f64 / 1000.0),
        start_seconds: started_at as f64 / 1000.0,
    };
    let state_for_render = state.clone();
    let body = tokio::task::spawn_blocking(move || {
        nines_metrics::render(
            format,
            &report,
            &specs.catalog,
            &state_for_render.health,
            &gauges,
        )
    })
    .await
    .map_err(|error| ApiError::internal(format!("a worker failed: {error}")))?;
    Ok(([(header::CONTENT_TYPE, format.content_type())], body).into_response())
}
