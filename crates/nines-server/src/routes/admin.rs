//! Administration: reload, health, readiness and what the server holds.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use nines_core::report;

use super::blocking;
use crate::auth::Access;
use crate::error::ApiError;
use crate::state::{AppState, SpecError};

/// `POST /-/reload`: re-reads the specs. Invalid specs are refused with their
/// diagnostics and the running ones stay.
pub async fn reload(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.config.auth.check(Access::Write, &headers)?;
    blocking(move || match state.reload() {
        Ok(specs) => {
            tracing::info!(slos = specs.catalog.slos.len(), "specs reloaded");
            Ok(Json(serde_json::json!({
                "reloaded": true,
                "files": specs.files,
                "slos": specs.catalog.slos.len(),
                "warnings": specs.warnings,
            })))
        }
        Err(SpecError::Invalid(diagnostics)) => {
            tracing::warn!(
                errors = diagnostics.len(),
                "reload refused: the specs have errors"
            );
            let mut error = ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_spec",
                format!(
                    "{} error(s) in the specs; the running specs stay in force",
                    diagnostics.len()
                ),
            );
            error.diagnostics = serde_json::to_value(&diagnostics).ok().map(Box::new);
            Err(error)
        }
        Err(SpecError::Load(problem)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_spec",
            format!("{problem}; the running specs stay in force"),
        )),
    })
    .await
}

/// `GET /-/healthy`: the process answers.
pub async fn healthy() -> &'static str {
    "nines is healthy\n"
}

/// `GET /-/ready`: 200 while serving; 503 once shutdown has begun, and while the
/// store's disk is full (writes would fail).
pub async fn ready(State(state): State<Arc<AppState>>) -> Response {
    if !state.is_ready() {
        return (StatusCode::SERVICE_UNAVAILABLE, "nines is shutting down\n").into_response();
    }
    let checked = state.clone();
    match tokio::task::spawn_blocking(move || checked.storage_problem()).await {
        Ok(None) => (StatusCode::OK, "nines is ready\n").into_response(),
        Ok(Some(problem)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("nines is not ready: {problem}\n"),
        )
            .into_response(),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("nines is not ready: the storage check failed: {error}\n"),
        )
            .into_response(),
    }
}

/// `GET /api/v1/status`: versions, specs and store figures.
pub async fn status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.config.auth.check(Access::Read, &headers)?;
    let backend = match &state.data {
        crate::state::Data::Prometheus(backend) => Some(backend.clone()),
        crate::state::Data::Store(_) => None,
    };
    let reachable = match &backend {
        Some(backend) => Some(backend.check().await.map_err(|error| error.to_string())),
        None => None,
    };
    blocking(move || {
        let specs = state.specs();
        let data = match (state.store(), &backend) {
            (Some(store), _) => {
                let config = store.config();
                let view = store.view();
                serde_json::json!({
                    "kind": "store",
                    "path": store.path().display().to_string(),
                    "series": view.fine.len(),
                    "memory_bytes": view.heap_bytes(),
                    "disk_bytes": store.disk_bytes(),
                    "resolution": config.resolution.to_string(),
                    "coarse_resolution": config.coarse_resolution.to_string(),
                    "fine_retention": config.fine_retention.to_string(),
                    "coarse_retention": config.coarse_retention.to_string(),
                    "lateness": config.lateness.to_string(),
                    "durability": "every acknowledged write is fsynced before the response",
                })
            }
            (None, Some(backend)) => serde_json::json!({
                "kind": "prometheus",
                "url": backend.client().config().url,
                "tenant": backend.client().config().tenant,
                "reachable": reachable.as_ref().map(|result| result.is_ok()),
                "backend": reachable.map(|result| match result {
                    Ok(version) => version,
                    Err(error) => error,
                }),
            }),
            (None, None) => serde_json::Value::Null,
        };
        Ok(Json(serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "started_at": report::timestamp(state.started_at()),
            "specs": {
                "files": specs.files,
                "slos": specs.catalog.slos.len(),
                "loaded_at": report::timestamp(specs.loaded_at),
                "warnings": specs.warnings.len(),
                "series_fed_by_events": specs.events.len(),
                "series_fed_by_remote_write": specs.remote_write.len(),
                "remote_write_unsupported": specs.remote_write.unsupported,
            },
            "store": data,
            "alerting": state.alerting().map(|evaluator| evaluator.status()),
        })))
    })
    .await
}
