//! Where counts come from: the one trait the engine reads data through.
//!
//! Files of exported counts, the embedded store and Prometheus-compatible backends all
//! implement [`DataSource`]. The engine never asks where the numbers come from, which is
//! why statuses computed from the store and from Prometheus can be compared number for
//! number.

use crate::Duration;

/// Milliseconds since the Unix epoch: the engine's time axis.
pub type Millis = i64;

/// A half-open time range `[start, end)` in milliseconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeRange {
    /// Inclusive start.
    pub start: Millis,
    /// Exclusive end.
    pub end: Millis,
}

impl TimeRange {
    /// `[start, end)`; an inverted range is empty.
    pub fn new(start: Millis, end: Millis) -> Self {
        TimeRange {
            start,
            end: end.max(start),
        }
    }
    /// The `length` before `end`.
    pub fn ending_at(end: Millis, length: Duration) -> Self {
        TimeRange::new(end.saturating_sub(millis(length)), end)
    }
    /// Length in milliseconds.
    pub fn length(&self) -> i64 {
        self.end - self.start
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
    /// The overlap of two ranges (possibly empty).
    pub fn intersect(&self, other: &TimeRange) -> TimeRange {
        TimeRange::new(self.start.max(other.start), self.end.min(other.end))
    }
}

/// A duration as signed milliseconds, saturating.
pub fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The most events one record may carry: a counts row's `valid`, one remote-write
/// increment. 10^12 is far above any real interval (a trillion requests in one minute is
/// 16 billion a second) and keeps every sum over a batch far from overflow; anything
/// larger is a mistake (a float written as a count, a corrupted exporter) and is refused.
pub const MAX_RECORD_COUNT: u64 = 1_000_000_000_000;

/// The most events writes may put in one interval of one series at full resolution: 2^41
/// (about 2.2 × 10^12, two full records). Chosen so that rolling 4,096 intervals up into
/// one (an hour of one-second intervals is 3,600, a day of minutes 1,440) stays within
/// [`MAX_CELL_COUNT`]. A write past it is refused with its reason; nothing overflows.
pub const MAX_INTERVAL_COUNT: u64 = 1 << 41;

/// The most any stored interval holds, roll-ups included: 2^53 − 1, the largest whole
/// number an `f64` represents exactly, so an [`Interval`]'s counts are exact.
pub const MAX_CELL_COUNT: u64 = (1 << 53) - 1;

/// An interval would pass its ceiling: the write is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an interval would hold more than {0} events, the most one interval may hold")]
pub struct CountLimit(pub u64);

/// Adds `add` (good, valid) to an interval's `cell`, or refuses when either would pass
/// `ceiling` (capped at [`MAX_CELL_COUNT`]; good may be negative down to −ceiling while
/// bad events wait for the valid ones of the same interval).
#[inline]
pub fn add_to_cell(
    cell: (i64, u64),
    add: (i64, u64),
    ceiling: u64,
) -> Result<(i64, u64), CountLimit> {
    let ceiling = ceiling.min(MAX_CELL_COUNT);
    let good = cell
        .0
        .checked_add(add.0)
        .filter(|good| good.unsigned_abs() <= ceiling);
    let valid = cell.1.checked_add(add.1).filter(|valid| *valid <= ceiling);
    match (good, valid) {
        (Some(good), Some(valid)) => Ok((good, valid)),
        _ => Err(CountLimit(ceiling)),
    }
}

/// Good and valid events over a range, and how much of the range had data.
///
/// Sources that store counts (the embedded store, counts files) sum whole numbers exactly
/// (in 128-bit integers) and convert here: every total below 2^53 (9 × 10^15 events) is
/// exact. Prometheus-compatible backends give extrapolated `increase()`s, which are not
/// whole numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    /// Good events.
    pub good: f64,
    /// Valid events (good + bad).
    pub valid: f64,
    /// Intervals (at the source's resolution) in the range that had data.
    pub intervals_with_data: u64,
    /// Intervals the range spans.
    pub intervals: u64,
}

impl Counts {
    /// Bad events: valid − good, never negative.
    pub fn bad(&self) -> f64 {
        (self.valid - self.good).max(0.0)
    }
    /// True when nothing was measured.
    pub fn is_empty(&self) -> bool {
        self.intervals_with_data == 0 && self.valid <= 0.0
    }
    /// Adds another range's counts.
    pub fn add(&mut self, other: &Counts) {
        self.good += other.good;
        self.valid += other.valid;
        self.intervals_with_data += other.intervals_with_data;
        self.intervals += other.intervals;
    }
}

/// Counts of one interval, as a source stores them (whole numbers from stores, exact in an
/// `f64` since a stored interval holds at most [`MAX_CELL_COUNT`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Start of the interval.
    pub start: Millis,
    /// Good events.
    pub good: f64,
    /// Valid events.
    pub valid: f64,
}

/// When a time slice is good.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SliceRule {
    /// Its good/valid ratio is at least this (OpenSLO `timeSliceTarget`).
    RatioAtLeast(f64),
    /// Every data point in it is good (threshold SLIs without a slice target).
    AllGood,
}

/// Outcomes of the time slices in a range.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SliceCounts {
    /// Slices with data that were good.
    pub good: f64,
    /// Slices with data.
    pub with_data: f64,
    /// Sum of the per-slice ratios of slices with data (ratio-timeslices).
    pub ratio_sum: f64,
    /// Slices the range spans.
    pub total: f64,
}

impl SliceCounts {
    /// Slices with data that were bad.
    pub fn bad(&self) -> f64 {
        (self.with_data - self.good).max(0.0)
    }
    /// Adds another range's slices.
    pub fn add(&mut self, other: &SliceCounts) {
        self.good += other.good;
        self.with_data += other.with_data;
        self.ratio_sum += other.ratio_sum;
        self.total += other.total;
    }
}

/// Why a source could not answer.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DataError {
    /// The source knows nothing of this series.
    #[error("no series `{0}` in the data source")]
    UnknownSeries(String),
    /// The source failed (a backend error, a timeout).
    #[error("{0}")]
    Failed(String),
}

/// A source of interval counts.
///
/// Only [`DataSource::intervals`] is required; [`DataSource::sum`] and
/// [`DataSource::slices`] have scanning defaults, which sources override with indexed
/// versions so that a 30-day window costs what a 5-minute one does.
pub trait DataSource {
    /// The length of one interval (1 minute for the embedded store by default).
    fn resolution(&self) -> Duration;

    /// The intervals of `series` starting in `range`, in time order. Intervals without
    /// data are absent: absence is "no data", never zero.
    fn intervals(&self, series: &str, range: TimeRange) -> Result<Vec<Interval>, DataError>;

    /// Totals of `series` over `range`.
    fn sum(&self, series: &str, range: TimeRange) -> Result<Counts, DataError> {
        let intervals = self.intervals(series, range)?;
        let mut counts = Counts {
            intervals: spanned(range, self.resolution()),
            ..Counts::default()
        };
        for interval in &intervals {
            counts.good += interval.good;
            counts.valid += interval.valid;
            counts.intervals_with_data += 1;
        }
        Ok(counts)
    }

    /// Totals of `series` over several ranges ending at `end`, one per start, written
    /// to `out` (as long as `starts`): the windows of one status. Sources override it to
    /// look the series up once and read the shared end once.
    fn sums_ending_at(
        &self,
        series: &str,
        end: Millis,
        starts: &[Millis],
        out: &mut [Counts],
    ) -> Result<(), DataError> {
        for (slot, start) in out.iter_mut().zip(starts) {
            *slot = self.sum(series, TimeRange::new(*start, end))?;
        }
        Ok(())
    }

    /// Slice outcomes over several ranges ending at `end`, one per start, into `out`.
    fn slices_ending_at(
        &self,
        series: &str,
        end: Millis,
        starts: &[Millis],
        slice: Duration,
        rule: SliceRule,
        out: &mut [SliceCounts],
    ) -> Result<(), DataError> {
        for (slot, start) in out.iter_mut().zip(starts) {
            *slot = self.slices(series, TimeRange::new(*start, end), slice, rule)?;
        }
        Ok(())
    }

    /// Outcomes of the `slice`-long slices in `range` (aligned to the epoch; slices that
    /// end after `range.end` are left out: a slice is judged once complete).
    fn slices(
        &self,
        series: &str,
        range: TimeRange,
        slice: Duration,
        rule: SliceRule,
    ) -> Result<SliceCounts, DataError> {
        let slice_ms = millis(slice).max(1);
        let aligned = aligned_slices(range, slice_ms);
        let intervals = self.intervals(series, aligned)?;
        let mut counts = SliceCounts {
            total: ((aligned.length()) / slice_ms) as f64,
            ..SliceCounts::default()
        };
        let mut index = 0;
        let mut start = aligned.start;
        while start < aligned.end {
            let end = start + slice_ms;
            let (mut good, mut valid) = (0.0, 0.0);
            let mut present = false;
            while index < intervals.len() && intervals[index].start < end {
                if intervals[index].start >= start {
                    good += intervals[index].good;
                    valid += intervals[index].valid;
                    present = true;
                }
                index += 1;
            }
            if present && valid > 0.0 {
                counts.add(&judge_slice(good, valid, rule));
            }
            start = end;
        }
        Ok(counts)
    }
}

/// The outcome of one slice with data.
pub fn judge_slice(good: f64, valid: f64, rule: SliceRule) -> SliceCounts {
    let ratio = if valid > 0.0 {
        (good / valid).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let is_good = match rule {
        SliceRule::RatioAtLeast(threshold) => ratio >= threshold,
        SliceRule::AllGood => good >= valid,
    };
    SliceCounts {
        good: if is_good { 1.0 } else { 0.0 },
        with_data: 1.0,
        ratio_sum: ratio,
        total: 0.0,
    }
}

/// The part of `range` made of whole `slice_ms` slices aligned to the epoch.
pub fn aligned_slices(range: TimeRange, slice_ms: i64) -> TimeRange {
    let start = range.start.div_euclid(slice_ms) * slice_ms;
    let start = if start < range.start {
        start + slice_ms
    } else {
        start
    };
    let end = range.end.div_euclid(slice_ms) * slice_ms;
    TimeRange::new(start, end)
}

/// The number of `resolution` intervals whose start lies in `range`.
pub fn spanned(range: TimeRange, resolution: Duration) -> u64 {
    let step = millis(resolution).max(1);
    if range.is_empty() {
        return 0;
    }
    let first = range.start.div_euclid(step) + i64::from(range.start.rem_euclid(step) != 0);
    let last = (range.end - 1).div_euclid(step);
    u64::try_from(last - first + 1).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_slices_to_whole_slices() {
        let minute = 60_000;
        assert_eq!(
            aligned_slices(TimeRange::new(30_000, 200_000), minute),
            TimeRange::new(60_000, 180_000)
        );
        assert_eq!(
            aligned_slices(TimeRange::new(0, 120_000), minute),
            TimeRange::new(0, 120_000)
        );
    }

    #[test]
    fn counts_spanned_intervals() {
        let minute = Duration::from_minutes(1);
        assert_eq!(spanned(TimeRange::new(0, 60_000 * 5), minute), 5);
        assert_eq!(spanned(TimeRange::new(1, 60_000 * 5), minute), 4);
        assert_eq!(spanned(TimeRange::new(0, 1), minute), 1);
        assert_eq!(spanned(TimeRange::new(5, 5), minute), 0);
    }
}
