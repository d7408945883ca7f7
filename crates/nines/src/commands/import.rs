//! `nines import`: history into a store, all or nothing.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use nines_core::Duration;
use nines_core::source::Millis;
use nines_store::Batch;
use nines_store::ingest::events::{EventCounter, EventRules};
use nines_store::ingest::logs::{CsvEvents, RequestTimeUnit, parse_combined};
use nines_store::ingest::{BatchError, Window, aggregate};

use crate::cli::{ImportArgs, ImportFormat, OutputFormat, Status, TimeUnit};
use crate::commands::data::{Reported, fail, load_specs};
use crate::commands::serve::open_store;
use crate::output;

/// What an import did, for `--output json`.
#[derive(serde::Serialize)]
struct Summary {
    files: usize,
    bytes: u64,
    records: usize,
    unmatched: usize,
    /// Per SLI: events its filter took that lacked the measured field or had a wrong type.
    unmeasured: std::collections::BTreeMap<String, nines_store::ingest::events::Unmeasured>,
    intervals: usize,
    first: Option<String>,
    last: Option<String>,
    seconds: f64,
}

/// Reads a file through a progress bar counting bytes.
fn open(path: &Path, bar: &ProgressBar) -> Result<impl BufRead, Reported> {
    let file = std::fs::File::open(path)
        .map_err(|problem| fail(&format!("cannot read {}: {problem}", path.display())))?;
    Ok(BufReader::with_capacity(1 << 20, bar.wrap_read(file)))
}

fn at_line(path: &Path, error: BatchError) -> Reported {
    fail(&format!(
        "{}:{}: {}; nothing was imported",
        path.display(),
        error.line,
        error.message
    ))
}

pub fn run(args: &ImportArgs) -> anyhow::Result<Status> {
    let started = Instant::now();
    let Ok(catalog) = load_specs(&args.specs) else {
        return Ok(Status::Error);
    };
    let Ok(store) = open_store(&args.data, &args.store, &catalog) else {
        return Ok(Status::Error);
    };
    let config = store.config().clone();
    // History: any age is accepted; the future is not.
    let window = Window {
        received: jiff::Timestamp::now().as_millisecond(),
        lateness: Duration::from_days(365 * 100),
        future_skew: config.future_skew,
        resolution: config.resolution,
    };
    let total: u64 = args
        .files
        .iter()
        .map(|path| std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0))
        .sum();
    let bar = ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} importing {msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let rules = EventRules::new(&catalog);
    let unit = match args.request_time_unit {
        TimeUnit::S => RequestTimeUnit::Seconds,
        TimeUnit::Ms => RequestTimeUnit::Milliseconds,
        TimeUnit::Us => RequestTimeUnit::Microseconds,
    };
    let names = nines_counts::SeriesNames::new(&catalog);
    let mut counter = EventCounter::new(&rules, window);
    let mut counted = Vec::new();
    let mut records = 0;
    for path in &args.files {
        bar.set_message(path.display().to_string());
        let outcome: Result<(), Reported> = match args.format {
            ImportFormat::Ndjson => (|| {
                let reader = open(path, &bar)?;
                for (index, line) in reader.lines().enumerate() {
                    let line = line.map_err(|problem| {
                        fail(&format!("{}:{}: {problem}", path.display(), index + 1))
                    })?;
                    nines_store::ingest::events::add_lines(&mut counter, &line, index)
                        .map_err(|error| at_line(path, error))?;
                }
                Ok(())
            })(),
            ImportFormat::CombinedLog => (|| {
                let reader = open(path, &bar)?;
                for (index, line) in reader.lines().enumerate() {
                    let number = index + 1;
                    let line = line.map_err(|problem| {
                        fail(&format!("{}:{number}: {problem}", path.display()))
                    })?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let (at, event) = parse_combined(&line, unit).map_err(|message| {
                        at_line(path, BatchError::new(number, "invalid_row", message))
                    })?;
                    counter
                        .add_at(number, &event, at)
                        .map_err(|error| at_line(path, error))?;
                }
                Ok(())
            })(),
            ImportFormat::Csv => (|| {
                let reader = open(path, &bar)?;
                let events = CsvEvents::new(reader)
                    .map_err(|message| at_line(path, BatchError::new(1, "invalid_row", message)))?;
                for (line, event) in events {
                    let event = event.map_err(|message| {
                        at_line(path, BatchError::new(line, "invalid_row", message))
                    })?;
                    counter
                        .add(line, &event)
                        .map_err(|error| at_line(path, error))?;
                }
                Ok(())
            })(),
            ImportFormat::Counts => (|| {
                let mut text = String::new();
                open(path, &bar)?
                    .read_to_string(&mut text)
                    .map_err(|problem| {
                        fail(&format!("cannot read {}: {problem}", path.display()))
                    })?;
                let name = path.display().to_string();
                let is_json = path.extension().is_some_and(|extension| {
                    extension == "ndjson" || extension == "json" || extension == "jsonl"
                });
                let rows = if is_json {
                    nines_counts::parse_ndjson(&name, &text, &names)
                } else {
                    nines_counts::parse_csv(&name, &text, &names)
                }
                .map_err(|problem| fail(&format!("{problem}; nothing was imported")))?;
                records += rows.len();
                // The same window as events: no future rows (issue 9.2).
                counted.extend(
                    nines_store::ingest::counts::deltas_from_rows(rows, &window)
                        .map_err(|error| at_line(path, error))?,
                );
                Ok(())
            })(),
        };
        if outcome.is_err() {
            bar.abandon();
            return Ok(Status::Error);
        }
    }
    bar.finish_and_clear();
    let (mut deltas, summary) = counter.finish();
    deltas.extend(aggregate(counted, config.resolution));
    let first: Option<Millis> = deltas.iter().map(|delta| delta.at).min();
    let last: Option<Millis> = deltas.iter().map(|delta| delta.at).max();
    let applied = store
        .write(Batch {
            deltas,
            unmeasured: summary.unmeasured.clone(),
            ..Batch::default()
        })
        .map_err(|problem| anyhow::anyhow!("{problem}; nothing was imported"))?;
    store.compact(&catalog, jiff::Timestamp::now().as_millisecond())?;
    let result = Summary {
        files: args.files.len(),
        bytes: total,
        records: records + summary.events,
        unmatched: summary.unmatched,
        unmeasured: summary.unmeasured,
        intervals: applied.intervals,
        first: first.map(nines_core::report::timestamp),
        last: last.map(nines_core::report::timestamp),
        seconds: started.elapsed().as_secs_f64(),
    };
    match args.output {
        OutputFormat::Json => output::json(&result)?,
        OutputFormat::Text => {
            let mut text = format!(
                "imported {} record(s) from {} file(s) into {} interval(s) of {} in {:.1}s\n",
                result.records,
                result.files,
                result.intervals,
                args.data.display(),
                result.seconds
            );
            if let (Some(first), Some(last)) = (&result.first, &result.last) {
                text.push_str(&format!("  from {first} to {last}\n"));
            }
            if result.unmatched > 0 {
                text.push_str(&format!(
                    "  {} event(s) matched no SLI's filters (see `nines validate` and docs/api.md#events)\n",
                    result.unmatched
                ));
            }
            for (series, unmeasured) in &result.unmeasured {
                text.push_str(&format!(
                    "  {series}: {} event(s) not counted: {} without the measured field, {} with a value that is not a number (see `events.field` and `events.unit` in docs/spec-format.md)\n",
                    unmeasured.total(),
                    unmeasured.missing_field,
                    unmeasured.wrong_type
                ));
            }
            output::data(&text);
        }
    }
    Ok(Status::Success)
}
