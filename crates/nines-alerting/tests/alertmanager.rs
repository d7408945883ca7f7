//! Delivery to a REAL Alertmanager (Debian `prometheus-alertmanager`), two of them as an
//! HA pair, each routing to a webhook receiver run by the test (issue 10.3, "How it is
//! checked").

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use nines_alerting::{Delivery, Event, NotificationSink};
use nines_store::RecordTable;

const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// An Alertmanager on a loopback port, clustering off, killed on drop.
struct Alertmanager {
    port: u16,
    _child: tokio::process::Child,
}

impl Alertmanager {
    async fn start(directory: &Path, name: &str, webhook: &str) -> Alertmanager {
        assert!(
            Path::new(ALERTMANAGER).exists(),
            "{ALERTMANAGER} is missing: install the Debian package prometheus-alertmanager (scripts/test.sh does)"
        );
        let home = directory.join(name);
        std::fs::create_dir_all(home.join("data")).unwrap();
        let config = home.join("alertmanager.yml");
        std::fs::write(
            &config,
            format!(
                r#"route:
  receiver: test
  group_by: [alertname, service, slo]
  group_wait: 100ms
  group_interval: 300ms
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: {webhook}
        send_resolved: true
"#
            ),
        )
        .unwrap();
        let port = free_port();
        let child = tokio::process::Command::new(ALERTMANAGER)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", home.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(home.join("log")).unwrap())
            .kill_on_drop(true)
            .spawn()
            .expect("start prometheus-alertmanager");
        let client = reqwest::Client::new();
        for _ in 0..400 {
            if let Ok(response) = client
                .get(format!("http://127.0.0.1:{port}/-/ready"))
                .send()
                .await
                && response.status().is_success()
            {
                return Alertmanager {
                    port,
                    _child: child,
                };
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "Alertmanager did not become ready: {}",
            std::fs::read_to_string(home.join("log")).unwrap_or_default()
        );
    }
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn alerts_of(received: &[Received], path: &str, status: &str) -> Vec<serde_json::Value> {
    received
        .iter()
        .filter(|request| request.path == path)
        .flat_map(|request| {
            request.json()["alerts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|alert| alert["status"] == status)
        .collect()
}

async fn wait_for_alert(receiver: &Receiver, path: &str, status: &str) -> serde_json::Value {
    for _ in 0..600 {
        if let Some(alert) = alerts_of(&receiver.received(), path, status)
            .into_iter()
            .next()
        {
            return alert;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "no {status} alert reached {path} through Alertmanager: {:#?}",
        receiver.received()
    );
}

// issue 10.3: firing and resolve reach the receiver through both Alertmanagers of an HA
// pair with the labels and annotations nines set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_and_its_resolve_reach_the_receiver_through_two_real_alertmanagers() {
    let directory = temp_dir("alertmanager");
    let receiver = Receiver::start().await;
    let first = Alertmanager::start(&directory, "am-1", &receiver.url("/from-am-1")).await;
    let second = Alertmanager::start(&directory, "am-2", &receiver.url("/from-am-2")).await;
    let catalog = catalog(&spec(
        &["oncall"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: oncall\ntype: alertmanager\ntarget: [{}, {}]\n",
            first.url(),
            second.url()
        ),
    ));
    let store = store(&directory);
    let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
    let fired_at = jiff::Timestamp::now().to_string();
    let firing = alert(Event::AlertFiring, "n-fire", &fired_at, None);
    commit(&delivery, &store, &catalog, &firing);
    for path in ["/from-am-1", "/from-am-2"] {
        let alert = wait_for_alert(&receiver, path, "firing").await;
        let labels = &alert["labels"];
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
            assert_eq!(labels[name], value, "{path}: label {name} in {alert}");
        }
        assert_eq!(
            alert["annotations"]["summary"],
            "shop/checkout burns its error budget 14.4 times too fast"
        );
        assert_eq!(
            alert["annotations"]["description"],
            "Burn rate 20.1 over 1h and 22.3 over 5m; 85% of the budget left."
        );
        assert_eq!(
            alert["annotations"]["runbook_url"],
            "https://runbooks.example.com/checkout"
        );
        assert_eq!(
            alert["generatorURL"],
            "http://nines.example.com/slos/shop/checkout"
        );
        let starts: jiff::Timestamp = alert["startsAt"].as_str().unwrap().parse().unwrap();
        let expected: jiff::Timestamp = fired_at.parse().unwrap();
        assert_eq!(starts, expected, "startsAt is when it fired");
    }

    // Prometheus' rule: a firing alert ends 4 × max(resend, eval interval) ahead: 4 × 60 s.
    let alerts: serde_json::Value = reqwest::get(format!("{}/api/v2/alerts", first.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ends: jiff::Timestamp = alerts[0]["endsAt"].as_str().unwrap().parse().unwrap();
    let ahead = ends.duration_since(jiff::Timestamp::now()).as_secs();
    assert!(
        (230..=240).contains(&ahead),
        "endsAt {ahead} s ahead, expected 240"
    );

    let resolved_at = jiff::Timestamp::now().to_string();
    let resolved = alert(
        Event::AlertResolved,
        "n-resolve",
        &fired_at,
        Some(&resolved_at),
    );
    commit(&delivery, &store, &catalog, &resolved);
    for path in ["/from-am-1", "/from-am-2"] {
        let alert = wait_for_alert(&receiver, path, "resolved").await;
        assert_eq!(alert["labels"]["alertname"], "SLOBurnRateHigh");
        let ends: jiff::Timestamp = alert["endsAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            ends,
            resolved_at.parse::<jiff::Timestamp>().unwrap(),
            "endsAt is when it resolved"
        );
    }
    assert_eq!(store.record_count(RecordTable::Outbox).unwrap(), 0);
    assert_eq!(delivery.status()["sent"], 4, "{}", delivery.status());
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.3: while firing, resends move the alert's endsAt forward (so Alertmanager does
// not resolve it by itself); a member of the pair that is down does not hold the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resends_keep_a_firing_alert_alive_and_a_down_member_is_retried_on_its_own() {
    let directory = temp_dir("alertmanager-resend");
    let receiver = Receiver::start().await;
    let alive = Alertmanager::start(&directory, "am-alive", &receiver.url("/alive")).await;
    let down_port = free_port();
    let catalog = catalog(&spec(
        &["oncall"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: oncall\ntype: alertmanager\ntarget: [http://127.0.0.1:{down_port}, {}]\n",
            alive.url()
        ),
    ));
    let store = store(&directory);
    let config = nines_alerting::DeliveryConfig {
        resend_interval: Duration::from_millis(1),
        eval_interval: Duration::from_secs(30),
        ..quick_config()
    };
    let delivery = Delivery::start(store.clone(), catalog.clone(), config).unwrap();
    let firing = alert(
        Event::AlertFiring,
        "n-fire",
        &jiff::Timestamp::now().to_string(),
        None,
    );
    commit(&delivery, &store, &catalog, &firing);
    wait_for_alert(&receiver, "/alive", "firing").await;
    assert_eq!(
        store.record_count(RecordTable::Outbox).unwrap(),
        1,
        "the record for the member that is down stays pending"
    );
    let ends_at = || async {
        let alerts: serde_json::Value = reqwest::get(format!("{}/api/v2/alerts", alive.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        alerts[0]["endsAt"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
    };
    let before = ends_at().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    delivery.firing(std::slice::from_ref(&firing));
    let mut after = before;
    for _ in 0..200 {
        after = ends_at().await;
        if after > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        after > before,
        "the resend moved endsAt from {before} to {after}"
    );
    assert!(delivery.status()["resent_firing"].as_u64().unwrap() >= 1);
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}
