//! The event filter language: parse, then evaluate against an event.
//! Input: `EXPRESSION` or `EXPRESSION \0 EVENT-JSON`.
#![no_main]

use nines_core::expr::Filter;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (source, event) = text.split_once('\0').unwrap_or((text, ""));
    let Ok(filter) = Filter::parse(source) else {
        return;
    };
    let event = serde_json::from_str(event).unwrap_or_else(|_| {
        serde_json::json!({
            "route": "/checkout", "method": "POST", "status": 503, "duration_seconds": 0.25,
            "path": "/health/live", "user_agent": "Mozilla/5.0",
            "attributes": {"x-canary": "true"}, "tags": ["a", "b"], "nothing": null
        })
    });
    let _ = filter.evaluate(&event);
    let _ = filter.matches(&event);
    let _ = filter.attributes();
});
