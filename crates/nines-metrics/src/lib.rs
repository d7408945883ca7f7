//! `GET /metrics`, a room the server mounts: every objective's state (from the same
//! report rows as `/api/v1/slos`) and nines' own health, in the Prometheus text format or
//! OpenMetrics. The metric list is in docs/api.md.
//!
//! - [`exposition`]: the two formats, escaping and number formatting;
//! - [`slo`]: the objective families;
//! - [`health`]: the server's counters and histograms.

#![deny(missing_docs)]

pub mod exposition;
pub mod health;
pub mod slo;

pub use exposition::{Encoder, Format, Kind};
pub use health::{Gauges, Health, Outcome};

use nines_core::model::Catalog;
use nines_core::report::Report;

/// The whole exposition: objectives first, then health.
pub fn render(
    format: Format,
    report: &Report,
    catalog: &Catalog,
    health: &Health,
    gauges: &Gauges,
) -> String {
    let mut encoder = Encoder::new(format);
    slo::render(&mut encoder, report, catalog);
    health.render(&mut encoder, gauges);
    encoder.finish()
}
