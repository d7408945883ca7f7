//! Counts files as CSV (`nines import`, `report --counts`), against a small fixed catalog.
#![no_main]

use std::sync::OnceLock;

use nines_counts::SeriesNames;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static NAMES: OnceLock<SeriesNames> = OnceLock::new();
    let names = NAMES.get_or_init(|| SeriesNames::new(nines_fuzz::catalog()));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parse in [nines_counts::parse_csv, nines_counts::parse] {
        if let Ok(rows) = parse("fuzz.csv", text, names) {
            for row in rows {
                assert!(
                    row.good <= row.valid,
                    "accepted a row with good > valid: {row:?}"
                );
            }
        }
    }
});
