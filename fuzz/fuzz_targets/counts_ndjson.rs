//! Counts as NDJSON or a JSON array: the counts-file reader and the store's
//! `POST /v1/counts` ingest, against a small fixed catalog.
#![no_main]

use std::sync::OnceLock;

use nines_counts::SeriesNames;
use nines_store::ingest::counts::parse_counts;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static NAMES: OnceLock<SeriesNames> = OnceLock::new();
    let names = NAMES.get_or_init(|| SeriesNames::new(nines_fuzz::catalog()));
    if let Ok(deltas) = parse_counts(data, names, &nines_fuzz::window()) {
        for delta in deltas {
            assert!(
                i128::from(delta.good) <= i128::from(delta.valid),
                "accepted good > valid: {delta:?}"
            );
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parse in [nines_counts::parse_ndjson, nines_counts::parse] {
        if let Ok(rows) = parse("fuzz.ndjson", text, names) {
            for row in rows {
                assert!(
                    row.good <= row.valid,
                    "accepted a row with good > valid: {row:?}"
                );
            }
        }
    }
});
