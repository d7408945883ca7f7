//! Two data sources: one that records what the engine asks for, and one that answers
//! from what was fetched for those questions.
//!
//! The engine is synchronous and reads windows; a backend is remote and slow. So a status
//! is computed twice: first against a [`Recorder`], which notes every window (and time
//! slice range) the engine reads and answers "nothing"; then the noted windows are
//! fetched in batches (`crate::fetch`), and the engine runs again against the
//! [`Prefetched`] answers. Both runs are cheap; the queries in between are the cost.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use nines_core::Duration;
use nines_core::source::{
    Counts, DataError, DataSource, Interval, Millis, SliceCounts, SliceRule, TimeRange,
    aligned_slices, judge_slice, millis, spanned,
};

/// The nominal resolution backends are read at (only used for counting intervals).
pub const RESOLUTION: Duration = Duration::from_minutes(1);

/// What the engine asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requests {
    /// (series, start, end) window sums.
    pub sums: BTreeSet<(String, Millis, Millis)>,
    /// (series, slice length in ms) → the range whose slices are read.
    pub slices: BTreeMap<(String, i64), (Millis, Millis)>,
}

/// Records the engine's questions and answers "no data".
#[derive(Debug, Default)]
pub struct Recorder {
    requests: RefCell<Requests>,
}

impl Recorder {
    /// What was asked so far.
    pub fn requests(&self) -> Requests {
        self.requests.borrow().clone()
    }
}

impl DataSource for Recorder {
    fn resolution(&self) -> Duration {
        RESOLUTION
    }

    fn intervals(&self, _series: &str, _range: TimeRange) -> Result<Vec<Interval>, DataError> {
        Ok(Vec::new())
    }

    fn sum(&self, series: &str, range: TimeRange) -> Result<Counts, DataError> {
        self.requests
            .borrow_mut()
            .sums
            .insert((series.to_string(), range.start, range.end));
        Ok(Counts {
            intervals: spanned(range, RESOLUTION),
            ..Counts::default()
        })
    }

    fn slices(
        &self,
        series: &str,
        range: TimeRange,
        slice: Duration,
        _rule: SliceRule,
    ) -> Result<SliceCounts, DataError> {
        let slice_ms = millis(slice).max(1);
        let mut requests = self.requests.borrow_mut();
        let entry = requests
            .slices
            .entry((series.to_string(), slice_ms))
            .or_insert((range.start, range.end));
        entry.0 = entry.0.min(range.start);
        entry.1 = entry.1.max(range.end);
        Ok(SliceCounts {
            total: (aligned_slices(range, slice_ms).length() / slice_ms) as f64,
            ..SliceCounts::default()
        })
    }
}

/// Per slice start: (good, valid).
pub type SlicePoints = BTreeMap<Millis, (f64, f64)>;

/// Answers from a backend, for the windows a [`Recorder`] noted.
#[derive(Debug, Default)]
pub struct Prefetched {
    /// Window sums.
    pub sums: HashMap<(String, Millis, Millis), Result<Counts, DataError>>,
    /// Slice outcomes per (series, slice length).
    pub slices: HashMap<(String, i64), Result<SlicePoints, DataError>>,
}

impl DataSource for Prefetched {
    fn resolution(&self) -> Duration {
        RESOLUTION
    }

    fn intervals(&self, series: &str, _range: TimeRange) -> Result<Vec<Interval>, DataError> {
        Err(DataError::Failed(format!(
            "`{series}`: composite time-slice SLOs read member intervals, which only the embedded store keeps"
        )))
    }

    fn sum(&self, series: &str, range: TimeRange) -> Result<Counts, DataError> {
        match self.sums.get(&(series.to_string(), range.start, range.end)) {
            Some(answer) => answer.clone(),
            None => Err(DataError::Failed(format!(
                "`{series}` over {}..{} was not fetched",
                range.start, range.end
            ))),
        }
    }

    fn slices(
        &self,
        series: &str,
        range: TimeRange,
        slice: Duration,
        rule: SliceRule,
    ) -> Result<SliceCounts, DataError> {
        let slice_ms = millis(slice).max(1);
        let aligned = aligned_slices(range, slice_ms);
        let points = match self.slices.get(&(series.to_string(), slice_ms)) {
            Some(Ok(points)) => points,
            Some(Err(error)) => return Err(error.clone()),
            None => {
                return Err(DataError::Failed(format!(
                    "`{series}` slices were not fetched"
                )));
            }
        };
        let mut counts = SliceCounts {
            total: (aligned.length() / slice_ms) as f64,
            ..SliceCounts::default()
        };
        for (_, &(good, valid)) in points.range(aligned.start..aligned.end) {
            if valid > 0.0 {
                counts.add(&judge_slice(good, valid, rule));
            }
        }
        Ok(counts)
    }
}
