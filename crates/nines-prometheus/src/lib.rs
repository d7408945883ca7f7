//! Statuses straight from a Prometheus-compatible backend: Prometheus, VictoriaMetrics,
//! Thanos Query, Mimir and Cortex.
//!
//! - [`client`]: the HTTP API (instant and range queries, build info, flags) with auth,
//!   tenant header, TLS, timeouts and retries;
//! - [`source`]: the engine reads windows through a [`source::Recorder`] first, then from
//!   [`source::Prefetched`] answers;
//! - [`fetch`]: the noted windows as batched PromQL (one query per metric and window, not
//!   per SLO), histogram buckets looked up by value, retention checked.
//!
//! [`Backend::evaluate`] puts it together for `nines report`, `gate`, `suggest` and
//! `serve --prometheus`.

#![deny(missing_docs)]

pub mod client;
pub mod fetch;
pub mod source;

use nines_core::engine::Engine;
use nines_core::model::Catalog;
use nines_core::source::{DataSource, Millis};

pub use client::{Auth, BackendError, Client, Config};
pub use fetch::Fetched;
pub use source::{Prefetched, Recorder};

/// A backend to read statuses from.
#[derive(Clone, Debug)]
pub struct Backend {
    client: Client,
}

impl Backend {
    /// A backend for `config`.
    pub fn new(config: Config) -> Result<Backend, BackendError> {
        Ok(Backend {
            client: Client::new(config)?,
        })
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Checks that the backend answers (build information, or a trivial query for
    /// backends without it); returns what it says it is.
    pub async fn check(&self) -> Result<String, BackendError> {
        match self.client.buildinfo().await {
            Ok(info) => Ok(info
                .get("version")
                .map(|version| format!("version {version}"))
                .unwrap_or_else(|| "a Prometheus-compatible backend".to_string())),
            Err(error @ BackendError::Unreachable { .. }) => Err(error),
            Err(_) => self
                .client
                .query("vector(1)", jiff::Timestamp::now().as_millisecond())
                .await
                .map(|_| "a Prometheus-compatible backend".to_string()),
        }
    }

    /// Runs `work` twice: against a recorder, to learn which windows it reads, then
    /// against the answers fetched for them. Returns its second result and the fetch.
    pub async fn evaluate<T>(
        &self,
        catalog: &Catalog,
        at: Millis,
        work: impl Fn(&dyn DataSource) -> T,
    ) -> (T, Fetched) {
        let recorder = Recorder::default();
        let _ = work(&recorder);
        let fetched = fetch::fetch(&self.client, catalog, &recorder.requests(), at).await;
        let result = work(&fetched.source);
        (result, fetched)
    }

    /// Every SLO's report at `at`.
    pub async fn report(
        &self,
        catalog: &Catalog,
        at: Millis,
    ) -> (nines_core::report::Report, Fetched) {
        let engine = Engine::new(catalog, nines_core::engine::Options::default());
        self.evaluate(catalog, at, |source| {
            nines_core::report::Report::of_service(engine.evaluate_all(source, at), at, None)
        })
        .await
    }
}
