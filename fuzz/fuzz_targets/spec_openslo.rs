//! Spec loading, seeded with openslo documents (corpus/spec_openslo).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nines_fuzz::load_spec(data));
