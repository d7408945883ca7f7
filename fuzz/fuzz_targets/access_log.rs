//! Access logs for `nines import`: combined-log lines and CSV event files, each event
//! counted against a small fixed catalog.
//! Input: a mode byte, then the file. Mode bit 0 picks CSV (1) or combined log (0);
//! bits 1-2 pick the request-time unit.
#![no_main]

use std::sync::OnceLock;

use nines_store::ingest::events::{EventCounter, EventRules};
use nines_store::ingest::logs::{CsvEvents, RequestTimeUnit, parse_combined};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static RULES: OnceLock<EventRules> = OnceLock::new();
    let rules = RULES.get_or_init(|| EventRules::new(nines_fuzz::catalog()));
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let mut counter = EventCounter::new(rules, nines_fuzz::window());
    if mode & 1 == 1 {
        let Ok(events) = CsvEvents::new(rest) else {
            return;
        };
        for (line, event) in events {
            if let Ok(event) = event {
                let _ = counter.add(line, &event);
            }
        }
    } else {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let unit = match mode >> 1 & 3 {
            0 => RequestTimeUnit::Seconds,
            1 => RequestTimeUnit::Milliseconds,
            _ => RequestTimeUnit::Microseconds,
        };
        for (index, line) in text.lines().enumerate() {
            if let Ok((at, event)) = parse_combined(line, unit) {
                let _ = counter.add_at(index + 1, &event, at);
            }
        }
    }
    let (deltas, _summary) = counter.finish();
    for delta in deltas {
        assert!(i128::from(delta.good) <= i128::from(delta.valid), "counted good > valid: {delta:?}");
    }
});
