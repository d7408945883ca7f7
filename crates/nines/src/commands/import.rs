//! `nines import`: history into a store, all or nothing; or, with `--server`, into a
//! running `nines serve` through `POST /api/v1/backfill`, in chunks that each count once.

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
use crate::commands::serve::{open_store, store_config};
use crate::output;

/// Records per backfill request: about 1 MB of NDJSON, far under the server's default
/// 16 MiB body limit, and a day of one series at one-minute resolution is 1,440.
const BACKFILL_CHUNK_RECORDS: usize = 10_000;

/// Attempts per chunk before import gives up: a restart of the server or a short full
/// disk is ridden out, a server that stays down is reported.
const BACKFILL_ATTEMPTS: u32 = 6;

/// Time for one backfill request, the fsync on the server included.
const BACKFILL_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

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
    /// Backfill requests sent to a server (`--server`).
    #[serde(skip_serializing_if = "Option::is_none")]
    chunks: Option<usize>,
    /// Of those, chunks the server had already applied (a retry or a re-run).
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_chunks: Option<usize>,
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
    if args.store.lateness != "1h" {
        output::message(
            "note: --lateness does not apply to import: history of any age is accepted (with --server, as far back as the server keeps full resolution)",
        );
    }
    let (store, config) = match &args.server {
        Some(_) => {
            let Ok(config) = store_config(&args.store, &catalog) else {
                return Ok(Status::Error);
            };
            (None, config)
        }
        None => match open_store(&args.data, &args.store, &catalog) {
            Ok(store) => {
                let config = store.config().clone();
                (Some(store), config)
            }
            Err(_) => return Ok(Status::Error),
        },
    };
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
    let (intervals, chunks) = match (&store, &args.server) {
        (Some(store), _) => {
            let applied = store
                .write(Batch {
                    deltas,
                    unmeasured: summary.unmeasured.clone(),
                    ..Batch::default()
                })
                .map_err(|problem| anyhow::anyhow!("{problem}; nothing was imported"))?;
            store.compact(&catalog, jiff::Timestamp::now().as_millisecond())?;
            (applied.intervals, None)
        }
        (None, Some(url)) => {
            let Ok(sent) = backfill(url, args.write_token_file.as_deref(), &deltas) else {
                return Ok(Status::Error);
            };
            (deltas.len(), Some(sent))
        }
        (None, None) => return Ok(Status::Error),
    };
    let result = Summary {
        files: args.files.len(),
        bytes: total,
        records: records + summary.events,
        unmatched: summary.unmatched,
        unmeasured: summary.unmeasured,
        intervals,
        first: first.map(nines_core::report::timestamp),
        last: last.map(nines_core::report::timestamp),
        seconds: started.elapsed().as_secs_f64(),
        chunks: chunks.map(|sent| sent.chunks),
        duplicate_chunks: chunks.map(|sent| sent.duplicates),
    };
    let destination = match &args.server {
        Some(url) => url.clone(),
        None => args.data.display().to_string(),
    };
    match args.output {
        OutputFormat::Json => output::json(&result)?,
        OutputFormat::Text => {
            let mut text = format!(
                "imported {} record(s) from {} file(s) into {} interval(s) of {} in {:.1}s\n",
                result.records, result.files, result.intervals, destination, result.seconds
            );
            if let (Some(chunks), Some(duplicates)) = (result.chunks, result.duplicate_chunks) {
                text.push_str(&format!(
                    "  sent in {chunks} chunk(s); {duplicates} of them the server already had (counted once)\n"
                ));
            }
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

/// What a backfill sent.
#[derive(Clone, Copy, Debug)]
struct Sent {
    chunks: usize,
    duplicates: usize,
}

/// A stable key for a chunk: the same records give the same key, so a retried or
/// re-run chunk is applied once (within the server's idempotency window, a day).
fn chunk_key(body: &[u8]) -> String {
    // Two FNV-1a passes with different offsets: 128 bits, no dependency.
    let hash = |offset: u64| {
        body.iter().fold(offset, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "nines-import-{:016x}{:016x}",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x6c62_272e_07bb_0142)
    )
}

/// The write token for `--server`: the file, else NINES_WRITE_TOKEN.
fn write_token(file: Option<&Path>) -> Result<String, Reported> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|problem| {
            fail(&format!("--write-token-file {}: {problem}", path.display()))
        })?,
        None => std::env::var("NINES_WRITE_TOKEN").unwrap_or_default(),
    };
    let token = text.trim().to_string();
    if token.is_empty() {
        return Err(fail(
            "--server needs the server's write token: set NINES_WRITE_TOKEN or --write-token-file",
        ));
    }
    Ok(token)
}

/// Sends `deltas` to `url` in chunks of [`BACKFILL_CHUNK_RECORDS`], each with its own
/// `Idempotency-Key`, retrying what may succeed later (the server restarting, busy, or
/// its disk full). Chunks already sent stay applied when a later one fails; running the
/// same import again sends them again and the server counts them once.
fn backfill(
    url: &str,
    token_file: Option<&Path>,
    deltas: &[nines_store::Delta],
) -> Result<Sent, Reported> {
    let token = write_token(token_file)?;
    let base = url.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(fail(&format!(
            "--server `{url}` must be an http:// or https:// URL, e.g. http://127.0.0.1:9099"
        )));
    }
    crate::commands::remote::install_tls_provider();
    let client = reqwest::blocking::Client::builder()
        .timeout(BACKFILL_REQUEST_TIMEOUT)
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("nines/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|problem| fail(&format!("cannot build an HTTP client: {problem}")))?;
    let endpoint = format!("{base}/api/v1/backfill");
    let mut sent = Sent {
        chunks: 0,
        duplicates: 0,
    };
    let total = deltas.len().div_ceil(BACKFILL_CHUNK_RECORDS);
    for (index, chunk) in deltas.chunks(BACKFILL_CHUNK_RECORDS).enumerate() {
        let mut body = String::new();
        for delta in chunk {
            body.push_str(
                &serde_json::json!({
                    "sli": delta.series,
                    "timestamp": delta.at,
                    "good": delta.good,
                    "valid": delta.valid,
                })
                .to_string(),
            );
            body.push('\n');
        }
        let key = chunk_key(body.as_bytes());
        let mut attempt = 0;
        let duplicate = loop {
            attempt += 1;
            let outcome = client
                .post(&endpoint)
                .bearer_auth(&token)
                .header("idempotency-key", &key)
                .header("content-type", "application/x-ndjson")
                .body(body.clone())
                .send();
            let (retry, problem) = match outcome {
                Ok(response) if response.status().is_success() => {
                    let answer: serde_json::Value = response.json().unwrap_or_default();
                    break answer["duplicate"].as_bool().unwrap_or(false);
                }
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().unwrap_or_default();
                    let message = serde_json::from_str::<serde_json::Value>(&text)
                        .ok()
                        .and_then(|error| error["error"]["message"].as_str().map(str::to_string))
                        .unwrap_or(text);
                    let retry = status.is_server_error()
                        || status == reqwest::StatusCode::REQUEST_TIMEOUT
                        || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
                    (retry, format!("{status}: {message}"))
                }
                Err(problem) => (true, problem.to_string()),
            };
            if !retry || attempt >= BACKFILL_ATTEMPTS {
                let first = index * BACKFILL_CHUNK_RECORDS + 1;
                return Err(fail(&format!(
                    "{endpoint}: chunk {} of {total} (records {first} to {}) refused: {problem}; the {} chunk(s) before it are applied, and running the same import again sends them again without counting them twice",
                    index + 1,
                    first + chunk.len() - 1,
                    sent.chunks
                )));
            }
            std::thread::sleep(std::time::Duration::from_secs(1 << (attempt - 1).min(4)));
        };
        sent.chunks += 1;
        sent.duplicates += usize::from(duplicate);
    }
    Ok(sent)
}
