//! A real Prometheus scrapes a test target and remote-writes to `nines serve`; nines'
//! counts must equal the increments of the raw samples Prometheus stored, and stay within
//! `increase()`'s extrapolation of them (docs/api.md#remote-write explains the bound).

mod harness;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use harness::{ServerProcess, TempDir, client};
use serde_json::Value;

const TOKEN: &str = "prometheus-test-token-0123";

const SPEC: &str = r#"apiVersion: nines/v1
name: shop
owner: team-shop
slos:
  - name: availability
    target: 99%
    window: 28d
    sli:
      prometheus:
        valid: demo_requests_total{job="shop"}
        bad: demo_requests_total{job="shop",code=~"5.."}
  - name: latency
    target: 95%
    window: 28d
    sli:
      latency: 1s
      prometheus:
        histogram: demo_request_duration_seconds{job="shop"}
"#;

/// The test target: counters that grow every 100 ms and restart (reset to zero) once,
/// as a process restart would.
struct Target {
    port: u16,
    stop: Arc<AtomicBool>,
}

fn exposition(tick: u64) -> String {
    // A restart at tick 120: everything starts again from zero.
    let ticks = if tick >= 120 { tick - 120 } else { tick };
    let errors_since = |from: u64| ticks.saturating_sub(from) / 5;
    let failed = errors_since(20);
    let total = ticks * 50;
    let mut text = String::from("# TYPE demo_requests_total counter\n");
    text.push_str(&format!(
        "demo_requests_total{{code=\"200\"}} {}\n",
        total - failed
    ));
    if ticks >= 20 {
        text.push_str(&format!("demo_requests_total{{code=\"500\"}} {failed}\n"));
    }
    text.push_str("# TYPE demo_request_duration_seconds histogram\n");
    for (le, share) in [("0.1", 45), ("0.25", 48), ("1", 49), ("+Inf", 50)] {
        text.push_str(&format!(
            "demo_request_duration_seconds_bucket{{le=\"{le}\"}} {}\n",
            ticks * share
        ));
    }
    text.push_str(&format!(
        "demo_request_duration_seconds_sum {}\n",
        ticks * 4
    ));
    text.push_str(&format!("demo_request_duration_seconds_count {total}\n"));
    text
}

impl Target {
    fn start() -> Target {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let tick = Arc::new(AtomicU64::new(0));
        let (ticking, ticker_stop) = (tick.clone(), stop.clone());
        std::thread::spawn(move || {
            while !ticker_stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                ticking.fetch_add(1, Ordering::SeqCst);
            }
        });
        let serving = stop.clone();
        std::thread::spawn(move || {
            while !serving.load(Ordering::SeqCst) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(read) => request.extend_from_slice(&buffer[..read]),
                    }
                }
                let body = exposition(tick.load(Ordering::SeqCst));
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Target { port, stop }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

struct Prometheus {
    child: Child,
    base: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

use harness::free_port;

fn start_prometheus(directory: &TempDir, target: u16, nines: &str) -> Prometheus {
    let binary = "/usr/bin/prometheus";
    assert!(
        std::path::Path::new(binary).exists(),
        "this test needs a real Prometheus: apt-get install prometheus (scripts/test.sh installs it)"
    );
    let config = directory.write(
        "prometheus.yml",
        &format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n\
             remote_write:\n  - url: {nines}/api/v1/write\n    authorization:\n      credentials: {TOKEN}\n    \
             queue_config:\n      batch_send_deadline: 1s\n      max_samples_per_send: 500\n    \
             metadata_config:\n      send: false\n"
        ),
    );
    let port = free_port();
    let log = std::fs::File::create(directory.path().join("prometheus.log")).unwrap();
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            directory.path().join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("prometheus starts");
    let prometheus = Prometheus {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = http.get(format!("{}/-/ready", prometheus.base)).send()
            && response.status().is_success()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "prometheus did not become ready: {}",
            std::fs::read_to_string(directory.path().join("prometheus.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    prometheus
}

fn query(prometheus: &Prometheus, promql: &str, at: f64) -> Value {
    let answer: Value = client()
        .get(format!("{}/api/v1/query", prometheus.base))
        .query(&[("query", promql), ("time", &format!("{at:.3}"))])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(answer["status"], "success", "{promql}: {answer}");
    answer["data"]["result"].clone()
}

/// Increments of the raw samples, counter resets handled (what `increase` measures before
/// extrapolating), summed over series; and the bound `increase` may reach.
fn raw_increase(prometheus: &Prometheus, selector: &str, at: f64) -> (f64, f64) {
    let mut exact = 0.0;
    let mut bound = 0.0;
    for series in query(prometheus, &format!("{selector}[10m]"), at)
        .as_array()
        .unwrap()
    {
        let values: Vec<(f64, f64)> = series["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                (
                    pair[0].as_f64().unwrap(),
                    pair[1].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        let mut increase = 0.0;
        for pair in values.windows(2) {
            let (previous, current) = (pair[0].1, pair[1].1);
            increase += if current >= previous {
                current - previous
            } else {
                current
            };
        }
        exact += increase;
        // Prometheus extrapolates by at most 1.1 average intervals at each end.
        let intervals = (values.len().max(2) - 1) as f64;
        bound += increase * (1.0 + 2.2 / intervals);
    }
    (exact, bound)
}

fn scalar(result: &Value) -> f64 {
    result[0]["value"][1].as_str().unwrap().parse().unwrap()
}

#[test]
fn counts_from_prometheus_remote_write_match_prometheus() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let specs = directory.path().join("specs").display().to_string();
    let data = directory.path().join("data").display().to_string();
    let nines = ServerProcess::start(
        &[
            "serve",
            "--specs",
            &specs,
            "--data",
            &data,
            "--listen",
            "127.0.0.1:0",
        ],
        &[("NINES_WRITE_TOKEN", TOKEN)],
    );
    let target = Target::start();
    let prometheus = start_prometheus(&directory, target.port, &nines.base);
    // 25 s of traffic with a restart at 12 s, then the target goes away.
    std::thread::sleep(Duration::from_secs(25));
    drop(target);
    // Let the last scrapes reach nines through remote write.
    let http = client();
    let counts = |slo: &str| -> (f64, f64) {
        let report: Value = http
            .get(format!("{}/api/v1/slos/shop/{slo}", nines.base))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let row = &report["objectives"][0];
        (
            row["good"].as_f64().unwrap(),
            row["valid"].as_f64().unwrap(),
        )
    };
    let mut last = (counts("availability"), counts("latency"));
    let mut stable_since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(60);
    while stable_since.elapsed() < Duration::from_secs(4) {
        assert!(
            Instant::now() < deadline,
            "remote write never settled: {}",
            nines.log()
        );
        std::thread::sleep(Duration::from_millis(500));
        let now = (counts("availability"), counts("latency"));
        if now != last {
            last = now;
            stable_since = Instant::now();
        }
    }
    let at = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    let ((good, valid), (fast, requests)) = last;
    assert!(
        valid > 1000.0,
        "nines received traffic: {valid}; {}",
        nines.log()
    );

    let (valid_exact, valid_bound) =
        raw_increase(&prometheus, "demo_requests_total{job=\"shop\"}", at);
    let (bad_exact, _) = raw_increase(
        &prometheus,
        "demo_requests_total{job=\"shop\",code=~\"5..\"}",
        at,
    );
    let (count_exact, _) = raw_increase(
        &prometheus,
        "demo_request_duration_seconds_count{job=\"shop\"}",
        at,
    );
    let (fast_exact, _) = raw_increase(
        &prometheus,
        "demo_request_duration_seconds_bucket{job=\"shop\",le=\"1\"}",
        at,
    );
    // Exact: nines counts what the samples say, resets included.
    assert_eq!(valid, valid_exact, "valid");
    assert_eq!(valid - good, bad_exact, "bad");
    assert_eq!(requests, count_exact, "histogram count");
    assert_eq!(fast, fast_exact, "the le=\"1\" bucket for a 1s threshold");
    // increase() extrapolates to the range's edges: never below the samples' increments,
    // at most 1.1 scrape intervals more at each end.
    let increase = scalar(&query(
        &prometheus,
        "sum(increase(demo_requests_total{job=\"shop\"}[10m]))",
        at,
    ));
    assert!(
        valid <= increase + 1e-6 && increase <= valid_bound + 1e-6,
        "nines {valid}, increase() {increase}, bound {valid_bound}"
    );
    let bad_increase = scalar(&query(
        &prometheus,
        "sum(increase(demo_requests_total{job=\"shop\",code=~\"5..\"}[10m]))",
        at,
    ));
    let sli_nines = good / valid;
    let sli_prometheus = 1.0 - bad_increase / increase;
    assert!(
        (sli_nines - sli_prometheus).abs() < 0.002,
        "SLI nines {sli_nines}, Prometheus {sli_prometheus}"
    );

    // The same statuses read straight from Prometheus: `report --prometheus` equals
    // Prometheus' own 28-day increase at the same instant.
    let at_text = format!("{}", at as i64);
    let report = harness::Nines::new()
        .args([
            "report",
            "--output",
            "json",
            "--spec",
            &specs,
            "--prometheus",
            &prometheus.base,
            "--at",
            &at_text,
        ])
        .run();
    assert_eq!(report.status, 0, "{report:?}");
    let json: Value = serde_json::from_str(&report.stdout).unwrap();
    let row = json["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["slo"] == "availability")
        .unwrap()
        .clone();
    let month = scalar(&query(
        &prometheus,
        "sum(increase(demo_requests_total{job=\"shop\"}[28d]))",
        at as i64 as f64,
    ));
    let from_backend = row["valid"].as_f64().unwrap();
    assert!(
        (from_backend - month).abs() < 1e-6 * month,
        "report --prometheus {from_backend}, increase() {month}"
    );
    // And a server reading Prometheus serves them, with ingestion off. It keeps its alert
    // state in a --data of its own: the writer above still holds its store.
    let reader_data = format!("{data}-reader");
    let reader = ServerProcess::start(
        &[
            "serve",
            "--specs",
            &specs,
            "--data",
            &reader_data,
            "--listen",
            "127.0.0.1:0",
            "--prometheus",
            &prometheus.base,
        ],
        &[("NINES_WRITE_TOKEN", "")],
    );
    let served: Value = http
        .get(format!("{}/api/v1/slos/shop/availability", reader.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        served["objectives"][0]["valid"].as_f64().unwrap() > 1000.0,
        "{served}"
    );
    let refused = http
        .post(format!("{}/api/v1/events", reader.base))
        .body("{}")
        .send()
        .unwrap();
    assert!(
        matches!(refused.status().as_u16(), 403 | 409),
        "{}",
        refused.status()
    );
}

// ---------------------------------------------------------------------------------------
// A backend that fails (issue 9, fault suite; issue 8.10): a real Prometheus behind a
// fault-injecting TCP proxy, and a stopped one. Whatever the fault, `gate` refuses with
// exit 2 and "backend error": never "go" because nothing was measured (no data is not
// healthy) and never "frozen" from a partial answer (a false exhaustion). `report` and
// `suggest` exit 2 with the error too.

const MINUTE_MS: i64 = 60_000;

/// Two services on the same metric, one well within budget and one out of it.
const FAULT_SPEC: &str = r#"apiVersion: nines/v1
kind: ErrorBudgetPolicy
name: strict
owner: sre
states:
  - name: exhausted
    when: remaining < 0%
    actions:
      - freeze: releases
---
apiVersion: nines/v1
name: healthy
owner: team-a
policy: strict
slos:
  - name: availability
    target: 99%
    window: 28d
    sli:
      prometheus:
        valid: demo_requests_total{job="healthy"}
        bad: demo_requests_total{job="healthy",code=~"5.."}
---
apiVersion: nines/v1
name: burning
owner: team-b
policy: strict
slos:
  - name: availability
    target: 99%
    window: 28d
    sli:
      prometheus:
        valid: demo_requests_total{job="burning"}
        bad: demo_requests_total{job="burning",code=~"5.."}
"#;

/// Two days of per-minute counters ending at `end`: 100 requests a minute, `healthy`
/// with one error every ten minutes (0.1%), `burning` with 5 a minute (5%).
fn fault_history(end: i64) -> String {
    let mut text = String::from("# TYPE demo_requests counter\n");
    let start = end - 2 * 24 * 60 * MINUTE_MS;
    for job in ["healthy", "burning"] {
        let (mut ok, mut failed) = (0u64, 0u64);
        let mut at = start;
        let mut minute = 0u64;
        while at <= end {
            let errors = match job {
                "healthy" => u64::from(minute.is_multiple_of(10)),
                _ => 5,
            };
            ok += 100 - errors;
            failed += errors;
            let seconds = at / 1000;
            text.push_str(&format!(
                "demo_requests_total{{job=\"{job}\",code=\"200\"}} {ok} {seconds}\n"
            ));
            text.push_str(&format!(
                "demo_requests_total{{job=\"{job}\",code=\"500\"}} {failed} {seconds}\n"
            ));
            at += MINUTE_MS;
            minute += 1;
        }
    }
    text.push_str("# EOF\n");
    text
}

/// A Prometheus loaded with [`fault_history`] through `promtool tsdb create-blocks-from`,
/// with default settings (15 days of retention, the `0s` flag).
fn prometheus_with_history(directory: &TempDir) -> harness::Prometheus {
    let promtool = "/usr/bin/promtool";
    assert!(
        std::path::Path::new(promtool).exists(),
        "this test needs promtool: apt-get install prometheus (scripts/test.sh installs it)"
    );
    let now = jiff::Timestamp::now().as_millisecond();
    let end = now.div_euclid(MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
    let history = directory.write("history.om", &fault_history(end));
    let home = directory.path().join("prometheus");
    let output = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
        .arg(&history)
        .arg(home.join("tsdb"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    harness::Prometheus::start(&home, &[])
}

/// What the proxy does to a request.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    /// Forwards it.
    Pass,
    /// Closes the connection without an answer (a backend that went away).
    Refuse,
    /// Answers only after this long (beyond the client's timeout).
    Slow(Duration),
    /// Forwards half of the answer, then closes the connection.
    Cut,
    /// Answers 200 with an HTML page (a login page, a misrouted proxy).
    Html,
    /// Answers 200 with JSON cut in the middle of a sample.
    BrokenJson,
    /// Answers "success" without a result.
    NoResult,
}

/// A TCP proxy in front of Prometheus: the first `healthy` requests pass, the rest get
/// `fault` (or only request number `only`, when set).
struct FaultProxy {
    base: String,
    stop: Arc<AtomicBool>,
}

struct FaultPlan {
    fault: Fault,
    healthy: usize,
    only: Option<usize>,
}

impl FaultProxy {
    fn start(upstream: &str, plan: FaultPlan) -> FaultProxy {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let plan = Arc::new(plan);
        let counter = Arc::new(AtomicU64::new(0));
        std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let (upstream, plan, counter) = (upstream.clone(), plan.clone(), counter.clone());
                std::thread::spawn(move || {
                    let _ = proxy_one(stream, &upstream, &plan, &counter);
                });
            }
        });
        FaultProxy { base, stop }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// One request: read it, decide its fault, answer (each connection carries one request:
/// the proxy asks the backend to close, and so does the answer).
fn proxy_one(
    mut client: std::net::TcpStream,
    upstream: &str,
    plan: &FaultPlan,
    counter: &AtomicU64,
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        if let Some(position) = request.windows(4).position(|window| window == b"\r\n\r\n") {
            break position + 4;
        }
        let read = client.read(&mut buffer)?;
        if read == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while request.len() < head_end + length {
        let read = client.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let index = counter.fetch_add(1, Ordering::SeqCst) as usize;
    let faulty = match plan.only {
        Some(only) => index == only,
        None => index >= plan.healthy,
    };
    let fault = if faulty { plan.fault } else { Fault::Pass };
    let forward = |request: &[u8]| -> std::io::Result<Vec<u8>> {
        let mut backend = std::net::TcpStream::connect(upstream)?;
        // Ask for one answer per connection, ended by closing it.
        let head = head.replacen("\r\n", "\r\nConnection: close\r\n", 1);
        backend.write_all(head.as_bytes())?;
        backend.write_all(&request[head_end..])?;
        let mut answer = Vec::new();
        backend.read_to_end(&mut answer)?;
        Ok(answer)
    };
    let respond = |client: &mut std::net::TcpStream, kind: &str, body: &str| {
        write!(
            client,
            "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    match fault {
        Fault::Pass => client.write_all(&forward(&request)?)?,
        Fault::Refuse => {}
        Fault::Slow(delay) => {
            std::thread::sleep(delay);
            client.write_all(&forward(&request)?)?;
        }
        Fault::Cut => {
            let answer = forward(&request)?;
            client.write_all(&answer[..answer.len() / 2])?;
        }
        Fault::Html => respond(
            &mut client,
            "text/html",
            "<html><body><h1>Sign in</h1><form>...</form></body></html>",
        )?,
        Fault::BrokenJson => respond(
            &mut client,
            "application/json",
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"healthy"},"value":[1764547200,"#,
        )?,
        Fault::NoResult => respond(
            &mut client,
            "application/json",
            r#"{"status":"success","data":{}}"#,
        )?,
    }
    let _ = client.flush();
    let _ = client.shutdown(std::net::Shutdown::Both);
    Ok(())
}

/// `nines ARGS --spec SPEC --prometheus URL --prometheus-timeout 1s`.
fn against(spec: &str, url: &str, args: &[&str]) -> harness::Run {
    harness::Nines::new()
        .args(args)
        .args([
            "--spec",
            spec,
            "--prometheus",
            url,
            "--prometheus-timeout",
            "1s",
        ])
        .run()
}

#[test]
fn a_failing_backend_is_a_backend_error_never_no_data_nor_exhaustion() {
    // issue 9 (fault suite: a Prometheus backend that is down, slow or answers garbage)
    let directory = TempDir::new();
    let spec = directory
        .write("specs/shop.yaml", FAULT_SPEC)
        .display()
        .to_string();
    let prometheus = prometheus_with_history(&directory);

    // Through a proxy that passes everything, the answers are the truth: `healthy` may
    // ship, `burning` is frozen, and the report measures both.
    let transparent = FaultProxy::start(
        &prometheus.base,
        FaultPlan {
            fault: Fault::Pass,
            healthy: 0,
            only: None,
        },
    );
    let go = against(&spec, &transparent.base, &["gate", "--service", "healthy"]);
    assert_eq!(go.status, 0, "healthy passes the gate: {go:?}");
    let frozen = against(&spec, &transparent.base, &["gate", "--service", "burning"]);
    assert_eq!(frozen.status, 1, "burning is frozen: {frozen:?}");
    let report = against(&spec, &transparent.base, &["report", "--output", "json"]);
    assert_eq!(report.status, 0, "{report:?}");
    let json: Value = serde_json::from_str(&report.stdout).unwrap();
    for row in json["objectives"].as_array().unwrap() {
        assert!(row["valid"].as_f64().unwrap() > 200_000.0, "{row}");
        assert!(row["error"].is_null(), "{row}");
    }

    // One failed request is retried: the same decisions.
    let once = FaultProxy::start(
        &prometheus.base,
        FaultPlan {
            fault: Fault::Refuse,
            healthy: 0,
            only: Some(2),
        },
    );
    assert_eq!(
        against(&spec, &once.base, &["gate", "--service", "healthy"]).status,
        0
    );
    assert_eq!(
        against(&spec, &once.base, &["gate", "--service", "burning"]).status,
        1
    );

    // Every fault, from the first query on (the health check passes) and from the very
    // first request (the health check fails).
    let faults = [
        Fault::Refuse,
        Fault::Slow(Duration::from_secs(3)),
        Fault::Cut,
        Fault::Html,
        Fault::BrokenJson,
        Fault::NoResult,
    ];
    let mut wrong = Vec::new();
    for fault in faults {
        for healthy in [1, 0] {
            let proxy = FaultProxy::start(
                &prometheus.base,
                FaultPlan {
                    fault,
                    healthy,
                    only: None,
                },
            );
            for (service, args) in [
                ("healthy", vec!["gate", "--service", "healthy"]),
                ("burning", vec!["gate", "--service", "burning"]),
                ("all", vec!["report", "--output", "json"]),
                ("all", vec!["suggest"]),
            ] {
                let run = against(&spec, &proxy.base, &args);
                if run.status != 2 || !run.stderr.contains("backend error") {
                    wrong.push(format!(
                        "{fault:?} after {healthy} good answer(s), {} for {service}: exit {}, stderr: {}",
                        args[0],
                        run.status,
                        run.stderr.trim()
                    ));
                }
                // A report that is printed anyway shows the error on every row.
                if args[0] == "report"
                    && let Ok(json) = serde_json::from_str::<Value>(&run.stdout)
                {
                    for row in json["objectives"].as_array().unwrap() {
                        if row["error"].is_null() {
                            wrong.push(format!("{fault:?}: a report row without the error: {row}"));
                        }
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A stopped backend.
    let port = prometheus.base.rsplit(':').next().unwrap().to_string();
    drop(transparent);
    drop(once);
    drop(prometheus);
    for args in [vec!["gate", "--service", "healthy"], vec!["report"]] {
        let run = against(&spec, &format!("http://127.0.0.1:{port}"), &args);
        assert_eq!(run.status, 2, "{run:?}");
        assert!(run.stderr.contains("backend error"), "{}", run.stderr);
        assert!(run.stderr.contains("cannot reach"), "{}", run.stderr);
    }
    // A server reading the stopped backend refuses the gate too, with the error as the
    // reason, even when asked to let SLOs without data through.
    let reader = ServerProcess::start(
        &[
            "serve",
            "--specs",
            &spec,
            "--data",
            &directory.path().join("reader").display().to_string(),
            "--listen",
            "127.0.0.1:0",
            "--prometheus",
            &format!("http://127.0.0.1:{port}"),
            "--prometheus-timeout",
            "1s",
        ],
        &[("NINES_WRITE_TOKEN", "")],
    );
    let decision: Value = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/gate?service=healthy", reader.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(decision["allowed"], false, "{decision}");
    assert_eq!(
        decision["blockers"][0]["state"], "not measured",
        "{decision}"
    );
    assert!(
        decision["blockers"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("backend error"),
        "{decision}"
    );
}

#[test]
fn the_retention_warning_reads_what_a_default_prometheus_keeps() {
    // issue 8.10: Prometheus 2.42 started without --storage.tsdb.retention.time reports
    // the flag as `0s` but keeps 15 days (/api/v1/status/runtimeinfo).
    let directory = TempDir::new();
    let spec = directory
        .write("specs/shop.yaml", FAULT_SPEC)
        .display()
        .to_string();
    let prometheus = harness::Prometheus::start(&directory.path().join("prometheus"), &[]);
    let flags: Value = client()
        .get(format!("{}/api/v1/status/flags", prometheus.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(flags["data"]["storage.tsdb.retention.time"], "0s");
    let report = against(&spec, &prometheus.base, &["report"]);
    assert_eq!(report.status, 0, "{report:?}");
    assert!(
        report.stderr.contains("the backend keeps 15d of data"),
        "{}",
        report.stderr
    );
    assert!(!report.stderr.contains("keeps 0s"), "{}", report.stderr);

    // With a size limit too, the time part still counts.
    drop(prometheus);
    let limited = harness::Prometheus::start(
        &directory.path().join("limited"),
        &[
            "--storage.tsdb.retention.time=20d",
            "--storage.tsdb.retention.size=1GB",
        ],
    );
    let report = against(&spec, &limited.base, &["report"]);
    assert!(
        report.stderr.contains("the backend keeps 20d of data"),
        "{}",
        report.stderr
    );
}
