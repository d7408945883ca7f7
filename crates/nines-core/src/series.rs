//! A series of interval counts with block prefix sums: any window's totals in constant
//! time, in about 8 bytes per interval.
//!
//! Intervals live on a fixed grid (`resolution`, aligned to the epoch). Each cell holds
//! its good and valid counts as whole numbers (`i64`: good is signed because remote write
//! subtracts bad events that may arrive before their interval's valid ones), at most
//! [`MAX_CELL_COUNT`] each, and a bit saying it had data. Every [`BLOCK`] cells we keep
//! running totals in 128-bit integers, which no number of cells can overflow, so the totals
//! up to any cell are a block total plus at most `BLOCK - 1` cell additions: a 5-minute
//! and a 30-day window cost the same, and every window sum is exact (counts are whole
//! numbers; a busy minute never loses an event). 30 days of 1-minute counts take about
//! 800 KB.
//!
//! Writes mark the block totals stale from the written cell's block on;
//! [`IntervalSeries::refresh`] recomputes only that suffix, so appending at the end (the
//! common case) or a late write a few minutes back stays cheap.
//!
//! Time slices (for time-slice budgeting) get the same treatment: per slice length and
//! rule, bits for "had data" and "was good", the slice's ratio, and block totals.

use crate::Duration;
use crate::source::{
    CountLimit, Counts, Interval, MAX_CELL_COUNT, Millis, SliceCounts, SliceRule, TimeRange,
    add_to_cell, aligned_slices, judge_slice, millis,
};

/// Cells per block of running totals: a query adds at most `BLOCK - 1` cells to a block
/// total, and the totals cost 24 bytes per 16 cells (1.5 bytes a cell). Measured: with
/// 64-cell blocks the additions dominated a status; with 16 they no longer do.
pub const BLOCK: usize = 16;

/// Cells of one block with the running totals before them, side by side so that a window
/// boundary reads one or two neighbouring cache lines, not four scattered arrays.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
struct Block {
    /// Good events of all cells before this block.
    good_before: i128,
    /// Valid events of all cells before this block.
    valid_before: i128,
    /// Cells with data before this block.
    present_before: u64,
    /// One bit per cell of this block: the interval had data.
    present: u16,
    /// Good and valid counts of each cell (valid is never negative).
    cells: [[i64; 2]; BLOCK],
}

/// Sums of the first `within` cells of a block. Each cell is at most 2^53 in magnitude and
/// a block has at most 16, so the sums fit an `i64` (2^57) and are widened once.
#[inline]
fn cell_sums(cells: &[[i64; 2]]) -> (i128, i128) {
    let (mut good, mut valid) = (0i64, 0i64);
    for cell in cells {
        good += cell[0];
        valid += cell[1];
    }
    (i128::from(good), i128::from(valid))
}

const _: () = assert!(
    (BLOCK as u128) * (MAX_CELL_COUNT as u128) < i64::MAX as u128,
    "a block's cell sums fit an i64"
);

/// The totals at the end of a block.
fn block_end(block: &Block) -> Totals {
    let (good, valid) = cell_sums(&block.cells);
    Totals {
        good: block.good_before + good,
        valid: block.valid_before + valid,
        present: block.present_before + u64::from(block.present.count_ones()),
    }
}

/// Totals of the cells before a position.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Totals {
    good: i128,
    valid: i128,
    present: u64,
}

/// Exact totals over a range: what [`Counts`] holds, before conversion to `f64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExactCounts {
    /// Good events (the sum of cells: negative only while bad events wait for valid ones).
    pub good: i128,
    /// Valid events.
    pub valid: i128,
    /// Intervals with data.
    pub intervals_with_data: u64,
}

/// A whole-number total as the engine's `f64`: exact below 2^53, the nearest `f64` beyond;
/// a negative total (bad events whose valid ones have not arrived) reads as zero.
#[inline]
fn to_f64(total: i128) -> f64 {
    total.max(0) as f64
}

/// Judged slices of one slice length and rule.
#[derive(Clone, Debug)]
struct SliceIndex {
    slice_ms: i64,
    rule: SliceRule,
    /// Slice number (start / slice_ms) of the first slice.
    first: i64,
    with_data: Vec<u64>,
    good: Vec<u64>,
    ratio: Vec<f32>,
    /// Totals before each block of [`BLOCK`] slices: good slices, slices with data, ratio sum.
    blocks: Vec<(u64, u64, f64)>,
}

/// Interval counts of one series on a fixed grid, with constant-time window totals.
#[derive(Clone, Debug)]
pub struct IntervalSeries {
    resolution: i64,
    /// Grid index of the first cell of block 0 (a multiple of [`BLOCK`]).
    first: i64,
    /// Cells in use (from `first`): positions beyond are empty.
    len: usize,
    blocks: Vec<Block>,
    /// Running totals are stale from this block on.
    stale_from: usize,
    /// Totals of every cell, once fresh: the end of the last block.
    total: Totals,
    slices: Vec<SliceIndex>,
}

fn set_bit(words: &mut Vec<u64>, index: usize) {
    if words.len() <= index / 64 {
        words.resize(index / 64 + 1, 0);
    }
    words[index / 64] |= 1 << (index % 64);
}

/// Set bits among `count` bits of `words` from bit `start` (a run within one block of
/// slices, so within one word: blocks divide 64).
fn count_bits(words: &[u64], start: usize, count: usize) -> u64 {
    if count == 0 {
        return 0;
    }
    let word = words.get(start / 64).copied().unwrap_or(0) >> (start % 64);
    let mask = if count >= 64 {
        u64::MAX
    } else {
        (1u64 << count) - 1
    };
    u64::from((word & mask).count_ones())
}

/// A cache prefetch hint for `value`'s first line.
#[inline]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: a prefetch is only a hint: it never faults and never changes memory, and the
    // pointer comes from a live reference anyway. `sse` is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            std::ptr::from_ref(value).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

const _: () = assert!(
    BLOCK <= 16 && 64 % BLOCK == 0,
    "a block's presence bits fit a u16 and slice blocks divide a word"
);

impl IntervalSeries {
    /// An empty series at `resolution` (which must be at least a millisecond).
    pub fn new(resolution: Duration) -> Self {
        IntervalSeries {
            resolution: millis(resolution).max(1),
            first: 0,
            len: 0,
            blocks: Vec::new(),
            stale_from: 0,
            total: Totals::default(),
            slices: Vec::new(),
        }
    }

    /// The grid step.
    pub fn resolution(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.resolution).unwrap_or(1))
    }

    /// Start of the first cell with data, if any.
    pub fn first_start(&self) -> Option<Millis> {
        (0..self.len)
            .find(|position| self.is_present(*position))
            .map(|position| (self.first + position as i64) * self.resolution)
    }

    /// End of the last cell with data, if any.
    pub fn last_end(&self) -> Option<Millis> {
        (0..self.len)
            .rev()
            .find(|position| self.is_present(*position))
            .map(|position| (self.first + position as i64 + 1) * self.resolution)
    }

    fn is_present(&self, position: usize) -> bool {
        self.blocks
            .get(position / BLOCK)
            .is_some_and(|block| block.present >> (position % BLOCK) & 1 == 1)
    }

    /// Adds whole counts to the interval containing `at`, or refuses (changing no count)
    /// when the interval would pass [`MAX_CELL_COUNT`]. Call [`IntervalSeries::refresh`]
    /// before reading.
    pub fn add(&mut self, at: Millis, good: i64, valid: u64) -> Result<(), CountLimit> {
        let index = at.div_euclid(self.resolution);
        let block_start = index.div_euclid(BLOCK as i64) * BLOCK as i64;
        if self.blocks.is_empty() {
            self.first = block_start;
        }
        if index < self.first {
            let blocks = usize::try_from((self.first - block_start) / BLOCK as i64).unwrap_or(0);
            self.blocks
                .splice(0..0, std::iter::repeat_n(Block::default(), blocks));
            self.first = block_start;
            self.len += blocks * BLOCK;
            self.stale_from = 0;
        }
        let position = usize::try_from(index - self.first).unwrap_or(0);
        if position / BLOCK >= self.blocks.len() {
            self.blocks.resize(position / BLOCK + 1, Block::default());
        }
        self.len = self.len.max(position + 1);
        let block = &mut self.blocks[position / BLOCK];
        let cell = &mut block.cells[position % BLOCK];
        let (new_good, new_valid) = add_to_cell(
            (cell[0], cell[1].unsigned_abs()),
            (good, valid),
            MAX_CELL_COUNT,
        )?;
        // Within MAX_CELL_COUNT, so within i64.
        *cell = [new_good, new_valid as i64];
        block.present |= 1 << (position % BLOCK);
        self.stale_from = self.stale_from.min(position / BLOCK);
        Ok(())
    }

    /// Drops cells that start before `before` (retention). Totals are rebuilt.
    pub fn truncate_before(&mut self, before: Millis) {
        let index = before.div_euclid(self.resolution);
        if index <= self.first || self.blocks.is_empty() {
            return;
        }
        let cut = usize::try_from(index - self.first)
            .unwrap_or(0)
            .min(self.len);
        let whole = cut / BLOCK;
        self.blocks.drain(..whole);
        self.first += (whole * BLOCK) as i64;
        self.len -= whole * BLOCK;
        if let Some(block) = self.blocks.first_mut() {
            for cell in 0..cut % BLOCK {
                block.cells[cell] = [0; 2];
                block.present &= !(1 << cell);
            }
        }
        self.stale_from = 0;
    }

    /// Recomputes stale running totals and slice indexes. Cheap when only recent cells
    /// changed.
    pub fn refresh(&mut self) {
        if self.stale_from >= self.blocks.len() {
            return;
        }
        let from = self.stale_from;
        let mut running = match from.checked_sub(1) {
            Some(previous) => {
                let block = &self.blocks[previous];
                block_end(block)
            }
            None => Totals::default(),
        };
        for block in &mut self.blocks[from..] {
            block.good_before = running.good;
            block.valid_before = running.valid;
            block.present_before = running.present;
            running = block_end(block);
        }
        self.total = running;
        self.stale_from = self.blocks.len();
        // Slice outcomes before the first changed cell still hold: re-judge from there.
        let changed_from = (self.first + (from * BLOCK) as i64) * self.resolution;
        for index in std::mem::take(&mut self.slices) {
            let (slice_ms, rule) = (index.slice_ms, index.rule);
            self.index_slices(slice_ms, rule, Some((index, changed_from)));
        }
    }

    /// Totals of cells `..position` (requires fresh totals).
    #[inline]
    fn prefix(&self, position: usize) -> Totals {
        let block_index = position / BLOCK;
        let Some(block) = self.blocks.get(block_index) else {
            return self.total;
        };
        let mut totals = Totals {
            good: block.good_before,
            valid: block.valid_before,
            present: block.present_before,
        };
        let within = position % BLOCK;
        let (good, valid) = cell_sums(&block.cells[..within]);
        totals.good += good;
        totals.valid += valid;
        totals.present += u64::from((block.present & ((1u32 << within) - 1) as u16).count_ones());
        totals
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
            self.index_slices(slice_ms, rule, None);
        }
    }

    /// Judges the slices of `slice_ms` under `rule`. With a `previous` index and the instant
    /// the data changed from, slices before that instant are kept (in whole blocks).
    fn index_slices(
        &mut self,
        slice_ms: i64,
        rule: SliceRule,
        previous: Option<(SliceIndex, Millis)>,
    ) {
        let (Some(start), Some(end)) = (self.first_start(), self.last_end()) else {
            self.slices.push(SliceIndex {
                slice_ms,
                rule,
                first: 0,
                with_data: Vec::new(),
                good: Vec::new(),
                ratio: Vec::new(),
                blocks: vec![(0, 0, 0.0)],
            });
            return;
        };
        let first = start.div_euclid(slice_ms);
        let last = (end + slice_ms - 1).div_euclid(slice_ms);
        let count = usize::try_from(last - first).unwrap_or(0);
        let (mut index, kept) = match previous {
            Some((mut index, changed_from)) if index.first == first => {
                let unchanged =
                    usize::try_from(changed_from.div_euclid(slice_ms) - first).unwrap_or(0);
                let kept = (unchanged / BLOCK * BLOCK)
                    .min(index.ratio.len())
                    .min(count);
                index.ratio.truncate(kept);
                index.blocks.truncate(kept / BLOCK + 1);
                for bits in [&mut index.with_data, &mut index.good] {
                    bits.truncate(kept.div_ceil(64));
                    // Clear the re-judged bits of the word holding `kept`, if the vector
                    // reaches it: a shorter vector (no bit set that far) must keep its last
                    // word whole, since all of that word lies before `kept`.
                    if !kept.is_multiple_of(64)
                        && let Some(word) = bits.get_mut(kept / 64)
                    {
                        *word &= (1u64 << (kept % 64)) - 1;
                    }
                }
                (index, kept)
            }
            _ => (
                SliceIndex {
                    slice_ms,
                    rule,
                    first,
                    with_data: Vec::new(),
                    good: Vec::new(),
                    ratio: Vec::new(),
                    blocks: vec![(0, 0, 0.0)],
                },
                0,
            ),
        };
        index.ratio.resize(count, 0.0);
        let mut running = index.blocks[kept / BLOCK];
        for position in kept..count {
            let slice = first + position as i64;
            let counts = self.sum_cells(TimeRange::new(slice * slice_ms, (slice + 1) * slice_ms));
            if counts.intervals_with_data > 0 && counts.valid > 0.0 {
                let outcome = judge_slice(counts.good, counts.valid, rule);
                set_bit(&mut index.with_data, position);
                running.1 += 1;
                if outcome.good > 0.0 {
                    set_bit(&mut index.good, position);
                    running.0 += 1;
                }
                index.ratio[position] = outcome.ratio_sum as f32;
                running.2 += outcome.ratio_sum;
            }
            if (position + 1) % BLOCK == 0 || position + 1 == count {
                index.blocks.push(running);
            }
        }
        self.slices.push(index);
    }

    /// Cell positions `[a, b)` whose starts fall in `range`.
    fn positions(&self, range: TimeRange) -> (usize, usize) {
        let (first_index, end_index) = self.grid(range);
        let length = self.len as i64;
        let clamp =
            |index: i64| usize::try_from((index - self.first).clamp(0, length)).unwrap_or(0);
        (clamp(first_index), clamp(end_index).max(clamp(first_index)))
    }

    /// Grid indexes `[first, end)` of the intervals whose start lies in `range`, unclamped:
    /// their difference is the number of intervals the range spans.
    #[inline]
    fn grid(&self, range: TimeRange) -> (i64, i64) {
        if range.is_empty() {
            return (0, 0);
        }
        // Ceiling division for the first index, floor for the end: one division each.
        let first_index = (range.start + self.resolution - 1).div_euclid(self.resolution);
        let end_index = (range.end + self.resolution - 1).div_euclid(self.resolution);
        (first_index, end_index.max(first_index))
    }

    fn sum_cells(&self, range: TimeRange) -> Counts {
        let (a, b) = self.positions(range);
        let (first_index, end_index) = self.grid(range);
        let (low, high) = (self.prefix(a), self.prefix(b));
        Counts {
            good: to_f64(high.good - low.good),
            valid: to_f64(high.valid - low.valid),
            intervals_with_data: high.present - low.present,
            intervals: u64::try_from(end_index - first_index).unwrap_or(0),
        }
    }

    /// Exact totals over `range` (intervals whose start lies in it), as integers. Requires
    /// fresh totals.
    pub fn sum_exact(&self, range: TimeRange) -> ExactCounts {
        debug_assert!(
            self.stale_from >= self.blocks.len(),
            "refresh() before reading"
        );
        let (a, b) = self.positions(range);
        let (low, high) = (self.prefix(a), self.prefix(b));
        ExactCounts {
            good: high.good - low.good,
            valid: high.valid - low.valid,
            intervals_with_data: high.present - low.present,
        }
    }

    /// Totals over `range` (intervals whose start lies in it). Requires fresh totals.
    pub fn sum(&self, range: TimeRange) -> Counts {
        debug_assert!(
            self.stale_from >= self.blocks.len(),
            "refresh() before reading"
        );
        self.sum_cells(range)
    }

    /// Totals over several ranges that share an end (the burn-rate windows of a status):
    /// the shared end is read once.
    pub fn sums_ending_at(&self, end: Millis, starts: &[Millis], out: &mut [Counts]) {
        debug_assert!(
            self.stale_from >= self.blocks.len(),
            "refresh() before reading"
        );
        // Two passes: first every boundary's block, then the sums. The blocks of one
        // status lie far apart (5 minutes to 30 days back), so this lets the memory system
        // fetch them all at once instead of one after the other.
        const MOST: usize = 16;
        let length = self.len as i64;
        let clamp =
            |index: i64| usize::try_from((index - self.first).clamp(0, length)).unwrap_or(0);
        let end_index = (end + self.resolution - 1).div_euclid(self.resolution);
        let end_position = clamp(end_index);
        let mut first = [0i64; MOST];
        let count = starts.len().min(MOST).min(out.len());
        for (slot, start) in first.iter_mut().zip(&starts[..count]) {
            *slot = (start + self.resolution - 1)
                .div_euclid(self.resolution)
                .min(end_index);
            if let Some(block) = self.blocks.get(clamp(*slot) / BLOCK) {
                prefetch(block);
            }
        }
        let high = self.prefix(end_position);
        for (slot, first_index) in out.iter_mut().zip(&first[..count]) {
            let low = self.prefix(clamp(*first_index).min(end_position));
            *slot = Counts {
                good: to_f64(high.good - low.good),
                valid: to_f64(high.valid - low.valid),
                intervals_with_data: high.present.saturating_sub(low.present),
                intervals: u64::try_from(end_index - first_index).unwrap_or(0),
            };
        }
        for (slot, start) in out.iter_mut().zip(starts).skip(count) {
            *slot = self.sum_cells(TimeRange::new(*start, end));
        }
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
        let count = index.ratio.len() as i64;
        let clamp =
            |slice: i64| usize::try_from((slice - index.first).clamp(0, count)).unwrap_or(0);
        let a = clamp(aligned.start.div_euclid(slice_ms));
        let b = clamp(aligned.end.div_euclid(slice_ms)).max(a);
        let prefix = |position: usize| {
            let block = position / BLOCK;
            let (mut good, mut with_data, mut ratio) = index.blocks[block];
            let start = block * BLOCK;
            good += count_bits(&index.good, start, position - start);
            with_data += count_bits(&index.with_data, start, position - start);
            ratio += index.ratio[start..position]
                .iter()
                .map(|value| f64::from(*value))
                .sum::<f64>();
            (good, with_data, ratio)
        };
        let (low, high) = (prefix(a), prefix(b));
        Some(SliceCounts {
            good: (high.0 - low.0) as f64,
            with_data: (high.1 - low.1) as f64,
            ratio_sum: (high.2 - low.2).max(0.0),
            total,
        })
    }

    /// The cells with data whose start lies in `range`.
    pub fn intervals(&self, range: TimeRange) -> Vec<Interval> {
        let (a, b) = self.positions(range);
        (a..b)
            .filter(|position| self.is_present(*position))
            .map(|position| {
                let cell = self.blocks[position / BLOCK].cells[position % BLOCK];
                // Cells hold at most MAX_CELL_COUNT: exact as f64.
                Interval {
                    start: (self.first + position as i64) * self.resolution,
                    good: cell[0] as f64,
                    valid: cell[1] as f64,
                }
            })
            .collect()
    }

    /// Number of cells held (with or without data).
    pub fn cell_count(&self) -> usize {
        self.len
    }

    /// Releases spare capacity (after a bulk load: growth by doubling leaves up to half
    /// of the cells unused).
    pub fn shrink_to_fit(&mut self) {
        self.blocks.shrink_to_fit();
        for index in &mut self.slices {
            index.ratio.shrink_to_fit();
            index.good.shrink_to_fit();
            index.with_data.shrink_to_fit();
            index.blocks.shrink_to_fit();
        }
    }

    /// Approximate heap bytes held: what a series costs in memory.
    pub fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * size_of::<Block>()
            + self
                .slices
                .iter()
                .map(|index| {
                    index.ratio.capacity() * 4
                        + (index.good.capacity() + index.with_data.capacity()) * 8
                        + index.blocks.capacity() * 24
                })
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn series(points: &[(i64, f64, f64)]) -> IntervalSeries {
        let mut series = IntervalSeries::new(Duration::from_minutes(1));
        for &(minute, good, valid) in points {
            series
                .add(minute * MINUTE, good as i64, valid as u64)
                .unwrap();
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
    fn sums_across_many_blocks() {
        let points: Vec<(i64, f64, f64)> = (0..1000).map(|minute| (minute, 1.0, 2.0)).collect();
        let series = series(&points);
        for (start, end) in [
            (0, 1000),
            (63, 65),
            (64, 128),
            (100, 900),
            (999, 1000),
            (5, 5),
        ] {
            let counts = series.sum(TimeRange::new(start * MINUTE, end * MINUTE));
            let cells = (end - start) as f64;
            assert_eq!(
                (counts.good, counts.valid, counts.intervals_with_data as f64),
                (cells, 2.0 * cells, cells),
                "{start}..{end}"
            );
        }
    }

    #[test]
    fn late_writes_refresh_only_what_changed() {
        let mut series = series(&[(0, 1.0, 1.0), (10, 1.0, 1.0)]);
        series.add(5 * MINUTE, 0, 4).unwrap();
        series.refresh();
        assert_eq!(series.sum(TimeRange::new(0, 11 * MINUTE)).valid, 6.0);
        series.add(-300 * MINUTE, 2, 2).unwrap();
        series.refresh();
        let counts = series.sum(TimeRange::new(-400 * MINUTE, 11 * MINUTE));
        assert_eq!((counts.valid, counts.intervals_with_data), (8.0, 4));
    }

    #[test]
    fn judges_slices() {
        // Minutes 0-4: a 5-minute slice 90% good; minutes 5-9: all good.
        let mut series = series(&[(0, 9.0, 10.0), (6, 5.0, 5.0)]);
        let rule = SliceRule::RatioAtLeast(0.95);
        series.prepare_slices(Duration::from_minutes(5), rule);
        let counts = series
            .slices(
                TimeRange::new(0, 10 * MINUTE),
                Duration::from_minutes(5),
                rule,
            )
            .unwrap();
        assert_eq!(
            (counts.good, counts.with_data, counts.total),
            (1.0, 2.0, 2.0)
        );
        assert!((counts.ratio_sum - 1.9).abs() < 1e-6);
    }

    #[test]
    fn slice_totals_across_blocks_match_a_scan() {
        let points: Vec<(i64, f64, f64)> = (0..500)
            .map(|minute| (minute, if minute % 7 == 0 { 5.0 } else { 10.0 }, 10.0))
            .collect();
        let mut series = series(&points);
        let rule = SliceRule::RatioAtLeast(0.9);
        series.prepare_slices(Duration::from_minutes(1), rule);
        for (start, end) in [(0, 500), (64, 200), (13, 77), (499, 500)] {
            let counts = series
                .slices(
                    TimeRange::new(start * MINUTE, end * MINUTE),
                    Duration::from_minutes(1),
                    rule,
                )
                .unwrap();
            let bad = (start..end).filter(|minute| minute % 7 == 0).count() as f64;
            assert_eq!(
                (counts.with_data, counts.bad()),
                ((end - start) as f64, bad),
                "{start}..{end}"
            );
        }
    }

    #[test]
    fn retention_drops_old_cells() {
        let mut series = series(&[(0, 1.0, 1.0), (100, 1.0, 1.0)]);
        series.truncate_before(50 * MINUTE);
        series.refresh();
        let counts = series.sum(TimeRange::new(0, 200 * MINUTE));
        assert_eq!((counts.valid, counts.intervals_with_data), (1.0, 1));
        assert!(series.cell_count() < 51 + BLOCK, "{}", series.cell_count());
    }

    #[test]
    fn a_busy_minute_keeps_every_event() {
        // issue 9.3: with f32 cells, 3 bad of 20,000,003 showed as 4 and +1 writes vanished.
        let mut series = IntervalSeries::new(Duration::from_minutes(1));
        series.add(0, 20_000_000, 20_000_003).unwrap();
        series.refresh();
        let counts = series.sum(TimeRange::new(0, MINUTE));
        assert_eq!((counts.valid, counts.bad()), (20_000_003.0, 3.0));
        for _ in 0..10 {
            series.add(30_000, 1, 1).unwrap();
        }
        series.refresh();
        let counts = series.sum(TimeRange::new(0, MINUTE));
        assert_eq!((counts.good, counts.valid), (20_000_010.0, 20_000_013.0));
    }

    #[test]
    fn the_cell_ceiling_refuses_without_changing_anything() {
        // issue 9.1: counts that add past what a cell holds are refused, never infinite.
        let mut series = IntervalSeries::new(Duration::from_minutes(1));
        series.add(0, 0, MAX_CELL_COUNT).unwrap();
        assert_eq!(series.add(0, 0, 1), Err(CountLimit(MAX_CELL_COUNT)));
        assert!(series.add(0, i64::MAX, 0).is_err());
        series.refresh();
        let exact = series.sum_exact(TimeRange::new(0, MINUTE));
        assert_eq!((exact.good, exact.valid), (0, i128::from(MAX_CELL_COUNT)));
    }

    #[test]
    fn slice_index_refreshed_after_a_late_empty_write_matches_a_fresh_build() {
        // Found by the property test below (minimal case): a late write of zero counts
        // past the range must not change the slices before it.
        let rule = SliceRule::RatioAtLeast(0.8);
        let slice = Duration::from_minutes(5);
        let first = [(1650, 1.0, 1.0), (1888, 0.0, 0.0), (95, 0.0, 0.0)];
        let mut incremental = series(&first);
        incremental.prepare_slices(slice, rule);
        incremental.add(1776 * MINUTE, 0, 0).unwrap();
        incremental.refresh();
        let mut fresh = series(&[first[0], first[1], first[2], (1776, 0.0, 0.0)]);
        fresh.prepare_slices(slice, rule);
        let range = TimeRange::new(0, 1655 * MINUTE);
        assert_eq!(
            incremental.slices(range, slice, rule),
            fresh.slices(range, slice, rule)
        );
    }

    proptest::proptest! {
        #[test]
        fn window_sums_equal_a_brute_force_sum(
            points in proptest::collection::vec(
                (
                    0i64..3_000,
                    proptest::prop_oneof![0u64..1_000, (MAX_CELL_COUNT - 1_000)..=MAX_CELL_COUNT],
                    proptest::prop_oneof![0u64..1_000, (MAX_CELL_COUNT - 1_000)..=MAX_CELL_COUNT],
                ),
                0..120,
            ),
            ranges in proptest::collection::vec((-100i64..3_200, 0i64..3_300), 1..12),
        ) {
            // Window sums over the view equal a brute-force sum of the raw integer counts,
            // including counts near the largest accepted value and windows across blocks.
            let mut series = IntervalSeries::new(Duration::from_minutes(1));
            let mut cells: std::collections::BTreeMap<i64, (i128, i128)> = Default::default();
            for &(minute, good, extra) in &points {
                let valid = good.saturating_add(extra).min(MAX_CELL_COUNT);
                let cell = cells.entry(minute).or_default();
                let accepted = cell.1 + i128::from(valid) <= i128::from(MAX_CELL_COUNT)
                    && cell.0 + i128::from(good) <= i128::from(MAX_CELL_COUNT);
                let result = series.add(minute * MINUTE + 17, good as i64, valid);
                proptest::prop_assert_eq!(result.is_ok(), accepted);
                if accepted {
                    cell.0 += i128::from(good);
                    cell.1 += i128::from(valid);
                }
            }
            series.refresh();
            for (start, length) in ranges {
                let range = TimeRange::new(start * MINUTE, (start + length) * MINUTE);
                let mut expected = (0i128, 0i128, 0u64);
                for (minute, (good, valid)) in cells.range(start..start + length) {
                    let _ = minute;
                    expected.0 += good;
                    expected.1 += valid;
                    expected.2 += 1;
                }
                let exact = series.sum_exact(range);
                proptest::prop_assert_eq!(
                    (exact.good, exact.valid, exact.intervals_with_data),
                    expected
                );
                let counts = series.sum(range);
                proptest::prop_assert_eq!(counts.valid, expected.1 as f64);
                proptest::prop_assert_eq!(counts.good, expected.0 as f64);
            }
        }

        #[test]
        fn slice_indexes_refreshed_after_late_writes_match_a_fresh_build(
            first in proptest::collection::vec((0i64..2_000, 0u32..10, 0u32..3), 1..100),
            later in proptest::collection::vec((0i64..2_000, 0u32..10, 0u32..3), 1..50),
            range in (0i64..2_000, 0i64..2_000),
        ) {
            let rule = SliceRule::RatioAtLeast(0.8);
            let slice = Duration::from_minutes(5);
            let point = |(minute, good, extra): (i64, u32, u32)| (minute, f64::from(good), f64::from(good + extra));
            let mut incremental = series(&first.iter().copied().map(point).collect::<Vec<_>>());
            incremental.prepare_slices(slice, rule);
            for &item in &later {
                let (minute, good, valid) = point(item);
                incremental.add(minute * MINUTE, good as i64, valid as u64).unwrap();
            }
            incremental.refresh();
            let all: Vec<_> = first.iter().chain(&later).copied().map(point).collect();
            let mut fresh = series(&all);
            fresh.prepare_slices(slice, rule);
            let (start, end) = (range.0.min(range.1) * MINUTE, range.0.max(range.1) * MINUTE);
            let range = TimeRange::new(start, end);
            proptest::prop_assert_eq!(incremental.slices(range, slice, rule), fresh.slices(range, slice, rule));
        }

        #[test]
        fn batched_sums_equal_single_sums(
            points in proptest::collection::vec((0i64..5_000, 0u32..100, 0u32..10), 0..200),
            end in 0i64..6_000 * MINUTE,
            lengths in proptest::collection::vec(0i64..6_000 * MINUTE, 1..10),
        ) {
            let points: Vec<(i64, f64, f64)> = points.into_iter().map(|(minute, good, extra)| (minute, f64::from(good), f64::from(good + extra))).collect();
            let series = series(&points);
            let starts: Vec<i64> = lengths.iter().map(|length| end - length).collect();
            let mut batched = vec![Counts::default(); starts.len()];
            series.sums_ending_at(end, &starts, &mut batched);
            for (start, counts) in starts.iter().zip(&batched) {
                proptest::prop_assert_eq!(*counts, series.sum(TimeRange::new(*start, end)));
            }
        }
    }
}
