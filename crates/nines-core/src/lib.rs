//! The pure core of nines: the SLO model and its arithmetic.
//!
//! Everything above this crate (spec formats, the store, backends, the server, the CLI)
//! speaks in these types. Nothing here performs I/O: no files, no clocks, no network. The
//! current time is always passed in, which is what makes `--at` and backfills honest.

#![deny(missing_docs)]

pub mod alerts;
pub mod duration;
pub mod engine;
pub mod expr;
pub mod memory;
pub mod model;
pub mod name;
pub mod period;
pub mod ratio;
pub mod report;
pub mod series;
pub mod source;
pub mod timestamp;

pub use duration::Duration;
pub use ratio::Ratio;
