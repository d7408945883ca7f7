//! PromQL as specs carry it: the check `nines validate` runs, the selector reader remote
//! write compiles its rules from, and the quoting generated rules use.
#![no_main]

use nines_spec::promql;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let _ = promql::check(query);
    let _ = promql::has_window_placeholder(query);
    if let Some(selector) = promql::selector(query) {
        let _ = selector.equal_value("job");
    }
    let _ = promql::same_bucket(query, 0.3);
    // A label value quoted for a generated rule reads back as the same value.
    let quoted = format!("metric{{label={}}}", promql::quote(query));
    if let Some(selector) = promql::selector(&quoted) {
        assert_eq!(
            selector.equal_value("label"),
            Some(query),
            "the label value {query:?} quoted as {quoted:?} reads back differently"
        );
    }
});
