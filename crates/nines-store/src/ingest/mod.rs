//! Turning what clients send into deltas: raw events, pre-aggregated counts, Prometheus
//! remote write. Each parser reads the whole batch before anything is applied, and names
//! the line (or series) of the first problem.

pub mod counts;
pub mod events;
pub mod logs;
pub mod remote_write;

use std::collections::HashMap;

use nines_core::Duration;
use nines_core::source::{Millis, millis};

use crate::store::Delta;

/// A rejected batch: where and why. Nothing of the batch was applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct BatchError {
    /// Line (or item, or series) number, from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// A stable machine-readable code: `invalid_json`, `invalid_event`, `invalid_row`,
    /// `unknown_sli`, `ambiguous_sli`, `out_of_window`, `count_limit`, `invalid_snappy`,
    /// `invalid_protobuf`, `invalid_encoding`.
    pub code: &'static str,
}

impl BatchError {
    /// An error at `line` with `code`.
    pub fn new(line: usize, code: &'static str, message: impl Into<String>) -> Self {
        BatchError {
            line,
            message: message.into(),
            code,
        }
    }
}

/// Which timestamps a batch may carry.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// When the batch arrived.
    pub received: Millis,
    /// How late an event may be.
    pub lateness: Duration,
    /// How far in the future an event may be.
    pub future_skew: Duration,
    /// The store's interval length, for aggregation.
    pub resolution: Duration,
}

impl Window {
    /// Refuses timestamps outside `[received − lateness, received + skew]`, and outside
    /// the range every timestamp of nines lies in (`nines_core::timestamp`).
    pub fn check(&self, at: Millis) -> Result<(), String> {
        nines_core::timestamp::check(at).map_err(|problem| problem.to_string())?;
        if at < self.received.saturating_sub(millis(self.lateness)) {
            let late = Duration::from_millis(u64::try_from(self.received - at).unwrap_or(0));
            return Err(format!(
                "timestamp {} is {} old; the store accepts events up to {} late (--lateness)",
                nines_core::report::timestamp(at),
                nines_core::report::human_seconds(late.as_secs_f64()),
                self.lateness
            ));
        }
        if at > self.received.saturating_add(millis(self.future_skew)) {
            return Err(format!(
                "timestamp {} is in the future (more than {} ahead of the server's clock)",
                nines_core::report::timestamp(at),
                self.future_skew
            ));
        }
        Ok(())
    }
}

/// Sums deltas that fall in the same interval of the same series. The sums saturate: a
/// sum that large is past the interval ceiling, which the store refuses with its reason.
pub fn aggregate(deltas: Vec<Delta>, resolution: Duration) -> Vec<Delta> {
    let step = millis(resolution).max(1);
    let mut sums: HashMap<(String, i64), (i64, u64)> = HashMap::new();
    for delta in deltas {
        let entry = sums
            .entry((delta.series, delta.at.div_euclid(step)))
            .or_default();
        entry.0 = entry.0.saturating_add(delta.good);
        entry.1 = entry.1.saturating_add(delta.valid);
    }
    let mut out: Vec<Delta> = sums
        .into_iter()
        .map(|((series, interval), (good, valid))| Delta {
            series,
            at: interval * step,
            good,
            valid,
        })
        .collect();
    out.sort_by(|a, b| (&a.series, a.at).cmp(&(&b.series, b.at)));
    out
}
