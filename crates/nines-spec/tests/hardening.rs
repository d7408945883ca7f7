#![allow(clippy::print_stderr)] // the measured times are printed for the record (`--nocapture`)
//! Hostile specs (issue 9): deep nesting and huge values are refused with a clear error at
//! their `file:line:column`, quickly, and never crash the validator.

use std::time::{Duration, Instant};

use nines_spec::{Source, load_sources, validate_loaded};

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 29)
}

/// Validates `text` on a thread with a small stack (a server's worker has 2 MiB), so that
/// a stack overflow shows as a failed test rather than aborting the test binary. Returns
/// the diagnostics as `line:column rule message` lines and how long validation took.
fn validate_on_small_stack(text: String) -> (Vec<String>, Duration) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let started = Instant::now();
            let loaded = load_sources(&[Source {
                name: "hostile.yaml".into(),
                text,
            }]);
            let validation = validate_loaded(loaded, today());
            let elapsed = started.elapsed();
            let lines = validation
                .errors()
                .map(|diagnostic| {
                    format!(
                        "{}:{} {} {}",
                        diagnostic.location.line,
                        diagnostic.location.column,
                        diagnostic.rule,
                        diagnostic.message
                    )
                })
                .collect();
            (lines, elapsed)
        })
        .expect("spawn")
        .join()
        .expect("validation overflowed its stack or panicked")
}

fn sloth_with_query(query: &str) -> String {
    format!(
        r#"version: "prometheus/v1"
service: "deep"
slos:
  - name: "a"
    objective: 99.9
    sli:
      raw:
        error_ratio_query: {query}
    alerting:
      page_alert: {{disable: true}}
      ticket_alert: {{disable: true}}
"#
    )
}

// issue 9.4: `sum(` 6,000 deep (31 KB) passed validate (and crashed the server on reload);
// 20,000 deep aborted validate; 8,000 deep took 4.4 s (quadratic).
#[test]
fn deep_promql_is_refused_at_its_position() {
    for depth in [6_000, 8_000, 20_000] {
        let query = format!(
            "{}rate(x[{{{{.window}}}}]){}",
            "sum(".repeat(depth),
            ")".repeat(depth)
        );
        let (errors, elapsed) = validate_on_small_stack(sloth_with_query(&query));
        eprintln!("sum( {depth} deep: refused in {elapsed:?}");
        assert!(
            errors
                .iter()
                .any(|error| (error.starts_with("8:28 invalid-query")
                    && error.contains("nests brackets"))
                    || (error.starts_with("8:28 yaml-syntax") && error.contains("bytes"))),
            "{depth}: {errors:?}"
        );
        // Generous bound: the refusal is a linear scan.
        assert!(elapsed < Duration::from_secs(10), "{depth}: {elapsed:?}");
    }
}

// issue 9.4: a long chain of operators nests the parsed tree as deeply as brackets do.
#[test]
fn long_promql_operator_chains_are_refused() {
    let query = vec!["rate(x[{{.window}}])"; 1_000].join(" + ");
    let (errors, elapsed) = validate_on_small_stack(sloth_with_query(&query));
    eprintln!("1,000 operators: refused in {elapsed:?}");
    assert!(
        errors
            .iter()
            .any(|error| error.starts_with("8:28 invalid-query") && error.contains("operators")),
        "{errors:?}"
    );
}

// issue 9.4: the filter language has its own limits, reported at the filter.
#[test]
fn deep_filters_are_refused_at_their_position() {
    let filter = format!("{}status < 500{}", "(".repeat(6_000), ")".repeat(6_000));
    let spec = format!(
        "apiVersion: nines/v1\nkind: Service\nname: deep\nslos:\n  - name: a\n    window: 28d\n    target: 99%\n    sli:\n      events:\n        good: \"{filter}\"\n"
    );
    let (errors, _) = validate_on_small_stack(spec);
    assert!(
        errors.iter().any(|error| error.starts_with("10:")
            && error.contains("invalid-filter")
            && error.contains("nested too deeply")),
        "{errors:?}"
    );
}

// issue 9.4: YAML nesting is bounded too (flow and block style).
#[test]
fn deep_yaml_is_refused_at_its_position() {
    let flow = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let (errors, _) = validate_on_small_stack(flow);
    assert!(
        errors.iter().any(|error| error.contains("yaml-syntax")),
        "{errors:?}"
    );
    let mut block = String::new();
    for level in 0..3_000 {
        block.push_str(&" ".repeat(level));
        block.push_str("a:\n");
    }
    let (errors, _) = validate_on_small_stack(block);
    assert!(
        errors
            .iter()
            .any(|error| error.contains("yaml-syntax") && error.contains("deep")),
        "{errors:?}"
    );
}

// issue 9.9: a 5 MB `zone:` value took 169 s to validate (the "did you mean" search ran
// over every character against every zone name). It is answered quickly and clearly.
#[test]
fn huge_values_are_answered_quickly() {
    let zone = "x".repeat(5 * 1024 * 1024);
    let spec = format!(
        "apiVersion: nines/v1\nkind: Service\nname: big\nzone: {zone}\nslos:\n  - name: a\n    window: 28d\n    target: 99%\n    sli:\n      events:\n        good: \"status < 500\"\n"
    );
    let (errors, elapsed) = validate_on_small_stack(spec);
    eprintln!("5 MiB zone value: answered in {elapsed:?}");
    assert!(
        errors.iter().any(|error| error.starts_with("4:7 ")),
        "{:?}",
        errors
            .iter()
            .map(|error| &error[..error.len().min(200)])
            .collect::<Vec<_>>()
    );
    // The message does not echo five megabytes back.
    assert!(errors.iter().all(|error| error.len() < 1_000));
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");

    // A long unknown key: no quadratic "did you mean" search either.
    let key = "y".repeat(1024 * 1024);
    let spec = format!("apiVersion: nines/v1\nkind: Service\nname: big\n{key}: 1\n");
    let (errors, elapsed) = validate_on_small_stack(spec);
    eprintln!("1 MiB unknown key: answered in {elapsed:?}");
    assert!(
        errors.iter().any(|error| error.starts_with("4:")),
        "{:?}",
        errors
            .iter()
            .map(|error| &error[..error.len().min(200)])
            .collect::<Vec<_>>()
    );
    assert!(errors.iter().all(|error| error.len() < 1_000));
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}
