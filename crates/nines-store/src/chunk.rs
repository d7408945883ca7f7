//! Chunks: the unit the store writes to disk, 64 consecutive intervals of one series.
//!
//! A chunk holds, per interval, the good and valid counts (full `f64` precision: the disk
//! is the source of truth) and a bit saying the interval had data. Encoded, it is a
//! version byte, the 64-bit presence mask, then for each interval with data its good and
//! valid counts: a whole count below 2^53 as a LEB128 varint of `count << 1`, anything
//! else as the byte `1` and the eight bytes of the `f64`. Counts are almost always whole,
//! so a busy minute costs 4 to 6 bytes instead of 16. Thirty days of one-minute intervals
//! are 675 chunks.

/// Intervals per chunk.
pub const CHUNK: usize = 64;
/// The encoding's version byte.
const VERSION: u8 = 1;
/// Largest whole number stored as a varint.
const WHOLE_LIMIT: f64 = 9_007_199_254_740_992.0;

/// One chunk, decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    /// Good events per interval.
    pub good: [f64; CHUNK],
    /// Valid events per interval.
    pub valid: [f64; CHUNK],
    /// Bit `i`: interval `i` had data.
    pub present: u64,
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            good: [0.0; CHUNK],
            valid: [0.0; CHUNK],
            present: 0,
        }
    }
}

/// Why bytes are not a chunk.
#[derive(Debug, thiserror::Error)]
#[error("a stored chunk does not decode ({0}): the data file is corrupt")]
pub struct CorruptChunk(pub &'static str);

fn put(bytes: &mut Vec<u8>, value: f64) {
    if (0.0..WHOLE_LIMIT).contains(&value) && value.fract() == 0.0 {
        let mut rest = (value as u64) << 1;
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
    bytes.push(1);
    bytes.extend_from_slice(&value.to_le_bytes());
}

fn take(bytes: &[u8], position: &mut usize) -> Result<f64, CorruptChunk> {
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
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *bytes
            .get(*position)
            .ok_or(CorruptChunk("truncated varint"))?;
        *position += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value >> 1) as f64);
        }
    }
    Err(CorruptChunk("varint too long"))
}

impl Chunk {
    /// Adds counts to interval `offset` (below [`CHUNK`]).
    pub fn add(&mut self, offset: usize, good: f64, valid: f64) {
        self.good[offset] += good;
        self.valid[offset] += valid;
        self.present |= 1 << offset;
    }
    /// True when no interval has data.
    pub fn is_empty(&self) -> bool {
        self.present == 0
    }
    /// The compact encoding described in the module documentation.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(9 + self.present.count_ones() as usize * 6);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.present.to_le_bytes());
        for (_, good, valid) in self.cells() {
            put(&mut bytes, good);
            put(&mut bytes, valid);
        }
        bytes
    }
    /// Reads [`Chunk::encode`]'s bytes; anything else is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Chunk, CorruptChunk> {
        if bytes.first() != Some(&VERSION) {
            return Err(CorruptChunk("unknown version"));
        }
        let mask = bytes.get(1..9).ok_or(CorruptChunk("truncated mask"))?;
        let mut chunk = Chunk {
            present: u64::from_le_bytes(mask.try_into().map_err(|_| CorruptChunk("mask"))?),
            ..Chunk::default()
        };
        let mut position = 9;
        for offset in 0..CHUNK {
            if chunk.present >> offset & 1 == 1 {
                chunk.good[offset] = take(bytes, &mut position)?;
                chunk.valid[offset] = take(bytes, &mut position)?;
            }
        }
        if position != bytes.len() {
            return Err(CorruptChunk("trailing bytes"));
        }
        Ok(chunk)
    }
    /// The intervals with data: (offset, good, valid).
    pub fn cells(&self) -> impl Iterator<Item = (usize, f64, f64)> + '_ {
        (0..CHUNK)
            .filter(|offset| self.present >> offset & 1 == 1)
            .map(|offset| (offset, self.good[offset], self.valid[offset]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut chunk = Chunk::default();
        chunk.add(0, 1.0, 2.0);
        chunk.add(63, 0.5, 7.25);
        chunk.add(63, 1.0, 1.0);
        let decoded = Chunk::decode(&chunk.encode()).unwrap();
        assert_eq!(decoded, chunk);
        assert_eq!(
            decoded.cells().collect::<Vec<_>>(),
            vec![(0, 1.0, 2.0), (63, 1.5, 8.25)]
        );
        assert!(Chunk::decode(&[0; 10]).is_err());
    }

    #[test]
    fn whole_counts_are_small_and_odd_values_exact() {
        let mut chunk = Chunk::default();
        for offset in 0..CHUNK {
            chunk.add(offset, 990.0, 1000.0);
        }
        assert_eq!(chunk.encode().len(), 9 + CHUNK * 4);
        let mut odd = Chunk::default();
        odd.add(3, -2.0, 0.1);
        odd.add(9, 1e300, WHOLE_LIMIT);
        assert_eq!(Chunk::decode(&odd.encode()).unwrap(), odd);
    }

    proptest::proptest! {
        #[test]
        fn any_chunk_round_trips(cells in proptest::collection::vec((0usize..CHUNK, -1e6f64..1e12, 0u64..u64::MAX), 0..80)) {
            let mut chunk = Chunk::default();
            for (offset, good, valid) in cells {
                chunk.add(offset, good.round(), (valid >> 12) as f64);
            }
            proptest::prop_assert_eq!(Chunk::decode(&chunk.encode()).unwrap(), chunk);
        }

        #[test]
        fn no_bytes_make_decoding_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = Chunk::decode(&bytes);
        }
    }
}
