//! An in-memory data source: interval series keyed by series name, with constant-time
//! window totals. Counts files load into it; tests and benchmarks build it directly.

use rustc_hash::FxHashMap;

use crate::Duration;
use crate::model::{Budgeting, Catalog, SliKind};
use crate::series::IntervalSeries;
use crate::source::{
    CountLimit, Counts, DataError, DataSource, Interval, MAX_CELL_COUNT, Millis, SliceCounts,
    SliceRule, TimeRange,
};

/// Interval counts for any number of series, held in memory.
#[derive(Clone, Debug)]
pub struct MemorySource {
    resolution: Duration,
    /// Name → index into `data`. FxHash: names are short and trusted (they come from
    /// specs and checked files). The map's entries stay small so that a lookup among
    /// thousands of series touches little memory; the series live in `data`.
    index: FxHashMap<Box<str>, u32>,
    data: Vec<IntervalSeries>,
}

impl MemorySource {
    /// An empty source with intervals of `resolution`.
    pub fn new(resolution: Duration) -> Self {
        MemorySource {
            resolution,
            index: FxHashMap::default(),
            data: Vec::new(),
        }
    }
    /// Adds whole counts for the interval of `series` containing `at`, or refuses (changing
    /// no count) when the interval would pass [`MAX_CELL_COUNT`]. Call
    /// [`MemorySource::refresh`] once done writing.
    pub fn add_counts(
        &mut self,
        series: &str,
        at: Millis,
        good: i64,
        valid: u64,
    ) -> Result<(), CountLimit> {
        // Look up before inserting: no allocation for the name on the common path.
        if let Some(&slot) = self.index.get(series) {
            return self.data[slot as usize].add(at, good, valid);
        }
        let mut created = IntervalSeries::new(self.resolution);
        created.add(at, good, valid)?;
        self.index.insert(
            series.into(),
            u32::try_from(self.data.len()).unwrap_or(u32::MAX),
        );
        self.data.push(created);
        Ok(())
    }
    /// Adds generated counts (tests, benchmarks, the demo) written as `f64`: each is
    /// rounded to a whole number and held within [`MAX_CELL_COUNT`]. Data from outside goes
    /// through [`MemorySource::add_counts`], which refuses what does not fit.
    pub fn add(&mut self, series: &str, at: Millis, good: f64, valid: f64) {
        let limit = MAX_CELL_COUNT as f64;
        let good = good.round().clamp(-limit, limit) as i64;
        let valid = valid.round().clamp(0.0, limit) as u64;
        let added = self.add_counts(series, at, good, valid);
        debug_assert!(added.is_ok(), "generated counts past the cell ceiling");
    }
    /// The series named `series`, created empty when missing: for bulk loads that add
    /// many intervals to one series (one lookup instead of one per interval).
    pub fn series_mut(&mut self, series: &str) -> &mut IntervalSeries {
        let slot = match self.index.get(series) {
            Some(&slot) => slot,
            None => {
                let slot = u32::try_from(self.data.len()).unwrap_or(u32::MAX);
                self.index.insert(series.into(), slot);
                self.data.push(IntervalSeries::new(self.resolution));
                slot
            }
        };
        &mut self.data[slot as usize]
    }
    /// Brings every series' totals up to date.
    pub fn refresh(&mut self) {
        for series in &mut self.data {
            series.refresh();
        }
    }
    /// Builds the time-slice indexes every time-slice objective of `catalog` reads, so
    /// their statuses cost the same as any other (call after loading, before reading).
    pub fn prepare(&mut self, catalog: &Catalog) {
        self.refresh();
        for slo in &catalog.slos {
            let Some(slice) = slo.budgeting.slice() else {
                continue;
            };
            let all_good = slo
                .sli()
                .is_some_and(|sli| matches!(sli.kind, SliKind::Threshold { .. }));
            for objective in &slo.objectives {
                let rule = match (&slo.budgeting, objective.slice_target) {
                    (Budgeting::Timeslices { .. }, Some(target)) => {
                        SliceRule::RatioAtLeast(target.fraction())
                    }
                    (Budgeting::Timeslices { .. }, None) if all_good => SliceRule::AllGood,
                    // Ratio-timeslices only needs the ratio sums, which any rule provides.
                    _ => SliceRule::AllGood,
                };
                if let Some(&slot) = self.index.get(slo.series_key(objective).as_str()) {
                    self.data[slot as usize].prepare_slices(slice, rule);
                }
            }
        }
    }
    /// The names of the series held.
    pub fn series_names(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(|name| &**name)
    }
    /// One series, if present.
    pub fn series(&self, name: &str) -> Option<&IntervalSeries> {
        self.index.get(name).map(|slot| &self.data[*slot as usize])
    }
    /// The earliest and latest instants with data, over all series.
    pub fn span(&self) -> Option<TimeRange> {
        let starts = self
            .data
            .iter()
            .filter_map(IntervalSeries::first_start)
            .min()?;
        let ends = self
            .data
            .iter()
            .filter_map(IntervalSeries::last_end)
            .max()?;
        Some(TimeRange::new(starts, ends))
    }
    /// Releases spare capacity in every series (after a bulk load).
    pub fn shrink_to_fit(&mut self) {
        for series in &mut self.data {
            series.shrink_to_fit();
        }
    }
    /// Number of series held.
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// True when no series is held.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// Approximate heap bytes of the series and the index.
    pub fn heap_bytes(&self) -> usize {
        self.data
            .iter()
            .map(IntervalSeries::heap_bytes)
            .sum::<usize>()
            + self.index.keys().map(|name| name.len() + 24).sum::<usize>()
    }
}

impl DataSource for MemorySource {
    fn resolution(&self) -> Duration {
        self.resolution
    }

    fn intervals(&self, series: &str, range: TimeRange) -> Result<Vec<Interval>, DataError> {
        Ok(self
            .series(series)
            .map(|found| found.intervals(range))
            .unwrap_or_default())
    }

    fn sum(&self, series: &str, range: TimeRange) -> Result<Counts, DataError> {
        Ok(match self.series(series) {
            Some(found) => found.sum(range),
            None => Counts {
                intervals: crate::source::spanned(range, self.resolution),
                ..Counts::default()
            },
        })
    }

    fn sums_ending_at(
        &self,
        series: &str,
        end: Millis,
        starts: &[Millis],
        out: &mut [Counts],
    ) -> Result<(), DataError> {
        match self.series(series) {
            Some(found) => found.sums_ending_at(end, starts, out),
            None => {
                for (slot, start) in out.iter_mut().zip(starts) {
                    *slot = Counts {
                        intervals: crate::source::spanned(
                            TimeRange::new(*start, end),
                            self.resolution,
                        ),
                        ..Counts::default()
                    };
                }
            }
        }
        Ok(())
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
        if let Some(found) = self.series(series) {
            let mut complete = true;
            for (slot, start) in out.iter_mut().zip(starts) {
                match found.slices(TimeRange::new(*start, end), slice, rule) {
                    Some(counts) => *slot = counts,
                    None => complete = false,
                }
            }
            if complete {
                return Ok(());
            }
        }
        for (slot, start) in out.iter_mut().zip(starts) {
            *slot = self.slices(series, TimeRange::new(*start, end), slice, rule)?;
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
        let Some(found) = self.series(series) else {
            let slice_ms = crate::source::millis(slice).max(1);
            let total = (crate::source::aligned_slices(range, slice_ms).length() / slice_ms) as f64;
            return Ok(SliceCounts {
                total,
                ..SliceCounts::default()
            });
        };
        match found.slices(range, slice, rule) {
            Some(counts) => Ok(counts),
            None => default_slices(self, series, range, slice, rule),
        }
    }
}

/// The trait's scanning default, for slice lengths that were not prepared.
fn default_slices(
    source: &MemorySource,
    series: &str,
    range: TimeRange,
    slice: Duration,
    rule: SliceRule,
) -> Result<SliceCounts, DataError> {
    struct Scan<'a>(&'a MemorySource);
    impl DataSource for Scan<'_> {
        fn resolution(&self) -> Duration {
            self.0.resolution
        }
        fn intervals(&self, series: &str, range: TimeRange) -> Result<Vec<Interval>, DataError> {
            self.0.intervals(series, range)
        }
    }
    Scan(source).slices(series, range, slice, rule)
}
