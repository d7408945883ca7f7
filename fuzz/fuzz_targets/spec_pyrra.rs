//! Spec loading, seeded with pyrra documents (corpus/spec_pyrra).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nines_fuzz::load_spec(data));
