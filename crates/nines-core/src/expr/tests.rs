use serde_json::json;

use super::{Filter, Value};

fn matches(source: &str, event: serde_json::Value) -> bool {
    Filter::parse(source)
        .unwrap_or_else(|e| panic!("{source}: {e}"))
        .matches(&event)
}

#[test]
fn compares_and_combines() {
    let event =
        json!({"route": "/api/checkout", "method": "POST", "status": 503, "duration": 0.25});
    assert!(matches(
        r#"route == "/api/checkout" && method in ["POST", "PUT"]"#,
        event.clone()
    ));
    assert!(!matches("status < 500", event.clone()));
    assert!(matches("status >= 500 || duration > 1", event.clone()));
    assert!(matches("!(status < 500)", event.clone()));
    assert!(matches("duration * 1000 <= 300", event.clone()));
    assert!(matches("status / 100 == 5", event.clone()));
    assert!(matches("status % 100 == 3", event.clone()));
    assert!(matches("'checkout' in route", event.clone()));
    assert!(matches(
        r#"route.startsWith("/api/") && route.endsWith("checkout")"#,
        event.clone()
    ));
    assert!(matches(
        r#"route.matches("^/api/(checkout|cart)$")"#,
        event.clone()
    ));
    assert!(matches(r#"matches(method, "^P")"#, event.clone()));
    assert!(matches(
        "size(route) == 13 && route.size() == 13",
        event.clone()
    ));
    assert!(matches(
        "int('42') == 42 && double(status) == 503.0 && string(status) == '503'",
        event
    ));
}

#[test]
fn reads_nested_attributes() {
    let event =
        json!({"http": {"status": 200, "headers": {"x-canary": "true"}}, "tags": ["a", "b"]});
    assert!(matches(
        r#"http.status == 200 && http.headers["x-canary"] == "true""#,
        event.clone()
    ));
    assert!(matches(r#""a" in tags && size(tags) == 2"#, event.clone()));
    assert!(matches(
        "has(http.status) && !has(http.missing)",
        event.clone()
    ));
    assert!(matches(r#""headers" in http"#, event));
}

#[test]
fn missing_attributes_do_not_match_but_decided_sides_win() {
    let event = json!({"status": 200});
    assert!(!matches("route == '/x'", event.clone()));
    assert!(
        !matches("!(route == '/x')", event.clone()),
        "an error is not negated into a match"
    );
    assert!(matches("route == '/x' || status == 200", event.clone()));
    assert!(!matches("route == '/x' && status == 200", event.clone()));
    assert!(!matches("status == 500 && route == '/x'", event.clone()));
    let filter = Filter::parse("route == '/x'").unwrap();
    assert_eq!(
        filter.evaluate(&event),
        Err("no attribute `route`".to_string())
    );
}

#[test]
fn type_mismatches_are_errors_not_matches() {
    let event = json!({"status": "200"});
    assert!(!matches("status < 500", event.clone()));
    assert!(matches("int(status) < 500", event.clone()));
    assert_eq!(
        Filter::parse("1 + 2").unwrap().evaluate(&event),
        Ok(Value::Int(3))
    );
    assert!(Filter::parse("1 / 0").unwrap().evaluate(&event).is_err());
}

#[test]
fn syntax_errors_point_at_the_problem() {
    let cases = [
        ("status = 500", 7, "use `==`"),
        ("status < 500 &", 13, "use `&&`"),
        ("(status < 500", 13, "to close `(`"),
        ("route == 'abc", 9, "not closed"),
        ("status <", 8, "ends too early"),
        ("route.matches('[')", 13, "invalid regular expression"),
        ("route.frobnicate('x')", 6, "unknown method"),
        ("frob(x)", 0, "unknown function"),
        ("1 < 2 < 3", 6, "cannot be chained"),
        ("", 0, "empty expression"),
        ("a b", 2, "unexpected `b`"),
        ("x # y", 2, "unexpected character `#`"),
        ("99999999999999999999", 0, "too large"),
    ];
    for (source, offset, fragment) in cases {
        let error = Filter::parse(source).expect_err(source);
        assert_eq!(error.offset, offset, "{source}: {error}");
        assert!(error.message.contains(fragment), "{source}: {error}");
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let source = format!("{}true{}", "(".repeat(1_000), ")".repeat(1_000));
    assert!(
        Filter::parse(&source)
            .unwrap_err()
            .message
            .contains("nested too deeply")
    );
    let source = format!("{}true", "!".repeat(1_000));
    assert!(
        Filter::parse(&source)
            .unwrap_err()
            .message
            .contains("nested too deeply")
    );
}

#[test]
fn lists_attributes_read() {
    let filter = Filter::parse("route == 'x' && http.status < 500 || has(user.id)").unwrap();
    assert_eq!(filter.attributes(), vec!["http", "route", "user"]);
}

proptest::proptest! {
    #[test]
    fn parsing_never_panics(source in "\\PC{0,64}") {
        if let Ok(filter) = Filter::parse(&source) {
            let _ = filter.matches(&json!({"a": 1, "b": "x", "c": [1, 2], "d": {"e": null}}));
        }
    }

    #[test]
    fn parsing_never_panics_on_expression_like_input(
        source in "[a-c0-9 ()\\[\\]!&|=<>\"'.,+*/%-]{0,40}"
    ) {
        if let Ok(filter) = Filter::parse(&source) {
            let _ = filter.matches(&json!({"a": 1, "b": "x", "c": [1, 2]}));
        }
    }
}

/// Runs `work` on a thread with a small stack, so that a stack overflow shows as a failed
/// test instead of aborting the test binary.
fn on_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(work)
        .expect("spawn")
        .join()
        .expect("the parser or evaluator overflowed its stack")
}

// issue 9.4: deep nesting is refused with a clear error, never a stack overflow.
#[test]
fn refuses_deep_parentheses() {
    let source = format!("{}status{}", "(".repeat(5_000), ")".repeat(5_000));
    let error = on_small_stack(move || Filter::parse(&source).map(|_| ()).unwrap_err());
    assert!(error.to_string().contains("nested too deeply"), "{error}");
}

// issue 9.4: a long chain of operators builds a deep tree: it is bounded too, so evaluating
// and dropping it cannot overflow the stack.
#[test]
fn refuses_long_operator_chains() {
    for operator in ["+", "||", "&&", "*"] {
        let source = vec!["s"; 5_000].join(operator);
        let error = on_small_stack(move || {
            Filter::parse(&source)
                .map(|filter| filter.matches(&json!({"s": 1})))
                .unwrap_err()
        });
        assert!(error.to_string().contains("too"), "{operator}: {error}");
    }
    let negations = format!("{}status", "!".repeat(5_000));
    let error = on_small_stack(move || Filter::parse(&negations).map(|_| ()).unwrap_err());
    assert!(error.to_string().contains("nested too deeply"), "{error}");
    // A long but reasonable chain is fine.
    let fine = vec!["status == 1"; 50].join(" || ");
    assert!(Filter::parse(&fine).is_ok());
}
