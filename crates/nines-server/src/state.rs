//! What the server holds: the store, the running specs and the settings.
//!
//! Specs are swapped whole: a reload validates the new files first and, when any has an
//! error, refuses them with the diagnostics while the running specs stay in force.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use nines_core::Duration;
use nines_core::model::Catalog;
use nines_core::source::{DataSource, Millis, TimeRange};
use nines_counts::SeriesNames;
use nines_spec::{Diagnostic, Severity};
use nines_store::ingest::Window;
use nines_store::ingest::events::EventRules;
use nines_store::ingest::remote_write::RemoteWriteRules;
use nines_store::{Compacted, Store, StoreError};

use crate::auth::Auth;
use crate::error::ApiError;
use crate::limits::{CONCURRENT_FULL_BODIES, Limits};

/// Server settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Spec files or directories, read at start and on reload.
    pub spec_paths: Vec<PathBuf>,
    /// Tokens.
    pub auth: Auth,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How often the store is compacted.
    pub compact_every: Duration,
    /// Most points a series request may ask for.
    pub max_series_points: usize,
    /// Connections and timeouts.
    pub limits: Limits,
    /// How often alerts are evaluated (`--eval-interval`).
    pub eval_interval: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            spec_paths: Vec::new(),
            auth: Auth::default(),
            max_body_bytes: 16 * 1024 * 1024,
            compact_every: Duration::from_hours(1),
            max_series_points: 11_000,
            limits: Limits::default(),
            eval_interval: Duration::from_secs(30),
        }
    }
}

/// Why specs were refused.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// Files could not be read.
    #[error(transparent)]
    Load(#[from] nines_spec::LoadError),
    /// Files were read and have errors.
    #[error("{} error(s) in the specs; first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<Diagnostic>),
}

/// The running specs and everything derived from them.
#[derive(Debug)]
pub struct Specs {
    /// The catalog.
    pub catalog: Catalog,
    /// Which series raw events feed.
    pub events: EventRules,
    /// Which series remote write feeds.
    pub remote_write: RemoteWriteRules,
    /// Names accepted in counts batches.
    pub names: SeriesNames,
    /// Warnings found when the specs were loaded.
    pub warnings: Vec<Diagnostic>,
    /// Files read.
    pub files: usize,
    /// When they were loaded.
    pub loaded_at: Millis,
}

impl Specs {
    /// Reads and validates `paths`; refuses them when any has an error.
    pub fn load(paths: &[PathBuf]) -> Result<Specs, SpecError> {
        let today = jiff::ZonedDateTime::now().date();
        let validation = nines_spec::validate_paths(paths, today)?;
        let errors: Vec<Diagnostic> = validation.errors().cloned().collect();
        if !errors.is_empty() {
            return Err(SpecError::Invalid(errors));
        }
        let warnings = validation
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Warning)
            .cloned()
            .collect();
        Ok(Specs::new(
            validation.loaded.catalog,
            warnings,
            validation.loaded.files,
        ))
    }

    /// Derives ingestion rules from an already-validated catalog.
    pub fn new(catalog: Catalog, warnings: Vec<Diagnostic>, files: usize) -> Specs {
        Specs {
            events: EventRules::new(&catalog),
            remote_write: RemoteWriteRules::new(&catalog),
            names: SeriesNames::new(&catalog),
            catalog,
            warnings,
            files,
            loaded_at: jiff::Timestamp::now().as_millisecond(),
        }
    }
}

/// Where statuses are read from.
#[derive(Debug)]
pub enum Data {
    /// The embedded store: ingestion on.
    Store(Arc<Store>),
    /// A Prometheus-compatible backend: ingestion off, statuses queried.
    Prometheus(nines_prometheus::Backend),
}

/// Everything a request handler reaches.
#[derive(Debug)]
pub struct AppState {
    /// Where statuses come from.
    pub data: Data,
    /// Settings.
    pub config: ServerConfig,
    specs: RwLock<Arc<Specs>>,
    ready: AtomicBool,
    started_at: Millis,
    /// Room for request bodies in memory, in KiB (see [`CONCURRENT_FULL_BODIES`]).
    pub(crate) bodies: Arc<tokio::sync::Semaphore>,
    /// The whole of that room, in KiB.
    pub(crate) body_budget_kib: u32,
    /// The last write found the store's disk full (cleared by the next success).
    storage_full: AtomicBool,
    /// When readiness last probed a full disk.
    last_probe: std::sync::Mutex<Option<std::time::Instant>>,
    /// The server's own counters, for `/metrics`.
    pub health: nines_metrics::Health,
    /// When the specs in force were loaded, milliseconds since the epoch.
    specs_loaded_at: std::sync::atomic::AtomicI64,
    /// Alert evaluation, when set before the server runs.
    alerting: std::sync::OnceLock<Arc<nines_alerting::Evaluator>>,
    /// Who hears each evaluation's outcome (the demo prints its transitions).
    observer: Observer,
}

/// The observer's slot (a closure has no `Debug`).
#[derive(Default)]
struct Observer(std::sync::OnceLock<AlertObserver>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(if self.0.get().is_some() {
            "Observer(set)"
        } else {
            "Observer(none)"
        })
    }
}

/// Hears each alert evaluation's outcome.
pub type AlertObserver = Arc<dyn Fn(&nines_alerting::Committed) + Send + Sync>;

/// How often readiness tries a small write while the disk is full: a probe a second is
/// nothing for the disk, and readiness turns back within a second of space returning.
const STORAGE_PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// History read for target suggestions from a backend.
const BACKEND_HISTORY: i64 = 90 * 86_400_000;

impl AppState {
    /// A state serving `specs` over `store`.
    pub fn new(store: Store, specs: Specs, config: ServerConfig) -> AppState {
        store.prepare(&specs.catalog);
        AppState::with_data(Data::Store(Arc::new(store)), specs, config)
    }

    /// A state serving `specs` from `data`.
    pub fn with_data(data: Data, specs: Specs, config: ServerConfig) -> AppState {
        if let Data::Store(store) = &data {
            store.prepare(&specs.catalog);
        }
        let body_budget_kib = u32::try_from(
            config
                .max_body_bytes
                .saturating_mul(CONCURRENT_FULL_BODIES)
                .div_ceil(1024),
        )
        .unwrap_or(u32::MAX)
        .max(1);
        AppState {
            data,
            config,
            specs: RwLock::new(Arc::new(specs)),
            ready: AtomicBool::new(true),
            started_at: jiff::Timestamp::now().as_millisecond(),
            bodies: Arc::new(tokio::sync::Semaphore::new(body_budget_kib as usize)),
            body_budget_kib,
            storage_full: AtomicBool::new(false),
            last_probe: std::sync::Mutex::new(None),
            health: nines_metrics::Health::default(),
            specs_loaded_at: std::sync::atomic::AtomicI64::new(
                jiff::Timestamp::now().as_millisecond(),
            ),
            alerting: std::sync::OnceLock::new(),
            observer: Observer::default(),
        }
    }

    /// Turns alert evaluation on (before [`crate::run`]): its routes are mounted behind
    /// the read token and it runs every `eval_interval`. A second call changes nothing.
    pub fn set_alerting(&self, evaluator: Arc<nines_alerting::Evaluator>) {
        let _ = self.alerting.set(evaluator);
    }

    /// Has `observer` hear every alert evaluation (before [`crate::run`]).
    pub fn set_alert_observer(&self, observer: AlertObserver) {
        let _ = self.observer.0.set(observer);
    }

    /// Who hears alert evaluations.
    pub fn alert_observer(&self) -> Option<AlertObserver> {
        self.observer.0.get().cloned()
    }

    /// Alert evaluation, when on.
    pub fn alerting(&self) -> Option<&Arc<nines_alerting::Evaluator>> {
        self.alerting.get()
    }

    /// The shared store, when statuses come from it.
    pub fn shared_store(&self) -> Option<Arc<Store>> {
        match &self.data {
            Data::Store(store) => Some(store.clone()),
            Data::Prometheus(_) => None,
        }
    }

    /// The store, when statuses come from it.
    pub fn store(&self) -> Option<&Store> {
        match &self.data {
            Data::Store(store) => Some(store.as_ref()),
            Data::Prometheus(_) => None,
        }
    }

    /// The specs in force.
    pub fn specs(&self) -> Arc<Specs> {
        self.specs
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }

    /// Re-reads the spec paths; on success the new specs are in force, on failure the
    /// old ones stay.
    pub fn reload(&self) -> Result<Arc<Specs>, SpecError> {
        let loaded = Specs::load(&self.config.spec_paths);
        self.health.reloaded(loaded.is_ok());
        let specs = Arc::new(loaded?);
        self.specs_loaded_at
            .store(jiff::Timestamp::now().as_millisecond(), Ordering::Relaxed);
        if let Some(store) = self.store() {
            store.prepare(&specs.catalog);
        }
        *self
            .specs
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = specs.clone();
        Ok(specs)
    }

    /// When the process started and when the specs in force were loaded, in
    /// milliseconds since the epoch.
    pub fn loaded_times(&self) -> (Millis, Millis) {
        (
            self.started_at,
            self.specs_loaded_at.load(Ordering::Relaxed),
        )
    }

    /// Compacts the store now (nothing to do for a backend).
    pub fn compact_now(&self) -> Result<Compacted, StoreError> {
        let specs = self.specs();
        match self.store() {
            Some(store) => store.compact(&specs.catalog, jiff::Timestamp::now().as_millisecond()),
            None => Ok(Compacted::default()),
        }
    }

    /// The window of timestamps a batch received now may carry (store only).
    pub fn window(&self, store: &Store, received: Millis) -> Window {
        let config = store.config();
        Window {
            received,
            lateness: config.lateness,
            future_skew: config.future_skew,
            resolution: config.resolution,
        }
    }

    /// Runs `work` on the specs in force and the data at `at`: on a worker thread over
    /// the store, or through the backend (twice: to learn the windows, then on their
    /// answers). Backend warnings are logged.
    pub async fn evaluate<T: Send + 'static>(
        self: &Arc<Self>,
        at: Millis,
        work: impl Fn(&Specs, &dyn DataSource) -> Result<T, ApiError> + Send + Sync + 'static,
    ) -> Result<T, ApiError> {
        let specs = self.specs();
        match &self.data {
            Data::Store(_) => {
                let state = self.clone();
                tokio::task::spawn_blocking(move || {
                    let Some(store) = state.store() else {
                        return Err(ApiError::internal("the store went away"));
                    };
                    let view = store.view();
                    work(&specs, &*view)
                })
                .await
                .map_err(|error| ApiError::internal(format!("a worker failed: {error}")))?
            }
            Data::Prometheus(backend) => {
                let (result, fetched) = backend
                    .evaluate(&specs.catalog, at, |source| work(&specs, source))
                    .await;
                for warning in &fetched.warnings {
                    tracing::warn!("{warning}");
                }
                result
            }
        }
    }

    /// The span of history with data (a backend: the last 90 days).
    pub fn history(&self, at: Millis) -> Option<TimeRange> {
        match &self.data {
            Data::Store(store) => store.view().span(),
            Data::Prometheus(_) => Some(TimeRange::new(at - BACKEND_HISTORY, at)),
        }
    }

    /// True until shutdown starts.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Marks the server (not) ready.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    /// Turns the outcome of a store write into the answer: a full disk is 507
    /// `insufficient_storage` (and readiness says so until a write succeeds again), any
    /// other failure 500.
    pub fn store_outcome<T>(&self, result: Result<T, StoreError>) -> Result<T, ApiError> {
        match result {
            Ok(value) => {
                if self.storage_full.swap(false, Ordering::SeqCst) {
                    tracing::info!("the store's disk has room again: writes resumed");
                }
                Ok(value)
            }
            Err(StoreError::NoSpace(problem)) => {
                if !self.storage_full.swap(true, Ordering::SeqCst) {
                    tracing::error!(%problem, "the store's disk is full: writes are refused with 507 until space is freed");
                }
                let mut error = ApiError::new(
                    axum::http::StatusCode::INSUFFICIENT_STORAGE,
                    "insufficient_storage",
                    format!(
                        "no space left on the store's disk ({problem}); nothing of this batch was applied: retry it once space is freed"
                    ),
                );
                error.retry_after = Some(STORAGE_PROBE_EVERY.as_secs().max(1) * 10);
                Err(error)
            }
            // Refusals the client caused (an interval past its ceiling, a timestamp out of
            // range): retrying will not help.
            Err(error) => match error.client_code() {
                Some("count_limit") => Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "count_limit",
                    error.to_string(),
                )),
                Some(code) => Err(ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    code,
                    error.to_string(),
                )),
                None => Err(ApiError::internal(format!(
                    "{error}; the batch was not applied, retry it"
                ))),
            },
        }
    }

    /// Why the server cannot take writes, if it cannot: after a full disk, a small probe
    /// write (at most once per [`STORAGE_PROBE_EVERY`]) tells whether space is back.
    pub fn storage_problem(&self) -> Option<String> {
        if !self.storage_full.load(Ordering::SeqCst) {
            return None;
        }
        let store = self.store()?;
        let due = {
            let mut last = self
                .last_probe
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            let due = last.is_none_or(|at| at.elapsed() >= STORAGE_PROBE_EVERY);
            if due {
                *last = Some(std::time::Instant::now());
            }
            due
        };
        if due && self.store_outcome(store.probe()).is_ok() {
            return None;
        }
        Some(
            "the store's disk is full: writes are refused (507 insufficient_storage) until space is freed"
                .to_string(),
        )
    }

    /// When the server started.
    pub fn started_at(&self) -> Millis {
        self.started_at
    }
}
