//! Raw events (NDJSON lines or a JSON array) against a small fixed catalog, as
//! `POST /v1/events` and `nines import` read them.
#![no_main]

use std::sync::OnceLock;

use nines_store::ingest::events::{EventRules, parse_events};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static RULES: OnceLock<EventRules> = OnceLock::new();
    let rules = RULES.get_or_init(|| EventRules::new(nines_fuzz::catalog()));
    if let Ok((deltas, _summary)) = parse_events(data, rules, &nines_fuzz::window()) {
        for delta in deltas {
            assert!(
                i128::from(delta.good) <= i128::from(delta.valid),
                "events counted to an impossible delta {delta:?}"
            );
        }
    }
});
