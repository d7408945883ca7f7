//! Turning the engine's questions into as few PromQL queries as possible.
//!
//! Every counter selector is split into its metric, the label matchers that differ
//! between SLOs (equality matchers) and those that do not. Selectors of the same metric
//! with the same non-equality matchers and the same equality label *names* share one
//! query per window: `sum by (job, route) (increase(metric{code=~"5..", job=~"a|b",
//! route=~"/x|/y"}[28d]))`, from which each SLO takes its row. A thousand SLOs over one
//! metric cost one query per window, not a thousand.
//!
//! Histogram latency SLIs read the `le` bucket at the threshold; the bucket's label is
//! looked up first (`1`, `1.0` and `1e0` are the same bucket), and a threshold without a
//! bucket is an error naming the nearest buckets.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use nines_core::model::{Catalog, Counted, Op, PromQuery, Sli, SliKind};
use nines_core::source::{Counts, DataError, Millis, spanned};
use nines_spec::promql::{quote, render_window, same_bucket, selector};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::{BackendError, Client};
use crate::source::{Prefetched, RESOLUTION, Requests, SlicePoints};

/// A parsed counter selector.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Counter {
    metric: String,
    /// (label, op, value) matchers other than equality, sorted.
    other: Vec<(String, String, String)>,
    /// Equality matchers, sorted by label.
    equal: Vec<(String, String)>,
}

impl Counter {
    fn parse(text: &str) -> Option<Counter> {
        let parsed = selector(text)?;
        let mut other = Vec::new();
        let mut equal = Vec::new();
        for (label, op, value) in parsed.matchers {
            if op == "=" {
                equal.push((label, value));
            } else {
                other.push((label, op, value));
            }
        }
        other.sort();
        equal.sort();
        Some(Counter {
            metric: parsed.metric.unwrap_or_default(),
            other,
            equal,
        })
    }
    /// What selectors sharing a query have in common.
    fn group(&self) -> (String, Vec<(String, String, String)>, Vec<String>) {
        (
            self.metric.clone(),
            self.other.clone(),
            self.equal.iter().map(|(label, _)| label.clone()).collect(),
        )
    }
    fn key(&self) -> Vec<String> {
        self.equal.iter().map(|(_, value)| value.clone()).collect()
    }
}

/// One side of an SLI.
#[derive(Clone, Debug)]
enum Side {
    Counter(Counter),
    /// A Sloth-style template; `rate` means per second.
    Template {
        text: String,
        per_second: bool,
    },
}

/// How a series is measured.
#[derive(Clone, Debug)]
enum Measure {
    /// Counts of valid events and of good (or bad) ones.
    Counts {
        valid: Side,
        good: Option<Side>,
        bad: Option<Side>,
    },
    /// A value against a bound: each minute is an event.
    Value { query: String, op: Op, bound: f64 },
    /// Cannot be measured from this backend, and why.
    Unsupported(String),
}

fn range(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn side_of(query: &Option<PromQuery>) -> Result<Option<Side>, String> {
    match query {
        None => Ok(None),
        Some(PromQuery::Selector(text)) => Counter::parse(text)
            .map(|counter| Some(Side::Counter(counter)))
            .ok_or_else(|| format!("`{text}` is not a selector")),
        Some(PromQuery::Windowed(text)) => Ok(Some(Side::Template {
            per_second: text.contains("rate(") && !text.contains("increase("),
            text: text.clone(),
        })),
        Some(PromQuery::Expression(text)) => Err(format!(
            "`{text}` is an expression without a window: counts need a counter selector or a `{{{{.window}}}}` template"
        )),
    }
}

fn measure(sli: &Sli, threshold: Option<(Op, f64)>) -> Measure {
    let Some(source) = &sli.prometheus else {
        return Measure::Unsupported("the SLI has no Prometheus source".into());
    };
    let sides = || -> Result<Measure, String> {
        Ok(match &sli.kind {
            SliKind::Ratio { counted } => {
                let valid = side_of(&source.valid)?.ok_or("no `valid` query")?;
                match counted {
                    Counted::Bad => Measure::Counts {
                        valid,
                        good: None,
                        bad: Some(side_of(&source.bad)?.ok_or("no `bad` query")?),
                    },
                    Counted::Good => Measure::Counts {
                        valid,
                        good: Some(side_of(&source.good)?.ok_or("no `good` query")?),
                        bad: None,
                    },
                }
            }
            SliKind::Latency { threshold: latency } => {
                let bound = threshold.map_or_else(|| latency.as_secs_f64(), |(_, bound)| bound);
                match &source.histogram {
                    Some(_) if source.native_histogram => {
                        return Err("native histograms are not read yet".into());
                    }
                    Some(histogram) => {
                        let counter = Counter::parse(histogram)
                            .ok_or_else(|| format!("`{histogram}` is not a selector"))?;
                        let mut count = counter.clone();
                        count.metric.push_str("_count");
                        let mut bucket = counter;
                        bucket.metric.push_str("_bucket");
                        // The `le` value is filled in once the buckets are known.
                        bucket.equal.push(("le".into(), format!("{bound}")));
                        bucket.equal.sort();
                        Measure::Counts {
                            valid: Side::Counter(count),
                            good: Some(Side::Counter(bucket)),
                            bad: None,
                        }
                    }
                    None => Measure::Counts {
                        valid: side_of(&source.valid)?.ok_or("no `valid` query")?,
                        good: Some(side_of(&source.good)?.ok_or("no `good` query")?),
                        bad: None,
                    },
                }
            }
            SliKind::Threshold { op, value } => {
                let (op, bound) = threshold.unwrap_or((*op, *value));
                let query = source
                    .value
                    .as_ref()
                    .map(|query| query.text().to_string())
                    .ok_or("no `value` query")?;
                Measure::Value { query, op, bound }
            }
            SliKind::Raw { .. } => return Err("raw ratio SLIs carry no event counts".into()),
        })
    };
    sides().unwrap_or_else(Measure::Unsupported)
}

/// Every series of `catalog` and how it is measured.
fn measures(catalog: &Catalog) -> HashMap<String, Measure> {
    let mut out = HashMap::new();
    for measured in catalog.measured_series() {
        out.entry(measured.key())
            .or_insert_with(|| measure(measured.sli, measured.threshold()));
    }
    out
}

/// Distinct backend failures kept for the message; the rest are only counted.
const MAX_FAILURES_KEPT: usize = 5;

/// What a fetch produced.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Answers for the engine.
    pub source: Prefetched,
    /// Problems worth telling the user (retention, missing buckets).
    pub warnings: Vec<String>,
    /// Queries sent.
    pub queries: usize,
    /// Queries the backend did not answer usefully (unreachable, too slow, an HTTP
    /// error, an answer that is not the API's JSON, a refused query), as distinct
    /// messages (at most [`MAX_FAILURES_KEPT`]). The statuses that needed them carry
    /// the error and report no counts: they are not measured, which is neither "no
    /// data" nor healthy.
    pub failures: Vec<String>,
    /// How many queries failed, including those whose message repeats.
    pub failed_queries: usize,
}

impl Fetched {
    /// Notes a failed query.
    fn failed(&mut self, error: &BackendError) {
        self.failed_queries += 1;
        let message = error.to_string();
        if self.failures.len() < MAX_FAILURES_KEPT && !self.failures.contains(&message) {
            self.failures.push(message);
        }
    }

    /// The backend failures in one sentence, when there were any.
    pub fn failure(&self) -> Option<String> {
        let first = self.failures.first()?;
        let more = if self.failures.len() > 1 {
            format!("; also: {}", self.failures[1..].join("; "))
        } else {
            String::new()
        };
        Some(format!(
            "{} of {} backend queries failed: {first}{more}",
            self.failed_queries,
            self.queries.max(self.failed_queries)
        ))
    }
}

/// An instant query to run, and the keys it answers.
struct InstantJob {
    query: String,
    at: Millis,
    /// Label names whose values identify rows.
    by: Vec<String>,
}

/// Rows of an instant query: the `by` labels' values → value.
type Rows = HashMap<Vec<String>, f64>;

/// Runs `jobs` with at most `concurrency` in flight; results in job order.
async fn run_instant(client: &Client, jobs: Vec<InstantJob>) -> Vec<Result<Rows, BackendError>> {
    let semaphore = Arc::new(Semaphore::new(client.config().concurrency.max(1)));
    let mut set = JoinSet::new();
    for (index, job) in jobs.into_iter().enumerate() {
        let client = client.clone();
        let semaphore = semaphore.clone();
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let result = client.query(&job.query, job.at).await.map(|samples| {
                samples
                    .into_iter()
                    .filter(|sample| sample.value.is_finite())
                    .map(|sample| {
                        let key: Vec<String> = job
                            .by
                            .iter()
                            .map(|label| sample.labels.get(label).cloned().unwrap_or_default())
                            .collect();
                        (key, sample.value)
                    })
                    .collect()
            });
            (index, result)
        });
    }
    let mut results: Vec<Option<Result<Rows, BackendError>>> = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok((index, result)) = joined {
            if results.len() <= index {
                results.resize_with(index + 1, || None);
            }
            results[index] = Some(result);
        }
    }
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| {
                Err(BackendError::Decode {
                    url: client.config().url.clone(),
                    reason: "a query task failed".into(),
                })
            })
        })
        .collect()
}

/// The selector of a group with its equality labels as unions of the wanted values.
fn group_selector(
    metric: &str,
    other: &[(String, String, String)],
    by: &[String],
    keys: &BTreeSet<Vec<String>>,
) -> String {
    let mut matchers: Vec<String> = other
        .iter()
        .map(|(label, op, value)| format!("{label}{op}{}", quote(value)))
        .collect();
    for (position, label) in by.iter().enumerate() {
        let values: BTreeSet<&str> = keys.iter().map(|key| key[position].as_str()).collect();
        if values.len() == 1 {
            let value = values.iter().next().copied().unwrap_or_default();
            matchers.push(format!("{label}={}", quote(value)));
        } else {
            let union: Vec<String> = values.iter().map(|value| regex::escape(value)).collect();
            matchers.push(format!("{label}=~{}", quote(&union.join("|"))));
        }
    }
    format!("{metric}{{{}}}", matchers.join(","))
}

fn aggregate(by: &[String], inner: &str) -> String {
    if by.is_empty() {
        format!("sum({inner})")
    } else {
        format!("sum by ({}) ({inner})", by.join(", "))
    }
}

/// Looks up each histogram's `le` label for its threshold. Returns, per series, the
/// exact label value, or why there is none.
async fn resolve_buckets(
    client: &Client,
    measures: &mut HashMap<String, Measure>,
    at: Millis,
    fetched: &mut Fetched,
) -> HashMap<String, DataError> {
    let mut errors = HashMap::new();
    let mut asked: HashMap<String, Result<Vec<String>, String>> = HashMap::new();
    for (series, measure) in measures.iter_mut() {
        let Measure::Counts {
            good: Some(Side::Counter(bucket)),
            ..
        } = measure
        else {
            continue;
        };
        let Some(position) = bucket.equal.iter().position(|(label, _)| label == "le") else {
            continue;
        };
        let bound: f64 = bucket.equal[position].1.parse().unwrap_or(f64::NAN);
        let mut without_le = bucket.clone();
        without_le.equal.remove(position);
        let base = group_selector(
            &without_le.metric,
            &without_le.other,
            &without_le
                .equal
                .iter()
                .map(|(label, _)| label.clone())
                .collect::<Vec<_>>(),
            &BTreeSet::from([without_le.key()]),
        );
        if !asked.contains_key(&base) {
            fetched.queries += 1;
            let query = format!("count by (le) (count_over_time({base}[1d]))");
            let answer = client.query(&query, at).await;
            if let Err(error) = &answer {
                fetched.failed(error);
            }
            let found = answer
                .map(|samples| {
                    samples
                        .into_iter()
                        .filter_map(|sample| sample.labels.get("le").cloned())
                        .collect::<Vec<_>>()
                })
                .map_err(|error| error.to_string());
            asked.insert(base.clone(), found);
        }
        match &asked[&base] {
            Err(message) => {
                errors.insert(series.clone(), DataError::Failed(message.clone()));
            }
            // No series at all: no data, reported as such by the sums.
            Ok(les) if les.is_empty() => {}
            Ok(les) => match les.iter().find(|le| same_bucket(le, bound)) {
                Some(le) => bucket.equal[position].1 = le.clone(),
                None => {
                    let mut bounds: Vec<(f64, &String)> = les
                        .iter()
                        .filter_map(|le| Some((le.parse::<f64>().ok()?, le)))
                        .collect();
                    bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let below = bounds.iter().rev().find(|(value, _)| *value < bound);
                    let above = bounds.iter().find(|(value, _)| *value > bound);
                    let nearest: Vec<String> = below
                        .into_iter()
                        .chain(above)
                        .map(|(_, le)| format!("le=\"{le}\""))
                        .collect();
                    let message = format!(
                        "the latency threshold {bound}s matches no bucket of {base}: the nearest are {}; set the threshold to a bucket boundary",
                        nearest.join(" and ")
                    );
                    fetched.warnings.push(format!("{series}: {message}"));
                    errors.insert(series.clone(), DataError::Failed(message));
                }
            },
        }
    }
    errors
}

/// Fetches the answers to `requests` for `catalog`'s series.
pub async fn fetch(client: &Client, catalog: &Catalog, requests: &Requests, at: Millis) -> Fetched {
    let mut fetched = Fetched::default();
    let mut measures = measures(catalog);
    let bucket_errors = resolve_buckets(client, &mut measures, at, &mut fetched).await;

    // Window sums: counters batched per (metric group, window, end); others one by one.
    type GroupKey = (
        String,
        Vec<(String, String, String)>,
        Vec<String>,
        i64,
        Millis,
    );
    let mut groups: BTreeMap<GroupKey, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut singles: BTreeSet<(String, Millis)> = BTreeSet::new();
    let sides = |measure: &Measure| -> Vec<Side> {
        match measure {
            Measure::Counts { valid, good, bad } => std::iter::once(valid.clone())
                .chain(good.clone())
                .chain(bad.clone())
                .collect(),
            _ => Vec::new(),
        }
    };
    for (series, start, end) in &requests.sums {
        let Some(measure) = measures.get(series) else {
            continue;
        };
        if bucket_errors.contains_key(series) {
            continue;
        }
        match measure {
            Measure::Counts { .. } => {
                for side in sides(measure) {
                    match side {
                        Side::Counter(counter) => {
                            let (metric, other, by) = counter.group();
                            groups
                                .entry((metric, other, by, end - start, *end))
                                .or_default()
                                .insert(counter.key());
                        }
                        Side::Template { text, .. } => {
                            singles.insert((render_window(&text, &range(end - start)), *end));
                        }
                    }
                }
            }
            Measure::Value { query, op, bound } => {
                let window = range(end - start);
                singles.insert((format!("count_over_time(({query})[{window}:1m])"), *end));
                singles.insert((
                    format!(
                        "sum_over_time((({query}) {} bool {bound})[{window}:1m])",
                        op.symbol()
                    ),
                    *end,
                ));
            }
            Measure::Unsupported(_) => {}
        }
    }
    let group_list: Vec<(GroupKey, BTreeSet<Vec<String>>)> = groups.into_iter().collect();
    let single_list: Vec<(String, Millis)> = singles.into_iter().collect();
    let mut jobs: Vec<InstantJob> = group_list
        .iter()
        .map(|((metric, other, by, length, end), keys)| InstantJob {
            query: aggregate(
                by,
                &format!(
                    "increase({}[{}])",
                    group_selector(metric, other, by, keys),
                    range(*length)
                ),
            ),
            at: *end,
            by: by.clone(),
        })
        .collect();
    jobs.extend(single_list.iter().map(|(query, end)| InstantJob {
        query: aggregate(&[], query),
        at: *end,
        by: Vec::new(),
    }));
    fetched.queries += jobs.len();
    let results = run_instant(client, jobs).await;
    for result in &results {
        if let Err(error) = result {
            fetched.failed(error);
        }
    }
    let (group_results, single_results) = results.split_at(group_list.len());
    let group_index: HashMap<(GroupKey, Vec<String>), Result<Option<f64>, String>> = group_list
        .iter()
        .zip(group_results)
        .flat_map(|((key, keys), result)| {
            keys.iter().map(move |row| {
                let value = match result {
                    Ok(rows) => Ok(rows.get(row).copied()),
                    Err(error) => Err(error.to_string()),
                };
                ((key.clone(), row.clone()), value)
            })
        })
        .collect();
    let single_index: HashMap<(String, Millis), Result<Option<f64>, String>> = single_list
        .iter()
        .zip(single_results)
        .map(|(key, result)| {
            let value = match result {
                Ok(rows) => Ok(rows.get(&Vec::new()).copied()),
                Err(error) => Err(error.to_string()),
            };
            (key.clone(), value)
        })
        .collect();
    let value_of = |side: &Side, start: Millis, end: Millis| -> Result<Option<f64>, String> {
        match side {
            Side::Counter(counter) => {
                let (metric, other, by) = counter.group();
                group_index
                    .get(&((metric, other, by, end - start, end), counter.key()))
                    .cloned()
                    .unwrap_or(Ok(None))
            }
            Side::Template { text, per_second } => {
                let value = single_index
                    .get(&(render_window(text, &range(end - start)), end))
                    .cloned()
                    .unwrap_or(Ok(None))?;
                let scale = if *per_second {
                    (end - start) as f64 / 1000.0
                } else {
                    1.0
                };
                Ok(value.map(|value| value * scale))
            }
        }
    };
    for (series, start, end) in &requests.sums {
        let key = (series.clone(), *start, *end);
        let intervals = spanned(nines_core::source::TimeRange::new(*start, *end), RESOLUTION);
        let answer = if let Some(error) = bucket_errors.get(series) {
            Err(error.clone())
        } else {
            match measures.get(series) {
                None => Err(DataError::UnknownSeries(series.clone())),
                Some(Measure::Unsupported(reason)) => Err(DataError::Failed(reason.clone())),
                Some(Measure::Counts { valid, good, bad }) => (|| {
                    let valid_count = value_of(valid, *start, *end).map_err(DataError::Failed)?;
                    let Some(valid_count) = valid_count else {
                        return Ok(Counts {
                            intervals,
                            ..Counts::default()
                        });
                    };
                    let good_count = match (good, bad) {
                        (Some(good), _) => value_of(good, *start, *end)
                            .map_err(DataError::Failed)?
                            .unwrap_or(0.0),
                        (None, Some(bad)) => {
                            valid_count
                                - value_of(bad, *start, *end)
                                    .map_err(DataError::Failed)?
                                    .unwrap_or(0.0)
                        }
                        (None, None) => valid_count,
                    };
                    let valid_count = valid_count.max(0.0);
                    Ok(Counts {
                        good: good_count.clamp(0.0, valid_count),
                        valid: valid_count,
                        intervals_with_data: if valid_count > 0.0 { intervals } else { 0 },
                        intervals,
                    })
                })(),
                Some(Measure::Value { query, op, bound }) => (|| {
                    let window = range(end - start);
                    let get = |text: String| {
                        single_index
                            .get(&(text, *end))
                            .cloned()
                            .unwrap_or(Ok(None))
                            .map_err(DataError::Failed)
                    };
                    let valid = get(format!("count_over_time(({query})[{window}:1m])"))?;
                    let good = get(format!(
                        "sum_over_time((({query}) {} bool {bound})[{window}:1m])",
                        op.symbol()
                    ))?;
                    Ok(match valid {
                        Some(valid) => Counts {
                            good: good.unwrap_or(0.0).clamp(0.0, valid),
                            valid,
                            intervals_with_data: valid as u64,
                            intervals,
                        },
                        None => Counts {
                            intervals,
                            ..Counts::default()
                        },
                    })
                })(),
            }
        };
        fetched.source.sums.insert(key, answer);
    }

    // Time slices: one range query per side, in pieces of at most 10,000 points.
    for ((series, slice_ms), (start, end)) in &requests.slices {
        let key = (series.clone(), *slice_ms);
        if let Some(error) = bucket_errors.get(series) {
            fetched.source.slices.insert(key, Err(error.clone()));
            continue;
        }
        let aligned = nines_core::source::aligned_slices(
            nines_core::source::TimeRange::new(*start, *end),
            *slice_ms,
        );
        let answer = match measures.get(series) {
            None => Err(DataError::UnknownSeries(series.clone())),
            Some(Measure::Unsupported(reason)) => Err(DataError::Failed(reason.clone())),
            Some(measure) => {
                let slice = range(*slice_ms);
                let (good_query, valid_query, good_is_bad) = match measure {
                    Measure::Counts { valid, good, bad } => {
                        let text = |side: &Side| match side {
                            Side::Counter(counter) => {
                                let (metric, other, by) = counter.group();
                                aggregate(
                                    &[],
                                    &format!(
                                        "increase({}[{slice}])",
                                        group_selector(
                                            &metric,
                                            &other,
                                            &by,
                                            &BTreeSet::from([counter.key()])
                                        )
                                    ),
                                )
                            }
                            Side::Template { text, .. } => render_window(text, &slice),
                        };
                        match (good, bad) {
                            (Some(good), _) => (Some(text(good)), text(valid), false),
                            (None, Some(bad)) => (Some(text(bad)), text(valid), true),
                            (None, None) => (None, text(valid), false),
                        }
                    }
                    Measure::Value { query, op, bound } => {
                        let step = range((*slice_ms).min(60_000));
                        (
                            Some(format!(
                                "min_over_time((({query}) {} bool {bound})[{slice}:{step}])",
                                op.symbol()
                            )),
                            format!("count_over_time(({query})[{slice}:{step}]) > 0"),
                            false,
                        )
                    }
                    Measure::Unsupported(_) => unreachable!("handled above"),
                };
                slice_points(
                    client,
                    &mut fetched,
                    &valid_query,
                    good_query.as_deref(),
                    good_is_bad,
                    matches!(measure, Measure::Value { .. }),
                    aligned,
                    *slice_ms,
                )
                .await
            }
        };
        fetched.source.slices.insert(key, answer);
    }
    retention_warnings(client, catalog, requests, &measures, at, &mut fetched).await;
    fetched
}

/// Per-slice (good, valid) from range queries evaluated at each slice's end.
#[allow(clippy::too_many_arguments)]
async fn slice_points(
    client: &Client,
    fetched: &mut Fetched,
    valid_query: &str,
    good_query: Option<&str>,
    good_is_bad: bool,
    single_event: bool,
    aligned: nines_core::source::TimeRange,
    slice_ms: i64,
) -> Result<SlicePoints, DataError> {
    let mut points = SlicePoints::new();
    if aligned.is_empty() {
        return Ok(points);
    }
    let first_end = aligned.start + slice_ms;
    let mut chunk_start = first_end;
    while chunk_start <= aligned.end {
        let chunk_end = (chunk_start + slice_ms * 9_999).min(aligned.end);
        let read = |query: &str| {
            let query = query.to_string();
            async move {
                client
                    .query_range(&query, chunk_start, chunk_end, slice_ms)
                    .await
                    .map(|series| {
                        series
                            .into_iter()
                            .next()
                            .map(|series| series.points)
                            .unwrap_or_default()
                    })
            }
        };
        fetched.queries += 1 + usize::from(good_query.is_some());
        let mut failed = |error: BackendError| {
            fetched.failed(&error);
            DataError::Failed(error.to_string())
        };
        let valid = read(valid_query).await.map_err(&mut failed)?;
        let good: HashMap<Millis, f64> = match good_query {
            Some(query) => read(query)
                .await
                .map_err(&mut failed)?
                .into_iter()
                .collect(),
            None => HashMap::new(),
        };
        for (end, valid_value) in valid {
            if !valid_value.is_finite() {
                continue;
            }
            let valid_value = if single_event {
                1.0
            } else {
                valid_value.max(0.0)
            };
            let counted = good.get(&end).copied().filter(|value| value.is_finite());
            let good_value = match (good_query.is_some(), good_is_bad) {
                (false, _) => valid_value,
                (true, false) => counted.unwrap_or(0.0),
                (true, true) => valid_value - counted.unwrap_or(0.0),
            };
            points.insert(
                end - slice_ms,
                (good_value.clamp(0.0, valid_value), valid_value),
            );
        }
        chunk_start = chunk_end + slice_ms;
    }
    Ok(points)
}

/// Warns when the backend does not hold data as old as the windows read.
async fn retention_warnings(
    client: &Client,
    catalog: &Catalog,
    requests: &Requests,
    measures: &HashMap<String, Measure>,
    at: Millis,
    fetched: &mut Fetched,
) {
    let longest: HashMap<&str, i64> =
        requests
            .sums
            .iter()
            .fold(HashMap::new(), |mut out, (series, start, end)| {
                let entry = out.entry(series.as_str()).or_insert(0);
                *entry = (*entry).max(end - start);
                out
            });
    let Some(window_ms) = longest.values().copied().max() else {
        return;
    };
    fetched.queries += 1;
    if let Some(retention) = client.retention().await
        && nines_core::source::millis(retention) < window_ms
    {
        let window = nines_core::Duration::from_millis(u64::try_from(window_ms).unwrap_or(0));
        fetched.warnings.push(format!(
            "the backend keeps {retention} of data (its storage retention) but SLO windows reach back {window}: older parts of the windows are not measured"
        ));
    }
    // Per metric group and window: is there data at the start of the window? One probe
    // query per group, like the sums.
    type ProbeKey = (String, Vec<(String, String, String)>, Vec<String>, i64);
    let mut probes: BTreeMap<ProbeKey, Vec<(String, Vec<String>)>> = BTreeMap::new();
    for (series, length) in &longest {
        let Some(Measure::Counts {
            valid: Side::Counter(counter),
            ..
        }) = measures.get(*series)
        else {
            continue;
        };
        // Only windows that found data now can be missing some at their start.
        let Some(Ok(Counts { valid, .. })) =
            fetched
                .source
                .sums
                .get(&(series.to_string(), at - length, at))
        else {
            continue;
        };
        if *valid <= 0.0 {
            continue;
        }
        let (metric, other, by) = counter.group();
        probes
            .entry((metric, other, by, *length))
            .or_default()
            .push((series.to_string(), counter.key()));
    }
    let mut missing: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for ((metric, other, by, length), members) in probes {
        let keys: BTreeSet<Vec<String>> = members.iter().map(|(_, key)| key.clone()).collect();
        let probe = if by.is_empty() {
            format!(
                "count(last_over_time({}[1h]))",
                group_selector(&metric, &other, &by, &keys)
            )
        } else {
            format!(
                "count by ({}) (last_over_time({}[1h]))",
                by.join(", "),
                group_selector(&metric, &other, &by, &keys)
            )
        };
        fetched.queries += 1;
        let Ok(samples) = client.query(&probe, at - length + 3_600_000).await else {
            continue;
        };
        let present: BTreeSet<Vec<String>> = samples
            .iter()
            .map(|sample| {
                by.iter()
                    .map(|label| sample.labels.get(label).cloned().unwrap_or_default())
                    .collect()
            })
            .collect();
        for (series, key) in members {
            if !present.contains(&key) {
                let slo = catalog
                    .slos
                    .iter()
                    .find(|slo| {
                        slo.objectives
                            .iter()
                            .any(|objective| slo.series_key(objective) == series)
                    })
                    .map(|slo| slo.qualified_name())
                    .unwrap_or(series);
                missing.entry(length).or_default().push(slo);
            }
        }
    }
    for (length, slos) in missing {
        let window = nines_core::Duration::from_millis(u64::try_from(length).unwrap_or(0));
        let shown: Vec<&str> = slos.iter().take(3).map(String::as_str).collect();
        let more = if slos.len() > 3 {
            format!(" and {} more", slos.len() - 3)
        } else {
            String::new()
        };
        fetched.warnings.push(format!(
            "{}{more}: the backend has no data at the start of the {window} window: its retention (or the metrics' history) is shorter, so the window is measured on the part it holds",
            shown.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_of_one_metric_share_a_query() {
        let a = Counter::parse(r#"http_requests_total{job="a",code=~"5.."}"#).unwrap();
        let b = Counter::parse(r#"http_requests_total{code=~"5..",job="b"}"#).unwrap();
        assert_eq!(a.group(), b.group());
        let keys = BTreeSet::from([a.key(), b.key()]);
        let (metric, other, by) = a.group();
        assert_eq!(
            group_selector(&metric, &other, &by, &keys),
            r#"http_requests_total{code=~"5..",job=~"a|b"}"#
        );
        let dotted = BTreeSet::from([vec!["/api/v1.0".to_string()], vec!["x\"y".to_string()]]);
        assert_eq!(
            group_selector("m", &[], &["route".into()], &dotted),
            r#"m{route=~"/api/v1\\.0|x\"y"}"#
        );
    }

    #[test]
    fn buckets_match_whatever_their_spelling() {
        assert!(same_bucket("1", 1.0));
        assert!(same_bucket("1.0", 1.0));
        assert!(same_bucket("1e0", 1.0));
        assert!(same_bucket("0.3", 0.3));
        assert!(!same_bucket("0.25", 0.3));
        assert!(!same_bucket("+Inf", 0.3));
    }
}
