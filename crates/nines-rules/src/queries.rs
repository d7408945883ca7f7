//! PromQL for an SLI's errors and valid events over a window.
//!
//! Errors and valid events are *counts* over the window (`increase`), summed across
//! series (`sum`, or `sum by` the SLI's `groupBy` labels), so every ratio built from them
//! is event-weighted. Raw SLIs (Sloth's `error_ratio_query`) carry no counts: their error
//! ratio is the query itself, as Sloth records it. Pyrra's `bool_gauge` is counted as
//! Pyrra counts it: samples at 0 over samples (`count_over_time − sum_over_time`).

use nines_core::Duration;
use nines_core::model::{Counted, PromQuery, PrometheusSource, RawKind, Sli, SliKind};
use nines_spec::promql::{Selector, quote, render_window, selector};

/// How to compute one SLI's counts.
#[derive(Clone, Debug, PartialEq)]
pub struct SliQueries {
    kind: Kind,
    group_by: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// Counter selectors: `bad` or `valid − good`.
    Counters {
        valid: String,
        bad: Option<String>,
        good: Option<String>,
    },
    /// Sloth-style templates with `{{.window}}`, already aggregated by the user.
    Templates {
        valid: String,
        bad: Option<String>,
        good: Option<String>,
    },
    /// A native histogram: valid = `histogram_count`, good = the share at or under the
    /// bound (`histogram_fraction`).
    Native { histogram: String, bound: f64 },
    /// A boolean gauge (Pyrra `bool_gauge`): each sample is an event, good when 1.
    BoolGauge { selector: String },
    /// A ratio computed by the query itself, with a `{{.window}}` placeholder.
    Raw { query: String, raw: RawKind },
}

/// The window placeholder in templates.
const WINDOW: &str = PromQuery::WINDOW_PLACEHOLDER;

/// Renders a selector, with `suffix` appended to the metric name and extra matchers.
pub fn render_selector(
    parsed: &Selector,
    suffix: &str,
    extra: &[(String, String, String)],
) -> String {
    let name = parsed.metric.clone().unwrap_or_default();
    let matchers: Vec<String> = parsed
        .matchers
        .iter()
        .chain(extra)
        .map(|(label, op, value)| format!("{label}{op}{}", quote(value)))
        .collect();
    format!("{name}{suffix}{{{}}}", matchers.join(","))
}

/// The spellings of a histogram bound that name the same bucket: `1`, `1.0`, `1e0`,
/// `1e+00`... as an anchored regex (Prometheus anchors `=~`).
pub fn le_pattern(bound: f64) -> String {
    let mut spellings = vec![format!("{bound}")];
    if bound.fract() == 0.0 && bound.abs() < 1e15 {
        let whole = format!("{}", bound as i64);
        spellings.push(whole.clone());
        spellings.push(format!("{whole}.0"));
    }
    let exponent = format!("{bound:e}");
    spellings.push(exponent.clone());
    if let Some((mantissa, power)) = exponent.split_once('e') {
        let power: i32 = power.parse().unwrap_or(0);
        let sign = if power < 0 { '-' } else { '+' };
        spellings.push(format!("{mantissa}e{sign}{:02}", power.abs()));
    }
    spellings.sort();
    spellings.dedup();
    spellings
        .iter()
        .map(|text| text.replace('.', "\\.").replace('+', "\\+"))
        .collect::<Vec<_>>()
        .join("|")
}

impl SliQueries {
    /// Queries for `sli` (with the objective's threshold for latency), or why none.
    pub fn new(sli: &Sli, threshold: Option<f64>) -> Result<SliQueries, String> {
        let Some(source) = &sli.prometheus else {
            return Err("the SLI has no Prometheus source".to_string());
        };
        let kind = match &sli.kind {
            SliKind::Ratio { counted } => ratio(source, *counted)?,
            SliKind::Latency { threshold: latency } => {
                let bound = threshold.unwrap_or_else(|| latency.as_secs_f64());
                latency_queries(source, bound)?
            }
            SliKind::Threshold { .. } => {
                return Err(
                    "threshold SLIs (a measured value against a bound) are judged per time slice by `nines report --prometheus`; rules are generated for event-based SLIs"
                        .to_string(),
                );
            }
            SliKind::Raw { raw } => raw_queries(source, *raw)?,
        };
        Ok(SliQueries {
            kind,
            group_by: source.group_by.clone(),
        })
    }

    fn sum(&self, inner: &str) -> String {
        if self.group_by.is_empty() {
            format!("sum({inner})")
        } else {
            format!("sum by ({}) ({inner})", self.group_by.join(", "))
        }
    }

    fn counter(&self, selector: &str, window: Duration) -> String {
        self.sum(&format!("increase({selector}[{window}])"))
    }

    /// True when the SLI counts events (errors and valid events); false for raw ratios,
    /// which only have [`SliQueries::error_ratio`].
    pub fn has_counts(&self) -> bool {
        !matches!(self.kind, Kind::Raw { .. })
    }

    /// The error ratio over `window`: errors over valid events, recorded only when there
    /// were valid events; for raw SLIs the query's own ratio (one minus it for a success
    /// ratio).
    pub fn error_ratio(&self, window: Duration) -> String {
        match &self.kind {
            Kind::Raw { query, raw } => {
                let rendered = render_window(query, &window.to_string());
                match raw {
                    RawKind::Failure => format!("({})", rendered.trim()),
                    RawKind::Success => format!("1 - ({})", rendered.trim()),
                }
            }
            _ => format!(
                "({errors}) / (({valid}) > 0)",
                errors = self.errors(window),
                valid = self.valid(window)
            ),
        }
    }

    /// An expression that is empty exactly when the SLI's source has no series at all:
    /// what a no-data (`absent`) alert watches.
    pub fn presence(&self) -> String {
        let five_minutes = Duration::from_minutes(5);
        match &self.kind {
            Kind::Counters { valid, .. } => valid.clone(),
            Kind::Native { histogram, .. } => histogram.clone(),
            Kind::BoolGauge { selector } => selector.clone(),
            Kind::Templates { valid, .. } => render_window(valid, &five_minutes.to_string()),
            Kind::Raw { query, .. } => render_window(query, &five_minutes.to_string())
                .trim()
                .to_string(),
        }
    }

    /// Valid events over `window` (for raw SLIs, which count nothing, `vector(0)` is never
    /// asked for: see [`SliQueries::has_counts`]).
    pub fn valid(&self, window: Duration) -> String {
        match &self.kind {
            Kind::Counters { valid, .. } => self.counter(valid, window),
            Kind::Templates { valid, .. } => render_window(valid, &window.to_string()),
            Kind::Native { histogram, .. } => {
                format!("histogram_count({})", self.counter(histogram, window))
            }
            Kind::BoolGauge { selector } => {
                self.sum(&format!("count_over_time({selector}[{window}])"))
            }
            Kind::Raw { .. } => "vector(0)".to_string(),
        }
    }

    /// Bad events over `window`, never below zero.
    pub fn errors(&self, window: Duration) -> String {
        let (bad, good, valid) = match &self.kind {
            Kind::Native { histogram, bound } => {
                let increase = self.counter(histogram, window);
                return format!(
                    "histogram_count({increase}) * (1 - histogram_fraction(0, {bound}, {increase}))",
                    bound = crate::number(*bound)
                );
            }
            Kind::BoolGauge { selector } => {
                return format!(
                    "{count} - {sum}",
                    count = self.sum(&format!("count_over_time({selector}[{window}])")),
                    sum = self.sum(&format!("sum_over_time({selector}[{window}])"))
                );
            }
            Kind::Raw { .. } => return "vector(0)".to_string(),
            Kind::Counters { valid, bad, good } => (
                bad.as_ref().map(|bad| self.counter(bad, window)),
                good.as_ref().map(|good| self.counter(good, window)),
                self.counter(valid, window),
            ),
            Kind::Templates { valid, bad, good } => (
                bad.as_ref()
                    .map(|bad| render_window(bad, &window.to_string())),
                good.as_ref()
                    .map(|good| render_window(good, &window.to_string())),
                render_window(valid, &window.to_string()),
            ),
        };
        match (bad, good) {
            (Some(bad), _) => bad,
            // Extrapolation can make `good` exceed `valid` by a hair: clamp at zero.
            (None, Some(good)) => format!("clamp_min(({valid}) - ({good}), 0)"),
            (None, None) => format!("({valid}) * 0"),
        }
    }
}

fn side(query: &Option<PromQuery>, what: &str) -> Result<Option<(bool, String)>, String> {
    match query {
        None => Ok(None),
        Some(PromQuery::Selector(text)) => Ok(Some((false, text.clone()))),
        Some(PromQuery::Windowed(text)) => Ok(Some((true, text.clone()))),
        Some(PromQuery::Expression(_)) => Err(format!(
            "the `{what}` query is an expression without a `{{{{.window}}}}` placeholder: rules need counters (a selector) or a windowed template"
        )),
    }
}

fn ratio(source: &PrometheusSource, counted: Counted) -> Result<Kind, String> {
    let valid = side(&source.valid, "valid")?.ok_or("a ratio SLI needs a `valid` query")?;
    let (bad, good) = match counted {
        Counted::Bad => (side(&source.bad, "bad")?, None),
        Counted::Good => (None, side(&source.good, "good")?),
    };
    let counted_side = bad
        .as_ref()
        .or(good.as_ref())
        .ok_or("a ratio SLI needs a `good` or `bad` query")?;
    if counted_side.0 != valid.0 {
        return Err(
            "mixing a selector and a windowed template in one SLI is not supported".to_string(),
        );
    }
    let templates = valid.0;
    let (valid, bad, good) = (
        valid.1,
        bad.map(|(_, text)| text),
        good.map(|(_, text)| text),
    );
    Ok(if templates {
        Kind::Templates { valid, bad, good }
    } else {
        Kind::Counters { valid, bad, good }
    })
}

/// Raw ratios: a Pyrra `bool_gauge` (read as `avg_over_time(SELECTOR[{{.window}}])`) is
/// counted per sample as Pyrra does; any other windowed query is the ratio itself.
fn raw_queries(source: &PrometheusSource, raw: RawKind) -> Result<Kind, String> {
    match &source.value {
        Some(PromQuery::Windowed(query)) => {
            let gauge = query
                .trim()
                .strip_prefix("avg_over_time(")
                .and_then(|rest| rest.strip_suffix(&format!("[{WINDOW}])")))
                .filter(|inner| raw == RawKind::Success && selector(inner).is_some());
            Ok(match gauge {
                Some(inner) => Kind::BoolGauge {
                    selector: inner.to_string(),
                },
                None => Kind::Raw {
                    query: query.clone(),
                    raw,
                },
            })
        }
        Some(PromQuery::Selector(_) | PromQuery::Expression(_)) => Err(
            "the raw ratio query has no `{{.window}}` placeholder: rules need the ratio over each window".to_string(),
        ),
        None => Err("a raw SLI needs a ratio query".to_string()),
    }
}

fn latency_queries(source: &PrometheusSource, bound: f64) -> Result<Kind, String> {
    match &source.histogram {
        Some(histogram) if source.native_histogram => {
            selector(histogram).ok_or_else(|| format!("`{histogram}` is not a metric selector"))?;
            Ok(Kind::Native {
                histogram: histogram.clone(),
                bound,
            })
        }
        Some(histogram) => {
            let parsed = selector(histogram)
                .ok_or_else(|| format!("`{histogram}` is not a metric selector"))?;
            let le = vec![("le".to_string(), "=~".to_string(), le_pattern(bound))];
            Ok(Kind::Counters {
                valid: render_selector(&parsed, "_count", &[]),
                bad: None,
                good: Some(render_selector(&parsed, "_bucket", &le)),
            })
        }
        None => {
            let valid = side(&source.valid, "valid")?
                .ok_or("a latency SLI needs a histogram or good/valid queries")?;
            let good = side(&source.good, "good")?
                .ok_or("a latency SLI needs a histogram or good/valid queries")?;
            Ok(if valid.0 {
                Kind::Templates {
                    valid: valid.1,
                    bad: None,
                    good: Some(good.1),
                }
            } else {
                Kind::Counters {
                    valid: valid.1,
                    bad: None,
                    good: Some(good.1),
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_spellings_name_one_bucket() {
        assert_eq!(le_pattern(1.0), r"1|1\.0|1e\+00|1e0");
        assert_eq!(le_pattern(0.3), r"0\.3|3e-01|3e-1");
    }

    #[test]
    fn selectors_render_back() {
        let parsed =
            selector(r#"http_request_duration_seconds{job="a\"b",route=~"/x.*"}"#).unwrap();
        assert_eq!(
            render_selector(
                &parsed,
                "_bucket",
                &[("le".into(), "=".into(), "0.3".into())]
            ),
            r#"http_request_duration_seconds_bucket{job="a\"b",route=~"/x.*",le="0.3"}"#
        );
    }
}
