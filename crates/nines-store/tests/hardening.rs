//! Inputs that used to brick the store or lose events (issue 9.1, 9.2, 9.3, 9.10) and the
//! data side of issue 8 (8.7, 8.9): each test fails on the code before the fix.

use std::path::PathBuf;

use nines_core::Duration;
use nines_core::model::Catalog;
use nines_core::source::{DataSource, MAX_INTERVAL_COUNT, MAX_RECORD_COUNT, TimeRange};
use nines_counts::SeriesNames;
use nines_spec::{Source, load_sources};
use nines_store::chunk::encode_float_version;
use nines_store::ingest::counts::{deltas_from_rows, parse_counts};
use nines_store::ingest::events::{EventRules, parse_events};
use nines_store::ingest::remote_write::{
    Label, RemoteWriteRules, Sample, TimeSeries, WriteRequest, to_batch,
};
use nines_store::ingest::{BatchError, Window};
use nines_store::{Batch, Delta, Store, StoreConfig, StoreError};

const MINUTE: i64 = 60_000;

const SPEC: &str = r#"
apiVersion: nines/v1
name: shop
slos:
  - name: availability
    target: 99.9%
    window: 28d
    sli:
      events:
        valid: route == "/checkout"
        good: status < 500
      prometheus:
        valid: http_requests_total{job="shop"}
        bad: http_requests_total{job="shop",code=~"5.."}
  - name: latency
    window: 28d
    sli:
      latency: 250ms
      events:
        valid: route == "/checkout"
        field: latency_ms
        unit: ms
    objectives:
      - name: fast
        target: 90%
        threshold: "<= 100ms"
      - name: acceptable
        target: 99%
        threshold: "<= 250ms"
"#;

fn catalog() -> Catalog {
    let loaded = load_sources(&[Source {
        name: "spec.yaml".into(),
        text: SPEC.into(),
    }]);
    assert!(
        loaded
            .diagnostics
            .iter()
            .all(|d| d.severity != nines_spec::Severity::Error),
        "{:?}",
        loaded.diagnostics
    );
    loaded.catalog
}

/// The clock now, on a minute: these tests exercise the future-skew bound, which is
/// relative to the real clock when the store loads.
fn now() -> i64 {
    let now = jiff::Timestamp::now().as_millisecond();
    now - now.rem_euclid(MINUTE)
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("nines-hardening-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn window(received: i64) -> Window {
    Window {
        received,
        lateness: Duration::from_hours(1),
        future_skew: Duration::from_minutes(5),
        resolution: Duration::from_minutes(1),
    }
}

fn total(store: &Store, series: &str) -> (f64, f64) {
    let counts = store
        .view()
        .sum(series, TimeRange::new(0, i64::MAX / 4))
        .unwrap();
    (counts.good, counts.valid)
}

fn delta(series: &str, at: i64, good: i64, valid: u64) -> Delta {
    Delta {
        series: series.into(),
        at,
        good,
        valid,
    }
}

fn write(store: &Store, deltas: Vec<Delta>) -> Result<nines_store::Applied, StoreError> {
    store.write(Batch {
        deltas,
        ..Batch::default()
    })
}

#[test]
fn absurd_counts_are_refused_and_never_reach_the_store() {
    // issue 9.1: two rows of `valid: 1.7e308` were accepted and added up to infinity.
    let catalog = catalog();
    let names = SeriesNames::new(&catalog);
    let at = now();
    let stamp = nines_core::timestamp::format_millis(at);
    for (body, code) in [
        (
            format!(
                r#"{{"timestamp":"{stamp}","sli":"shop/availability","good":0,"valid":1.7e308}}"#
            ),
            "invalid_row",
        ),
        (
            format!(
                r#"{{"timestamp":"{stamp}","sli":"shop/availability","good":0,"valid":1000000000001}}"#
            ),
            "count_limit",
        ),
        (
            format!(r#"{{"timestamp":"{stamp}","sli":"shop/availability","good":1,"valid":"10"}}"#),
            "invalid_row",
        ),
        (
            format!(r#"{{"timestamp":"{stamp}","sli":"shop/availability","good":0.5,"valid":1}}"#),
            "invalid_row",
        ),
        (
            format!(r#"{{"timestamp":"{stamp}","sli":"shop/availability","good":-1,"valid":1}}"#),
            "invalid_row",
        ),
    ] {
        let error = parse_counts(body.as_bytes(), &names, &window(at)).unwrap_err();
        assert_eq!((error.line, error.code), (1, code), "{body}: {error}");
    }
    let csv = format!("timestamp,sli,good,valid\n{stamp},shop/availability,1,2.5\n");
    let error = parse_counts(csv.as_bytes(), &names, &window(at));
    assert!(error.is_err(), "{error:?}");
}

#[test]
fn an_interval_past_its_ceiling_is_refused_and_the_store_still_opens() {
    // issue 9.1: the store must refuse what would overflow, apply nothing of the batch,
    // and keep opening and taking writes.
    let directory = TempDir::new("ceiling");
    let at = now() - 10 * MINUTE;
    {
        let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
        write(
            &store,
            vec![
                delta("shop/availability", at, 0, MAX_RECORD_COUNT),
                delta("shop/availability", at + 1, 0, MAX_RECORD_COUNT),
            ],
        )
        .unwrap();
        let refused = write(
            &store,
            vec![
                delta("shop/latency", at, 1, 1),
                delta("shop/availability", at, 0, MAX_RECORD_COUNT),
            ],
        );
        match refused {
            Err(error @ StoreError::CountLimit { .. }) => {
                assert_eq!(error.client_code(), Some("count_limit"));
                assert!(error.to_string().contains("shop/availability"), "{error}");
            }
            other => panic!("{other:?}"),
        }
        // Nothing of the refused batch, in memory or on disk.
        assert_eq!(total(&store, "shop/latency"), (0.0, 0.0));
        assert_eq!(
            total(&store, "shop/availability"),
            (0.0, 2.0 * MAX_RECORD_COUNT as f64)
        );
        const { assert!(2 * MAX_RECORD_COUNT <= MAX_INTERVAL_COUNT) };
    }
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    assert_eq!(total(&store, "shop/latency"), (0.0, 0.0));
    write(&store, vec![delta("shop/availability", at, 5, 5)]).unwrap();
    assert_eq!(
        total(&store, "shop/availability"),
        (5.0, 2.0 * MAX_RECORD_COUNT as f64 + 5.0)
    );
}

#[test]
fn remote_write_samples_that_are_not_counters_add_nothing() {
    // issue 9.1 (via remote write) and 9.10: 1.7e308, negative and fractional samples;
    // a counter going from -5 to -1 used to add 4.
    let catalog = catalog();
    let rules = RemoteWriteRules::new(&catalog);
    let at = now() - 10 * MINUTE;
    let series = |samples: &[(i64, f64)]| TimeSeries {
        labels: vec![
            Label {
                name: "__name__".into(),
                value: "http_requests_total".into(),
            },
            Label {
                name: "job".into(),
                value: "shop".into(),
            },
        ],
        samples: samples
            .iter()
            .map(|&(timestamp, value)| Sample { value, timestamp })
            .collect(),
    };
    let request = WriteRequest {
        timeseries: vec![series(&[
            (at, -5.0),
            (at + 1_000, -1.0),
            (at + 2_000, 1.7e308),
            (at + 3_000, 0.5),
        ])],
    };
    let directory = TempDir::new("remote");
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    let mut summary = None;
    store
        .write_with(|writer| {
            let (batch, counted) = to_batch(
                &request,
                &rules,
                writer,
                at - 60 * MINUTE,
                at + 60 * MINUTE,
                Duration::from_minutes(1),
            );
            summary = Some(counted);
            Ok::<_, std::convert::Infallible>(batch)
        })
        .unwrap()
        .unwrap();
    assert_eq!(summary.unwrap().invalid, 4);
    assert_eq!(total(&store, "shop/availability"), (0.0, 0.0));
    // A valid counter afterwards starts from its first valid sample.
    let request = WriteRequest {
        timeseries: vec![series(&[(at + 4_000, 10.0), (at + 5_000, 13.0)])],
    };
    store
        .write_with(|writer| {
            Ok::<_, std::convert::Infallible>(
                to_batch(
                    &request,
                    &rules,
                    writer,
                    at - 60 * MINUTE,
                    at + 60 * MINUTE,
                    Duration::from_minutes(1),
                )
                .0,
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(total(&store, "shop/availability"), (3.0, 3.0));
}

#[test]
fn a_busy_minute_is_exact_in_the_store_and_after_a_restart() {
    // issue 9.3: with about 20 million events in one minute, 3 bad of 20,000,003 showed as
    // 4, ten acknowledged +1 writes did not show, and a restart gave other totals again.
    let directory = TempDir::new("busy");
    let at = now() - 30 * MINUTE;
    {
        let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
        write(
            &store,
            vec![delta("shop/availability", at, 20_000_000, 20_000_003)],
        )
        .unwrap();
        let counts = store
            .view()
            .sum("shop/availability", TimeRange::new(at, at + MINUTE))
            .unwrap();
        assert_eq!((counts.valid, counts.bad()), (20_000_003.0, 3.0));
        for second in 0..10 {
            write(
                &store,
                vec![delta("shop/availability", at + second * 1_000, 1, 1)],
            )
            .unwrap();
        }
        assert_eq!(
            total(&store, "shop/availability"),
            (20_000_010.0, 20_000_013.0)
        );
    }
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    assert_eq!(
        total(&store, "shop/availability"),
        (20_000_010.0, 20_000_013.0)
    );
}

#[test]
fn future_and_out_of_range_timestamps_never_reach_the_store() {
    // issue 9.2: one row now and one at 9999-01-01 (or any far future) were committed by
    // import, and every later start tried to allocate 42 GB.
    let catalog = catalog();
    let names = SeriesNames::new(&catalog);
    let at = now();
    let import = Window {
        received: at,
        lateness: Duration::from_days(365 * 100),
        future_skew: Duration::from_minutes(5),
        resolution: Duration::from_minutes(1),
    };
    let far = "timestamp,sli,good,valid\n2099-12-31T00:00:00Z,shop/availability,1,1\n";
    let rows = nines_counts::parse_csv("far.csv", far, &names).unwrap();
    let error: BatchError = deltas_from_rows(rows, &import).unwrap_err();
    assert_eq!((error.line, error.code), (2, "out_of_window"));
    assert!(error.message.contains("in the future"), "{}", error.message);
    let beyond = "timestamp,sli,good,valid\n9999-01-01T00:00:00Z,shop/availability,1,1\n";
    assert!(nines_counts::parse_csv("beyond.csv", beyond, &names).is_err());
    // The store itself refuses a delta outside the accepted range, whoever builds it.
    let directory = TempDir::new("range");
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    let refused = write(
        &store,
        vec![
            delta("shop/availability", at, 1, 1),
            delta("shop/availability", 253_402_300_799_000, 1, 1),
        ],
    );
    assert!(
        matches!(refused, Err(StoreError::OutOfRange(_))),
        "{refused:?}"
    );
    assert_eq!(total(&store, "shop/availability"), (0.0, 0.0));
}

/// The tables of the store file, as `nines_store::store` defines them.
const SERIES: redb::TableDefinition<&str, u32> = redb::TableDefinition::new("series");
use redb::ReadableTable;
const FINE: redb::TableDefinition<(u32, i64), &[u8]> = redb::TableDefinition::new("fine");

#[test]
fn a_store_with_unreadable_or_far_future_chunks_opens_and_takes_writes() {
    // issues 9.1 and 9.2: a store written by an older nines, holding a chunk that sums to
    // infinity, a chunk in 2099 and fractional counts, opens with warnings and takes writes.
    let directory = TempDir::new("legacy");
    let at = now() - 30 * MINUTE;
    let chunk_of = |at: i64| (at / MINUTE).div_euclid(64);
    let offset = |at: i64| (at / MINUTE).rem_euclid(64) as usize;
    {
        let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
        write(
            &store,
            vec![
                delta("shop/availability", at, 1, 1),
                delta("shop/latency", at, 1, 1),
            ],
        )
        .unwrap();
    }
    let far = nines_core::timestamp::parse("2099-06-01T00:00:00Z").unwrap();
    let older = at - 24 * 60 * MINUTE;
    {
        let db = redb::Database::open(directory.0.join("nines.redb")).unwrap();
        let transaction = db.begin_write().unwrap();
        {
            let series = transaction.open_table(SERIES).unwrap();
            let availability = series.get("shop/availability").unwrap().unwrap().value();
            let latency = series.get("shop/latency").unwrap().unwrap().value();
            drop(series);
            let mut fine = transaction.open_table(FINE).unwrap();
            let infinite = encode_float_version(&[(offset(at), f64::INFINITY, f64::INFINITY)]);
            fine.insert((availability, chunk_of(at)), infinite.as_slice())
                .unwrap();
            let future = encode_float_version(&[(offset(far), 1.0, 1.0)]);
            fine.insert((availability, chunk_of(far)), future.as_slice())
                .unwrap();
            let fractional = encode_float_version(&[(offset(older), 2.5, 4.0)]);
            fine.insert((latency, chunk_of(older)), fractional.as_slice())
                .unwrap();
        }
        transaction.commit().unwrap();
    }
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    let report = store.load_report();
    assert_eq!(
        (report.quarantined, report.out_of_range, report.rounded),
        (1, 1, 1)
    );
    // The latency series: its own write plus the old fractional cell, rounded (2.5 → 3).
    assert_eq!(total(&store, "shop/latency"), (4.0, 5.0));
    assert_eq!(total(&store, "shop/availability"), (0.0, 0.0));
    write(&store, vec![delta("shop/availability", at, 2, 3)]).unwrap();
    assert_eq!(total(&store, "shop/availability"), (2.0, 3.0));
    drop(store);
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    assert_eq!(total(&store, "shop/availability"), (2.0, 3.0));
    assert_eq!(store.load_report().quarantined, 0);
}

#[test]
fn repeated_keys_are_refused_with_their_line() {
    // issue 9.10: duplicate JSON keys silently took the last value.
    let catalog = catalog();
    let at = now();
    let stamp = nines_core::timestamp::format_millis(at);
    let names = SeriesNames::new(&catalog);
    let counts = format!(
        "{{\"timestamp\":\"{stamp}\",\"sli\":\"shop/availability\",\"good\":1,\"valid\":1}}\n{{\"timestamp\":\"{stamp}\",\"sli\":\"shop/availability\",\"good\":1,\"valid\":1,\"valid\":1000}}\n"
    );
    let error = parse_counts(counts.as_bytes(), &names, &window(at)).unwrap_err();
    assert_eq!((error.line, error.code), (2, "invalid_json"), "{error}");
    assert!(error.message.contains("`valid` appears twice"), "{error}");
    let rules = EventRules::new(&catalog);
    let events = "{\"route\":\"/checkout\",\"status\":200}\n{\"route\":\"/checkout\",\"status\":200,\"status\":503}\n";
    let error = parse_events(events.as_bytes(), &rules, &window(at)).unwrap_err();
    assert_eq!((error.line, error.code), (2, "invalid_json"), "{error}");
    let array = "[{\"route\":\"/checkout\",\"status\":200,\"status\":503}]";
    assert!(parse_events(array.as_bytes(), &rules, &window(at)).is_err());
}

#[test]
fn a_name_standing_for_two_series_is_refused_with_the_candidates() {
    // issue 8.9: `shop/latency` names an SLO with two objectives of their own thresholds
    // (two series); it was written into the first one without a word.
    let catalog = catalog();
    let names = SeriesNames::new(&catalog);
    let at = now();
    let stamp = nines_core::timestamp::format_millis(at);
    let body = format!(r#"{{"timestamp":"{stamp}","sli":"shop/latency","good":1,"valid":1}}"#);
    let error = parse_counts(body.as_bytes(), &names, &window(at)).unwrap_err();
    assert_eq!(error.code, "ambiguous_sli", "{error}");
    assert!(
        error.message.contains("shop/latency/acceptable")
            && error.message.contains("shop/latency/fast"),
        "{error}"
    );
    let exact =
        format!(r#"{{"timestamp":"{stamp}","sli":"shop/latency/fast","good":1,"valid":1}}"#);
    assert_eq!(
        parse_counts(exact.as_bytes(), &names, &window(at))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn latency_fields_in_milliseconds_and_unmeasured_events_are_counted() {
    // issue 8.7: `latency_ms` was read as seconds (0% good, no hint), and events without
    // the field vanished without a count.
    let catalog = catalog();
    let rules = EventRules::new(&catalog);
    let at = now();
    let body = r#"{"route": "/checkout", "latency_ms": 80}
{"route": "/checkout", "latency_ms": 250}
{"route": "/checkout", "latency_ms": 900}
{"route": "/checkout", "latency_ms": "90ms"}
{"route": "/checkout"}
{"route": "/checkout", "latency_ms": true}
{"route": "/search", "latency_ms": 5}
"#;
    let (deltas, summary) = parse_events(body.as_bytes(), &rules, &window(at)).unwrap();
    let sum = |series: &str| {
        deltas
            .iter()
            .filter(|delta| delta.series == series)
            .fold((0, 0), |acc, delta| {
                (acc.0 + delta.good, acc.1 + delta.valid)
            })
    };
    // <= 100 ms: 80 and "90ms"; <= 250 ms: also 250.
    assert_eq!(sum("shop/latency/fast"), (2, 4));
    assert_eq!(sum("shop/latency/acceptable"), (3, 4));
    let fast = summary.unmeasured["shop/latency/fast"];
    assert_eq!((fast.missing_field, fast.wrong_type), (1, 1));
    assert_eq!(summary.unmatched, 1);
    // The store keeps the per-SLI totals durably, for the data quality of a status.
    let directory = TempDir::new("unmeasured");
    {
        let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
        for _ in 0..2 {
            store
                .write(Batch {
                    deltas: deltas.clone(),
                    unmeasured: summary.unmeasured.clone(),
                    ..Batch::default()
                })
                .unwrap();
        }
    }
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    let kept = store.unmeasured();
    assert_eq!(
        (
            kept["shop/latency/acceptable"].missing_field,
            kept["shop/latency/acceptable"].wrong_type
        ),
        (2, 2)
    );
}

#[test]
fn a_field_that_is_not_an_attribute_path_is_refused_where_it_is_written() {
    // issue 8.7: `field: latency_ms / 1000` passed validate and read nothing.
    let text = "apiVersion: nines/v1\nname: shop\nslos:\n  - name: latency\n    target: 99%\n    window: 28d\n    sli:\n      latency: 250ms\n      events:\n        field: latency_ms / 1000\n";
    let loaded = load_sources(&[Source {
        name: "spec.yaml".into(),
        text: text.into(),
    }]);
    let error = loaded
        .diagnostics
        .iter()
        .find(|d| d.severity == nines_spec::Severity::Error)
        .expect("an error");
    let shown = error.to_string();
    assert!(shown.contains("not an attribute path"), "{shown}");
    assert!(shown.contains("spec.yaml:10:"), "{shown}");
    assert!(shown.contains("unit: ms"), "{shown}");
}
