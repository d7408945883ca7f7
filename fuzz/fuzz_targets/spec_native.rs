//! Spec loading, seeded with native documents (corpus/spec_native).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nines_fuzz::load_spec(data));
