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

/// Checks that `query` parses as PromQL (after rendering any window placeholder).
pub fn check(query: &str) -> Result<(), String> {
    if query.trim().is_empty() {
        return Err("the query is empty".to_string());
    }
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

    #[test]
    fn checks_queries() {
        assert!(check(r#"sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))"#).is_ok());
        assert!(check(r#"sum(rate(x[{{ .window }}]))"#).is_ok());
        assert!(check("http_requests_total{job=\"api\"}").is_ok());
        assert!(check("sum(rate(x[5m])").is_err());
        assert!(check("").is_err());
        assert!(check("x{a=}").is_err());
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
