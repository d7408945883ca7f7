//! The embedded store of nines: what the single binary runs on when there is no metrics
//! stack.
//!
//! - [`store`]: per-series interval counts in redb (chunks of 64 intervals), durable on
//!   every acknowledged write, mirrored in memory for constant-time window reads, rolled up
//!   and pruned by [`store::Store::compact`].
//! - [`tiered`]: the in-memory view, full resolution for recent data and roll-ups beyond,
//!   implementing the engine's data-source trait.
//! - [`ingest`]: raw events (matched by each SLI's filters), pre-aggregated counts and
//!   Prometheus remote write, each parsed whole before anything is applied.

#![deny(missing_docs)]

pub mod chunk;
pub mod ingest;
pub mod records;
pub mod store;
pub mod tiered;

pub use records::{RecordOp, RecordTable};
pub use store::{Applied, Batch, Compacted, Delta, LoadReport, Store, StoreConfig, StoreError};
pub use tiered::TieredSource;
