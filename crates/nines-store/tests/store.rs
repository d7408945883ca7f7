//! The store against its promises: durable writes, atomic batches, idempotency, roll-ups,
//! and the three ways counts arrive.

use std::path::PathBuf;

use nines_core::Duration;
use nines_core::model::Catalog;
use nines_core::source::{DataSource, TimeRange};
use nines_spec::{Source, load_sources};
use nines_store::ingest::events::{EventRules, parse_events};
use nines_store::ingest::remote_write::{
    Label, RemoteWriteRules, Sample, TimeSeries, WriteRequest, decode, to_batch,
};
use nines_store::ingest::{BatchError, Window};
use nines_store::{Batch, Delta, Store, StoreConfig};

const MINUTE: i64 = 60_000;
/// 2026-11-29T12:00:00Z.
const NOW: i64 = 1_795_953_600_000;

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
    target: 99%
    window: 28d
    sli:
      latency: 300ms
      events:
        valid: route == "/checkout"
        field: duration_seconds
      prometheus:
        histogram: http_request_duration_seconds{job="shop"}
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

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("nines-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn window() -> Window {
    Window {
        received: NOW,
        lateness: Duration::from_hours(1),
        future_skew: Duration::from_minutes(5),
        resolution: Duration::from_minutes(1),
    }
}

fn total(store: &Store, series: &str) -> (f64, f64) {
    let counts = store
        .view()
        .sum(series, TimeRange::new(0, NOW * 2))
        .unwrap();
    (counts.good, counts.valid)
}

#[test]
fn acknowledged_writes_survive_a_reopen() {
    let directory = TempDir::new("reopen");
    {
        let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
        let batch = Batch {
            deltas: vec![
                Delta {
                    series: "shop/availability".into(),
                    at: NOW - 5 * MINUTE,
                    good: 9,
                    valid: 10,
                },
                Delta {
                    series: "shop/availability".into(),
                    at: NOW - MINUTE,
                    good: 5,
                    valid: 5,
                },
                Delta {
                    series: "shop/latency".into(),
                    at: NOW - 200 * MINUTE,
                    good: 1,
                    valid: 2,
                },
            ],
            ..Batch::default()
        };
        store.write(batch).unwrap();
        assert_eq!(total(&store, "shop/availability"), (14.0, 15.0));
    }
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    assert_eq!(total(&store, "shop/availability"), (14.0, 15.0));
    assert_eq!(total(&store, "shop/latency"), (1.0, 2.0));
    assert!(store.disk_bytes() > 0);
}

#[test]
fn a_retried_batch_with_the_same_key_counts_once() {
    let directory = TempDir::new("idempotency");
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    let batch = Batch {
        deltas: vec![Delta {
            series: "shop/availability".into(),
            at: NOW,
            good: 1,
            valid: 1,
        }],
        idempotency_key: Some("batch-42".into()),
        ..Batch::default()
    };
    assert!(!store.write(batch.clone()).unwrap().duplicate);
    assert!(store.write(batch.clone()).unwrap().duplicate);
    drop(store);
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    assert!(
        store.write(batch).unwrap().duplicate,
        "keys are durable too"
    );
    assert_eq!(total(&store, "shop/availability"), (1.0, 1.0));
}

#[test]
fn compaction_rolls_old_data_up_and_keeps_the_totals() {
    let directory = TempDir::new("compaction");
    let catalog = catalog();
    let config = StoreConfig {
        fine_retention: Duration::from_days(2),
        coarse_retention: Duration::from_days(10),
        ..StoreConfig::default()
    };
    let store = Store::open(&directory.0, config.clone()).unwrap();
    let mut deltas = Vec::new();
    for minute in 0..(5 * 24 * 60) {
        deltas.push(Delta {
            series: "shop/availability".into(),
            at: NOW - minute * MINUTE,
            good: 1,
            valid: 1,
        });
    }
    // Far past: dropped by roll-up retention.
    deltas.push(Delta {
        series: "shop/availability".into(),
        at: NOW - 20 * 24 * 60 * MINUTE,
        good: 7,
        valid: 7,
    });
    store
        .write(Batch {
            deltas,
            ..Batch::default()
        })
        .unwrap();
    let before = total(&store, "shop/availability");
    let report = store.compact(&catalog, NOW).unwrap();
    assert!(report.rolled_up > 0, "{report:?}");
    assert_eq!(report.dropped, 1);
    let after = total(&store, "shop/availability");
    assert_eq!(after, (before.0 - 7.0, before.1 - 7.0));
    // Windows inside the full-resolution retention read minute by minute as before.
    let recent = store
        .view()
        .sum(
            "shop/availability",
            TimeRange::new(NOW - 2 * 24 * 60 * MINUTE + 1, NOW + 1),
        )
        .unwrap();
    assert_eq!(recent.valid, (2 * 24 * 60) as f64);
    // Older parts are read by the hour: an hour counts when it starts inside the range.
    let hour = 60 * MINUTE;
    let old = store
        .view()
        .sum(
            "shop/availability",
            TimeRange::new(NOW - 5 * 24 * hour, NOW - 4 * 24 * hour),
        )
        .unwrap();
    assert_eq!(
        old.valid,
        (24 * 60 - 1) as f64,
        "the first minute of day five was never written"
    );
    let shifted = store
        .view()
        .sum(
            "shop/availability",
            TimeRange::new(NOW - 5 * 24 * hour + 1, NOW - 4 * 24 * hour),
        )
        .unwrap();
    assert_eq!(shifted.valid, (23 * 60) as f64);
    drop(store);
    let store = Store::open(&directory.0, config).unwrap();
    assert_eq!(total(&store, "shop/availability"), after);
}

#[test]
fn events_feed_every_sli_whose_filters_they_match() {
    let catalog = catalog();
    let rules = EventRules::new(&catalog);
    assert_eq!(rules.len(), 2);
    let body = br#"{"timestamp": "2026-11-29T11:58:00Z", "route": "/checkout", "status": 200, "duration_seconds": 0.1}
{"timestamp": "2026-11-29T11:58:30Z", "route": "/checkout", "status": 503, "duration_seconds": 0.5}
{"timestamp": 1795953480, "route": "/search", "status": 200, "duration_seconds": 0.1}
{"route": "/checkout", "status": 200, "duration_seconds": "450ms"}
"#;
    let (deltas, summary) = parse_events(body, &rules, &window()).unwrap();
    assert_eq!(summary.events, 4);
    assert_eq!(summary.unmatched, 1);
    let sum = |series: &str| {
        deltas
            .iter()
            .filter(|delta| delta.series == series)
            .fold((0, 0), |acc, delta| {
                (acc.0 + delta.good, acc.1 + delta.valid)
            })
    };
    assert_eq!(sum("shop/availability"), (2, 3));
    // 0.1 s is fast; 0.5 s and 450 ms are slow.
    assert_eq!(sum("shop/latency"), (1, 3));
}

#[test]
fn a_bad_event_rejects_the_whole_batch_with_its_line() {
    let rules = EventRules::new(&catalog());
    let cases: [(&[u8], usize, &str); 5] = [
        (
            b"{\"route\": \"/checkout\", \"status\": 200}\n{\"route\": \n",
            2,
            "invalid JSON",
        ),
        (
            b"{\"route\": \"/checkout\"}\n[1, 2]\n",
            2,
            "must be a JSON object",
        ),
        (
            b"{\"timestamp\": \"2026-11-29T08:00:00Z\", \"route\": \"/checkout\"}\n",
            1,
            "accepts events up to 1h late",
        ),
        (
            b"{\"timestamp\": \"2026-11-30T08:00:00Z\", \"route\": \"/checkout\"}\n",
            1,
            "in the future",
        ),
        (
            b"{\"timestamp\": true}\n",
            1,
            "must be a string or a number",
        ),
    ];
    for (body, line, fragment) in cases {
        let error: BatchError = parse_events(body, &rules, &window()).unwrap_err();
        assert_eq!(error.line, line, "{error}");
        assert!(error.message.contains(fragment), "{error}");
    }
}

fn series(labels: &[(&str, &str)], samples: &[(i64, f64)]) -> TimeSeries {
    TimeSeries {
        labels: labels
            .iter()
            .map(|(name, value)| Label {
                name: (*name).into(),
                value: (*value).into(),
            })
            .collect(),
        samples: samples
            .iter()
            .map(|(timestamp, value)| Sample {
                value: *value,
                timestamp: *timestamp,
            })
            .collect(),
    }
}

#[test]
fn remote_write_turns_counters_into_increments_across_resets() {
    let directory = TempDir::new("remote-write");
    let catalog = catalog();
    let rules = RemoteWriteRules::new(&catalog);
    assert_eq!(rules.len(), 2);
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    let t = NOW - 10 * MINUTE;
    let request = WriteRequest {
        timeseries: vec![
            // Valid: 100 → 150 → 30 (reset: +30) → 40.
            series(
                &[
                    ("__name__", "http_requests_total"),
                    ("job", "shop"),
                    ("code", "200"),
                ],
                &[
                    (t, 100.0),
                    (t + MINUTE, 150.0),
                    (t + 2 * MINUTE, 30.0),
                    (t + 3 * MINUTE, 40.0),
                ],
            ),
            // Bad: 5 → 7 → 9.
            series(
                &[
                    ("__name__", "http_requests_total"),
                    ("job", "shop"),
                    ("code", "503"),
                ],
                &[(t, 5.0), (t + MINUTE, 7.0), (t + 3 * MINUTE, 9.0)],
            ),
            // Another job: ignored.
            series(
                &[("__name__", "http_requests_total"), ("job", "other")],
                &[(t, 1.0), (t + MINUTE, 1000.0)],
            ),
            // Histogram: the 0.3 bucket (written `0.30`) and the count.
            series(
                &[
                    ("__name__", "http_request_duration_seconds_bucket"),
                    ("job", "shop"),
                    ("le", "0.30"),
                ],
                &[(t, 10.0), (t + MINUTE, 18.0)],
            ),
            series(
                &[
                    ("__name__", "http_request_duration_seconds_bucket"),
                    ("job", "shop"),
                    ("le", "1"),
                ],
                &[(t, 12.0), (t + MINUTE, 30.0)],
            ),
            series(
                &[
                    ("__name__", "http_request_duration_seconds_count"),
                    ("job", "shop"),
                ],
                &[(t, 12.0), (t + MINUTE, 32.0)],
            ),
        ],
    };
    let compressed = snap::raw::Encoder::new()
        .compress_vec(&prost::Message::encode_to_vec(&request))
        .unwrap();
    let decoded = decode(&compressed).unwrap();
    let outcome = store
        .write_with(|state| {
            let (batch, summary) = to_batch(
                &decoded,
                &rules,
                state,
                NOW - 86_400_000,
                NOW + 60_000,
                Duration::from_minutes(1),
            );
            assert_eq!(
                summary.matched, 4,
                "the le=\"1\" bucket is not the threshold's"
            );
            Ok::<_, ()>(batch)
        })
        .unwrap();
    outcome.unwrap();
    // Valid increments 50 + 30 + 10 = 90 (2 from the 503 series), bad 4.
    let availability = total(&store, "shop/availability");
    assert_eq!(availability.1, 90.0 + 4.0);
    assert_eq!(availability.1 - availability.0, 4.0);
    assert_eq!(total(&store, "shop/latency"), (8.0, 20.0));
    // The counters' last values are durable: the next request continues from them.
    drop(store);
    let store = Store::open(&directory.0, StoreConfig::default()).unwrap();
    let next = WriteRequest {
        timeseries: vec![series(
            &[
                ("__name__", "http_requests_total"),
                ("job", "shop"),
                ("code", "200"),
            ],
            &[(t + 4 * MINUTE, 45.0)],
        )],
    };
    store
        .write_with(|state| {
            Ok::<_, ()>(
                to_batch(
                    &next,
                    &rules,
                    state,
                    NOW - 86_400_000,
                    NOW + 60_000,
                    Duration::from_minutes(1),
                )
                .0,
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(total(&store, "shop/availability").1, 99.0);
}

#[test]
fn malformed_remote_write_bodies_are_refused() {
    assert!(
        decode(b"not snappy at all")
            .unwrap_err()
            .message
            .contains("snappy")
    );
    let garbage = snap::raw::Encoder::new()
        .compress_vec(&[0xff, 0xff, 0xff, 0x01])
        .unwrap();
    assert!(
        decode(&garbage)
            .unwrap_err()
            .message
            .contains("WriteRequest")
    );
}
