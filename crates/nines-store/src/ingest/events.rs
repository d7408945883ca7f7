//! Raw events: each SLI's filters decide whether an event is valid and good for it.
//!
//! One event may feed several SLIs. A batch is NDJSON (one JSON object per line) or a
//! JSON array; the `timestamp` (also `time`, `ts`) is RFC 3339 or Unix seconds or
//! milliseconds, and defaults to the time of receipt. Any error rejects the whole batch
//! with the line and the reason; an object naming the same key twice is an error.
//!
//! Latency and threshold SLIs read a number from the event (`events.field`). A latency
//! field holds seconds unless the spec says `unit: ms` (or `us`, `ns`); a string such as
//! `"250ms"` is read as a duration whatever the unit. An event that passes an SLI's `valid`
//! filter but lacks the field, or holds something that is not a number there, cannot be
//! judged: it is not counted, and the summary says how many there were per SLI.

use std::collections::BTreeMap;

use nines_core::expr::Filter;
use nines_core::model::{Catalog, FieldUnit, Op, Sli, SliKind};
use nines_core::source::Millis;

use super::{BatchError, Window};
use crate::store::Delta;

/// How one series decides an event's goodness.
#[derive(Clone, Debug)]
enum Good {
    /// Good when this filter matches.
    When(Filter),
    /// Good unless this filter matches.
    Unless(Filter),
    /// Good when the numeric attribute compares with the bound.
    Field {
        field: Vec<String>,
        op: Op,
        bound: f64,
        /// The unit bare numbers are in, for latency fields (seconds when absent).
        unit: Option<FieldUnit>,
    },
    /// Every valid event is good (a ratio with no side given: nothing can fail).
    Always,
}

/// One series fed by events.
#[derive(Clone, Debug)]
struct Rule {
    series: String,
    valid: Option<Filter>,
    good: Good,
}

/// The event rules of a catalog: which series each event feeds.
#[derive(Clone, Debug, Default)]
pub struct EventRules {
    rules: Vec<Rule>,
}

fn path(field: &str) -> Vec<String> {
    field.split('.').map(str::to_string).collect()
}

fn rule_for(series: String, sli: &Sli, threshold: Option<(Op, f64)>) -> Option<Rule> {
    let events = sli.events.as_ref()?;
    let unit = events.unit;
    let good = match (&sli.kind, threshold) {
        (SliKind::Latency { .. }, Some((op, bound))) => Good::Field {
            field: path(events.field.as_deref()?),
            op,
            bound,
            unit,
        },
        (SliKind::Threshold { .. }, Some((op, bound))) => Good::Field {
            field: path(events.field.as_deref()?),
            op,
            bound,
            unit: None,
        },
        (SliKind::Latency { threshold }, None) => Good::Field {
            field: path(events.field.as_deref()?),
            op: Op::Lte,
            bound: threshold.as_secs_f64(),
            unit,
        },
        (SliKind::Threshold { op, value }, None) => Good::Field {
            field: path(events.field.as_deref()?),
            op: *op,
            bound: *value,
            unit: None,
        },
        (SliKind::Ratio { .. } | SliKind::Raw { .. }, _) => match (&events.good, &events.bad) {
            (Some(good), _) => Good::When(good.clone()),
            (None, Some(bad)) => Good::Unless(bad.clone()),
            (None, None) => Good::Always,
        },
    };
    Some(Rule {
        series,
        valid: events.valid.clone(),
        good,
    })
}

impl EventRules {
    /// The rules of every SLI with an events source in `catalog`, one per series.
    pub fn new(catalog: &Catalog) -> Self {
        let mut rules: Vec<Rule> = Vec::new();
        let mut push = |rule: Option<Rule>| {
            if let Some(rule) = rule
                && !rules.iter().any(|existing| existing.series == rule.series)
            {
                rules.push(rule);
            }
        };
        for measured in catalog.measured_series() {
            push(rule_for(measured.key(), measured.sli, measured.threshold()));
        }
        EventRules { rules }
    }
    /// Series fed by events.
    pub fn len(&self) -> usize {
        self.rules.len()
    }
    /// True when no SLI reads events.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Why an event's measured value could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unreadable {
    /// The attribute is absent.
    Missing,
    /// The attribute holds something that is not a number or a duration.
    WrongType,
}

/// The measured value at `path`: a JSON number or numeric string (in `unit`, converted to
/// seconds when given), or a duration string such as `"250ms"` (in seconds).
fn number_at(
    event: &serde_json::Value,
    path: &[String],
    unit: Option<FieldUnit>,
) -> Result<f64, Unreadable> {
    let mut current = event;
    for segment in path {
        current = current
            .as_object()
            .ok_or(Unreadable::Missing)?
            .get(segment)
            .ok_or(Unreadable::Missing)?;
    }
    let in_unit = |value: f64| unit.map_or(value, |unit| unit.to_seconds(value));
    match current {
        serde_json::Value::Number(number) => number.as_f64().map(in_unit),
        serde_json::Value::String(text) => {
            text.trim().parse::<f64>().ok().map(in_unit).or_else(|| {
                text.trim()
                    .parse::<nines_core::Duration>()
                    .ok()
                    .map(nines_core::Duration::as_secs_f64)
            })
        }
        serde_json::Value::Null => return Err(Unreadable::Missing),
        _ => None,
    }
    .filter(|value| value.is_finite())
    .ok_or(Unreadable::WrongType)
}

/// The instant of an event.
pub fn event_time(event: &serde_json::Value, received: Millis) -> Result<Millis, String> {
    let Some(object) = event.as_object() else {
        return Err("an event must be a JSON object".to_string());
    };
    let value = ["timestamp", "time", "ts"]
        .iter()
        .find_map(|key| object.get(*key));
    match value {
        None => Ok(received),
        Some(serde_json::Value::String(text)) => nines_counts::parse_timestamp(text),
        Some(serde_json::Value::Number(number)) => {
            // The same rule and range as text: 13 digits or more are milliseconds.
            nines_counts::parse_timestamp(&number.to_string())
        }
        Some(other) => Err(format!(
            "`timestamp` must be a string or a number, found {other}"
        )),
    }
}

/// Per (rule, interval): good and valid counts of the batch so far.
type Sums = rustc_hash::FxHashMap<(u32, i64), (u64, u64)>;

/// Counts one event into every series it feeds; returns how many. Events a rule cannot
/// judge (its measured field missing or not a number) are counted in `unmeasured`.
fn feed(
    rules: &EventRules,
    event: &serde_json::Value,
    interval: i64,
    sums: &mut Sums,
    unmeasured: &mut [Unmeasured],
) -> usize {
    let mut fed = 0;
    for (index, rule) in rules.rules.iter().enumerate() {
        if !rule
            .valid
            .as_ref()
            .is_none_or(|filter| filter.matches(event))
        {
            continue;
        }
        let good = match &rule.good {
            Good::When(filter) => filter.matches(event),
            Good::Unless(filter) => !filter.matches(event),
            Good::Field {
                field,
                op,
                bound,
                unit,
            } => match number_at(event, field, *unit) {
                Ok(value) => op.holds(value, *bound),
                // An event without the measured value cannot be judged: it does not
                // count, and the summary says so.
                Err(Unreadable::Missing) => {
                    unmeasured[index].missing_field += 1;
                    continue;
                }
                Err(Unreadable::WrongType) => {
                    unmeasured[index].wrong_type += 1;
                    continue;
                }
            },
            Good::Always => true,
        };
        let entry = sums.entry((index as u32, interval)).or_default();
        entry.0 += u64::from(good);
        entry.1 += 1;
        fed += 1;
    }
    fed
}

/// Events an SLI's `valid` filter took but that it could not judge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Unmeasured {
    /// The measured field was absent (or null).
    pub missing_field: u64,
    /// The measured field held something that is not a number or a duration.
    pub wrong_type: u64,
}

impl Unmeasured {
    /// Both together.
    pub fn total(&self) -> u64 {
        self.missing_field + self.wrong_type
    }
}

/// What a batch of events becomes.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct EventSummary {
    /// Events read.
    pub events: usize,
    /// Events that fed no SLI.
    pub unmatched: usize,
    /// Per series (of latency and threshold SLIs): events that passed its `valid` filter
    /// but lacked the measured field or held a wrong type there, so were not counted.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unmeasured: BTreeMap<String, Unmeasured>,
}

/// Events counted so far, per series and interval: what a batch (or an import) becomes.
#[derive(Debug)]
pub struct EventCounter<'r> {
    rules: &'r EventRules,
    window: Window,
    step: i64,
    sums: Sums,
    unmeasured: Vec<Unmeasured>,
    /// What was read.
    pub summary: EventSummary,
}

impl<'r> EventCounter<'r> {
    /// A counter for `rules`, accepting timestamps `window` allows.
    pub fn new(rules: &'r EventRules, window: Window) -> Self {
        EventCounter {
            rules,
            window,
            step: nines_core::source::millis(window.resolution).max(1),
            sums: Sums::default(),
            unmeasured: vec![Unmeasured::default(); rules.rules.len()],
            summary: EventSummary::default(),
        }
    }

    /// Counts one event, read from `line`.
    pub fn add(&mut self, line: usize, event: &serde_json::Value) -> Result<(), BatchError> {
        let at = event_time(event, self.window.received)
            .map_err(|message| BatchError::new(line, "invalid_event", message))?;
        self.add_at(line, event, at)
    }

    /// Counts one event whose instant is already known.
    pub fn add_at(
        &mut self,
        line: usize,
        event: &serde_json::Value,
        at: Millis,
    ) -> Result<(), BatchError> {
        self.window
            .check(at)
            .map_err(|message| BatchError::new(line, "out_of_window", message))?;
        self.summary.events += 1;
        let interval = at.div_euclid(self.step);
        if feed(
            self.rules,
            event,
            interval,
            &mut self.sums,
            &mut self.unmeasured,
        ) == 0
        {
            self.summary.unmatched += 1;
        }
        Ok(())
    }

    /// The deltas, sorted by series and time.
    pub fn finish(mut self) -> (Vec<Delta>, EventSummary) {
        let step = self.step;
        for (rule, unmeasured) in self.rules.rules.iter().zip(&self.unmeasured) {
            if unmeasured.total() > 0 {
                self.summary
                    .unmeasured
                    .insert(rule.series.clone(), *unmeasured);
            }
        }
        let mut deltas: Vec<Delta> = self
            .sums
            .into_iter()
            .map(|((rule, interval), (good, valid))| Delta {
                series: self.rules.rules[rule as usize].series.clone(),
                at: interval * step,
                // At most the events of one batch or import, far below i64::MAX.
                good: i64::try_from(good).unwrap_or(i64::MAX),
                valid,
            })
            .collect();
        deltas.sort_by(|a, b| (&a.series, a.at).cmp(&(&b.series, b.at)));
        (deltas, self.summary)
    }
}

/// Parses a batch of events into per-interval deltas. `window` bounds acceptable
/// timestamps (lateness and clock skew).
pub fn parse_events(
    body: &[u8],
    rules: &EventRules,
    window: &Window,
) -> Result<(Vec<Delta>, EventSummary), BatchError> {
    let text = std::str::from_utf8(body).map_err(|problem| {
        BatchError::new(
            text_line(body, problem.valid_up_to()),
            "invalid_encoding",
            "the body is not UTF-8 text",
        )
    })?;
    let mut counter = EventCounter::new(rules, *window);
    if text.trim_start().starts_with('[') {
        let events = nines_counts::json::parse_records(text).map_err(|problem| {
            BatchError::new(
                problem.line(),
                "invalid_json",
                format!("invalid JSON: {problem}"),
            )
        })?;
        for (index, event) in events.iter().enumerate() {
            counter.add(index + 1, event).map_err(|error| {
                BatchError::new(
                    error.line,
                    error.code,
                    format!("event {}: {}", index + 1, error.message),
                )
            })?;
        }
    } else {
        add_lines(&mut counter, text, 0)?;
    }
    Ok(counter.finish())
}

/// Counts the NDJSON lines of `text`; `first_line` is the number of lines before it (for
/// messages when a file is read in pieces).
pub fn add_lines(
    counter: &mut EventCounter<'_>,
    text: &str,
    first_line: usize,
) -> Result<(), BatchError> {
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = first_line + index + 1;
        let event = nines_counts::json::parse_record(line).map_err(|problem| {
            BatchError::new(number, "invalid_json", format!("invalid JSON: {problem}"))
        })?;
        counter.add(number, &event)?;
    }
    Ok(())
}

fn text_line(body: &[u8], offset: usize) -> usize {
    body[..offset.min(body.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}
