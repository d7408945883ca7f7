//! Prometheus remote write: snappy (block format), then protobuf, then counters turned
//! into a batch against a small fixed catalog.
//! Input: a mode byte, then the body. An even mode byte sends the rest as is (fuzzing the
//! snappy decoder); an odd one compresses it first, so that the fuzzer reaches the
//! protobuf decoder and the counter logic directly.
#![no_main]

use std::sync::OnceLock;

use nines_store::ingest::remote_write::{RemoteWriteRules, decode, oldest_accepted, to_batch};
use nines_store::store::WriterState;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static RULES: OnceLock<RemoteWriteRules> = OnceLock::new();
    let rules = RULES.get_or_init(|| RemoteWriteRules::new(nines_fuzz::catalog()));
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let compressed;
    let body = if mode & 1 == 0 {
        rest
    } else {
        let Ok(bytes) = snap::raw::Encoder::new().compress_vec(rest) else {
            return;
        };
        compressed = bytes;
        &compressed
    };
    let Ok(request) = decode(body) else {
        return;
    };
    let state = WriterState::default();
    let oldest = oldest_accepted(nines_fuzz::NOW, nines_core::Duration::from_days(66));
    let newest = nines_fuzz::NOW + 5 * 60_000;
    let _ = to_batch(
        &request,
        rules,
        &state,
        oldest,
        newest,
        nines_core::Duration::from_minutes(1),
    );
});
