//! Chunks: the unit the store writes to disk, 64 consecutive intervals of one series.
//!
//! A chunk holds, per interval, the good and valid counts as whole numbers (the disk is the
//! source of truth, exact at any volume up to [`MAX_CELL_COUNT`] per interval) and a
//! bit saying the interval had data. Encoded (version 2), it is a version byte, the 64-bit
//! presence mask, then for each interval with data its good count as a zigzag LEB128 varint
//! (good is signed: remote write subtracts bad events that may arrive before the valid
//! ones of the same interval) and its valid count as a LEB128 varint. A busy minute costs
//! 4 to 6 bytes. Thirty days of one-minute intervals are 675 chunks.
//!
//! Version 1, written before counts were integers, stored `f64`s (a whole number below
//! 2^53 as the varint of `count << 1`, anything else as the byte `1` and eight bytes). It
//! is still read: whole values exactly, fractional ones rounded to the nearest whole number
//! (counted, so the store can say so); a value that is not finite or beyond the interval
//! ceiling makes the chunk unreadable. Chunks are always written as version 2.

use nines_core::source::{CountLimit, MAX_CELL_COUNT, add_to_cell};

/// Intervals per chunk.
pub const CHUNK: usize = 64;
/// The encoding written today.
const VERSION: u8 = 2;
/// The `f64` encoding of stores written before counts were integers.
const VERSION_FLOAT: u8 = 1;
/// Largest whole number version 1 stored as a varint.
const WHOLE_LIMIT: f64 = 9_007_199_254_740_992.0;

/// One chunk, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Good events per interval (negative only while bad events wait for their valid ones).
    pub good: [i64; CHUNK],
    /// Valid events per interval.
    pub valid: [u64; CHUNK],
    /// Bit `i`: interval `i` had data.
    pub present: u64,
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            good: [0; CHUNK],
            valid: [0; CHUNK],
            present: 0,
        }
    }
}

/// Why bytes are not a chunk.
#[derive(Debug, thiserror::Error)]
#[error("a stored chunk does not decode ({0}): the data file is corrupt")]
pub struct CorruptChunk(pub &'static str);

fn put(bytes: &mut Vec<u8>, mut rest: u64) {
    loop {
        let byte = (rest & 0x7f) as u8;
        rest >>= 7;
        if rest == 0 {
            bytes.push(byte);
            return;
        }
        bytes.push(byte | 0x80);
    }
}

fn take_varint(bytes: &[u8], position: &mut usize) -> Result<u64, CorruptChunk> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *bytes
            .get(*position)
            .ok_or(CorruptChunk("truncated varint"))?;
        *position += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(CorruptChunk("varint too long"))
}

/// A version-1 value: `f64`, either a shifted varint or the byte 1 and eight bytes.
fn take_float(bytes: &[u8], position: &mut usize) -> Result<f64, CorruptChunk> {
    let first = *bytes.get(*position).ok_or(CorruptChunk("truncated"))?;
    if first == 1 {
        let raw = bytes
            .get(*position + 1..*position + 9)
            .ok_or(CorruptChunk("truncated float"))?;
        *position += 9;
        let value = f64::from_le_bytes(raw.try_into().map_err(|_| CorruptChunk("float"))?);
        return if value.is_finite() {
            Ok(value)
        } else {
            Err(CorruptChunk("not finite"))
        };
    }
    Ok((take_varint(bytes, position)? >> 1) as f64)
}

/// A version-1 value as a whole count within the interval ceiling; `rounded` counts the
/// fractional ones.
fn whole(value: f64, rounded: &mut usize) -> Result<i64, CorruptChunk> {
    let whole = value.round();
    if whole.abs() > MAX_CELL_COUNT as f64 {
        return Err(CorruptChunk("a count beyond the interval ceiling"));
    }
    if whole != value {
        *rounded += 1;
    }
    Ok(whole as i64)
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

impl Chunk {
    /// Adds counts to interval `offset` (below [`CHUNK`]); refused, and the chunk left as
    /// it was, when the interval would pass `ceiling` (at most [`MAX_CELL_COUNT`]).
    pub fn add(
        &mut self,
        offset: usize,
        good: i64,
        valid: u64,
        ceiling: u64,
    ) -> Result<(), CountLimit> {
        let (new_good, new_valid) = add_to_cell(
            (self.good[offset], self.valid[offset]),
            (good, valid),
            ceiling.min(MAX_CELL_COUNT),
        )?;
        self.good[offset] = new_good;
        self.valid[offset] = new_valid;
        self.present |= 1 << offset;
        Ok(())
    }
    /// True when no interval has data.
    pub fn is_empty(&self) -> bool {
        self.present == 0
    }
    /// The compact encoding described in the module documentation (version 2).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(9 + self.present.count_ones() as usize * 6);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.present.to_le_bytes());
        for (_, good, valid) in self.cells() {
            put(&mut bytes, zigzag(good));
            put(&mut bytes, valid);
        }
        bytes
    }
    /// Reads [`Chunk::encode`]'s bytes, or version 1's; anything else is an error, never a
    /// panic.
    pub fn decode(bytes: &[u8]) -> Result<Chunk, CorruptChunk> {
        Chunk::decode_counting(bytes).map(|(chunk, _)| chunk)
    }
    /// [`Chunk::decode`], with the number of version-1 values that were fractional and
    /// were rounded to whole numbers.
    pub fn decode_counting(bytes: &[u8]) -> Result<(Chunk, usize), CorruptChunk> {
        let version = *bytes.first().ok_or(CorruptChunk("empty"))?;
        if version != VERSION && version != VERSION_FLOAT {
            return Err(CorruptChunk("unknown version"));
        }
        let mask = bytes.get(1..9).ok_or(CorruptChunk("truncated mask"))?;
        let mut chunk = Chunk {
            present: u64::from_le_bytes(mask.try_into().map_err(|_| CorruptChunk("mask"))?),
            ..Chunk::default()
        };
        let mut position = 9;
        let mut rounded = 0;
        for offset in 0..CHUNK {
            if chunk.present >> offset & 1 == 0 {
                continue;
            }
            let (good, valid) = if version == VERSION {
                let good = unzigzag(take_varint(bytes, &mut position)?);
                let valid = take_varint(bytes, &mut position)?;
                (good, i64::try_from(valid).unwrap_or(i64::MAX))
            } else {
                let good = whole(take_float(bytes, &mut position)?, &mut rounded)?;
                let valid = whole(take_float(bytes, &mut position)?, &mut rounded)?;
                (good, valid)
            };
            if good.unsigned_abs() > MAX_CELL_COUNT || !(0..=MAX_CELL_COUNT as i64).contains(&valid)
            {
                return Err(CorruptChunk("a count beyond the interval ceiling"));
            }
            chunk.good[offset] = good;
            chunk.valid[offset] = valid as u64;
        }
        if position != bytes.len() {
            return Err(CorruptChunk("trailing bytes"));
        }
        Ok((chunk, rounded))
    }
    /// The intervals with data: (offset, good, valid).
    pub fn cells(&self) -> impl Iterator<Item = (usize, i64, u64)> + '_ {
        (0..CHUNK)
            .filter(|offset| self.present >> offset & 1 == 1)
            .map(|offset| (offset, self.good[offset], self.valid[offset]))
    }
}

/// Version-1 bytes, as stores written before counts were integers hold them (for tests of
/// the upgrade path).
#[doc(hidden)]
pub fn encode_float_version(cells: &[(usize, f64, f64)]) -> Vec<u8> {
    let mut present = 0u64;
    for (offset, _, _) in cells {
        present |= 1 << offset;
    }
    let mut sorted = cells.to_vec();
    sorted.sort_by_key(|cell| cell.0);
    let mut bytes = vec![VERSION_FLOAT];
    bytes.extend_from_slice(&present.to_le_bytes());
    let put_float = |bytes: &mut Vec<u8>, value: f64| {
        if (0.0..WHOLE_LIMIT).contains(&value) && value.fract() == 0.0 {
            put(bytes, (value as u64) << 1);
        } else {
            bytes.push(1);
            bytes.extend_from_slice(&value.to_le_bytes());
        }
    };
    for (_, good, valid) in sorted {
        put_float(&mut bytes, good);
        put_float(&mut bytes, valid);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut chunk = Chunk::default();
        chunk.add(0, 1, 2, MAX_CELL_COUNT).unwrap();
        chunk.add(63, -5, 7, MAX_CELL_COUNT).unwrap();
        chunk.add(63, 6, 1, MAX_CELL_COUNT).unwrap();
        let decoded = Chunk::decode(&chunk.encode()).unwrap();
        assert_eq!(decoded, chunk);
        assert_eq!(
            decoded.cells().collect::<Vec<_>>(),
            vec![(0, 1, 2), (63, 1, 8)]
        );
        assert!(Chunk::decode(&[0; 10]).is_err());
    }

    #[test]
    fn whole_counts_are_small() {
        let mut chunk = Chunk::default();
        for offset in 0..CHUNK {
            chunk.add(offset, 990, 1000, MAX_CELL_COUNT).unwrap();
        }
        assert_eq!(chunk.encode().len(), 9 + CHUNK * 4);
    }

    #[test]
    fn the_interval_ceiling_refuses_and_changes_nothing() {
        // issue 9.1: two accepted rows of 1.7e308 added up to infinity and bricked the chunk.
        let mut chunk = Chunk::default();
        let ceiling = nines_core::source::MAX_INTERVAL_COUNT;
        chunk.add(5, 0, ceiling, ceiling).unwrap();
        let before = chunk.clone();
        assert!(chunk.add(5, 0, 1, ceiling).is_err());
        assert!(chunk.add(5, i64::MAX, 0, u64::MAX).is_err());
        assert_eq!(chunk, before);
        assert_eq!(Chunk::decode(&chunk.encode()).unwrap(), chunk);
    }

    #[test]
    fn reads_the_float_version_of_older_stores() {
        // issue 9.3: stores written with f64 chunks still open.
        let bytes = encode_float_version(&[(0, 9.0, 10.0), (7, -3.0, 0.0), (9, 2.5, 3.0)]);
        let (chunk, rounded) = Chunk::decode_counting(&bytes).unwrap();
        assert_eq!(
            chunk.cells().collect::<Vec<_>>(),
            vec![(0, 9, 10), (7, -3, 0), (9, 3, 3)]
        );
        assert_eq!(rounded, 1);
        let infinite = encode_float_version(&[(0, f64::INFINITY, f64::INFINITY)]);
        assert!(Chunk::decode(&infinite).is_err());
        let huge = encode_float_version(&[(0, 0.0, 1.7e308)]);
        assert!(Chunk::decode(&huge).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_chunk_round_trips(cells in proptest::collection::vec((0usize..CHUNK, -1_000_000_000_000i64..1_000_000_000_000, 0u64..=1_000_000_000_000), 0..80)) {
            let mut chunk = Chunk::default();
            for (offset, good, valid) in cells {
                let _ = chunk.add(offset, good, valid, MAX_CELL_COUNT);
            }
            proptest::prop_assert_eq!(Chunk::decode(&chunk.encode()).unwrap(), chunk);
        }

        #[test]
        fn no_bytes_make_decoding_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = Chunk::decode(&bytes);
        }
    }
}
