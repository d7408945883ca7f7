//! The Prometheus remote-write receiver: series named in SLIs' Prometheus selectors
//! become counts.
//!
//! A remote-write request is a snappy-compressed (block format) protobuf `WriteRequest`.
//! Every incoming time series is matched against the counter selectors of the catalog's
//! SLIs (`good`, `bad`, `valid`; for histograms, the `le` bucket at the threshold and
//! `_count`). Counters are cumulative, so each sample's increment is its value minus the
//! previous sample's; a value lower than the previous one is a counter reset, and the
//! increment is the new value (as Prometheus' `increase` does). The first sample of a
//! series only sets its baseline. Samples are placed in the interval of their timestamp.
//!
//! Counters count events, so a sample must be a whole number from 0 to 2^53 (where `f64`
//! stops being exact), and one increment at most `MAX_RECORD_COUNT`. A sample that is
//! negative, fractional or larger is invalid: it is skipped without moving the counter
//! (a counter going from −5 to −1 adds nothing, where it used to add 4), and an increment
//! past the per-record limit adds nothing (the counter moves on); both are counted in the
//! summary with a warning in the log.

use std::collections::HashMap;

use prost::Message;
use regex::Regex;

use nines_core::model::{Catalog, Counted, PromQuery, Sli, SliKind};
use nines_core::source::{MAX_RECORD_COUNT, Millis, millis};

use super::{BatchError, aggregate};
use crate::store::{Batch, Delta, WriterState};

/// `prometheus.WriteRequest`, the fields nines reads.
#[derive(Clone, PartialEq, Message)]
pub struct WriteRequest {
    /// The series.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
}

/// `prometheus.TimeSeries`.
#[derive(Clone, PartialEq, Message)]
pub struct TimeSeries {
    /// Labels, including `__name__`.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// Samples.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, Message)]
pub struct Label {
    /// Name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`.
#[derive(Clone, PartialEq, Message)]
pub struct Sample {
    /// Value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// What a matched series adds to its nines series.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    /// Increments are good and valid events.
    Good,
    /// Increments are bad events (valid ones come from another series).
    Bad,
    /// Increments are valid events.
    Valid,
}

#[derive(Clone, Debug)]
enum Matcher {
    Equal(String),
    NotEqual(String),
    Matches(Regex),
    NotMatches(Regex),
}

impl Matcher {
    fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Equal(expected) => value == expected,
            Matcher::NotEqual(expected) => value != expected,
            Matcher::Matches(regex) => regex.is_match(value),
            Matcher::NotMatches(regex) => !regex.is_match(value),
        }
    }
}

#[derive(Clone, Debug)]
struct Rule {
    series: String,
    /// Good and valid events per unit of counter increment, fixed by the side and by
    /// whether the series has a `good` side too.
    weights: (i64, u64),
    metric: String,
    matchers: Vec<(String, Matcher)>,
    /// Histogram buckets: the `le` bound this rule wants.
    le: Option<f64>,
}

/// The remote-write rules of a catalog.
#[derive(Clone, Debug, Default)]
pub struct RemoteWriteRules {
    rules: Vec<Rule>,
    /// SLIs whose Prometheus queries cannot come from remote write (expressions).
    pub unsupported: Vec<String>,
}

fn compile(selector: &str) -> Option<(String, Vec<(String, Matcher)>)> {
    let parsed = nines_spec::promql::selector(selector)?;
    let mut matchers = Vec::new();
    for (label, op, value) in parsed.matchers {
        let anchored = || Regex::new(&format!("^(?:{value})$")).ok();
        let matcher = match op.as_str() {
            "=" => Matcher::Equal(value),
            "!=" => Matcher::NotEqual(value),
            "=~" => Matcher::Matches(anchored()?),
            "!~" => Matcher::NotMatches(anchored()?),
            _ => return None,
        };
        matchers.push((label, matcher));
    }
    Some((parsed.metric?, matchers))
}

impl RemoteWriteRules {
    /// Rules for every SLI of `catalog` whose Prometheus source names counters.
    pub fn new(catalog: &Catalog) -> Self {
        let mut rules = RemoteWriteRules::default();
        // Composite members are fed by their own sources, not by remote write.
        for measured in catalog.measured_series() {
            if measured.member.is_some() {
                continue;
            }
            let series = measured.key();
            if rules.rules.iter().any(|rule| rule.series == series) {
                continue;
            }
            let threshold = measured.threshold().map(|(_, bound)| bound);
            if !rules.add(series.clone(), measured.sli, threshold)
                && measured.sli.prometheus.is_some()
            {
                rules.unsupported.push(series);
            }
        }
        rules
    }

    fn add(&mut self, series: String, sli: &Sli, threshold: Option<f64>) -> bool {
        let Some(prometheus) = &sli.prometheus else {
            return false;
        };
        let selector = |query: &Option<PromQuery>| match query {
            Some(PromQuery::Selector(text)) => compile(text),
            _ => None,
        };
        let mut added = Vec::new();
        match &sli.kind {
            SliKind::Ratio { counted } => {
                let Some(valid) = selector(&prometheus.valid) else {
                    return false;
                };
                let (side, counted_selector) = match counted {
                    Counted::Good => (Side::Good, selector(&prometheus.good)),
                    Counted::Bad => (Side::Bad, selector(&prometheus.bad)),
                };
                let Some(counted_selector) = counted_selector else {
                    return false;
                };
                added.push((Side::Valid, valid, None));
                added.push((side, counted_selector, None));
            }
            SliKind::Latency { threshold: latency } => {
                let bound = threshold.unwrap_or_else(|| latency.as_secs_f64());
                match &prometheus.histogram {
                    Some(histogram) if !prometheus.native_histogram => {
                        let Some((metric, matchers)) = compile(histogram) else {
                            return false;
                        };
                        added.push((
                            Side::Valid,
                            (format!("{metric}_count"), matchers.clone()),
                            None,
                        ));
                        added.push((
                            Side::Good,
                            (format!("{metric}_bucket"), matchers),
                            Some(bound),
                        ));
                    }
                    _ => {
                        let (Some(good), Some(valid)) =
                            (selector(&prometheus.good), selector(&prometheus.valid))
                        else {
                            return false;
                        };
                        added.push((Side::Valid, valid, None));
                        added.push((Side::Good, good, None));
                    }
                }
            }
            _ => return false,
        }
        // A valid-side increment counts as good until a bad side says otherwise; when a
        // `good` side exists, valid increments carry no goodness of their own.
        let has_good = added.iter().any(|(side, _, _)| *side == Side::Good);
        for (side, (metric, matchers), le) in added {
            let weights = match side {
                Side::Good => (1, 0),
                Side::Bad => (-1, 0),
                Side::Valid if has_good => (0, 1),
                Side::Valid => (1, 1),
            };
            self.rules.push(Rule {
                series: series.clone(),
                weights,
                metric,
                matchers,
                le,
            });
        }
        true
    }

    /// Series fed by remote write.
    pub fn len(&self) -> usize {
        let mut series: Vec<&str> = self.rules.iter().map(|rule| rule.series.as_str()).collect();
        series.sort_unstable();
        series.dedup();
        series.len()
    }

    /// True when no SLI reads remote write.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// What a remote-write request did.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct WriteSummary {
    /// Series in the request.
    pub series: usize,
    /// Series that fed an SLI.
    pub matched: usize,
    /// Samples read from matched series.
    pub samples: usize,
    /// Samples outside the accepted time range (ignored).
    pub out_of_range: usize,
    /// Samples that are not a counter of events: negative, fractional, beyond 2^53, or
    /// jumping by more than one record may carry (skipped, the counter left where it was).
    pub invalid: usize,
}

/// The largest counter value read exactly: `f64` holds every whole number up to 2^53.
const LARGEST_COUNTER: f64 = 9_007_199_254_740_992.0;

/// Decodes a remote-write body (snappy block format, then protobuf).
pub fn decode(body: &[u8]) -> Result<WriteRequest, BatchError> {
    let raw = snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|problem| {
            BatchError::new(
                1,
                "invalid_snappy",
                format!("the body is not snappy-compressed (block format): {problem}"),
            )
        })?;
    WriteRequest::decode(raw.as_slice()).map_err(|problem| {
        BatchError::new(
            1,
            "invalid_protobuf",
            format!("the body is not a Prometheus WriteRequest: {problem}"),
        )
    })
}

/// Prometheus' staleness marker, a NaN with these bits.
const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;

/// Turns a request into a batch: increments per interval, and the counters' new values.
/// Samples older than `oldest` or newer than `newest` move the counters but add nothing.
pub fn to_batch(
    request: &WriteRequest,
    rules: &RemoteWriteRules,
    state: &WriterState,
    oldest: Millis,
    newest: Millis,
    resolution: nines_core::Duration,
) -> (Batch, WriteSummary) {
    let mut summary = WriteSummary {
        series: request.timeseries.len(),
        ..WriteSummary::default()
    };
    let mut deltas = Vec::new();
    let mut counters: HashMap<String, (f64, Millis)> = HashMap::new();
    for series in &request.timeseries {
        let name = series
            .labels
            .iter()
            .find(|label| label.name == "__name__")
            .map(|label| label.value.as_str())
            .unwrap_or_default();
        let value_of = |label: &str| {
            series
                .labels
                .iter()
                .find(|candidate| candidate.name == label)
                .map_or("", |found| found.value.as_str())
        };
        let matched: Vec<&Rule> = rules
            .rules
            .iter()
            .filter(|rule| rule.metric == name)
            .filter(|rule| {
                rule.matchers
                    .iter()
                    .all(|(label, matcher)| matcher.matches(value_of(label)))
            })
            .filter(|rule| {
                rule.le
                    .is_none_or(|bound| nines_spec::promql::same_bucket(value_of("le"), bound))
            })
            .collect();
        if matched.is_empty() {
            continue;
        }
        summary.matched += 1;
        let mut labels: Vec<(&str, &str)> = series
            .labels
            .iter()
            .map(|label| (label.name.as_str(), label.value.as_str()))
            .collect();
        labels.sort_unstable();
        let identity = labels
            .iter()
            .map(|(name, value)| format!("{name}={value:?}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut samples: Vec<&Sample> = series.samples.iter().collect();
        samples.sort_by_key(|sample| sample.timestamp);
        let mut last = counters
            .get(&identity)
            .copied()
            .or_else(|| state.counters.get(&identity).copied());
        for sample in samples {
            if sample.value.is_nan() || sample.value.to_bits() == STALE_NAN {
                continue;
            }
            summary.samples += 1;
            // issue 9.10: a counter is a whole number of events, never negative.
            if !(0.0..=LARGEST_COUNTER).contains(&sample.value) || sample.value.fract() != 0.0 {
                summary.invalid += 1;
                continue;
            }
            let increment = match last {
                // An old or repeated sample says nothing new.
                Some((_, at)) if sample.timestamp <= at => {
                    continue;
                }
                Some((previous, _)) if sample.value >= previous => Some(sample.value - previous),
                // A reset: the counter started again from zero.
                Some(_) => Some(sample.value),
                None => None,
            };
            last = Some((sample.value, sample.timestamp));
            let Some(increment) = increment.filter(|increment| *increment > 0.0) else {
                continue;
            };
            if sample.timestamp < oldest
                || sample.timestamp > newest
                || !nines_core::timestamp::in_range(sample.timestamp)
            {
                summary.out_of_range += 1;
                continue;
            }
            // Whole and below 2^53, so exact as an integer.
            let increment = increment as u64;
            if increment > MAX_RECORD_COUNT {
                summary.invalid += 1;
                continue;
            }
            for rule in &matched {
                let signed = increment as i64;
                let (good, valid) = (signed * rule.weights.0, increment * rule.weights.1);
                deltas.push(Delta {
                    series: rule.series.clone(),
                    at: sample.timestamp,
                    good,
                    valid,
                });
            }
        }
        if let Some((value, at)) = last {
            counters.insert(identity, (value, at));
        }
    }
    if summary.invalid > 0 {
        tracing::warn!(
            samples = summary.invalid,
            "remote write: samples that are not event counters (negative, fractional, beyond 2^53, or a jump past the per-record limit) were skipped"
        );
    }
    let batch = Batch {
        deltas: aggregate(deltas, resolution),
        counters: counters
            .into_iter()
            .map(|(key, (value, at))| (key, value, at))
            .collect(),
        ..Batch::default()
    };
    (batch, summary)
}

/// The oldest sample timestamp remote write still adds: what full resolution keeps.
pub fn oldest_accepted(received: Millis, retention: nines_core::Duration) -> Millis {
    received - millis(retention)
}
