//! The tests' own pieces: a receiver (the test's endpoint, recording every request and
//! answering with scripted statuses), a temp store, a catalog from spec text, and
//! notifications as the evaluator builds them.
#![allow(dead_code, clippy::print_stderr)]

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use nines_alerting::{AlertInfo, Event, Notification, SCHEMA_VERSION};
use nines_core::model::Catalog;
use nines_store::{Store, StoreConfig};

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: std::time::Instant,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap().to_string())
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    script: VecDeque<u16>,
}

/// An HTTP receiver on a loopback port: records requests, answers the scripted statuses
/// in turn, then 200.
pub struct Receiver {
    pub address: SocketAddr,
    state: Arc<Mutex<ReceiverState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        Self::start_on("127.0.0.1:0".parse().unwrap()).await
    }
    pub async fn start_on(address: SocketAddr) -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let shared = state.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let shared = shared.clone();
                async move {
                    let mut state = shared.lock().unwrap();
                    state.received.push(Received {
                        at: std::time::Instant::now(),
                        path: uri.path().to_string(),
                        headers,
                        body,
                    });
                    let code = state.script.pop_front().unwrap_or(200);
                    // A 429 asks for a second's pause, as rate limiters do.
                    let retry_after = if code == 429 { "1" } else { "0" };
                    (
                        StatusCode::from_u16(code).unwrap(),
                        [(axum::http::header::RETRY_AFTER, retry_after)],
                    )
                }
            },
        );
        let listener = tokio::net::TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            address,
            state,
            task,
        }
    }
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
    pub fn script(&self, codes: &[u16]) {
        self.state.lock().unwrap().script.extend(codes);
    }
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }
    /// Waits until `count` requests arrived (or panics after `within`).
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "expected {count} requests within {within:?}, got {}: {received:#?}",
                    received.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A fresh directory under the system's temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    // The tests' own reqwest clients need a crypto provider, as the code's do.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = std::env::temp_dir().join(format!(
        "nines-delivery-{name}-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

pub fn store(directory: &std::path::Path) -> Arc<Store> {
    Arc::new(Store::open(&directory.join("data"), StoreConfig::default()).unwrap())
}

/// A catalog from native spec text; panics on any error.
pub fn catalog(text: &str) -> Arc<Catalog> {
    let loaded = nines_spec::load_sources(&[nines_spec::Source {
        name: "test.yaml".into(),
        text: text.to_string(),
    }]);
    let validation = nines_spec::validate_loaded(loaded, jiff::civil::date(2026, 11, 29));
    let errors: Vec<String> = validation
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == nines_spec::Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    Arc::new(validation.loaded.catalog)
}

/// A service `shop` with SLO `checkout` whose alerts go to `targets`, followed by `extra`
/// documents (the targets).
pub fn spec(targets: &[&str], extra: &str) -> String {
    format!(
        r#"apiVersion: nines/v1
kind: Service
name: shop
owner: team-shop
labels: {{team: shop}}
slos:
  - name: checkout
    target: 99.9%
    window: 28d
    sli:
      events: {{valid: "route == '/checkout'", good: "status < 500"}}
    alerting:
      notify: [{}]
{extra}"#,
        targets.join(", ")
    )
}

/// A notification as the evaluator sends it.
pub fn alert(event: Event, id: &str, fired_at: &str, resolved_at: Option<&str>) -> Notification {
    let mut labels = BTreeMap::new();
    for (name, value) in [
        ("alertname", "SLOBurnRateHigh"),
        ("severity", "page"),
        ("service", "shop"),
        ("slo", "checkout"),
        ("objective", "default"),
        ("long_window", "1h"),
        ("short_window", "5m"),
        ("team", "shop"),
    ] {
        labels.insert(name.to_string(), value.to_string());
    }
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "summary".to_string(),
        "shop/checkout burns its error budget 14.4 times too fast".to_string(),
    );
    annotations.insert(
        "description".to_string(),
        "Burn rate 20.1 over 1h and 22.3 over 5m; 85% of the budget left.".to_string(),
    );
    annotations.insert(
        "runbook_url".to_string(),
        "https://runbooks.example.com/checkout".to_string(),
    );
    Notification {
        version: SCHEMA_VERSION,
        id: id.to_string(),
        event,
        at: resolved_at.unwrap_or(fired_at).to_string(),
        service: "shop".into(),
        slo: "checkout".into(),
        severity: Some("page".into()),
        labels,
        annotations,
        url: Some("http://nines.example.com/slos/shop/checkout".into()),
        alert: Some(AlertInfo {
            alert_id: "shop/checkout/default/page-1h".into(),
            kind: "burn_rate".into(),
            active_at: fired_at.to_string(),
            fired_at: Some(fired_at.to_string()),
            resolved_at: resolved_at.map(str::to_string),
            threshold: Some(14.4),
            long_burn: Some(20.1),
            short_burn: Some(22.3),
            budget_remaining: Some(0.85),
            time_to_exhaustion_seconds: Some(7200),
        }),
        policy: None,
        review: None,
    }
}

/// Commits `notification` through the sink as the evaluator does.
pub fn commit(
    sink: &dyn nines_alerting::NotificationSink,
    store: &Store,
    catalog: &Catalog,
    notification: &Notification,
) {
    let mut ops = Vec::new();
    sink.enqueue(notification, catalog, &mut ops);
    store.commit_records(&ops).unwrap();
    sink.committed();
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Fast retries for tests.
pub fn quick_config() -> nines_alerting::DeliveryConfig {
    nines_alerting::DeliveryConfig {
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        request_timeout: Duration::from_secs(2),
        ..Default::default()
    }
}
