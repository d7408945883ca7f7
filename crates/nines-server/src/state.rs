//! What the server holds: the store, the running specs and the settings.
//!
//! Specs are swapped whole: a reload validates the new files first and, when any has an
//! error, refuses them with the diagnostics while the running specs stay in force.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use nines_core::Duration;
use nines_core::model::Catalog;
use nines_core::source::Millis;
use nines_counts::SeriesNames;
use nines_spec::{Diagnostic, Severity};
use nines_store::ingest::Window;
use nines_store::ingest::events::EventRules;
use nines_store::ingest::remote_write::RemoteWriteRules;
use nines_store::{Compacted, Store, StoreError};

use crate::auth::Auth;

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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            spec_paths: Vec::new(),
            auth: Auth::default(),
            max_body_bytes: 16 * 1024 * 1024,
            compact_every: Duration::from_hours(1),
            max_series_points: 11_000,
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

/// Everything a request handler reaches.
#[derive(Debug)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Settings.
    pub config: ServerConfig,
    specs: RwLock<Arc<Specs>>,
    ready: AtomicBool,
    started_at: Millis,
}

impl AppState {
    /// A state serving `specs` over `store`.
    pub fn new(store: Store, specs: Specs, config: ServerConfig) -> AppState {
        store.prepare(&specs.catalog);
        AppState {
            store,
            config,
            specs: RwLock::new(Arc::new(specs)),
            ready: AtomicBool::new(true),
            started_at: jiff::Timestamp::now().as_millisecond(),
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
        let specs = Arc::new(Specs::load(&self.config.spec_paths)?);
        self.store.prepare(&specs.catalog);
        *self
            .specs
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = specs.clone();
        Ok(specs)
    }

    /// Compacts the store now.
    pub fn compact_now(&self) -> Result<Compacted, StoreError> {
        let specs = self.specs();
        self.store
            .compact(&specs.catalog, jiff::Timestamp::now().as_millisecond())
    }

    /// The window of timestamps a batch received now may carry.
    pub fn window(&self, received: Millis) -> Window {
        let config = self.store.config();
        Window {
            received,
            lateness: config.lateness,
            future_skew: config.future_skew,
            resolution: config.resolution,
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

    /// When the server started.
    pub fn started_at(&self) -> Millis {
        self.started_at
    }
}
