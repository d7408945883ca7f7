//! PromQL as it appears in specs: checked with a real PromQL parser, not by eye.

use std::sync::LazyLock;

use regex::Regex;

/// Sloth's window placeholder, with the spacing Go templates allow: `{{.window}}`,
/// `{{ .window }}`.
static WINDOW_PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*\.window\s*\}\}").expect("static regex"));

/// True when `query` contains the `{{.window}}` placeholder.
pub fn has_window_placeholder(query: &str) -> bool {
    WINDOW_PLACEHOLDER.is_match(query)
}

/// Replaces the window placeholder with a concrete range such as `5m`.
pub fn render_window(query: &str, window: &str) -> String {
    WINDOW_PLACEHOLDER.replace_all(query, window).into_owned()
}

/// Deepest bracket nesting (`(`, `[`, `{`) accepted in a query. The PromQL parser recurses
/// (and slows down quadratically) with nesting, so hostile input could overflow the stack;
/// real SLI queries nest a handful of levels, 64 leaves ample room.
pub const MAX_NESTING: usize = 64;

/// Most binary operators accepted in one query: each one nests the parsed tree one level
/// deeper (`a + b + c` is two deep), which the parser walks recursively. Real queries use a
/// few; 256 is generous.
pub const MAX_OPERATORS: usize = 256;

/// Longest query accepted, in bytes: SLI queries are a few hundred bytes, 64 KiB leaves room
/// for generated ones and keeps parsing time bounded.
pub const MAX_LENGTH: usize = 64 * 1024;

/// Longest duration accepted in a range, subquery or `offset`, in seconds (about 317
/// years). The PromQL parser turns a plain number there into a `Duration` in a way that
/// panics on a huge, infinite or NaN value (`x[0:1e300]`, found by fuzzing), so such
/// numbers are refused before it sees them.
pub const MAX_DURATION_SECONDS: f64 = 1e10;

/// Checks, in one linear pass and before the query reaches the (recursive) PromQL parser,
/// that its length, bracket nesting and number of binary operators are within bounds, and
/// that numbers written as durations are finite and at most [`MAX_DURATION_SECONDS`].
/// String literals and comments are skipped.
pub fn check_bounds(query: &str) -> Result<(), String> {
    check_nesting(query)?;
    check_durations(query)
}

/// The value of a number token as the PromQL parser reads it (decimal, exponent, `Inf`,
/// `NaN`, hexadecimal); `None` for other tokens (`5m`, names).
fn number_value(token: &str) -> Option<f64> {
    if let Some(hex) = token
        .strip_prefix("0x")
        .or_else(|| token.strip_prefix("0X"))
    {
        if hex.is_empty() || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        let digits = hex.trim_start_matches('0');
        return Some(if digits.len() > 16 {
            f64::INFINITY
        } else {
            u64::from_str_radix(if digits.is_empty() { "0" } else { digits }, 16)
                .map_or(f64::INFINITY, |value| value as f64)
        });
    }
    token.parse::<f64>().ok()
}

/// Refuses numbers the parser would turn into a `Duration` (inside `[...]` and after
/// `offset`) when they are not finite or longer than [`MAX_DURATION_SECONDS`].
fn check_durations(query: &str) -> Result<(), String> {
    let bytes = query.as_bytes();
    let mut square = 0usize;
    let mut after_offset = false;
    let mut index = 0;
    let word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.';
    while index < bytes.len() {
        match bytes[index] {
            quote @ (b'"' | b'\'' | b'`') => {
                index += 1;
                while index < bytes.len() && bytes[index] != quote {
                    if bytes[index] == b'\\' && quote != b'`' {
                        index += 1;
                    }
                    index += 1;
                }
                index += 1;
                after_offset = false;
            }
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            b'[' => {
                square += 1;
                index += 1;
            }
            b']' => {
                square = square.saturating_sub(1);
                index += 1;
                after_offset = false;
            }
            byte if word(byte) => {
                let start = index;
                while index < bytes.len() && word(bytes[index]) {
                    index += 1;
                    // An exponent's sign belongs to the number: `1e+300`.
                    if index + 1 < bytes.len()
                        && matches!(bytes[index - 1], b'e' | b'E')
                        && matches!(bytes[index], b'+' | b'-')
                        && bytes[index + 1].is_ascii_digit()
                        && (bytes[start].is_ascii_digit() || bytes[start] == b'.')
                    {
                        index += 1;
                    }
                }
                let token = &query[start..index];
                if (square > 0 || after_offset)
                    && let Some(value) = number_value(token)
                    && !(value.is_finite() && value.abs() <= MAX_DURATION_SECONDS)
                {
                    return Err(format!(
                        "the duration `{token}` (at byte {start}) is out of range: at most {MAX_DURATION_SECONDS:e} seconds"
                    ));
                }
                after_offset = token.eq_ignore_ascii_case("offset");
            }
            b' ' | b'\t' | b'\n' | b'\r' | b'-' | b'+' => index += 1,
            _ => {
                index += 1;
                after_offset = false;
            }
        }
    }
    Ok(())
}

fn check_nesting(query: &str) -> Result<(), String> {
    if query.len() > MAX_LENGTH {
        return Err(format!(
            "the query is {} bytes long, more than the {MAX_LENGTH} allowed",
            query.len()
        ));
    }
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut operators = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            quote @ (b'"' | b'\'' | b'`') => {
                index += 1;
                while index < bytes.len() && bytes[index] != quote {
                    if bytes[index] == b'\\' && quote != b'`' {
                        index += 1;
                    }
                    index += 1;
                }
            }
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!(
                        "the query nests brackets more than {MAX_NESTING} deep (at byte {index})"
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'<' | b'>' | b'=' | b'!' => {
                operators += 1;
                if operators > MAX_OPERATORS {
                    return Err(format!(
                        "the query has more than {MAX_OPERATORS} operators (at byte {index})"
                    ));
                }
            }
            _ => {}
        }
        index += 1;
    }
    Ok(())
}

/// Checks that `query` parses as PromQL (after rendering any window placeholder).
pub fn check(query: &str) -> Result<(), String> {
    if query.trim().is_empty() {
        return Err("the query is empty".to_string());
    }
    check_bounds(query)?;
    let rendered = render_window(query, "5m");
    promql_parser::parser::parse(&rendered)
        .map(|_| ())
        .map_err(|problem| {
            let problem = problem.trim().to_string();
            if problem.is_empty() {
                "not valid PromQL".to_string()
            } else {
                format!("not valid PromQL: {problem}")
            }
        })
}

/// A label value as a PromQL double-quoted string.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// True when the histogram bound label `le` names `bound`: `1`, `1.0` and `1e0` are the
/// same bucket (Prometheus 3 writes `le` as floats, older clients as they like).
pub fn same_bucket(le: &str, bound: f64) -> bool {
    le.trim()
        .parse::<f64>()
        .is_ok_and(|value| (value - bound).abs() <= 1e-9 * bound.abs().max(1.0))
}

/// A parsed instant-vector selector: metric name and label matchers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// The metric name, if the selector names one.
    pub metric: Option<String>,
    /// Matchers other than the metric name: (label, operator, value).
    pub matchers: Vec<(String, String, String)>,
}

impl Selector {
    /// The value of an equality matcher on `label`.
    pub fn equal_value(&self, label: &str) -> Option<&str> {
        self.matchers
            .iter()
            .find(|(name, op, _)| name == label && op == "=")
            .map(|(_, _, value)| value.as_str())
    }
}

/// Parses `query` as a plain vector selector (`metric{a="b"}`); `None` for anything else.
pub fn selector(query: &str) -> Option<Selector> {
    use promql_parser::parser::Expr;
    check_bounds(query).ok()?;
    let Ok(Expr::VectorSelector(vector)) = promql_parser::parser::parse(query) else {
        return None;
    };
    let mut metric = vector.name.clone();
    let mut matchers = Vec::new();
    for matcher in &vector.matchers.matchers {
        if matcher.name == "__name__" {
            metric = Some(matcher.value.clone());
            continue;
        }
        matchers.push((
            matcher.name.clone(),
            matcher.op.to_string(),
            matcher.value.clone(),
        ));
    }
    Some(Selector { metric, matchers })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Found by `scripts/fuzz.sh ci` (promql target): the parser's `Duration::from_secs_f64`
    // panicked on a huge step in a subquery. Such durations are refused with a message.
    #[test]
    fn huge_or_infinite_durations_are_refused_not_a_panic() {
        let found = "ootend()-----------m[0:66666666666666666666666666666666666666]--------------end()----------";
        assert!(
            check(found).unwrap_err().contains("out of range"),
            "{:?}",
            check(found)
        );
        for query in [
            "x[1e300]",
            "x[5m:1e+300]",
            "x[Inf]",
            "x[NaN:1m]",
            "x[0xFFFFFFFFFFFFFFFFFF]",
            "x offset 1e300",
            "x offset -Inf",
            "rate(x[5m] offset 99999999999)",
        ] {
            let problem = check(query).unwrap_err();
            assert!(problem.contains("out of range"), "{query}: {problem}");
            assert!(selector(query).is_none(), "{query}");
        }
        // Ordinary durations and numbers outside durations are untouched.
        for query in [
            "rate(x[5m])",
            "x[1h:30s]",
            "x[300]",
            "x offset 5m",
            "x offset -1h",
            "x > 1e300",
            "x @ 1609746000",
            "http2_requests_total[5m]",
        ] {
            assert!(check(query).is_ok(), "{query}: {:?}", check(query));
        }
    }

    #[test]
    fn checks_queries() {
        assert!(check(r#"sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))"#).is_ok());
        assert!(check(r#"sum(rate(x[{{ .window }}]))"#).is_ok());
        assert!(check("http_requests_total{job=\"api\"}").is_ok());
        assert!(check("sum(rate(x[5m])").is_err());
        assert!(check("").is_err());
        assert!(check("x{a=}").is_err());
    }

    /// Runs `work` on a thread with a small stack, so that a stack overflow shows as a
    /// failed test instead of aborting the test binary.
    fn on_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(work)
            .expect("spawn")
            .join()
            .expect("the PromQL check overflowed its stack")
    }

    // issue 9.4: `sum(` 20,000 deep aborted `validate` (stack overflow), 8,000 deep took
    // seconds (quadratic): refused at once, before the parser sees it.
    #[test]
    fn refuses_deep_nesting_quickly() {
        let leaf = "rate(x[{{.window}}])";
        let started = std::time::Instant::now();
        for depth in [6_000, 20_000] {
            let query = format!("{}{leaf}{}", "sum(".repeat(depth), ")".repeat(depth));
            let problem = on_small_stack(move || check(&query).unwrap_err());
            // 6,000 deep (31 KB) is refused for its depth, 20,000 deep for its length.
            assert!(
                problem.contains("nests brackets more than 64 deep")
                    || problem.contains("bytes long"),
                "{problem}"
            );
        }
        let chain = vec!["x"; 2_000].join(" + ");
        let problem = on_small_stack(move || check(&chain).unwrap_err());
        assert!(problem.contains("more than 256 operators"), "{problem}");
        let long = format!("x{{a=\"{}\"}}", "y".repeat(100_000));
        assert!(check(&long).unwrap_err().contains("bytes long"));
        // Generous: the refusal is a linear scan, it takes microseconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Brackets inside strings and comments do not count; reasonable queries pass.
        let fine = format!("sum(x{{a=\"{}\"}}) # {}", "(".repeat(100), "(".repeat(100));
        assert!(check(&fine).is_ok(), "{:?}", check(&fine));
        let nested = format!("{}{leaf}{}", "sum(".repeat(30), ")".repeat(30));
        assert!(check(&nested).is_ok());
    }

    #[test]
    fn parses_selectors() {
        let parsed =
            selector(r#"http_request_duration_seconds_bucket{job="api",le="0.3"}"#).unwrap();
        assert_eq!(
            parsed.metric.as_deref(),
            Some("http_request_duration_seconds_bucket")
        );
        assert_eq!(parsed.equal_value("le"), Some("0.3"));
        assert_eq!(parsed.equal_value("job"), Some("api"));
        assert!(selector("sum(x)").is_none());
    }
}
