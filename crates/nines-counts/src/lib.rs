//! Counts files: interval counts exported from anywhere, as CSV or NDJSON.
//!
//! ```text
//! timestamp,sli,good,valid
//! 2026-11-01T00:00:00Z,checkout/availability,9991,10000
//! 2026-11-01T00:05:00Z,checkout/availability,9987,10000
//! ```
//!
//! One row counts the events of one interval starting at `timestamp` (RFC 3339, or Unix
//! seconds or milliseconds): `good` (or `bad`) and `valid` (also spelled `total`), each a
//! whole number from 0 to [`MAX_RECORD_COUNT`] (in JSON, an integer: not a string, not a
//! fraction). Rows
//! may come in any order and at any interval length; they are placed on the source's grid
//! (one minute by default). `sli` names a series: `service/sli` (for an inline SLI, its
//! SLO's name), `service/sli/objective` for an objective with its own threshold, or just
//! `sli` when only one service has it. A name that stands for two series (an SLO with two
//! objectives of their own thresholds, named without the objective) is refused with the
//! candidates.
//!
//! A file is read whole before anything is applied: one bad row rejects the file with its
//! line number and the reason, and the source is left as it was.

#![deny(missing_docs)]

pub mod json;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nines_core::Duration;
use nines_core::memory::MemorySource;
use nines_core::model::{Catalog, Indicator, MemberSource};
use nines_core::source::{MAX_INTERVAL_COUNT, MAX_RECORD_COUNT, Millis};

/// Why counts could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CountsError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A row is malformed: the file is rejected, nothing of it applied.
    #[error("{file}:{line}: {message}")]
    Row {
        /// The file.
        file: String,
        /// Line number, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// One parsed row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Interval start.
    pub at: Millis,
    /// The resolved series key.
    pub series: String,
    /// Good events (at most `valid`).
    pub good: u64,
    /// Valid events (at most [`MAX_RECORD_COUNT`]).
    pub valid: u64,
    /// The line (or array item) it was read from, from 1.
    pub line: usize,
}

/// Maps the names people write in counts files to series keys.
#[derive(Clone, Debug, Default)]
pub struct SeriesNames {
    names: HashMap<String, String>,
    ambiguous: HashMap<String, Vec<String>>,
    known: Vec<String>,
}

/// Keeps names that stand for one series; moves those that stand for several to `ambiguous`.
fn settle(
    candidates: HashMap<String, Vec<String>>,
    names: &mut HashMap<String, String>,
    ambiguous: &mut HashMap<String, Vec<String>>,
) {
    for (name, mut keys) in candidates {
        if names.contains_key(&name) {
            continue;
        }
        keys.sort();
        keys.dedup();
        if keys.len() == 1 {
            names.insert(name, keys.remove(0));
        } else {
            ambiguous.insert(name, keys);
        }
    }
}

impl SeriesNames {
    /// Every series `catalog` reads, with its aliases.
    pub fn new(catalog: &Catalog) -> Self {
        let mut names = SeriesNames::default();
        let mut bare: HashMap<String, Vec<String>> = HashMap::new();
        let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
        let mut add = |names: &mut SeriesNames, key: String, alias: Vec<String>| {
            if !names.known.contains(&key) {
                names.known.push(key.clone());
            }
            names.names.insert(key.clone(), key.clone());
            for alias in alias {
                aliases.entry(alias).or_default().push(key.clone());
            }
        };
        for slo in &catalog.slos {
            match &slo.indicator {
                Indicator::Sli(_) => {
                    for objective in &slo.objectives {
                        let key = slo.series_key(objective);
                        let short = key
                            .split_once('/')
                            .map(|(_, rest)| rest.to_string())
                            .unwrap_or_default();
                        bare.entry(short).or_default().push(key.clone());
                        // `service/slo` also names the SLO's series, when it has one
                        // (objectives with their own thresholds have one series each).
                        add(&mut names, key, vec![slo.qualified_name()]);
                    }
                }
                Indicator::Composite(composite) => {
                    for member in &composite.members {
                        if let MemberSource::Indicator { .. } = member.source {
                            let key = slo.member_series_key(&member.name);
                            add(&mut names, key, Vec::new());
                        }
                    }
                }
            }
        }
        // Full keys win; then `service/slo`; then bare names.
        settle(aliases, &mut names.names, &mut names.ambiguous);
        settle(bare, &mut names.names, &mut names.ambiguous);
        names.known.sort();
        names
    }

    /// The series key `name` stands for, or why it stands for none.
    pub fn resolve(&self, name: &str) -> Result<&str, String> {
        if let Some(key) = self.names.get(name) {
            return Ok(key);
        }
        if let Some(keys) = self.ambiguous.get(name) {
            return Err(format!(
                "`{name}` is ambiguous: write one of {}",
                keys.join(", ")
            ));
        }
        let closest = self
            .known
            .iter()
            .map(|known| (strsim::levenshtein(name, known), known))
            .min_by_key(|(distance, _)| *distance)
            .filter(|(distance, _)| *distance <= 3)
            .map(|(_, known)| format!("; did you mean `{known}`?"))
            .unwrap_or_else(|| {
                let shown: Vec<&str> = self.known.iter().take(8).map(String::as_str).collect();
                format!(
                    "; known series: {}{}",
                    shown.join(", "),
                    if self.known.len() > 8 { ", ..." } else { "" }
                )
            });
        Err(format!("unknown SLI `{name}`{closest}"))
    }
}

/// Parses a timestamp: RFC 3339, or Unix seconds, or Unix milliseconds (13 digits or more),
/// within the range every timestamp in nines must lie in (`nines_core::timestamp`).
pub fn parse_timestamp(text: &str) -> Result<Millis, String> {
    nines_core::timestamp::parse(text).map_err(|problem| problem.to_string())
}

/// Reads a count written as text (a CSV cell): decimal digits only, at most
/// [`MAX_RECORD_COUNT`].
pub fn count_from_text(text: &str, what: &str) -> Result<u64, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        return match text.parse::<u64>() {
            Ok(value) => within_record_limit(value, what),
            Err(_) => Err(too_large(text, what)),
        };
    }
    let hint = if text.starts_with('-') {
        "counts are never negative"
    } else if text.parse::<f64>().is_ok_and(f64::is_finite) {
        "counts are whole numbers of events, written with digits only (10000, not 10000.5 or 1e4)"
    } else {
        "expected a whole number of events"
    };
    Err(format!("{what} `{text}` is not a count: {hint}"))
}

/// Reads a count from a JSON value: an integer from 0 to [`MAX_RECORD_COUNT`].
pub fn count_from_json(value: &serde_json::Value, what: &str) -> Result<u64, String> {
    match value {
        serde_json::Value::Number(number) => {
            if let Some(value) = number.as_u64() {
                return within_record_limit(value, what);
            }
            let hint = if number.as_i64().is_some() || number.as_f64().is_some_and(|v| v < 0.0) {
                "counts are never negative"
            } else {
                "a count is a JSON integer (10000, not 10000.5, 1e4 or 10000.0)"
            };
            Err(format!("{what} {number} is not a count: {hint}"))
        }
        serde_json::Value::String(text) => Err(format!(
            "{what} \"{text}\" is a string: a count is a JSON integer, without quotes"
        )),
        other => Err(format!(
            "{what} {other} is not a count: a count is a JSON integer"
        )),
    }
}

fn too_large(text: &str, what: &str) -> String {
    format!(
        "{what} {text} is more than one record may carry ({MAX_RECORD_COUNT} events; split it over intervals or records)"
    )
}

fn within_record_limit(value: u64, what: &str) -> Result<u64, String> {
    if value > MAX_RECORD_COUNT {
        Err(too_large(&value.to_string(), what))
    } else {
        Ok(value)
    }
}

/// A count as read, still to be checked against the others.
enum Field<'a> {
    /// A CSV cell.
    Text(&'a str),
    /// A JSON value.
    Json(&'a serde_json::Value),
}

impl Field<'_> {
    fn count(&self, what: &str) -> Result<u64, String> {
        match self {
            Field::Text(text) => count_from_text(text, what),
            Field::Json(value) => count_from_json(value, what),
        }
    }
}

/// A row's fields before checking.
struct RawRow<'a> {
    timestamp: &'a str,
    sli: &'a str,
    good: Option<Field<'a>>,
    bad: Option<Field<'a>>,
    valid: Field<'a>,
    line: usize,
}

fn check(raw: &RawRow<'_>, names: &SeriesNames) -> Result<Row, String> {
    let at = parse_timestamp(raw.timestamp)?;
    let series = names.resolve(raw.sli.trim())?.to_string();
    let valid = raw.valid.count("valid")?;
    let good = match (&raw.good, &raw.bad) {
        (Some(good), None) => good.count("good")?,
        (None, Some(bad)) => {
            let bad = bad.count("bad")?;
            if bad > valid {
                return Err(format!("bad ({bad}) exceeds valid ({valid})"));
            }
            valid - bad
        }
        _ => return Err("a row has `good` or `bad`, not both".to_string()),
    };
    if good > valid {
        return Err(format!("good ({good}) exceeds valid ({valid})"));
    }
    Ok(Row {
        at,
        series,
        good,
        valid,
        line: raw.line,
    })
}

const COLUMNS_HINT: &str = "expected columns: timestamp, sli, good (or bad), valid (or total)";

/// Parses a CSV text. The header names the columns (in any order, any case).
pub fn parse_csv(file: &str, text: &str, names: &SeriesNames) -> Result<Vec<Row>, CountsError> {
    let error = |line: usize, message: String| CountsError::Row {
        file: file.to_string(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|problem| error(1, format!("cannot read the header: {problem}")))?
        .clone();
    let mut columns: HashMap<&str, usize> = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        let canonical = match header.to_ascii_lowercase().as_str() {
            "timestamp" | "time" | "ts" => "timestamp",
            "sli" | "series" => "sli",
            "good" => "good",
            "bad" => "bad",
            "valid" | "total" => "valid",
            other => {
                return Err(error(
                    1,
                    format!("unknown column `{other}`; {COLUMNS_HINT}"),
                ));
            }
        };
        if columns.insert(canonical, index).is_some() {
            return Err(error(1, format!("column `{canonical}` appears twice")));
        }
    }
    for required in ["timestamp", "sli", "valid"] {
        if !columns.contains_key(required) {
            return Err(error(1, format!("no `{required}` column; {COLUMNS_HINT}")));
        }
    }
    if columns.contains_key("good") == columns.contains_key("bad") {
        return Err(error(
            1,
            format!("the header needs exactly one of `good` and `bad`; {COLUMNS_HINT}"),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|problem| {
            let line = problem
                .position()
                .map_or(0, |position| position.line() as usize);
            error(line, format!("malformed CSV: {problem}"))
        })?;
        let line = record
            .position()
            .map_or(0, |position| position.line() as usize);
        let field = |name: &str| columns.get(name).and_then(|index| record.get(*index));
        let raw = RawRow {
            timestamp: field("timestamp").unwrap_or_default(),
            sli: field("sli").unwrap_or_default(),
            good: field("good").map(Field::Text),
            bad: field("bad").map(Field::Text),
            valid: Field::Text(field("valid").unwrap_or_default()),
            line,
        };
        rows.push(check(&raw, names).map_err(|message| error(line, message))?);
    }
    Ok(rows)
}

/// Parses NDJSON: one object per line with `timestamp`, `sli`, `good` (or `bad`) and
/// `valid` (or `total`). A JSON array of such objects is accepted too.
pub fn parse_ndjson(file: &str, text: &str, names: &SeriesNames) -> Result<Vec<Row>, CountsError> {
    let error = |line: usize, message: String| CountsError::Row {
        file: file.to_string(),
        line,
        message,
    };
    if text.trim_start().starts_with('[') {
        let items = json::parse_records(text)
            .map_err(|problem| error(problem.line(), format!("invalid JSON: {problem}")))?;
        return items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                json_row(item, names, index + 1)
                    .map_err(|message| error(index + 1, format!("item {}: {message}", index + 1)))
            })
            .collect();
    }
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = json::parse_record(line)
            .map_err(|problem| error(index + 1, format!("invalid JSON: {problem}")))?;
        rows.push(json_row(&value, names, index + 1).map_err(|message| error(index + 1, message))?);
    }
    Ok(rows)
}

fn json_row(value: &serde_json::Value, names: &SeriesNames, line: usize) -> Result<Row, String> {
    let object = value.as_object().ok_or("each line must be a JSON object")?;
    for key in object.keys() {
        if !matches!(
            key.as_str(),
            "timestamp" | "time" | "ts" | "sli" | "series" | "good" | "bad" | "valid" | "total"
        ) {
            return Err(format!("unknown field `{key}`; {COLUMNS_HINT}"));
        }
    }
    let one_of = |keys: &[&str]| -> Result<Option<&serde_json::Value>, String> {
        let present: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|key| object.contains_key(*key))
            .collect();
        if present.len() > 1 {
            return Err(format!(
                "`{}` name the same field: give one",
                present.join("` and `")
            ));
        }
        Ok(present.first().and_then(|key| object.get(*key)))
    };
    let timestamp = match one_of(&["timestamp", "time", "ts"])? {
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(serde_json::Value::Number(number)) => number.to_string(),
        Some(other) => return Err(format!("`timestamp` {other} is not a timestamp")),
        None => return Err("no `timestamp`".to_string()),
    };
    let sli = match one_of(&["sli", "series"])? {
        Some(serde_json::Value::String(name)) => name.clone(),
        Some(_) => return Err("`sli` must be a string".to_string()),
        None => return Err("no `sli`".to_string()),
    };
    let valid = one_of(&["valid", "total"])?.ok_or("no `valid`")?;
    check(
        &RawRow {
            timestamp: &timestamp,
            sli: &sli,
            good: object.get("good").map(Field::Json),
            bad: object.get("bad").map(Field::Json),
            valid: Field::Json(valid),
            line,
        },
        names,
    )
}

/// Parses a counts text, by extension or content: CSV, or NDJSON/JSON.
pub fn parse(file: &str, text: &str, names: &SeriesNames) -> Result<Vec<Row>, CountsError> {
    let json = [".ndjson", ".jsonl", ".json"]
        .iter()
        .any(|extension| file.ends_with(extension))
        || text.trim_start().starts_with(['{', '[']);
    if json {
        parse_ndjson(file, text, names)
    } else {
        parse_csv(file, text, names)
    }
}

/// Loads counts files into a source for `catalog` at `resolution`, prepared for reading.
/// Each file is parsed whole before any of it is applied.
pub fn load(
    paths: &[PathBuf],
    catalog: &Catalog,
    resolution: Duration,
) -> Result<MemorySource, CountsError> {
    let names = SeriesNames::new(catalog);
    let mut source = MemorySource::new(resolution);
    // Valid events per (series, interval) over every file: checked against the interval
    // ceiling before a file is applied.
    let mut totals: HashMap<(String, i64), u64> = HashMap::new();
    let step = nines_core::source::millis(resolution).max(1);
    for path in paths {
        let rows = read(path, &names)?;
        for row in &rows {
            let total = totals
                .entry((row.series.clone(), row.at.div_euclid(step)))
                .or_default();
            *total = total.saturating_add(row.valid);
            if *total > MAX_INTERVAL_COUNT {
                return Err(CountsError::Row {
                    file: path.display().to_string(),
                    line: row.line,
                    message: format!(
                        "the interval of {} for `{}` would hold more than {MAX_INTERVAL_COUNT} valid events, the most one interval may hold",
                        nines_core::timestamp::format_millis(row.at),
                        row.series
                    ),
                });
            }
        }
        for row in rows {
            // Cannot fail: the interval totals were checked above and rows never carry
            // more good than valid events.
            let _ = source.add_counts(&row.series, row.at, row.good as i64, row.valid);
        }
    }
    source.prepare(catalog);
    Ok(source)
}

fn read(path: &Path, names: &SeriesNames) -> Result<Vec<Row>, CountsError> {
    let text = std::fs::read_to_string(path).map_err(|source| CountsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&path.display().to_string(), &text, names)
}

#[cfg(test)]
mod tests;
