//! The HTTP API against its promises, with the server on port 0 in a temporary
//! directory: ingestion counts what the specs say, malformed input gets a clear 4xx and
//! changes nothing, tokens are enforced, reload refuses invalid specs.

use std::path::PathBuf;
use std::sync::Arc;

use nines_server::{AppState, Auth, ServerConfig, Specs, Token};
use nines_store::{Store, StoreConfig};
use prost::Message;
use serde_json::Value;

const WRITE: &str = "write-token-for-tests-0001";
const READ: &str = "read-token-for-tests-0001";

const SPEC: &str = r#"apiVersion: nines/v1
name: shop
owner: team-shop
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
"#;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "nines-api-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Server {
    base: String,
    client: reqwest::Client,
    directory: TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    async fn start(name: &str, auth: Auth) -> Server {
        Server::start_with(name, auth, 64 * 1024).await
    }

    async fn start_with(name: &str, auth: Auth, max_body_bytes: usize) -> Server {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let directory = TempDir::new(name);
        let specs = directory.0.join("specs");
        std::fs::create_dir_all(&specs).unwrap();
        std::fs::write(specs.join("shop.yaml"), SPEC).unwrap();
        let loaded = Specs::load(std::slice::from_ref(&specs)).unwrap();
        let store = Store::open(&directory.0.join("store"), StoreConfig::default()).unwrap();
        let config = ServerConfig {
            spec_paths: vec![specs],
            auth,
            max_body_bytes,
            ..ServerConfig::default()
        };
        let state = Arc::new(AppState::new(store, loaded, config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(nines_server::run(listener, state, async move {
            let _ = stop.await;
        }));
        Server {
            base,
            client: reqwest::Client::new(),
            directory,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let mut request = self.client.post(format!("{}{path}", self.base)).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// (good, valid) of `slo` over its window, from the status endpoint.
    async fn counts(&self, slo: &str) -> (f64, f64) {
        let (status, body) = self
            .get(&format!("/api/v1/slos/shop/{slo}"), Some(WRITE))
            .await;
        assert_eq!(status, 200, "{body}");
        let row = &body["objectives"][0];
        (
            row["good"].as_f64().unwrap(),
            row["valid"].as_f64().unwrap(),
        )
    }

    async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

fn auth() -> Auth {
    Auth {
        write: Some(Token::new(WRITE).unwrap()),
        read: None,
        insecure_no_auth: false,
    }
}

fn now_seconds() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_feed_every_sli_their_filters_match() {
    let server = Server::start("events", auth()).await;
    let t = now_seconds() - 30;
    let body = format!(
        "{{\"timestamp\": {t}, \"route\": \"/checkout\", \"status\": 200, \"duration_seconds\": 0.1}}\n\
         {{\"timestamp\": {t}, \"route\": \"/checkout\", \"status\": 503, \"duration_seconds\": 0.9}}\n\
         {{\"timestamp\": {t}, \"route\": \"/search\", \"status\": 200}}\n\
         {{\"route\": \"/checkout\", \"status\": 200, \"duration_seconds\": \"250ms\"}}\n"
    );
    let (status, answer) = server.post("/api/v1/events", Some(WRITE), body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["events"], 4);
    assert_eq!(answer["unmatched"], 1);
    assert_eq!(server.counts("availability").await, (2.0, 3.0));
    assert_eq!(server.counts("latency").await, (2.0, 3.0));
    // A JSON array is a batch too.
    let array = format!("[{{\"timestamp\": {t}, \"route\": \"/checkout\", \"status\": 500}}]");
    assert_eq!(
        server.post("/api/v1/events", Some(WRITE), array).await.0,
        200
    );
    assert_eq!(server.counts("availability").await, (2.0, 4.0));
    // issue 8.7: events the latency SLI took but could not judge are counted by reason and
    // shown in the status's data quality: the array's event had no `duration_seconds`.
    let wrong = format!(
        "{{\"timestamp\": {t}, \"route\": \"/checkout\", \"status\": 200, \"duration_seconds\": true}}"
    );
    let (status, answer) = server.post("/api/v1/events", Some(WRITE), wrong).await;
    assert_eq!(status, 200, "{answer}");
    let (status, report) = server.get("/api/v1/slos", None).await;
    assert_eq!(status, 200, "{report}");
    let rows = report["objectives"].as_array().unwrap();
    let quality = |slo: &str| {
        rows.iter()
            .find(|row| row["slo"] == slo)
            .map(|row| row["data_quality"]["unmeasured"].clone())
            .unwrap()
    };
    assert_eq!(
        quality("latency"),
        serde_json::json!({"missing_field": 1, "wrong_type": 1})
    );
    assert!(quality("availability").is_null(), "{report}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_are_added_to_their_interval() {
    let server = Server::start("counts", auth()).await;
    let t = now_seconds() - 120;
    let body = format!(
        "{{\"timestamp\": {t}, \"sli\": \"shop/availability\", \"good\": 990, \"valid\": 1000}}\n\
         {{\"timestamp\": {t}, \"sli\": \"availability\", \"bad\": 5, \"valid\": 100}}\n"
    );
    let (status, answer) = server.post("/api/v1/counts", Some(WRITE), body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(server.counts("availability").await, (1085.0, 1100.0));
    server.stop().await;
}

fn snappy(bytes: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new().compress_vec(bytes).unwrap()
}

fn write_request(samples: &[(&str, f64, i64)]) -> Vec<u8> {
    use nines_store::ingest::remote_write::{Label, Sample, TimeSeries, WriteRequest};
    let timeseries = samples
        .iter()
        .map(|(code, value, at)| TimeSeries {
            labels: vec![
                Label {
                    name: "__name__".into(),
                    value: "http_requests_total".into(),
                },
                Label {
                    name: "code".into(),
                    value: (*code).into(),
                },
                Label {
                    name: "job".into(),
                    value: "shop".into(),
                },
            ],
            samples: vec![Sample {
                value: *value,
                timestamp: *at,
            }],
        })
        .collect();
    snappy(&WriteRequest { timeseries }.encode_to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_write_counts_counter_increments() {
    let server = Server::start("remote-write", auth()).await;
    let t = jiff::Timestamp::now().as_millisecond() - 60_000;
    // First samples set the baseline; then 200s grow by 40, 500s by 2, then a reset.
    for (index, (ok, failed)) in [(100.0, 10.0), (140.0, 12.0), (30.0, 12.0)]
        .iter()
        .enumerate()
    {
        let at = t + index as i64 * 15_000;
        let (status, body) = server
            .post(
                "/api/v1/write",
                Some(WRITE),
                write_request(&[("200", *ok, at), ("500", *failed, at)]),
            )
            .await;
        assert_eq!(status, 204, "{body}");
    }
    // valid = increments of both codes: (40 + 2) then (30 reset + 0); bad = 2.
    assert_eq!(server.counts("availability").await, (70.0, 72.0));
    server.stop().await;
}

/// (what, path, token, body, status, code, line).
type Case<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Vec<u8>,
    u16,
    &'a str,
    Option<u64>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_gets_a_clear_4xx_and_changes_nothing() {
    let server = Server::start_with("malformed", auth(), 4096).await;
    let t = now_seconds();
    let good_line = format!("{{\"timestamp\": {t}, \"route\": \"/checkout\", \"status\": 200}}");
    let huge = format!("{good_line}\n").repeat(200);
    let cases: Vec<Case> = vec![
        ("bad JSON", "/api/v1/events", Some(WRITE), format!("{good_line}\n{{\"route\": ").into_bytes(), 400, "invalid_json", Some(2)),
        ("not an object", "/api/v1/events", Some(WRITE), format!("{good_line}\n[1]").into_bytes(), 400, "invalid_event", Some(2)),
        ("timestamp type", "/api/v1/events", Some(WRITE), b"{\"timestamp\": true}".to_vec(), 400, "invalid_event", Some(1)),
        ("too late", "/api/v1/events", Some(WRITE), format!("{good_line}\n{{\"timestamp\": {}, \"route\": \"/checkout\"}}", t - 7200).into_bytes(), 400, "out_of_window", Some(2)),
        ("future", "/api/v1/events", Some(WRITE), format!("{{\"timestamp\": {}}}", t + 3600).into_bytes(), 400, "out_of_window", Some(1)),
        ("not UTF-8", "/api/v1/events", Some(WRITE), vec![b'{', 0xff, b'}'], 400, "invalid_encoding", Some(1)),
        ("unknown SLI", "/api/v1/counts", Some(WRITE), format!("{{\"timestamp\": {t}, \"sli\": \"shop/availabilty\", \"good\": 1, \"valid\": 1}}").into_bytes(), 400, "unknown_sli", Some(1)),
        ("wrong type", "/api/v1/counts", Some(WRITE), format!("{{\"timestamp\": {t}, \"sli\": \"availability\", \"good\": 1, \"valid\": 1}}\n{{\"timestamp\": {t}, \"sli\": \"availability\", \"good\": \"many\", \"valid\": 1}}").into_bytes(), 400, "invalid_row", Some(2)),
        ("good above valid", "/api/v1/counts", Some(WRITE), format!("{{\"timestamp\": {t}, \"sli\": \"availability\", \"good\": 5, \"valid\": 1}}").into_bytes(), 400, "invalid_row", Some(1)),
        ("huge body", "/api/v1/events", Some(WRITE), huge.into_bytes(), 413, "body_too_large", None),
        ("no token", "/api/v1/events", None, good_line.clone().into_bytes(), 401, "unauthorized", None),
        ("wrong token", "/api/v1/events", Some("write-token-for-tests-0002"), good_line.clone().into_bytes(), 401, "unauthorized", None),
        ("bad snappy", "/api/v1/write", Some(WRITE), b"definitely not snappy".to_vec(), 400, "invalid_snappy", None),
        ("bad protobuf", "/api/v1/write", Some(WRITE), snappy(&[0xff, 0xff, 0xff, 0x0f, 0x01]), 400, "invalid_protobuf", None),
        ("remote write no token", "/api/v1/write", None, write_request(&[("200", 1.0, t * 1000)]), 401, "unauthorized", None),
    ];
    for (name, path, token, body, expected_status, expected_code, expected_line) in cases {
        let (status, answer) = server.post(path, token, body).await;
        assert_eq!(status, expected_status, "{name}: {answer}");
        assert_eq!(answer["error"]["code"], expected_code, "{name}: {answer}");
        assert!(
            !answer["error"]["message"].as_str().unwrap().is_empty(),
            "{name}"
        );
        if let Some(line) = expected_line {
            assert_eq!(answer["error"]["line"], line, "{name}: {answer}");
        }
    }
    // Remote write 2.0 is refused by content type, with what to configure.
    let response = server
        .client
        .post(format!("{}/api/v1/write", server.base))
        .bearer_auth(WRITE)
        .header(
            "content-type",
            "application/x-protobuf;proto=io.prometheus.write.v2.Request",
        )
        .body(write_request(&[("200", 1.0, t * 1000)]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
    // An Idempotency-Key that cannot be one.
    let response = server
        .client
        .post(format!("{}/api/v1/events", server.base))
        .bearer_auth(WRITE)
        .header("idempotency-key", "k".repeat(300))
        .body(good_line.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // Nothing of any refused batch was applied.
    assert_eq!(server.counts("availability").await, (0.0, 0.0));
    assert_eq!(server.counts("latency").await, (0.0, 0.0));
    // Unknown routes and bad queries are JSON errors too.
    let (status, answer) = server.get("/api/v1/nope", None).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, answer) = server.get("/api/v1/slos?at=yesterday", None).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_batch_counts_once() {
    let server = Server::start("idempotency", auth()).await;
    let body = format!(
        "{{\"timestamp\": {}, \"route\": \"/checkout\", \"status\": 200}}",
        now_seconds()
    );
    for attempt in 0..3 {
        let response = server
            .client
            .post(format!("{}/api/v1/events", server.base))
            .bearer_auth(WRITE)
            .header("idempotency-key", "batch-7")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["duplicate"], attempt > 0);
    }
    assert_eq!(server.counts("availability").await, (1.0, 1.0));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_guard_writes_and_optionally_reads() {
    let closed = Server::start("no-token", Auth::default()).await;
    let (status, answer) = closed.post("/api/v1/events", None, "{}").await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (403, Some("writes_disabled"))
    );
    closed.stop().await;

    let guarded = Server::start(
        "read-token",
        Auth {
            read: Some(Token::new(READ).unwrap()),
            ..auth()
        },
    )
    .await;
    assert_eq!(guarded.get("/api/v1/slos", None).await.0, 401);
    assert_eq!(
        guarded
            .get("/api/v1/slos", Some("nope-nope-nope-nope"))
            .await
            .0,
        401
    );
    assert_eq!(guarded.get("/api/v1/slos", Some(READ)).await.0, 200);
    assert_eq!(guarded.get("/api/v1/slos", Some(WRITE)).await.0, 200);
    assert_eq!(
        guarded.post("/api/v1/events", Some(READ), "{}").await.0,
        401
    );
    assert_eq!(guarded.post("/-/reload", Some(READ), "").await.0, 401);
    // Health checks stay open for load balancers.
    assert_eq!(guarded.get("/-/healthy", None).await.0, 200);
    assert_eq!(guarded.get("/-/ready", None).await.0, 200);
    guarded.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_refuses_invalid_specs_and_keeps_the_running_ones() {
    let server = Server::start("reload", auth()).await;
    let spec = server.directory.0.join("specs/shop.yaml");
    std::fs::write(&spec, SPEC.replace("target: 99.9%", "target: 100%")).unwrap();
    let (status, answer) = server.post("/-/reload", Some(WRITE), "").await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_spec");
    let first = &answer["error"]["diagnostics"][0];
    assert_eq!(first["rule"], "target-out-of-range", "{answer}");
    assert!(
        first["file"].as_str().unwrap().ends_with("shop.yaml"),
        "{first}"
    );
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(6), Some(13)),
        "{first}"
    );
    let (_, report) = server.get("/api/v1/slos", None).await;
    assert_eq!(
        report["objectives"][0]["target"], 0.999,
        "the running specs stay"
    );

    let extended = format!(
        "{SPEC}  - name: search\n    target: 99.5%\n    window: 7d\n    sli:\n      events:\n        valid: route == \"/search\"\n        good: status < 500\n"
    );
    std::fs::write(&spec, extended).unwrap();
    let (status, answer) = server.post("/-/reload", Some(WRITE), "").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["slos"], 3);
    let (status, body) = server.get("/api/v1/slos/shop/search", None).await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_series_gate_and_suggest_read_the_store() {
    let server = Server::start("statuses", auth()).await;
    let now = now_seconds();
    // Ten minutes of traffic, the last five with half the checkouts failing.
    let mut body = String::new();
    for minute in 0..10 {
        let t = now - 600 + minute * 60;
        let failed = if minute >= 5 { 50 } else { 0 };
        body.push_str(&format!(
            "{{\"timestamp\": {t}, \"sli\": \"availability\", \"good\": {}, \"valid\": 100}}\n",
            100 - failed
        ));
    }
    assert_eq!(
        server.post("/api/v1/counts", Some(WRITE), body).await.0,
        200
    );
    let (status, report) = server.get("/api/v1/slos?service=shop", None).await;
    assert_eq!(status, 200);
    assert_eq!(report["schema"], "nines.report/v1");
    let row = &report["objectives"][0];
    assert_eq!(row["valid"], 1000.0);
    assert_eq!(row["bad"], 250.0);
    assert!(
        row["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|alert| alert["severity"] == "page"),
        "{row}"
    );
    let (status, table) = server.get("/api/v1/slos?format=table", None).await;
    assert_eq!(status, 200);
    // The table groups SLOs under their service (issue 8.14).
    assert!(
        table
            .as_str()
            .unwrap()
            .contains("shop (owner: team-shop)\n  availability "),
        "{table}"
    );

    let from = now - 600;
    let (status, series) = server
        .get(
            &format!("/api/v1/slos/shop/availability/series?from={from}&to={now}&step=1m"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{series}");
    let points = series["points"].as_array().unwrap();
    assert_eq!(points.len(), 11);
    assert_eq!(points.last().unwrap()["valid"], 1000.0);
    assert!(points[3]["valid"].as_f64().unwrap() < points[8]["valid"].as_f64().unwrap());
    let (status, answer) = server
        .get(
            &format!("/api/v1/slos/shop/availability/series?from=0&to={now}&step=1s"),
            None,
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );

    let (status, decision) = server.get("/api/v1/gate?service=shop", None).await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["allowed"], true, "no policy, no freeze");
    let (status, answer) = server.get("/api/v1/gate?service=nope", None).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, suggestions) = server
        .get("/api/v1/suggest?slo=shop/availability", None)
        .await;
    assert_eq!(status, 200, "{suggestions}");
    assert_eq!(suggestions[0]["slo"], "shop/availability");
    let (status, info) = server.get("/api/v1/status", None).await;
    assert_eq!(status, 200);
    assert_eq!(info["store"]["series"], 1);
    server.stop().await;
}
