//! A series of interval counts with prefix sums: any window's totals in constant time.
//!
//! Intervals live on a fixed grid (`resolution`, aligned to the epoch). Beside the cells we
//! keep running totals, so the counts of a 5-minute window and of a 30-day window both
//! cost two lookups and a subtraction. Writes mark the totals stale from the written cell
//! on; [`IntervalSeries::refresh`] recomputes only that suffix, so appending at the end
//! (the common case) or a late write a few minutes back stays cheap.
//!
//! Time slices (for time-slice budgeting) get the same treatment: per slice length and
//! rule, a prefix of good slices, slices with data and summed ratios.

use crate::Duration;
use crate::source::{
    Counts, Interval, Millis, SliceCounts, SliceRule, TimeRange, aligned_slices, judge_slice,
    millis,
};

/// Totals of the cells before an index: good, valid, cells with data.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Totals {
    good: f64,
    valid: f64,
    present: f64,
}

/// One grid cell.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Cell {
    good: f64,
    valid: f64,
    present: bool,
}

/// Prefix totals of judged slices for one slice length and rule.
#[derive(Clone, Debug)]
struct SliceIndex {
    slice_ms: i64,
    rule: SliceRule,
    /// Index of the first slice (slice start / slice_ms).
    first: i64,
    /// Prefix totals: good slices, slices with data, sum of ratios.
    prefix: Vec<(f64, f64, f64)>,
}

/// Interval counts of one series on a fixed grid, with constant-time window totals.
#[derive(Clone, Debug)]
pub struct IntervalSeries {
    resolution: i64,
    /// Grid index of `cells[0]` (cell start / resolution).
    first: i64,
    cells: Vec<Cell>,
    /// `prefix[i]` = totals of `cells[..i]`; valid up to `clean` (exclusive of later).
    prefix: Vec<Totals>,
    /// Prefix entries from this index on are stale.
    stale_from: usize,
    slices: Vec<SliceIndex>,
}

impl IntervalSeries {
    /// An empty series at `resolution` (which must be at least a millisecond).
    pub fn new(resolution: Duration) -> Self {
        IntervalSeries {
            resolution: millis(resolution).max(1),
            first: 0,
            cells: Vec::new(),
            prefix: vec![Totals::default()],
            stale_from: 0,
            slices: Vec::new(),
        }
    }

    /// The grid step.
    pub fn resolution(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.resolution).unwrap_or(1))
    }

    /// Start of the first cell, if any.
    pub fn first_start(&self) -> Option<Millis> {
        (!self.cells.is_empty()).then(|| self.first * self.resolution)
    }

    /// End of the last cell, if any.
    pub fn last_end(&self) -> Option<Millis> {
        (!self.cells.is_empty()).then(|| (self.first + self.cells.len() as i64) * self.resolution)
    }

    /// Adds counts to the interval containing `at`. Call [`IntervalSeries::refresh`] before
    /// reading.
    pub fn add(&mut self, at: Millis, good: f64, valid: f64) {
        let index = at.div_euclid(self.resolution);
        if self.cells.is_empty() {
            self.first = index;
        }
        if index < self.first {
            let grow = usize::try_from(self.first - index).unwrap_or(0);
            self.cells
                .splice(0..0, std::iter::repeat_n(Cell::default(), grow));
            self.first = index;
            self.stale_from = 0;
            self.slices.clear();
        }
        let position = usize::try_from(index - self.first).unwrap_or(0);
        if position >= self.cells.len() {
            self.cells.resize(position + 1, Cell::default());
        }
        let cell = &mut self.cells[position];
        cell.good += good;
        cell.valid += valid;
        cell.present = true;
        self.stale_from = self.stale_from.min(position);
    }

    /// Drops cells that end at or before `before` (retention). Totals are rebuilt.
    pub fn truncate_before(&mut self, before: Millis) {
        let index = before.div_euclid(self.resolution);
        if index <= self.first {
            return;
        }
        let drop = usize::try_from(index - self.first)
            .unwrap_or(0)
            .min(self.cells.len());
        self.cells.drain(..drop);
        self.first = index;
        self.stale_from = 0;
        self.slices.clear();
    }

    /// Recomputes stale totals and slice indexes. Cheap when only recent cells changed.
    pub fn refresh(&mut self) {
        if self.prefix.len() == self.cells.len() + 1 && self.stale_from >= self.cells.len() {
            return;
        }
        let from = self.stale_from.min(self.cells.len());
        self.prefix.truncate(from + 1);
        let mut running = self.prefix[from];
        for cell in &self.cells[from..] {
            running.good += cell.good;
            running.valid += cell.valid;
            running.present += if cell.present { 1.0 } else { 0.0 };
            self.prefix.push(running);
        }
        self.stale_from = self.cells.len();
        let kept: Vec<(i64, SliceRule)> = self
            .slices
            .iter()
            .map(|index| (index.slice_ms, index.rule))
            .collect();
        self.slices.clear();
        for (slice_ms, rule) in kept {
            self.index_slices(slice_ms, rule);
        }
    }

    /// Prepares constant-time slice outcomes for `slice` and `rule` (idempotent).
    pub fn prepare_slices(&mut self, slice: Duration, rule: SliceRule) {
        self.refresh();
        let slice_ms = millis(slice).max(1);
        if !self
            .slices
            .iter()
            .any(|index| index.slice_ms == slice_ms && index.rule == rule)
        {
            self.index_slices(slice_ms, rule);
        }
    }

    fn index_slices(&mut self, slice_ms: i64, rule: SliceRule) {
        let (Some(start), Some(end)) = (self.first_start(), self.last_end()) else {
            self.slices.push(SliceIndex {
                slice_ms,
                rule,
                first: 0,
                prefix: vec![(0.0, 0.0, 0.0)],
            });
            return;
        };
        let first = start.div_euclid(slice_ms);
        let last = (end + slice_ms - 1).div_euclid(slice_ms);
        let mut prefix = Vec::with_capacity(usize::try_from(last - first + 1).unwrap_or(0));
        prefix.push((0.0, 0.0, 0.0));
        let mut running = (0.0, 0.0, 0.0);
        for slice in first..last {
            let range = TimeRange::new(slice * slice_ms, (slice + 1) * slice_ms);
            let counts = self.sum_cells(range);
            if counts.intervals_with_data > 0 && counts.valid > 0.0 {
                let outcome = judge_slice(counts.good, counts.valid, rule);
                running.0 += outcome.good;
                running.1 += outcome.with_data;
                running.2 += outcome.ratio_sum;
            }
            prefix.push(running);
        }
        self.slices.push(SliceIndex {
            slice_ms,
            rule,
            first,
            prefix,
        });
    }

    /// Cell positions `[a, b)` whose starts fall in `range`.
    fn positions(&self, range: TimeRange) -> (usize, usize) {
        let clamp = |index: i64| {
            usize::try_from((index - self.first).clamp(0, self.cells.len() as i64)).unwrap_or(0)
        };
        let first_index = range.start.div_euclid(self.resolution)
            + i64::from(range.start.rem_euclid(self.resolution) != 0);
        let end_index = (range.end - 1).div_euclid(self.resolution) + 1;
        if range.is_empty() {
            return (0, 0);
        }
        (clamp(first_index), clamp(end_index).max(clamp(first_index)))
    }

    fn sum_cells(&self, range: TimeRange) -> Counts {
        let (a, b) = self.positions(range);
        let (low, high) = (self.prefix[a], self.prefix[b]);
        Counts {
            good: high.good - low.good,
            valid: high.valid - low.valid,
            intervals_with_data: (high.present - low.present) as u64,
            intervals: crate::source::spanned(range, self.resolution()),
        }
    }

    /// Totals over `range` (intervals whose start lies in it). Requires fresh totals.
    pub fn sum(&self, range: TimeRange) -> Counts {
        debug_assert!(
            self.stale_from >= self.cells.len(),
            "refresh() before reading"
        );
        self.sum_cells(range)
    }

    /// Slice outcomes over `range` from a prepared index, or `None` when not prepared.
    pub fn slices(
        &self,
        range: TimeRange,
        slice: Duration,
        rule: SliceRule,
    ) -> Option<SliceCounts> {
        let slice_ms = millis(slice).max(1);
        let index = self
            .slices
            .iter()
            .find(|index| index.slice_ms == slice_ms && index.rule == rule)?;
        let aligned = aligned_slices(range, slice_ms);
        let total = (aligned.length() / slice_ms) as f64;
        let count = index.prefix.len() as i64 - 1;
        let clamp =
            |slice: i64| usize::try_from((slice - index.first).clamp(0, count)).unwrap_or(0);
        let (a, b) = (
            clamp(aligned.start.div_euclid(slice_ms)),
            clamp(aligned.end.div_euclid(slice_ms)),
        );
        let (low, high) = (index.prefix[a], index.prefix[b.max(a)]);
        Some(SliceCounts {
            good: high.0 - low.0,
            with_data: high.1 - low.1,
            ratio_sum: high.2 - low.2,
            total,
        })
    }

    /// The cells with data whose start lies in `range`.
    pub fn intervals(&self, range: TimeRange) -> Vec<Interval> {
        let (a, b) = self.positions(range);
        self.cells[a..b]
            .iter()
            .enumerate()
            .filter(|(_, cell)| cell.present)
            .map(|(offset, cell)| Interval {
                start: (self.first + (a + offset) as i64) * self.resolution,
                good: cell.good,
                valid: cell.valid,
            })
            .collect()
    }

    /// Number of cells held (with or without data): the memory the series takes.
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn series(points: &[(i64, f64, f64)]) -> IntervalSeries {
        let mut series = IntervalSeries::new(Duration::from_minutes(1));
        for &(minute, good, valid) in points {
            series.add(minute * MINUTE, good, valid);
        }
        series.refresh();
        series
    }

    #[test]
    fn sums_windows_in_any_order_of_writes() {
        let series = series(&[(5, 9.0, 10.0), (1, 1.0, 1.0), (3, 0.0, 2.0), (3, 1.0, 1.0)]);
        let all = series.sum(TimeRange::new(0, 10 * MINUTE));
        assert_eq!(
            (all.good, all.valid, all.intervals_with_data, all.intervals),
            (11.0, 14.0, 3, 10)
        );
        let part = series.sum(TimeRange::new(2 * MINUTE, 5 * MINUTE));
        assert_eq!(
            (part.good, part.valid, part.intervals_with_data),
            (1.0, 3.0, 1)
        );
        let outside = series.sum(TimeRange::new(100 * MINUTE, 200 * MINUTE));
        assert_eq!(
            (
                outside.valid,
                outside.intervals_with_data,
                outside.intervals
            ),
            (0.0, 0, 100)
        );
    }

    #[test]
    fn late_writes_refresh_only_what_changed() {
        let mut series = series(&[(0, 1.0, 1.0), (10, 1.0, 1.0)]);
        series.add(5 * MINUTE, 0.0, 4.0);
        series.refresh();
        assert_eq!(series.sum(TimeRange::new(0, 11 * MINUTE)).valid, 6.0);
        series.add(-3 * MINUTE, 2.0, 2.0);
        series.refresh();
        assert_eq!(
            series.sum(TimeRange::new(-10 * MINUTE, 11 * MINUTE)).valid,
            8.0
        );
    }

    #[test]
    fn judges_slices() {
        // Minutes 0-4: slice of 5 minutes with 90% good; minutes 5-9: all good.
        let mut series = series(&[(0, 9.0, 10.0), (6, 5.0, 5.0)]);
        series.prepare_slices(Duration::from_minutes(5), SliceRule::RatioAtLeast(0.95));
        let counts = series
            .slices(
                TimeRange::new(0, 10 * MINUTE),
                Duration::from_minutes(5),
                SliceRule::RatioAtLeast(0.95),
            )
            .unwrap();
        assert_eq!(
            (counts.good, counts.with_data, counts.total),
            (1.0, 2.0, 2.0)
        );
        assert!((counts.ratio_sum - 1.9).abs() < 1e-12);
    }

    #[test]
    fn retention_drops_old_cells() {
        let mut series = series(&[(0, 1.0, 1.0), (100, 1.0, 1.0)]);
        series.truncate_before(50 * MINUTE);
        series.refresh();
        assert_eq!(series.sum(TimeRange::new(0, 200 * MINUTE)).valid, 1.0);
        assert_eq!(series.cell_count(), 51);
    }
}
