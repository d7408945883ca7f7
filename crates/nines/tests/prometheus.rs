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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

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
    // And a server reading Prometheus serves them, with ingestion off.
    let reader = ServerProcess::start(
        &[
            "serve",
            "--specs",
            &specs,
            "--data",
            &data,
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
