//! Notifications per second through the outbox to a local webhook receiver (keep-alive):
//! each notification committed to the store (fsynced), sent, and its record deleted.
//! `bench/notify.sh` runs it; figures in BENCHMARKS.md.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nines_alerting::{
    Delivery, DeliveryConfig, Event, Notification, NotificationSink, SCHEMA_VERSION,
};
use nines_store::{RecordTable, Store, StoreConfig};

const SPEC: &str = r#"apiVersion: nines/v1
kind: Service
name: shop
slos:
  - name: checkout
    target: 99.9%
    window: 28d
    sli:
      events: {valid: "route == '/checkout'", good: "status < 500"}
    alerting:
      notify: [hooks]
---
apiVersion: nines/v1
kind: NotificationTarget
name: hooks
type: webhook
target: http://RECEIVER/hook
secret: {env: NINES_BENCH_SECRET}
"#;

fn notification(index: usize) -> Notification {
    let mut labels = BTreeMap::new();
    labels.insert(
        "alertname".to_string(),
        "ShopCheckoutErrorBudgetBurn".to_string(),
    );
    labels.insert("severity".to_string(), "page".to_string());
    Notification {
        version: SCHEMA_VERSION,
        id: format!("bench-{index}"),
        event: Event::AlertFiring,
        at: "2026-12-01T10:00:00Z".into(),
        service: "shop".into(),
        slo: "checkout".into(),
        severity: Some("page".into()),
        labels,
        annotations: BTreeMap::new(),
        url: None,
        alert: None,
        policy: None,
        review: None,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::var("NOTIFICATIONS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(5_000);
    let per_commit: usize = std::env::var("PER_COMMIT")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1);
    // SAFETY: set before any thread reads the environment.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("NINES_BENCH_SECRET", "bench-secret");
    }
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::Relaxed);
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let loaded = nines_spec::load_sources(&[nines_spec::Source {
        name: "bench.yaml".into(),
        text: SPEC.replace("RECEIVER", &address.to_string()),
    }]);
    let catalog = Arc::new(
        nines_spec::validate_loaded(loaded, jiff::civil::date(2026, 11, 29))
            .loaded
            .catalog,
    );
    let directory =
        std::env::temp_dir().join(format!("nines-bench-delivery-{}", std::process::id()));
    let store = Arc::new(Store::open(&directory, StoreConfig::default()).unwrap());
    let config = DeliveryConfig {
        max_pending: count + 1,
        ..DeliveryConfig::default()
    };
    let delivery = Delivery::start(store.clone(), catalog.clone(), config).unwrap();

    let started = Instant::now();
    let mut index = 0;
    while index < count {
        let mut ops = Vec::new();
        for _ in 0..per_commit.min(count - index) {
            delivery.enqueue(&notification(index), &catalog, &mut ops);
            index += 1;
        }
        store.commit_records(&ops).unwrap();
        delivery.committed();
    }
    let committed = started.elapsed();
    while received.load(Ordering::Relaxed) < count as u64
        || store.record_count(RecordTable::Outbox).unwrap() > 0
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "not delivered within 10 minutes"
        );
    }
    let elapsed = started.elapsed();
    println!(
        "{count} notifications, {per_commit} per commit: committed in {:.2} s, all sent and deleted in {:.2} s: {:.0} notifications/s",
        committed.as_secs_f64(),
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}
