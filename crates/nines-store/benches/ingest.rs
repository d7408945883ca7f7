//! Ingestion throughput, side by side with its ceiling.
//!
//! `cargo bench -p nines-store --bench ingest`. One payload of 10,000 NDJSON events (the
//! shapes the example shop's checkout and search send), read four ways:
//! - `serde_json_parse`: every line parsed into a `serde_json::Value` and nothing else,
//!   the ceiling (goal: ingestion reaches at least half of it);
//! - `events_two_slis`: nines' ingestion: parse, run both SLIs' filters, aggregate into
//!   per-minute deltas;
//! - `events_durable`: the same plus the store's fsynced write, as a request does;
//! - `remote_write`: a Prometheus remote-write body of 1,000 series × 10 samples, decoded
//!   (snappy, protobuf), matched against selectors and turned into increments, then written
//!   durably.

use divan::Bencher;
use divan::counter::ItemsCount;
use nines_core::Duration;
use nines_core::model::Catalog;
use nines_spec::{Source, load_sources};
use nines_store::ingest::Window;
use nines_store::ingest::events::{EventRules, parse_events};
use nines_store::ingest::remote_write::{
    Label, RemoteWriteRules, Sample, TimeSeries, WriteRequest, decode, to_batch,
};
use nines_store::{Batch, Store, StoreConfig};
use prost::Message;

const EVENTS: usize = 10_000;
/// 2026-11-29T12:00:00Z.
const NOW: i64 = 1_795_953_600_000;

const SPEC: &str = r#"apiVersion: nines/v1
name: checkout
owner: team
slos:
  - name: availability
    target: 99.9%
    window: 28d
    sli:
      events:
        valid: route == "/api/checkout"
        good: status < 500
      prometheus:
        valid: http_requests_total{job="checkout"}
        bad: http_requests_total{job="checkout",code=~"5.."}
  - name: latency
    target: 99%
    window: 28d
    sli:
      latency: 300ms
      events:
        valid: route == "/api/checkout" && status < 500
        field: duration_seconds
"#;

fn main() {
    divan::main();
}

fn catalog() -> Catalog {
    load_sources(&[Source {
        name: "spec.yaml".into(),
        text: SPEC.into(),
    }])
    .catalog
}

fn window() -> Window {
    Window {
        received: NOW,
        lateness: Duration::from_hours(1),
        future_skew: Duration::from_minutes(5),
        resolution: Duration::from_minutes(1),
    }
}

/// 10,000 events over the last ten minutes: 80% checkout, 20% search.
fn payload() -> String {
    let mut out = String::with_capacity(EVENTS * 140);
    for index in 0..EVENTS {
        let at = (NOW - 600_000 + (index as i64 * 60)) as f64 / 1000.0;
        let (route, status) = if index % 5 == 4 {
            ("/api/search", 200)
        } else if index % 97 == 0 {
            ("/api/checkout", 503)
        } else {
            ("/api/checkout", 200)
        };
        let duration = 0.02 + (index % 50) as f64 * 0.007;
        out.push_str(&format!(
            "{{\"timestamp\":{at:.3},\"route\":\"{route}\",\"method\":\"POST\",\"status\":{status},\"duration_seconds\":{duration:.3},\"region\":\"eu-west-1\"}}\n"
        ));
    }
    out
}

#[divan::bench]
fn serde_json_parse(bencher: Bencher) {
    let payload = payload();
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        let mut parsed = 0;
        for line in divan::black_box(&payload).lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            parsed += usize::from(value.is_object());
        }
        parsed
    });
}

#[divan::bench]
fn events_two_slis(bencher: Bencher) {
    let payload = payload();
    let catalog = catalog();
    let rules = EventRules::new(&catalog);
    assert_eq!(rules.len(), 2);
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        let (deltas, summary) =
            parse_events(divan::black_box(payload.as_bytes()), &rules, &window()).unwrap();
        assert_eq!(summary.unmatched, EVENTS / 5);
        deltas.len()
    });
}

struct TempStore {
    store: Option<Store>,
    path: std::path::PathBuf,
}

impl TempStore {
    fn new(name: &str) -> TempStore {
        let path = std::env::temp_dir().join(format!("nines-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let store = Store::open(&path, StoreConfig::default()).unwrap();
        TempStore {
            store: Some(store),
            path,
        }
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        self.store = None;
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[divan::bench(sample_count = 30)]
fn events_durable(bencher: Bencher) {
    let payload = payload();
    let catalog = catalog();
    let rules = EventRules::new(&catalog);
    let temp = TempStore::new("events");
    let store = temp.store.as_ref().unwrap();
    bencher.counter(ItemsCount::new(EVENTS)).bench(|| {
        let (deltas, _) = parse_events(payload.as_bytes(), &rules, &window()).unwrap();
        store
            .write(Batch {
                deltas,
                ..Batch::default()
            })
            .unwrap()
    });
}

const SERIES: usize = 1_000;
const SAMPLES: usize = 10;

/// A body as Prometheus sends it: 1,000 series of `http_requests_total` (two codes × 500
/// instances) with 10 samples each, 15 s apart.
fn remote_write_body(round: i64) -> Vec<u8> {
    let timeseries = (0..SERIES)
        .map(|index| TimeSeries {
            labels: vec![
                Label {
                    name: "__name__".into(),
                    value: "http_requests_total".into(),
                },
                Label {
                    name: "code".into(),
                    value: if index % 2 == 0 { "200" } else { "503" }.into(),
                },
                Label {
                    name: "instance".into(),
                    value: format!("10.0.{}.{}:8080", index / 250, index % 250),
                },
                Label {
                    name: "job".into(),
                    value: "checkout".into(),
                },
            ],
            samples: (0..SAMPLES as i64)
                .map(|sample| Sample {
                    value: ((round * SAMPLES as i64 + sample) * 10) as f64,
                    timestamp: NOW - 600_000 + (round * SAMPLES as i64 + sample) * 15_000,
                })
                .collect(),
        })
        .collect();
    snap::raw::Encoder::new()
        .compress_vec(&WriteRequest { timeseries }.encode_to_vec())
        .unwrap()
}

#[divan::bench(sample_count = 30)]
fn remote_write(bencher: Bencher) {
    let catalog = catalog();
    let rules = RemoteWriteRules::new(&catalog);
    let temp = TempStore::new("remote-write");
    let store = temp.store.as_ref().unwrap();
    let first = remote_write_body(0);
    let second = remote_write_body(1);
    // The first body sets every counter's baseline; the timed one carries increments.
    let request = decode(&first).unwrap();
    store
        .write_with(|state| {
            Ok::<_, ()>(
                to_batch(
                    &request,
                    &rules,
                    state,
                    0,
                    i64::MAX,
                    Duration::from_minutes(1),
                )
                .0,
            )
        })
        .unwrap()
        .unwrap();
    bencher
        .counter(ItemsCount::new(SERIES * SAMPLES))
        .bench(|| {
            let request = decode(divan::black_box(&second)).unwrap();
            let mut counted = 0;
            store
                .write_with(|state| {
                    let (batch, summary) = to_batch(
                        &request,
                        &rules,
                        state,
                        0,
                        i64::MAX,
                        Duration::from_minutes(1),
                    );
                    counted = summary.samples;
                    Ok::<_, ()>(batch)
                })
                .unwrap()
                .unwrap();
            counted
        });
}
