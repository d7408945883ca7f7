//! Spec loading, seeded with sloth documents (corpus/spec_sloth).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nines_fuzz::load_spec(data));
