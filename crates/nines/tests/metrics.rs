//! `GET /metrics` (issue 12.1) checked by the real consumers: `promtool check metrics`
//! lints the text format, and a real Prometheus scrapes the server (OpenMetrics, which it
//! asks for first) and answers PromQL with the same budget remaining as `/api/v1/slos`.

mod harness;

use std::time::{Duration, Instant};

use harness::{Prometheus, ServerProcess, TempDir, client};
use serde_json::Value;

const WRITE: &str = "metrics-write-token-0123";
const READ: &str = "metrics-read-token-0123";

const SPEC: &str = r#"apiVersion: nines/v1
kind: ErrorBudgetPolicy
name: standard
owner: sre
states:
  - name: exhausted
    when: remaining < 0%
    actions:
      - freeze: releases
  - name: healthy
    when: always
---
apiVersion: nines/v1
name: shop
owner: team-shop
policy: standard
slos:
  - name: availability
    displayName: 'Checkout "availability" <b>'
    labels:
      app.kubernetes.io/name: checkout
      service: clash
    target: 99.9%
    window: 28d
    sli:
      events:
        valid: route == "/api/checkout"
        good: status < 500
  - name: latency
    target: 99%
    window: 28d
    sli:
      latency: 300ms
      events:
        valid: route == "/api/checkout" && status < 500
        field: duration_seconds
  - name: search
    target: 99.5%
    window: 7d
    sli:
      events:
        valid: route == "/api/search"
        good: status < 500
"#;

fn post_counts(base: &str, body: &str) {
    let response = client()
        .post(format!("{base}/api/v1/counts"))
        .bearer_auth(WRITE)
        .body(body.to_string())
        .send()
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}",
        response.text().unwrap()
    );
}

fn query(prometheus: &Prometheus, promql: &str) -> Vec<Value> {
    let answer: Value = client()
        .get(format!("{}/api/v1/query", prometheus.base))
        .query(&[("query", promql)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(answer["status"], "success", "{promql}: {answer}");
    answer["data"]["result"].as_array().unwrap().clone()
}

#[test]
fn prometheus_scrapes_the_same_budgets_the_api_reports_and_promtool_accepts_the_format() {
    let directory = TempDir::new();
    directory.write("specs/shop.yaml", SPEC);
    let server = ServerProcess::start(
        &[
            "serve",
            "--specs",
            &directory.path().join("specs").display().to_string(),
            "--data",
            &directory.path().join("data").display().to_string(),
            "--listen",
            "127.0.0.1:0",
        ],
        &[("NINES_WRITE_TOKEN", WRITE), ("NINES_READ_TOKEN", READ)],
    );
    // Ten minutes of counts for two SLOs; `search` gets none.
    let now = jiff::Timestamp::now().as_second();
    let mut body = String::new();
    for minute in 1..=10 {
        let t = now - 60 * minute;
        body.push_str(&format!(
            "{{\"timestamp\": {t}, \"sli\": \"shop/availability\", \"good\": {}, \"valid\": 1000}}\n",
            1000 - minute % 3
        ));
        body.push_str(&format!(
            "{{\"timestamp\": {t}, \"sli\": \"shop/latency\", \"good\": {}, \"valid\": 997}}\n",
            997 - 2 * (minute % 2)
        ));
    }
    post_counts(&server.base, &body);
    // One event 29 days ago, before the 28-day windows: they are mature, so a budget is
    // allowed on the events seen (a young window's is extrapolated and moves with the
    // clock, and Prometheus and the API would read it at different instants).
    let old = now - 29 * 86_400;
    let response = client()
        .post(format!("{}/api/v1/backfill", server.base))
        .bearer_auth(WRITE)
        .body(format!(
            "{{\"timestamp\": {old}, \"sli\": \"shop/availability\", \"good\": 1, \"valid\": 1}}\n{{\"timestamp\": {old}, \"sli\": \"shop/latency\", \"good\": 1, \"valid\": 1}}\n"
        ))
        .send()
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}",
        response.text().unwrap()
    );

    // The read token guards it.
    let refused = client()
        .get(format!("{}/metrics", server.base))
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);

    // The text format passes promtool's lint.
    let text = client()
        .get(format!("{}/metrics", server.base))
        .bearer_auth(READ)
        .send()
        .unwrap();
    assert_eq!(
        text.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = text.text().unwrap();
    let exposition = directory.write("metrics.txt", &text);
    let promtool = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&exposition).unwrap())
        .output()
        .expect("promtool runs (apt-get install prometheus; scripts/test.sh installs it)");
    assert!(
        promtool.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&promtool.stdout),
        String::from_utf8_lossy(&promtool.stderr)
    );
    // Spec labels become valid label names; a clash with nines' own gets a prefix; the
    // display name is a label value, escaped.
    assert!(
        text.contains("app_kubernetes_io_name=\"checkout\",label_service=\"clash\""),
        "{text}"
    );
    assert!(
        text.contains("display_name=\"Checkout \\\"availability\\\" <b>\""),
        "{text}"
    );
    // No data is an absent series, never 0: `search` has no SLI and no budget left.
    assert!(
        !text.contains("nines_slo_sli_ratio{service=\"shop\",slo=\"search\""),
        "{text}"
    );
    assert!(
        text.contains(
            "nines_slo_data_current{service=\"shop\",slo=\"search\",objective=\"default\"} 0\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("nines_ingest_records_total{endpoint=\"counts\",outcome=\"accepted\"} 20\n"),
        "{text}"
    );

    // A real Prometheus scrapes it (asking for OpenMetrics first) every second.
    let address = server.base.trim_start_matches("http://");
    let prometheus = Prometheus::start_with(
        &directory.path().join("prometheus"),
        &format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: nines\n    authorization:\n      credentials: {READ}\n    static_configs:\n      - targets: ['{address}']\n"
        ),
        &[],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let scraped = loop {
        let found = query(&prometheus, "nines_slo_error_budget_remaining_ratio");
        if found.len() == 2 {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "no budgets scraped: {found:?}; targets: {}",
            client()
                .get(format!("{}/api/v1/targets", prometheus.base))
                .send()
                .unwrap()
                .text()
                .unwrap()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let report: Value = client()
        .get(format!("{}/api/v1/slos", server.base))
        .bearer_auth(READ)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let rows = report["objectives"].as_array().unwrap();
    let mut compared = 0;
    for sample in &scraped {
        let slo = sample["metric"]["slo"].as_str().unwrap();
        let from_prometheus: f64 = sample["value"][1].as_str().unwrap().parse().unwrap();
        let row = rows.iter().find(|row| row["slo"] == slo).unwrap();
        let from_api = row["budget_remaining"].as_f64().unwrap();
        assert!(
            (from_prometheus - from_api).abs() <= 1e-12 * from_api.abs().max(1.0),
            "{slo}: Prometheus {from_prometheus}, API {from_api}"
        );
        compared += 1;
    }
    assert_eq!(compared, 2);
    // The SLO without data has no budget series at all, and says it has no current data.
    assert!(
        query(
            &prometheus,
            "nines_slo_error_budget_remaining_ratio{slo=\"search\"}"
        )
        .is_empty()
    );
    let current = query(&prometheus, "nines_slo_data_current{slo=\"search\"}");
    assert_eq!(current[0]["value"][1], "0", "{current:?}");
    // The info metrics and the policy state arrive through OpenMetrics' info type.
    let policy = query(
        &prometheus,
        "nines_slo_policy_state_info{slo=\"availability\"}",
    );
    assert_eq!(policy[0]["metric"]["state"], "healthy", "{policy:?}");
    let up = query(&prometheus, "up{job=\"nines\"}");
    assert_eq!(up[0]["value"][1], "1", "{up:?}");
}
