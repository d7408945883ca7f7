//! The backend against real servers: a Prometheus (over TLS, loaded with
//! `promtool tsdb create-blocks-from openmetrics`) and a VictoriaMetrics (with basic auth,
//! loaded through its import API), both holding the same 35 days of generated history.
//! nines' status through each backend must equal its status from the embedded store fed
//! the same counts, and the generated recording rules' values, within the tolerances
//! explained in docs/prometheus.md.

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use nines_core::engine::{Engine, Options};
use nines_core::model::Catalog;
use nines_core::report::{Report, Row};
use nines_prometheus::{Auth, Backend, Config};
use nines_store::{Batch, Delta, Store, StoreConfig};

const MINUTE: i64 = 60_000;
const DAYS: i64 = 35;

const SPEC: &str = r#"apiVersion: nines/v1
name: api
owner: team-api
slos:
  - name: availability
    target: 99.9%
    window: 28d
    sli:
      prometheus:
        valid: http_requests_total{job="api"}
        bad: http_requests_total{job="api",code=~"5.."}
  - name: latency
    target: 99%
    window: 28d
    sli:
      latency: 1s
      prometheus:
        histogram: http_request_duration_seconds{job="api"}
  - name: latency-hourly
    target: 95%
    window: 7d
    budgeting: timeslices
    slice: 1h
    sliceTarget: 98%
    sli:
      latency: 1s
      prometheus:
        histogram: http_request_duration_seconds{job="api"}
  - name: availability-month
    target: 99.5%
    window: month
    sli:
      prometheus:
        valid: http_requests_total{job="api"}
        bad: http_requests_total{job="api",code=~"5.."}
  - name: latency-odd
    target: 99%
    window: 28d
    sli:
      latency: 500ms
      prometheus:
        histogram: http_request_duration_seconds{job="api"}
---
apiVersion: nines/v1
name: ghost
owner: team-ghost
slos:
  - name: availability
    target: 99.9%
    window: 28d
    sli:
      prometheus:
        valid: ghost_requests_total{job="ghost"}
        bad: ghost_requests_total{job="ghost",code=~"5.."}
  - name: long-window
    target: 99%
    window: 60d
    sli:
      prometheus:
        valid: http_requests_total{job="api"}
        bad: http_requests_total{job="api",code=~"5.."}
"#;

fn catalog() -> Catalog {
    let loaded = nines_spec::load_sources(&[nines_spec::Source {
        name: "api.yaml".into(),
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
    fn new(name: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("nines-backends-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn need(binary: &str, package: &str) -> String {
    let path = format!("/usr/bin/{binary}");
    assert!(
        Path::new(&path).exists(),
        "this test needs {binary}: apt-get install {package} (scripts/test.sh installs it)"
    );
    path
}

/// The history: cumulative counters sampled every minute for 35 days, ending at `end`.
/// 600 requests a minute on weekdays' afternoons, fewer at night; 0.05% server errors,
/// a 20-minute incident at 40% errors ten days ago; 98.5% of requests within 1 s.
struct History {
    /// (timestamp ms, ok, failed, le 0.1, le 0.3, le 1.0, count) cumulative.
    samples: Vec<(i64, f64, f64, f64, f64, f64, f64)>,
}

fn history(end: i64) -> History {
    let start = end - DAYS * 24 * 60 * MINUTE;
    let incident = end - 10 * 24 * 60 * MINUTE;
    let mut samples = Vec::new();
    let (mut ok, mut failed, mut fast, mut medium, mut slow, mut count) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut at = start;
    let mut minute: u64 = 0;
    while at <= end {
        let hour = (at.rem_euclid(86_400_000)) as f64 / 3_600_000.0;
        let requests =
            (600.0 * (0.6 + 0.4 * ((hour - 15.0) / 24.0 * std::f64::consts::TAU).cos())).round();
        let in_incident = (incident..incident + 20 * MINUTE).contains(&at);
        let errors = if in_incident {
            (requests * 0.4).round()
        } else {
            f64::from(u8::from(minute.is_multiple_of(33)))
        };
        ok += requests - errors;
        failed += errors;
        count += requests;
        fast += (requests * 0.9).round();
        medium += (requests * 0.97).round();
        slow += requests
            - f64::from(u8::from(minute.is_multiple_of(4))) * 24.0
            - if in_incident { 30.0 } else { 0.0 };
        samples.push((at, ok, failed, fast, medium, slow, count));
        at += MINUTE;
        minute += 1;
    }
    History { samples }
}

impl History {
    /// Per-minute increments as store deltas (the interval of the sample's minute).
    fn deltas(&self) -> Vec<Delta> {
        let mut out = Vec::new();
        for pair in self.samples.windows(2) {
            let (before, now) = (pair[0], pair[1]);
            let valid = (now.1 + now.2) - (before.1 + before.2);
            let bad = now.2 - before.2;
            out.push(Delta {
                series: "api/availability".into(),
                at: now.0,
                good: (valid - bad) as i64,
                valid: valid as u64,
            });
            out.push(Delta {
                series: "api/availability-month".into(),
                at: now.0,
                good: (valid - bad) as i64,
                valid: valid as u64,
            });
            out.push(Delta {
                series: "ghost/long-window".into(),
                at: now.0,
                good: (valid - bad) as i64,
                valid: valid as u64,
            });
            let requests = now.6 - before.6;
            let within = now.5 - before.5;
            out.push(Delta {
                series: "api/latency".into(),
                at: now.0,
                good: within as i64,
                valid: requests as u64,
            });
            out.push(Delta {
                series: "api/latency-hourly".into(),
                at: now.0,
                good: within as i64,
                valid: requests as u64,
            });
        }
        out
    }

    /// OpenMetrics text (seconds), for promtool.
    fn openmetrics(&self) -> String {
        let mut text = String::with_capacity(self.samples.len() * 700);
        text.push_str("# TYPE http_requests counter\n");
        for s in &self.samples {
            let t = s.0 / 1000;
            text.push_str(&format!(
                "http_requests_total{{job=\"api\",code=\"200\"}} {} {t}\n",
                s.1
            ));
            text.push_str(&format!(
                "http_requests_total{{job=\"api\",code=\"500\"}} {} {t}\n",
                s.2
            ));
        }
        text.push_str("# TYPE http_request_duration_seconds histogram\n");
        for s in &self.samples {
            let t = s.0 / 1000;
            for (le, value) in [("0.1", s.3), ("0.3", s.4), ("1.0", s.5), ("+Inf", s.6)] {
                text.push_str(&format!(
                    "http_request_duration_seconds_bucket{{job=\"api\",le=\"{le}\"}} {value} {t}\n"
                ));
            }
            text.push_str(&format!(
                "http_request_duration_seconds_count{{job=\"api\"}} {} {t}\n",
                s.6
            ));
        }
        text.push_str("# EOF\n");
        text
    }

    /// Prometheus exposition lines with millisecond timestamps, for VictoriaMetrics.
    fn exposition(&self) -> String {
        let mut text = String::with_capacity(self.samples.len() * 700);
        for s in &self.samples {
            let t = s.0;
            text.push_str(&format!(
                "http_requests_total{{job=\"api\",code=\"200\"}} {} {t}\n",
                s.1
            ));
            text.push_str(&format!(
                "http_requests_total{{job=\"api\",code=\"500\"}} {} {t}\n",
                s.2
            ));
            for (le, value) in [("0.1", s.3), ("0.3", s.4), ("1.0", s.5), ("+Inf", s.6)] {
                text.push_str(&format!(
                    "http_request_duration_seconds_bucket{{job=\"api\",le=\"{le}\"}} {value} {t}\n"
                ));
            }
            text.push_str(&format!(
                "http_request_duration_seconds_count{{job=\"api\"}} {} {t}\n",
                s.6
            ));
        }
        text
    }
}

fn openssl(directory: &Path, args: &[&str]) {
    let status = Command::new(need("openssl", "openssl"))
        .current_dir(directory)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl {args:?}");
}

/// A CA and a server certificate for 127.0.0.1.
fn certificates(directory: &Path) {
    openssl(
        directory,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=nines test CA",
        ],
    );
    openssl(
        directory,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(directory.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(
        directory,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
}

fn wait_ready(url: &str, ca: Option<&Path>, log: &Path) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::blocking::Client::builder().timeout(StdDuration::from_secs(5));
    if let Some(ca) = ca {
        builder = builder.tls_certs_merge(
            reqwest::Certificate::from_pem_bundle(&std::fs::read(ca).unwrap()).unwrap(),
        );
    }
    let http = builder.build().unwrap();
    let deadline = Instant::now() + StdDuration::from_secs(120);
    loop {
        if http
            .get(url)
            .send()
            .is_ok_and(|response| response.status().is_success())
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{url} never became ready: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(StdDuration::from_millis(250));
    }
}

fn start_prometheus(directory: &Path, history: &History) -> (Process, String) {
    let promtool = need("promtool", "prometheus");
    let input = directory.join("history.om");
    std::fs::write(&input, history.openmetrics()).unwrap();
    let data = directory.join("tsdb");
    let output = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
        .arg(&input)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    certificates(directory);
    std::fs::write(
        directory.join("web.yml"),
        "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n",
    )
    .unwrap();
    let port = free_port();
    let log = directory.join("prometheus.log");
    std::fs::write(
        directory.join("prometheus.yml"),
        "global:\n  scrape_interval: 1m\n",
    )
    .unwrap();
    let child = Command::new(need("prometheus", "prometheus"))
        .current_dir(directory)
        .arg("--config.file=prometheus.yml")
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg("--storage.tsdb.retention.time=100d")
        .arg("--web.config.file=web.yml")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let process = Process(child);
    let url = format!("https://127.0.0.1:{port}");
    wait_ready(
        &format!("{url}/-/ready"),
        Some(&directory.join("ca.pem")),
        &log,
    );
    (process, url)
}

fn start_victoria(directory: &Path, history: &History) -> (Process, String) {
    let port = free_port();
    let log = directory.join("victoria.log");
    let child = Command::new(need("victoria-metrics", "victoria-metrics"))
        .arg(format!(
            "-storageDataPath={}",
            directory.join("vm").display()
        ))
        .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
        .arg("-retentionPeriod=100d")
        .arg("-httpAuth.username=nines")
        .arg("-httpAuth.password=vm-secret")
        .arg("-search.disableCache")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let process = Process(child);
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::blocking::Client::builder()
        .timeout(StdDuration::from_secs(120))
        .build()
        .unwrap();
    let deadline = Instant::now() + StdDuration::from_secs(60);
    while !http
        .get(format!("{url}/health"))
        .send()
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            Instant::now() < deadline,
            "{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(StdDuration::from_millis(200));
    }
    let body = history.exposition();
    // Import in pieces of about 8 MiB, each ending at a line's end.
    let mut start = 0;
    while start < body.len() {
        let mut end = (start + (8 << 20)).min(body.len());
        while end < body.len() && body.as_bytes()[end - 1] != b'\n' {
            end += 1;
        }
        let response = http
            .post(format!("{url}/api/v1/import/prometheus"))
            .basic_auth("nines", Some("vm-secret"))
            .body(body[start..end].to_string())
            .send()
            .unwrap();
        assert!(response.status().is_success(), "{:?}", response.text());
        start = end;
    }
    let flushed = http
        .get(format!("{url}/internal/force_flush"))
        .basic_auth("nines", Some("vm-secret"))
        .send()
        .unwrap();
    assert!(flushed.status().is_success());
    (process, url)
}

fn row<'a>(report: &'a Report, name: &str) -> &'a Row {
    report
        .objectives
        .iter()
        .find(|row| format!("{}/{}", row.service, row.slo) == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn burn(row: &Row, window: &str) -> Option<f64> {
    row.burn_rates
        .0
        .iter()
        .find(|(label, _)| *label == window)
        .and_then(|(_, rate)| *rate)
}

fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()).max(1e-12)
}

/// Compares a backend's report with the store's: the SLO windows and long burn windows
/// agree within `tolerance` (relative); see docs/prometheus.md for why they differ at all.
fn compare(backend: &Report, store: &Report, tolerance: f64, name: &str) {
    for slo in [
        "api/availability",
        "api/latency",
        "api/availability-month",
        "ghost/long-window",
    ] {
        let (b, s) = (row(backend, slo), row(store, slo));
        assert!(
            close(b.valid, s.valid, tolerance),
            "{name} {slo} valid: backend {} store {}",
            b.valid,
            s.valid
        );
        assert!(
            close(b.bad, s.bad, tolerance * 20.0),
            "{name} {slo} bad: backend {} store {}",
            b.bad,
            s.bad
        );
        let (bs, ss) = (b.sli.unwrap(), s.sli.unwrap());
        assert!(
            (bs - ss).abs() < 1e-5,
            "{name} {slo} SLI: backend {bs} store {ss}"
        );
        for window in ["1d", "3d"] {
            let (bb, sb) = (burn(b, window).unwrap(), burn(s, window).unwrap());
            assert!(
                (bb - sb).abs() < 0.05 * sb.max(0.2),
                "{name} {slo} burn {window}: backend {bb} store {sb}"
            );
        }
    }
    let (b, s) = (
        row(backend, "api/latency-hourly"),
        row(store, "api/latency-hourly"),
    );
    let (bs, ss) = (b.slices.as_ref().unwrap(), s.slices.as_ref().unwrap());
    assert!(
        (bs.with_data - ss.with_data).abs() <= 1.0,
        "{name} slices: backend {bs:?} store {ss:?}"
    );
    assert!(
        (bs.bad - ss.bad).abs() <= 1.0,
        "{name} bad slices: backend {bs:?} store {ss:?}"
    );
}

#[test]
fn prometheus_and_victoria_metrics_agree_with_the_store_and_the_rules() {
    let directory = TempDir::new("all");
    let now = jiff::Timestamp::now().as_millisecond();
    let last_sample = now.div_euclid(MINUTE) * MINUTE - 10 * MINUTE;
    let at = last_sample + MINUTE;
    let data = history(last_sample);
    let catalog = catalog();

    // The embedded store, fed the same per-minute increments.
    let store = Store::open(&directory.path().join("store"), StoreConfig::default()).unwrap();
    store
        .write(Batch {
            deltas: data.deltas(),
            ..Batch::default()
        })
        .unwrap();
    store.prepare(&catalog);
    let engine = Engine::new(&catalog, Options::default());
    let store_report = {
        let view = store.view();
        Report::new(&engine.evaluate_all(&*view, at), at)
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    // Prometheus over TLS with our CA.
    let (prometheus, prometheus_url) = start_prometheus(directory.path(), &data);
    let mut config = Config::new(&prometheus_url);
    config.ca_file = Some(directory.path().join("ca.pem"));
    let backend = Backend::new(config).unwrap();
    let version = runtime.block_on(backend.check()).unwrap();
    assert!(version.contains("2."), "{version}");
    let (report, fetched) = runtime.block_on(backend.report(&catalog, at));
    compare(&report, &store_report, 2e-4, "prometheus");

    // No data is no data, not 0% or 100%.
    let ghost = row(&report, "ghost/availability");
    assert!(
        ghost.sli.is_none() && ghost.data_quality.no_data,
        "{:?}",
        ghost.data_quality
    );
    // A threshold between buckets is an error naming the nearest ones.
    let odd = row(&report, "api/latency-odd");
    let error = odd.error.clone().unwrap_or_default();
    assert!(error.contains(r#"le="0.3" and le="1.0""#), "{error}");
    // A window longer than the data held is warned about.
    assert!(
        fetched
            .warnings
            .iter()
            .any(|warning| warning.contains("ghost/long-window") && warning.contains("shorter")),
        "{:?}",
        fetched.warnings
    );

    // The generated rules compute the same: the 1h burn-window ratio exactly, the
    // SLO-window ratio chained from 5-minute increases within extrapolation.
    let generated = nines_rules::generate(&catalog, &nines_rules::Options::default());
    let rules_text: String = generated
        .files
        .iter()
        .map(nines_rules::render_groups)
        .collect();
    let expression = |record: &str, slo: &str| -> String {
        let marker = format!("- record: {record}\n");
        let mut found = None;
        for (index, _) in rules_text.match_indices(&marker) {
            let rest = &rules_text[index + marker.len()..];
            let expr_line = rest.lines().next().unwrap().trim();
            let labels: String = rest.lines().skip(1).take(5).collect();
            if labels.contains(&format!("nines_slo: {slo}"))
                && labels.contains("nines_service: api")
            {
                found = Some(
                    expr_line
                        .trim_start_matches("expr: ")
                        .trim_matches('\'')
                        .replace("''", "'"),
                );
                break;
            }
        }
        found.unwrap_or_else(|| panic!("{record} for {slo}"))
    };
    let client = backend.client().clone();
    let instant = |query: String| -> f64 {
        let samples = runtime.block_on(client.query(&query, at)).unwrap();
        assert_eq!(samples.len(), 1, "{query}: {samples:?}");
        samples[0].value
    };
    let availability = row(&report, "api/availability");
    let rule_1h = instant(expression("nines:sli_error:ratio_rate1h", "availability"));
    let nines_1h = burn(availability, "1h").unwrap() * 0.001;
    assert!(
        (rule_1h - nines_1h).abs() < 1e-12,
        "1h ratio: rule {rule_1h}, nines {nines_1h}"
    );
    let errors5m = expression("nines:sli_errors:increase5m", "availability");
    let valid5m = expression("nines:sli_valid:increase5m", "availability");
    let chained = instant(format!(
        "sum_over_time(({errors5m})[28d:5m]) / sum_over_time(({valid5m})[28d:5m])"
    ));
    let nines_ratio = 1.0 - availability.sli.unwrap();
    assert!(
        (chained - nines_ratio).abs() < 0.01 * nines_ratio,
        "SLO window: rules {chained}, nines {nines_ratio}"
    );
    drop(prometheus);

    // VictoriaMetrics, with basic auth; a wrong password is a clear error.
    let (victoria, victoria_url) = start_victoria(directory.path(), &data);
    let mut wrong = Config::new(&victoria_url);
    wrong.auth = Auth::Basic {
        user: "nines".into(),
        password: "nope".into(),
    };
    wrong.retries = 0;
    let refused = runtime
        .block_on(Backend::new(wrong).unwrap().client().query("vector(1)", at))
        .unwrap_err();
    assert!(refused.to_string().contains("401"), "{refused}");
    let mut config = Config::new(&victoria_url);
    config.auth = Auth::Basic {
        user: "nines".into(),
        password: "vm-secret".into(),
    };
    let backend = Backend::new(config).unwrap();
    let (report, _) = runtime.block_on(backend.report(&catalog, at));
    compare(&report, &store_report, 2e-4, "victoria-metrics");
    drop(victoria);

    // An unreachable backend is a clear error, not a status.
    let mut down = Config::new("http://127.0.0.1:9");
    down.retries = 1;
    let error = runtime
        .block_on(Backend::new(down).unwrap().check())
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot reach http://127.0.0.1:9"),
        "{error}"
    );
    let _ = std::io::stderr().flush();
}

#[test]
fn slos_sharing_a_metric_cost_one_query_per_window() {
    // Twenty SLOs over one metric, told apart by a label: queries do not grow with them.
    let mut text = String::from("apiVersion: nines/v1\nname: shop\nowner: team\nslos:\n");
    for index in 0..20 {
        text.push_str(&format!(
            "  - name: route-{index}\n    target: 99.9%\n    window: 28d\n    sli:\n      prometheus:\n        valid: http_requests_total{{job=\"shop\",route=\"/r{index}\"}}\n        bad: http_requests_total{{job=\"shop\",route=\"/r{index}\",code=~\"5..\"}}\n"
        ));
    }
    let catalog = nines_spec::load_sources(&[nines_spec::Source {
        name: "shop.yaml".into(),
        text,
    }])
    .catalog;
    assert_eq!(catalog.slos.len(), 20);
    let recorder = nines_prometheus::Recorder::default();
    let engine = Engine::new(&catalog, Options::default());
    let at = 1_795_953_600_000;
    let _ = engine.evaluate_all(&recorder, at);
    let requests = recorder.requests();
    let windows: std::collections::BTreeSet<i64> = requests
        .sums
        .iter()
        .map(|(_, start, end)| end - start)
        .collect();
    assert_eq!(requests.sums.len(), 20 * windows.len());
    // Fetch against a backend that is down: the queries are still counted, and every
    // status carries the error instead of a number.
    let mut down = Config::new("http://127.0.0.1:9");
    down.retries = 0;
    let backend = Backend::new(down).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fetched = runtime.block_on(nines_prometheus::fetch::fetch(
        backend.client(),
        &catalog,
        &requests,
        at,
    ));
    // Two sides (valid, bad) per window, whatever the number of SLOs.
    assert_eq!(
        fetched.queries,
        2 * windows.len() + 1,
        "{} windows",
        windows.len()
    );
    let report = Report::new(&engine.evaluate_all(&fetched.source, at), at);
    assert!(report.objectives.iter().all(|row| {
        row.error
            .as_deref()
            .is_some_and(|error| error.contains("cannot reach"))
    }));
}
