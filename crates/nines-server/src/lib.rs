//! The HTTP server of nines: `nines serve` and `nines demo` run it.
//!
//! - [`state`]: the running specs (swapped whole on reload) and the store;
//! - [`auth`]: bearer tokens for writes (required) and reads (optional);
//! - [`error`]: JSON errors with stable codes;
//! - `routes`: ingestion (`/api/v1/events`, `/api/v1/counts`, `/api/v1/write`), statuses
//!   (`/api/v1/slos...`, `/api/v1/gate`, `/api/v1/suggest`), administration (`/-/reload`,
//!   `/-/healthy`, `/-/ready`, `/api/v1/status`).
//!
//! Every acknowledged write is fsynced before the response is sent (see
//! [`nines_store::store`]); shutdown drains requests in flight and has nothing left to
//! flush.

#![deny(missing_docs)]

pub mod alerts;
pub mod auth;
mod body;
mod compress;
pub mod error;
pub mod limits;
mod listener;
mod pages;
mod routes;
pub mod state;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::net::TcpListener;

pub use auth::{Auth, Token};
pub use error::ApiError;
pub use limits::Limits;
pub use listener::fit_to_file_limit;
pub use state::{AlertObserver, AppState, Data, ServerConfig, SpecError, Specs};

/// The application: every route, the body limit and request logging.
pub fn app(state: Arc<AppState>) -> Router {
    let limit = state.config.max_body_bytes;
    let mut outer = Router::new();
    if let Some(evaluator) = state.alerting() {
        outer = outer.merge(
            alerts::routes(&state, evaluator.clone())
                .route_layer(axum::middleware::from_fn(routes::remember_route)),
        );
    }
    let routes = routes::router()
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state.clone());
    // Logging wraps the whole router, so it sees the final response (axum adds `Allow`
    // to a 405 outside the route's own layers).
    // The dashboard's pages (`/` itself is negotiated in the routes: HTML or text).
    let pages = nines_dashboard::router(Arc::new(pages::Pages(state.clone())));
    outer
        .merge(pages)
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(compress::html_gzip))
        .layer(axum::middleware::from_fn_with_state(
            state,
            routes::log_requests,
        ))
}

/// Serves `state` on `listener` until `shutdown` resolves, then drains requests in
/// flight for at most the shutdown timeout ([`Limits`]). Also reloads specs on SIGHUP
/// and compacts the store periodically.
pub async fn run(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let background = tokio::spawn(background(state.clone()));
    let evaluation = state.alerting().map(|evaluator| {
        tokio::spawn(alerts::evaluate_forever(
            state.clone(),
            evaluator.clone(),
            state.alert_observer(),
        ))
    });
    let draining = state.clone();
    listener::serve(
        listener,
        app(state.clone()),
        state.config.limits,
        shutdown,
        move || {
            draining.set_ready(false);
            tracing::info!("shutting down: finishing requests in flight");
        },
    )
    .await;
    background.abort();
    if let Some(evaluation) = evaluation {
        evaluation.abort();
    }
    tracing::info!("stopped; every acknowledged write was fsynced before it was acknowledged");
    Ok(())
}

/// Compaction on a timer, and spec reload on SIGHUP.
async fn background(state: Arc<AppState>) {
    let every = StdDuration::from_millis(
        u64::try_from(nines_core::source::millis(state.config.compact_every))
            .unwrap_or(3_600_000)
            .max(1_000),
    );
    let compactor = state.clone();
    let compaction = async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            let state = compactor.clone();
            let outcome = tokio::task::spawn_blocking(move || state.compact_now()).await;
            match outcome {
                Ok(Ok(report)) => {
                    if report.rolled_up + report.dropped + report.forgotten_keys > 0 {
                        tracing::info!(
                            rolled_up = report.rolled_up,
                            dropped = report.dropped,
                            forgotten_keys = report.forgotten_keys,
                            "compacted the store"
                        );
                    }
                }
                Ok(Err(error)) => tracing::error!(%error, "compaction failed"),
                Err(error) => tracing::error!(%error, "compaction task failed"),
            }
        }
    };
    #[cfg(unix)]
    let reload = async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; reload with POST /-/reload");
            return std::future::pending::<()>().await;
        };
        while hangups.recv().await.is_some() {
            let state = state.clone();
            match tokio::task::spawn_blocking(move || state.reload()).await {
                Ok(Ok(specs)) => {
                    tracing::info!(slos = specs.catalog.slos.len(), "SIGHUP: specs reloaded")
                }
                Ok(Err(error)) => {
                    tracing::error!(%error, "SIGHUP: specs refused; the running specs stay")
                }
                Err(error) => tracing::error!(%error, "reload task failed"),
            }
        }
    };
    #[cfg(not(unix))]
    let reload = std::future::pending::<()>();
    tokio::join!(compaction, reload);
}
