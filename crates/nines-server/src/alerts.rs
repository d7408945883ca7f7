//! Alert evaluation in the server: the room's routes mounted behind the read token, and
//! the evaluation every `eval_interval` on the statuses the server computes.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nines_alerting::{Committed, Evaluator};
use nines_core::engine::{Engine, Options};

use crate::auth::Access;
use crate::state::{AppState, Data};

/// The alert routes (`/api/v1/alerts...`), each request checked against the read token.
pub(crate) fn routes(state: &Arc<AppState>, evaluator: Arc<Evaluator>) -> Router {
    nines_alerting::api::router(evaluator).route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        read_token,
    ))
}

async fn read_token(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    match state.config.auth.check(Access::Read, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

/// Evaluates the alerts once, now: every SLO's status from the store (on a worker
/// thread) or the backend, then the evaluator's step and commit.
pub async fn evaluate_once(state: &Arc<AppState>, evaluator: &Arc<Evaluator>) -> Committed {
    let started = std::time::Instant::now();
    let committed = evaluate_uncounted(state, evaluator).await;
    state.health.evaluated(started.elapsed());
    committed
}

async fn evaluate_uncounted(state: &Arc<AppState>, evaluator: &Arc<Evaluator>) -> Committed {
    let at = jiff::Timestamp::now().as_millisecond();
    let specs = state.specs();
    match &state.data {
        Data::Store(store) => {
            let store = store.clone();
            let evaluator = evaluator.clone();
            let outcome = tokio::task::spawn_blocking(move || {
                let engine = Engine::new(&specs.catalog, Options::default());
                let view = store.view();
                let statuses = engine.evaluate_all(&*view, at);
                drop(view);
                evaluator.evaluate(&specs.catalog, &statuses, at)
            })
            .await;
            outcome.unwrap_or_else(|error| {
                tracing::error!(%error, "the alert evaluation task failed");
                Committed::default()
            })
        }
        Data::Prometheus(backend) => {
            let engine = Engine::new(&specs.catalog, Options::default());
            let (statuses, fetched) = backend
                .evaluate(&specs.catalog, at, |source| engine.evaluate_all(source, at))
                .await;
            for warning in &fetched.warnings {
                tracing::warn!("{warning}");
            }
            evaluator.evaluate(&specs.catalog, &statuses, at)
        }
    }
}

/// Evaluates the alerts every `eval_interval`, for as long as the server runs; each
/// evaluation's transitions go to `observe` (the demo prints them).
pub async fn evaluate_forever(
    state: Arc<AppState>,
    evaluator: Arc<Evaluator>,
    observe: Option<crate::state::AlertObserver>,
) {
    let every = std::time::Duration::from_millis(
        u64::try_from(nines_core::source::millis(state.config.eval_interval))
            .unwrap_or(30_000)
            .max(1_000),
    );
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let committed = evaluate_once(&state, &evaluator).await;
        if let Some(observe) = &observe {
            observe(&committed);
        }
    }
}
