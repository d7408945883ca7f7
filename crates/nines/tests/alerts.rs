//! Alert state across a crash (issue 10.1): `nines serve` (the real binary) with an
//! incident injected through /api/v1/counts fires the page; after SIGKILL and a restart
//! the alert is still firing with the same id and `fired_at`, the history holds exactly
//! one firing transition for it, and the incident's end resolves it. Also the API's
//! refusals and `nines alerts` against the running server.

mod harness;

use std::time::{Duration, Instant};

use harness::{Nines, ServerProcess, TempDir, client};
use serde_json::Value;

const TOKEN: &str = "alerts-restart-token-0123456789";

/// The page row of the default table: 2% of a 30-day budget in 1h (14.4×), short 5m.
const PAGE: &str = "shop/availability/default/page-1h";

const SPEC: &str = r#"apiVersion: nines/v1
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
"#;

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

fn get(base: &str, path: &str) -> (u16, Value) {
    let response = client().get(format!("{base}{path}")).send().unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// Waits up to 60 s for `check` to return `Some`.
fn wait_for<T>(what: &str, server: &ServerProcess, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not happen within 60 s; log:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn firing_page(base: &str) -> Option<Value> {
    let (_, body) = get(base, "/api/v1/alerts?state=firing&severity=page");
    body["alerts"]
        .as_array()?
        .iter()
        .find(|alert| alert["id"] == PAGE)
        .cloned()
}

fn history(base: &str) -> Vec<Value> {
    let (status, body) = get(base, "/api/v1/alerts/history?from=2026-01-01&limit=1000");
    assert_eq!(status, 200, "{body}");
    body["entries"].as_array().cloned().unwrap_or_default()
}

fn transitions(entries: &[Value], id: &str, event: &str) -> Vec<Value> {
    entries
        .iter()
        .filter(|entry| entry["event"] == event && entry["alert"]["alert"]["id"] == id)
        .cloned()
        .collect()
}

#[test]
fn a_firing_alert_survives_sigkill_and_resolves_once_the_incident_ends() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let server = serve(&directory);
    let base = server.base.clone();
    // A total outage: every event of the last seconds bad (burn rate 1000 over 5m and 1h).
    post_counts(&base, 0, 1_000);
    let fired = wait_for("the page firing", &server, || firing_page(&base));
    assert_eq!(fired["severity"], "page");
    assert_eq!(fired["long_window"], "1h");
    assert_eq!(fired["short_window"], "5m");
    assert!(fired["long_burn"].as_f64().unwrap() > 14.4, "{fired}");
    let fired_at = fired["fired_at"].as_str().unwrap().to_string();
    let before = history(&base);
    let firing = transitions(&before, PAGE, "firing");
    assert_eq!(firing.len(), 1, "{before:?}");
    let notification_id = firing[0]["notification_id"].as_str().unwrap().to_string();
    assert!(notification_id.starts_with(PAGE), "{notification_id}");

    server.signal("KILL");
    drop(server);
    let server = serve(&directory);
    let base = server.base.clone();
    // State is loaded before the first evaluation: firing at once, with its fired_at.
    let again = firing_page(&base).expect("still firing after the restart");
    assert_eq!(again["fired_at"], fired_at.as_str());
    // Several evaluations later: still the same alert, and no second firing transition.
    std::thread::sleep(Duration::from_secs(4));
    let again = firing_page(&base).expect("still firing");
    assert_eq!(again["fired_at"], fired_at.as_str());
    let after = history(&base);
    let firing = transitions(&after, PAGE, "firing");
    assert_eq!(
        firing.len(),
        1,
        "one firing transition across the restart: {after:?}"
    );
    assert_eq!(firing[0]["notification_id"], notification_id.as_str());
    let (_, status) = get(&base, "/api/v1/status");
    assert!(
        status["alerting"]["evaluations"].as_u64().unwrap() >= 2,
        "{status}"
    );
    assert!(
        status["alerting"]["last_evaluation"]["error"].is_null(),
        "{status}"
    );

    // The incident ends: 2,000,000 good events dilute the 1,000 bad ones to a burn of 0.5.
    post_counts(&base, 2_000_000, 2_000_000);
    let resolved = wait_for("the page resolving", &server, || {
        let entries = history(&base);
        transitions(&entries, PAGE, "resolved").first().cloned()
    });
    let fired_ms = fired_at
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond();
    assert_eq!(
        resolved["alert"]["alert"]["fired_at"].as_i64(),
        Some(fired_ms)
    );
    assert!(resolved["alert"]["resolved_at"].as_i64().unwrap() > fired_ms);
    assert!(firing_page(&base).is_none());
    let entries = history(&base);
    assert_eq!(transitions(&entries, PAGE, "firing").len(), 1);
    assert_eq!(transitions(&entries, PAGE, "resolved").len(), 1);
}

#[test]
fn the_alert_routes_refuse_unknown_filters_and_the_cli_prints_them() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let server = serve(&directory);
    let base = server.base.clone();
    post_counts(&base, 0, 1_000);
    wait_for("the page firing", &server, || firing_page(&base));
    for (query, needle) in [
        ("service=shoop", "no service of that name; known: shop"),
        ("severity=critical", "known: page, ticket"),
        ("state=resolved", "use pending or firing"),
        ("servce=shop", "unknown parameter `servce`"),
    ] {
        let (status, body) = get(&base, &format!("/api/v1/alerts?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
    for query in [
        "from=9999-01-01",
        "limit=5000",
        "from=2026-12-01&to=2026-11-01",
    ] {
        let (status, body) = get(&base, &format!("/api/v1/alerts/history?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{query}: {body}");
    }
    let run = Nines::new()
        .args(["alerts", "--server", &base, "--state", "firing"])
        .run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("page-1h") && run.stdout.contains("shop/availability"),
        "{}",
        run.stdout
    );
    let run = Nines::new()
        .args(["alerts", "--server", &base, "--history", "--output", "json"])
        .run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    let body: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["event"] == "firing")
    );
    let run = Nines::new()
        .args(["alerts", "--server", &base, "--severity", "critical"])
        .run();
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert!(run.stderr.contains("known: page, ticket"), "{}", run.stderr);
}

// issue 10.1: `serve --prometheus` keeps its alert state in the store in --data: against a
// real Prometheus without any of the shop's metrics, every SLO raises its no-data alert
// (ticket), and the state survives a restart.
#[test]
fn serve_with_prometheus_keeps_alert_state_in_its_data_directory() {
    let directory = TempDir::new();
    let prometheus = harness::Prometheus::start(directory.path(), &[]);
    let specs = harness::examples().join("shop").display().to_string();
    let data = directory.path().join("data").display().to_string();
    let start = || {
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
                "--prometheus",
                &prometheus.base,
            ],
            &[("NINES_WRITE_TOKEN", "")],
        )
    };
    let server = start();
    let base = server.base.clone();
    let no_data = "checkout/availability/no-data";
    let fired = wait_for("the no-data alert", &server, || {
        let (_, body) = get(&base, "/api/v1/alerts");
        body["alerts"]
            .as_array()?
            .iter()
            .find(|alert| alert["id"] == no_data)
            .cloned()
    });
    assert_eq!(fired["severity"], "ticket");
    assert_eq!(fired["state"], "firing");
    assert_eq!(fired["kind"], "no_data");
    server.signal("KILL");
    drop(server);
    let server = start();
    let (_, body) = get(&server.base, "/api/v1/alerts");
    let again = body["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|alert| alert["id"] == no_data)
        .cloned()
        .expect("still firing after the restart");
    assert_eq!(again["fired_at"], fired["fired_at"]);
}
