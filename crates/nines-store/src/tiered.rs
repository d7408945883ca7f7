//! The store's in-memory view: recent intervals at full resolution, older ones rolled up.
//!
//! Windows that fall in the recent part (every status window of a typical SLO) are read at
//! full resolution with constant cost; the part of a window older than the boundary is read
//! from the roll-ups (hourly by default), whose intervals count when their start lies in
//! the range.

use nines_core::Duration;
use nines_core::memory::MemorySource;
use nines_core::model::Catalog;
use nines_core::source::{
    Counts, DataError, DataSource, Interval, Millis, SliceCounts, SliceRule, TimeRange,
};

/// Recent data at full resolution, older data rolled up, split at `boundary`.
#[derive(Clone, Debug)]
pub struct TieredSource {
    /// Intervals starting at or after `boundary`.
    pub fine: MemorySource,
    /// Intervals starting before `boundary`.
    pub coarse: MemorySource,
    /// Where full resolution begins.
    pub boundary: Millis,
}

impl TieredSource {
    /// An empty view.
    pub fn new(resolution: Duration, coarse_resolution: Duration) -> Self {
        TieredSource {
            fine: MemorySource::new(resolution),
            coarse: MemorySource::new(coarse_resolution),
            boundary: Millis::MIN,
        }
    }
    /// Refreshes totals and the slice indexes `catalog` reads.
    pub fn prepare(&mut self, catalog: &Catalog) {
        self.fine.prepare(catalog);
        self.coarse.refresh();
    }
    /// The earliest and latest instants with data, over both tiers.
    pub fn span(&self) -> Option<TimeRange> {
        match (self.coarse.span(), self.fine.span()) {
            (Some(old), Some(recent)) => Some(TimeRange::new(
                old.start.min(recent.start),
                old.end.max(recent.end),
            )),
            (old, recent) => old.or(recent),
        }
    }
    /// Approximate heap bytes of both tiers.
    pub fn heap_bytes(&self) -> usize {
        self.fine.heap_bytes() + self.coarse.heap_bytes()
    }
    fn split(&self, range: TimeRange) -> (TimeRange, TimeRange) {
        (
            TimeRange::new(range.start, range.end.min(self.boundary)),
            TimeRange::new(range.start.max(self.boundary), range.end),
        )
    }
}

impl DataSource for TieredSource {
    fn resolution(&self) -> Duration {
        self.fine.resolution()
    }

    fn intervals(&self, series: &str, range: TimeRange) -> Result<Vec<Interval>, DataError> {
        let (old, recent) = self.split(range);
        let mut out = if old.is_empty() {
            Vec::new()
        } else {
            self.coarse.intervals(series, old)?
        };
        if !recent.is_empty() {
            out.extend(self.fine.intervals(series, recent)?);
        }
        Ok(out)
    }

    fn sum(&self, series: &str, range: TimeRange) -> Result<Counts, DataError> {
        let (old, recent) = self.split(range);
        let mut counts = if recent.is_empty() {
            Counts::default()
        } else {
            self.fine.sum(series, recent)?
        };
        if !old.is_empty() {
            counts.add(&self.coarse.sum(series, old)?);
        }
        Ok(counts)
    }

    fn sums_ending_at(
        &self,
        series: &str,
        end: Millis,
        starts: &[Millis],
        out: &mut [Counts],
    ) -> Result<(), DataError> {
        if starts.iter().all(|start| *start >= self.boundary) {
            return self.fine.sums_ending_at(series, end, starts, out);
        }
        for (slot, start) in out.iter_mut().zip(starts) {
            *slot = self.sum(series, TimeRange::new(*start, end))?;
        }
        Ok(())
    }

    fn slices(
        &self,
        series: &str,
        range: TimeRange,
        slice: Duration,
        rule: SliceRule,
    ) -> Result<SliceCounts, DataError> {
        // Slices need full resolution; older parts are judged from the roll-ups' intervals.
        let (old, recent) = self.split(range);
        let mut counts = if recent.is_empty() {
            SliceCounts::default()
        } else {
            self.fine.slices(series, recent, slice, rule)?
        };
        if !old.is_empty() {
            counts.add(&self.coarse.slices(series, old, slice, rule)?);
        }
        Ok(counts)
    }

    fn slices_ending_at(
        &self,
        series: &str,
        end: Millis,
        starts: &[Millis],
        slice: Duration,
        rule: SliceRule,
        out: &mut [SliceCounts],
    ) -> Result<(), DataError> {
        if starts.iter().all(|start| *start >= self.boundary) {
            return self
                .fine
                .slices_ending_at(series, end, starts, slice, rule, out);
        }
        for (slot, start) in out.iter_mut().zip(starts) {
            *slot = self.slices(series, TimeRange::new(*start, end), slice, rule)?;
        }
        Ok(())
    }
}
