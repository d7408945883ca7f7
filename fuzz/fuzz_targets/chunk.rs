//! Chunks as read back from the store's file: decoding never panics, and a decoded chunk
//! survives being written again (encode, decode) unchanged, so nothing read from disk is
//! silently altered by the next write to its chunk.
#![no_main]

use nines_store::chunk::Chunk;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(chunk) = Chunk::decode(data) {
        let _ = chunk.cells().count();
        let encoded = chunk.encode();
        match Chunk::decode(&encoded) {
            Ok(again) => assert_eq!(again, chunk, "a chunk changes when written again"),
            Err(problem) => panic!("a decoded chunk, encoded again, does not decode: {problem}"),
        }
    }
});
