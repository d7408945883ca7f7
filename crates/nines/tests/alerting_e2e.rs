//! End to end (issue 10.3, 10.4, "How it is checked"): the real `nines serve` with
//! notification targets, an incident injected through /api/v1/counts, the page reaching a
//! receiver run by the test through a REAL Alertmanager, and the resolve after it; then
//! SIGKILL while the alert fires and the receiver is down, a restart, the receiver up:
//! every transition delivered at least once, never twice with different ids, and the
//! firing alert not announced again as a new one.

mod harness;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::{ServerProcess, TempDir, client, free_port};
use serde_json::Value;

const TOKEN: &str = "alerting-e2e-token-0123456789";
const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

fn spec(targets: &str) -> String {
    format!(
        r#"apiVersion: nines/v1
kind: Service
name: shop
owner: team-shop
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      events:
        valid: route == "/api/checkout"
        good: status < 500
    alerting:
      notify: [oncall]
      runbook: https://runbooks.example.com/availability
---
{targets}"#
    )
}

/// The test's own HTTP endpoint: records each request's path and JSON body, answers 200.
struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Receiver {
    fn start_on(port: u16) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the receiver");
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || serve_connection(stream, &shared));
            }
        });
        Receiver { port, received }
    }
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
    fn received(&self) -> Vec<(String, Value)> {
        self.received.lock().unwrap().clone()
    }
}

fn serve_connection(stream: std::net::TcpStream, received: &Mutex<Vec<(String, Value)>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_string();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        received.lock().unwrap().push((path, json));
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

/// A real Alertmanager on a loopback port, clustering off, killed on drop.
struct Alertmanager {
    port: u16,
    child: Child,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alertmanager {
    fn start(directory: &Path, webhook: &str) -> Alertmanager {
        assert!(
            Path::new(ALERTMANAGER).exists(),
            "{ALERTMANAGER} is missing: install the Debian package prometheus-alertmanager (scripts/test.sh does)"
        );
        let home = directory.join("alertmanager");
        std::fs::create_dir_all(home.join("data")).unwrap();
        let config = home.join("alertmanager.yml");
        std::fs::write(
            &config,
            format!(
                "route:\n  receiver: test\n  group_by: [alertname, service, slo]\n  group_wait: 100ms\n  group_interval: 300ms\n  repeat_interval: 1h\nreceivers:\n  - name: test\n    webhook_configs:\n      - url: {webhook}\n        send_resolved: true\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let child = Command::new(ALERTMANAGER)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", home.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus-alertmanager");
        let alertmanager = Alertmanager { port, child };
        for _ in 0..400 {
            if client()
                .get(format!("http://127.0.0.1:{port}/-/ready"))
                .send()
                .is_ok_and(|response| response.status().is_success())
            {
                return alertmanager;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("Alertmanager did not become ready");
    }
}

fn serve(directory: &TempDir) -> ServerProcess {
    let specs = directory.path().join("specs").display().to_string();
    let data = directory.path().join("data").display().to_string();
    ServerProcess::start(
        &[
            "serve",
            "--specs",
            &specs,
            "--data",
            &data,
            "--listen",
            "127.0.0.1:0",
            "--eval-interval",
            "1s",
            "--external-url",
            "https://nines.example.com/",
        ],
        &[
            ("NINES_WRITE_TOKEN", TOKEN),
            ("RUST_LOG", "warn,nines=info"),
        ],
    )
}

fn post_counts(base: &str, good: u64, valid: u64) {
    let t = jiff::Timestamp::now().as_second() - 2;
    let body = format!(
        "{{\"timestamp\": {t}, \"sli\": \"shop/availability\", \"good\": {good}, \"valid\": {valid}}}\n"
    );
    let response = client()
        .post(format!("{base}/api/v1/counts"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().unwrap()
    );
}

fn wait_for<T>(what: &str, log: impl Fn() -> String, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not happen within 60 s; log:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn alertmanager_alerts(received: &[(String, Value)], status: &str) -> Vec<Value> {
    received
        .iter()
        .flat_map(|(_, body)| body["alerts"].as_array().cloned().unwrap_or_default())
        .filter(|alert| alert["status"] == status)
        .collect()
}

// issue 10.3: the page reaches the receiver through a real Alertmanager, then its resolve.
#[test]
fn an_incident_pages_through_a_real_alertmanager_and_resolves() {
    let directory = TempDir::new();
    let receiver = Receiver::start_on(free_port());
    let alertmanager = Alertmanager::start(directory.path(), &receiver.url("/alertmanager"));
    directory.write(
        "specs/shop.yaml",
        &spec(&format!(
            "apiVersion: nines/v1\nkind: NotificationTarget\nname: oncall\ntype: alertmanager\ntarget: http://127.0.0.1:{}\nmatch: {{severity: [page]}}\n",
            alertmanager.port
        )),
    );
    let server = serve(&directory);
    let base = server.base.clone();
    post_counts(&base, 0, 1_000);
    let page = wait_for(
        "the page through Alertmanager",
        || server.log(),
        || {
            alertmanager_alerts(&receiver.received(), "firing")
                .into_iter()
                .find(|alert| alert["labels"]["severity"] == "page")
        },
    );
    let labels = &page["labels"];
    assert_eq!(labels["service"], "shop");
    assert_eq!(labels["slo"], "availability");
    assert_eq!(labels["objective"], "default");
    assert!(
        labels["alertname"]
            .as_str()
            .is_some_and(|name| !name.is_empty()),
        "{page}"
    );
    assert!(
        labels["long_window"].is_string() && labels["short_window"].is_string(),
        "{page}"
    );
    assert_eq!(
        page["annotations"]["runbook_url"],
        "https://runbooks.example.com/availability"
    );
    assert!(page["annotations"]["summary"].is_string(), "{page}");
    assert!(page["annotations"]["description"].is_string(), "{page}");
    assert!(
        page["generatorURL"]
            .as_str()
            .is_some_and(|url| url.starts_with("https://nines.example.com/")),
        "{page}"
    );
    // Only pages pass the target's filter: no ticket reached Alertmanager.
    assert!(
        alertmanager_alerts(&receiver.received(), "firing")
            .iter()
            .all(|alert| alert["labels"]["severity"] == "page")
    );

    post_counts(&base, 2_000_000, 2_000_000);
    let resolved = wait_for(
        "the resolve through Alertmanager",
        || server.log(),
        || {
            alertmanager_alerts(&receiver.received(), "resolved")
                .into_iter()
                .find(|alert| alert["labels"]["severity"] == "page")
        },
    );
    assert_eq!(resolved["labels"]["slo"], "availability");
}

// issue 10.4: SIGKILL while firing and the receiver down; restart; receiver up.
#[test]
fn a_crash_during_an_outage_loses_nothing_and_announces_nothing_twice() {
    let directory = TempDir::new();
    let port = free_port();
    directory.write(
        "specs/shop.yaml",
        &spec(&format!(
            "apiVersion: nines/v1\nkind: NotificationTarget\nname: oncall\ntype: webhook\ntarget: http://127.0.0.1:{port}/hook\n"
        )),
    );
    let server = serve(&directory);
    let base = server.base.clone();
    post_counts(&base, 0, 1_000);
    // Firing, and its notification pending (nothing listens on the port).
    wait_for(
        "the page firing with its notification pending",
        || server.log(),
        || {
            let status: Value = client()
                .get(format!("{base}/api/v1/status"))
                .send()
                .ok()?
                .json()
                .ok()?;
            let text = status.to_string();
            (text.contains("\"pending\":") && status_pending(&status) >= 1).then_some(())
        },
    );
    std::thread::sleep(Duration::from_millis(500));
    server.signal("KILL");
    drop(server);

    let receiver = Receiver::start_on(port);
    let server = serve(&directory);
    let base = server.base.clone();
    let firing_ids = || -> Vec<(String, String)> {
        receiver
            .received()
            .iter()
            .filter(|(_, body)| body["event"] == "alert_firing")
            .map(|(_, body)| {
                (
                    body["alert"]["alert_id"].as_str().unwrap_or("").to_string(),
                    body["id"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    wait_for(
        "the pending page delivered after the restart",
        || server.log(),
        || {
            firing_ids()
                .iter()
                .any(|(alert, _)| alert.ends_with("page-1h"))
                .then_some(())
        },
    );
    // Several evaluations after the restart: the firing alert is not announced again.
    std::thread::sleep(Duration::from_secs(4));
    post_counts(&base, 2_000_000, 2_000_000);
    wait_for(
        "the resolve delivered",
        || server.log(),
        || {
            receiver
                .received()
                .iter()
                .any(|(_, body)| {
                    body["event"] == "alert_resolved"
                        && body["alert"]["alert_id"]
                            .as_str()
                            .is_some_and(|id| id.ends_with("page-1h"))
                })
                .then_some(())
        },
    );
    let received = receiver.received();
    let mut by_alert: std::collections::BTreeMap<
        (String, String),
        std::collections::BTreeSet<String>,
    > = Default::default();
    for (_, body) in &received {
        by_alert
            .entry((
                body["event"].as_str().unwrap_or("").to_string(),
                body["alert"]["alert_id"].as_str().unwrap_or("").to_string(),
            ))
            .or_default()
            .insert(body["id"].as_str().unwrap_or("").to_string());
    }
    for ((event, alert), ids) in &by_alert {
        assert_eq!(
            ids.len(),
            1,
            "{event} of {alert} delivered with different ids {ids:?}: {received:#?}"
        );
    }
    assert!(
        by_alert
            .keys()
            .any(|(event, alert)| event == "alert_firing" && alert.ends_with("page-1h"))
    );
    assert!(
        by_alert
            .keys()
            .any(|(event, alert)| event == "alert_resolved" && alert.ends_with("page-1h"))
    );
}

fn status_pending(status: &Value) -> u64 {
    fn find(value: &Value) -> Option<u64> {
        match value {
            Value::Object(map) => {
                if let Some(pending) = map.get("pending").and_then(Value::as_u64)
                    && map.contains_key("max_pending")
                {
                    return Some(pending);
                }
                map.values().find_map(find)
            }
            _ => None,
        }
    }
    find(status).unwrap_or(0)
}
