//! Chunks: the unit the store writes to disk, 64 consecutive intervals of one series.
//!
//! A chunk holds, per interval, the good and valid counts as `f64` (the disk is the
//! source of truth, so it keeps full precision) and a bit saying the interval had data:
//! 64 × 16 + 8 = 1,032 bytes. Thirty days of one-minute intervals are 675 chunks.

/// Intervals per chunk.
pub const CHUNK: usize = 64;
/// Encoded size of a chunk.
pub const ENCODED: usize = CHUNK * 16 + 8;

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
#[error("a stored chunk has {0} bytes, expected {ENCODED}: the data file is corrupt")]
pub struct CorruptChunk(pub usize);

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
    /// Little-endian bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(ENCODED);
        for value in self.good.iter().chain(self.valid.iter()) {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes.extend_from_slice(&self.present.to_le_bytes());
        bytes
    }
    /// Reads [`Chunk::encode`]'s bytes.
    pub fn decode(bytes: &[u8]) -> Result<Chunk, CorruptChunk> {
        if bytes.len() != ENCODED {
            return Err(CorruptChunk(bytes.len()));
        }
        let mut chunk = Chunk::default();
        let value = |index: usize| {
            f64::from_le_bytes(bytes[index * 8..index * 8 + 8].try_into().unwrap_or([0; 8]))
        };
        for index in 0..CHUNK {
            chunk.good[index] = value(index);
            chunk.valid[index] = value(CHUNK + index);
        }
        chunk.present = u64::from_le_bytes(bytes[CHUNK * 16..].try_into().unwrap_or([0; 8]));
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
}
