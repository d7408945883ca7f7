//! Counts files: interval counts exported from anywhere, as CSV or NDJSON.
//!
//! ```text
//! timestamp,sli,good,valid
//! 2026-11-01T00:00:00Z,checkout/availability,9991,10000
//! 2026-11-01T00:05:00Z,checkout/availability,9987,10000
//! ```
//!
//! One row counts the events of one interval starting at `timestamp` (RFC 3339, or Unix
//! seconds or milliseconds): `good` (or `bad`) and `valid` (also spelled `total`). Rows
//! may come in any order and at any interval length; they are placed on the source's grid
//! (one minute by default). `sli` names a series: `service/sli` (for an inline SLI, its
//! SLO's name), `service/sli/objective` for an objective with its own threshold, or just
//! `sli` when only one service has it.
//!
//! A file is read whole before anything is applied: one bad row rejects the file with its
//! line number and the reason, and the source is left as it was.

#![deny(missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nines_core::Duration;
use nines_core::memory::MemorySource;
use nines_core::model::{Catalog, Indicator, MemberSource};
use nines_core::source::Millis;

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
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Interval start.
    pub at: Millis,
    /// The resolved series key.
    pub series: String,
    /// Good events.
    pub good: f64,
    /// Valid events.
    pub valid: f64,
}

/// Maps the names people write in counts files to series keys.
#[derive(Clone, Debug, Default)]
pub struct SeriesNames {
    names: HashMap<String, String>,
    ambiguous: HashMap<String, Vec<String>>,
    known: Vec<String>,
}

impl SeriesNames {
    /// Every series `catalog` reads, with its aliases.
    pub fn new(catalog: &Catalog) -> Self {
        let mut names = SeriesNames::default();
        let mut bare: HashMap<String, Vec<String>> = HashMap::new();
        let add = |names: &mut SeriesNames, key: String, aliases: Vec<String>| {
            if !names.known.contains(&key) {
                names.known.push(key.clone());
            }
            names.names.insert(key.clone(), key.clone());
            for alias in aliases {
                names.names.entry(alias).or_insert_with(|| key.clone());
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
                        // `service/slo` also names the SLO's (first) series.
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
        for (short, keys) in bare {
            let mut keys = keys;
            keys.sort();
            keys.dedup();
            if keys.len() == 1 {
                names.names.entry(short).or_insert_with(|| keys[0].clone());
            } else {
                names.ambiguous.insert(short, keys);
            }
        }
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

fn count(text: &str, what: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{what} `{}` is not a number", text.trim()))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "{what} `{}` must be a finite number, zero or more",
            text.trim()
        ));
    }
    Ok(value)
}

/// A row's fields before checking.
struct RawRow<'a> {
    timestamp: &'a str,
    sli: &'a str,
    good: Option<&'a str>,
    bad: Option<&'a str>,
    valid: &'a str,
}

fn check(raw: &RawRow<'_>, names: &SeriesNames) -> Result<Row, String> {
    let at = parse_timestamp(raw.timestamp)?;
    let series = names.resolve(raw.sli.trim())?.to_string();
    let valid = count(raw.valid, "valid")?;
    let good = match (raw.good, raw.bad) {
        (Some(good), None) => count(good, "good")?,
        (None, Some(bad)) => {
            let bad = count(bad, "bad")?;
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
            good: field("good"),
            bad: field("bad"),
            valid: field("valid").unwrap_or_default(),
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
        let items: Vec<serde_json::Value> = serde_json::from_str(text)
            .map_err(|problem| error(problem.line(), format!("invalid JSON: {problem}")))?;
        return items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                json_row(item, names)
                    .map_err(|message| error(index + 1, format!("item {}: {message}", index + 1)))
            })
            .collect();
    }
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|problem| error(index + 1, format!("invalid JSON: {problem}")))?;
        rows.push(json_row(&value, names).map_err(|message| error(index + 1, message))?);
    }
    Ok(rows)
}

fn json_row(value: &serde_json::Value, names: &SeriesNames) -> Result<Row, String> {
    let object = value.as_object().ok_or("each line must be a JSON object")?;
    for key in object.keys() {
        if !matches!(
            key.as_str(),
            "timestamp" | "time" | "ts" | "sli" | "series" | "good" | "bad" | "valid" | "total"
        ) {
            return Err(format!("unknown field `{key}`; {COLUMNS_HINT}"));
        }
    }
    let text = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|key| object.get(*key))
            .map(|value| match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
    };
    let timestamp = text(&["timestamp", "time", "ts"]).ok_or("no `timestamp`")?;
    let sli = match object.get("sli").or(object.get("series")) {
        Some(serde_json::Value::String(name)) => name.clone(),
        Some(_) => return Err("`sli` must be a string".to_string()),
        None => return Err("no `sli`".to_string()),
    };
    let valid = text(&["valid", "total"]).ok_or("no `valid`")?;
    let good = text(&["good"]);
    let bad = text(&["bad"]);
    check(
        &RawRow {
            timestamp: &timestamp,
            sli: &sli,
            good: good.as_deref(),
            bad: bad.as_deref(),
            valid: &valid,
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
    for path in paths {
        let rows = read(path, &names)?;
        for row in rows {
            source.add(&row.series, row.at, row.good, row.valid);
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
