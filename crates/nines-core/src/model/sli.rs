//! Service level indicators: what is counted, and where the counts come from.
//!
//! An SLI has a *kind* (a ratio of good or bad events to valid events, a latency
//! threshold, a threshold condition on a measured value, or a ratio computed elsewhere)
//! and one or more *sources*: event filters for the embedded store, PromQL for a
//! Prometheus-compatible backend, or an opaque source kept from an OpenSLO file so that
//! nothing the user wrote is lost.

use std::fmt;

use crate::Duration;
use crate::expr::Filter;
use crate::model::{Labels, Origin};

/// A service level indicator.
#[derive(Clone, Debug, PartialEq)]
pub struct Sli {
    /// Where it was written.
    pub origin: Origin,
    /// Name, for SLIs defined on their own and referred to by SLOs.
    pub name: Option<String>,
    /// Human title.
    pub display_name: Option<String>,
    /// What the SLI measures, in words.
    pub description: Option<String>,
    /// What is counted.
    pub kind: SliKind,
    /// Raw events in the embedded store.
    pub events: Option<EventSource>,
    /// A Prometheus-compatible backend.
    pub prometheus: Option<PrometheusSource>,
    /// Any other source (Datadog, CloudWatch...), kept verbatim from OpenSLO.
    pub external: Option<ExternalSource>,
    /// Free-form labels.
    pub labels: Labels,
}

/// What an SLI counts.
#[derive(Clone, Debug, PartialEq)]
pub enum SliKind {
    /// Good (or bad) events over valid events.
    Ratio {
        /// Whether the query-based source (Prometheus, or an external one) names the good
        /// or the bad events. The events source says so itself by setting `good` or `bad`.
        counted: Counted,
    },
    /// Valid events served within `threshold` are good.
    Latency {
        /// The latency that separates good from bad (inclusive: `le`).
        threshold: Duration,
    },
    /// A measured value compared with a bound: a data point (or a time slice) is good
    /// when `value op bound` holds. Used for freshness, queue depth, saturation.
    Threshold {
        /// The comparison.
        op: Op,
        /// The bound.
        value: f64,
    },
    /// A ratio computed by the source itself (Sloth's `error_ratio_query`, OpenSLO `raw`).
    Raw {
        /// Whether the ratio is of successes or of failures.
        raw: RawKind,
    },
}

/// Which events a ratio SLI's sources select besides the valid ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counted {
    /// The sources select good events.
    Good,
    /// The sources select bad events.
    Bad,
}

/// Whether a raw ratio is a success or an error ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RawKind {
    /// The ratio of good to valid.
    Success,
    /// The ratio of bad to valid.
    Failure,
}

/// A comparison operator, as in OpenSLO's `op`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Op {
    /// `<`
    #[serde(rename = "lt")]
    Lt,
    /// `<=`
    #[serde(rename = "lte")]
    Lte,
    /// `>`
    #[serde(rename = "gt")]
    Gt,
    /// `>=`
    #[serde(rename = "gte")]
    Gte,
}

impl Op {
    /// Parses `lt`, `lte`, `gt`, `gte` or `<`, `<=`, `>`, `>=`.
    pub fn parse(text: &str) -> Option<Op> {
        match text.trim() {
            "lt" | "<" => Some(Op::Lt),
            "lte" | "le" | "<=" => Some(Op::Lte),
            "gt" | ">" => Some(Op::Gt),
            "gte" | "ge" | ">=" => Some(Op::Gte),
            _ => None,
        }
    }
    /// OpenSLO's spelling.
    pub fn openslo(self) -> &'static str {
        match self {
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Gt => "gt",
            Op::Gte => "gte",
        }
    }
    /// The symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Gt => ">",
            Op::Gte => ">=",
        }
    }
    /// Whether `value op bound` holds.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Op::Lt => value < bound,
            Op::Lte => value <= bound,
            Op::Gt => value > bound,
            Op::Gte => value >= bound,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.symbol())
    }
}

/// Raw events in the embedded store, selected by filter expressions.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSource {
    /// Which events count at all; every event when absent.
    pub valid: Option<Filter>,
    /// Which valid events are good (ratio SLIs counting good events).
    pub good: Option<Filter>,
    /// Which valid events are bad (ratio SLIs counting bad events).
    pub bad: Option<Filter>,
    /// The attribute holding the measured value (latency in seconds unless `unit` says
    /// otherwise, or the value a threshold SLI compares): an attribute path such as
    /// `latency_ms` or `http.duration`.
    pub field: Option<String>,
    /// The unit of a latency field's bare numbers (seconds when absent). Strings such as
    /// `"250ms"` carry their own unit.
    pub unit: Option<FieldUnit>,
}

/// The unit a latency field's numbers are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldUnit {
    /// Seconds (`s`).
    Seconds,
    /// Milliseconds (`ms`).
    Milliseconds,
    /// Microseconds (`us` or `µs`).
    Microseconds,
    /// Nanoseconds (`ns`).
    Nanoseconds,
}

impl FieldUnit {
    /// Reads `s`, `ms`, `us` (or `µs`) or `ns`.
    pub fn parse(text: &str) -> Option<FieldUnit> {
        match text.trim() {
            "s" | "seconds" => Some(FieldUnit::Seconds),
            "ms" | "milliseconds" => Some(FieldUnit::Milliseconds),
            "us" | "µs" | "microseconds" => Some(FieldUnit::Microseconds),
            "ns" | "nanoseconds" => Some(FieldUnit::Nanoseconds),
            _ => None,
        }
    }
    /// The short name, as a spec writes it.
    pub fn name(self) -> &'static str {
        match self {
            FieldUnit::Seconds => "s",
            FieldUnit::Milliseconds => "ms",
            FieldUnit::Microseconds => "us",
            FieldUnit::Nanoseconds => "ns",
        }
    }
    /// `value` in this unit, in seconds (one correctly rounded division, so `250` ms
    /// compares equal to a 250 ms threshold).
    pub fn to_seconds(self, value: f64) -> f64 {
        match self {
            FieldUnit::Seconds => value,
            FieldUnit::Milliseconds => value / 1e3,
            FieldUnit::Microseconds => value / 1e6,
            FieldUnit::Nanoseconds => value / 1e9,
        }
    }
}

/// A Prometheus-compatible backend's view of an SLI.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PrometheusSource {
    /// Good events (ratio SLIs counting good events).
    pub good: Option<PromQuery>,
    /// Bad events (ratio SLIs counting bad events).
    pub bad: Option<PromQuery>,
    /// Valid events.
    pub valid: Option<PromQuery>,
    /// A histogram (the metric name without `_bucket`, with optional label matchers) for
    /// latency SLIs: good = the `le` bucket at the threshold, valid = `_count`.
    pub histogram: Option<String>,
    /// The measured value (threshold SLIs) or the ratio (raw SLIs).
    pub value: Option<PromQuery>,
    /// Labels that split the SLI into one series per value (grouped SLOs).
    pub group_by: Vec<String>,
    /// The histogram is a Prometheus native histogram (no `_bucket` series).
    pub native_histogram: bool,
    /// The OpenSLO DataSource the queries were bound to, kept for conversion.
    pub data_source: Option<String>,
}

/// A PromQL query for one side of an SLI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PromQuery {
    /// A counter selector such as `http_requests_total{job="api"}`; nines applies
    /// `increase` or `rate` over each window itself.
    Selector(String),
    /// A full expression with a `{{.window}}` placeholder, as Sloth writes them:
    /// `sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`.
    Windowed(String),
    /// Any other expression, evaluated as an instant value (threshold and raw SLIs).
    Expression(String),
}

impl PromQuery {
    /// The placeholder for the window in [`PromQuery::Windowed`] expressions.
    pub const WINDOW_PLACEHOLDER: &'static str = "{{.window}}";

    /// Classifies a query written by a user: with the window placeholder it is windowed; a
    /// bare metric name with optional matchers is a selector; anything else an expression.
    pub fn classify(text: &str) -> PromQuery {
        let trimmed = text.trim().to_string();
        if trimmed.contains(Self::WINDOW_PLACEHOLDER) {
            PromQuery::Windowed(trimmed)
        } else if is_selector(&trimmed) {
            PromQuery::Selector(trimmed)
        } else {
            PromQuery::Expression(trimmed)
        }
    }
    /// The query text as written.
    pub fn text(&self) -> &str {
        match self {
            PromQuery::Selector(text) | PromQuery::Windowed(text) | PromQuery::Expression(text) => {
                text
            }
        }
    }
}

/// True for `metric`, `metric{a="b"}` and `{__name__="m"}`: a plain instant-vector selector.
pub fn is_selector(text: &str) -> bool {
    let text = text.trim();
    let (name, rest) = match text.find('{') {
        Some(index) => (&text[..index], &text[index..]),
        None => (text, ""),
    };
    let name_ok = name.chars().enumerate().all(|(index, c)| {
        c.is_ascii_alphabetic() || c == '_' || c == ':' || (index > 0 && c.is_ascii_digit())
    });
    let braces_ok = rest.is_empty() || (rest.starts_with('{') && rest.ends_with('}'));
    !(name.is_empty() && rest.is_empty()) && name_ok && braces_ok
}

/// An OpenSLO metric source of a type nines does not query itself.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalSource {
    /// The referenced OpenSLO DataSource, if any.
    pub data_source: Option<String>,
    /// The source type (`Datadog`, `CloudWatch`...), if given inline.
    pub kind: Option<String>,
    /// The `spec` of the good side.
    pub good: Option<serde_json::Value>,
    /// The `spec` of the bad side.
    pub bad: Option<serde_json::Value>,
    /// The `spec` of the total side.
    pub valid: Option<serde_json::Value>,
    /// The `spec` of a threshold or raw metric.
    pub value: Option<serde_json::Value>,
}

impl Sli {
    /// An SLI of `kind` with no sources yet.
    pub fn new(kind: SliKind) -> Self {
        Sli {
            origin: Origin::default(),
            name: None,
            display_name: None,
            description: None,
            kind,
            events: None,
            prometheus: None,
            external: None,
            labels: Labels::new(),
        }
    }
    /// True when no source says where the data comes from.
    pub fn has_no_source(&self) -> bool {
        self.events.is_none() && self.prometheus.is_none() && self.external.is_none()
    }
    /// A short description of the kind: `ratio`, `latency <= 300ms`, `value >= 1`.
    pub fn kind_summary(&self) -> String {
        match &self.kind {
            SliKind::Ratio {
                counted: Counted::Good,
            } => "ratio (good/valid)".to_string(),
            SliKind::Ratio {
                counted: Counted::Bad,
            } => "ratio (bad/valid)".to_string(),
            SliKind::Latency { threshold } => format!("latency <= {threshold}"),
            SliKind::Threshold { op, value } => format!("value {op} {value}"),
            SliKind::Raw {
                raw: RawKind::Success,
            } => "raw success ratio".to_string(),
            SliKind::Raw {
                raw: RawKind::Failure,
            } => "raw error ratio".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_queries() {
        assert!(matches!(PromQuery::classify("up"), PromQuery::Selector(_)));
        assert!(matches!(
            PromQuery::classify(r#"http_requests_total{job="api",code=~"5.."}"#),
            PromQuery::Selector(_)
        ));
        assert!(matches!(
            PromQuery::classify("sum(rate(x[{{.window}}]))"),
            PromQuery::Windowed(_)
        ));
        assert!(matches!(
            PromQuery::classify("time() - last_success"),
            PromQuery::Expression(_)
        ));
        assert!(matches!(
            PromQuery::classify("sum(x)"),
            PromQuery::Expression(_)
        ));
    }
}
