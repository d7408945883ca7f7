//! Delivery through the outbox to webhook, Slack, PagerDuty and SMTP receivers started by
//! the tests on loopback (issue 10.3, 10.4).

mod common;

use std::time::Duration;

use common::*;
use hmac_check::verify;
use nines_alerting::{Delivery, Event, NotificationSink};
use nines_store::RecordTable;

const WAIT: Duration = Duration::from_secs(10);

/// The HMAC the test computes itself, independent of the code under test: RFC 2104 over
/// SHA-256 from `sha2` alone.
mod hmac_check {
    use sha2::{Digest, Sha256};

    pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
        let mut key = [0u8; 64];
        if secret.len() > 64 {
            key[..32].copy_from_slice(&Sha256::digest(secret));
        } else {
            key[..secret.len()].copy_from_slice(secret);
        }
        let inner: Vec<u8> = key.iter().map(|byte| byte ^ 0x36).collect();
        let outer: Vec<u8> = key.iter().map(|byte| byte ^ 0x5c).collect();
        let inner_hash = Sha256::new()
            .chain_update(&inner)
            .chain_update(body)
            .finalize();
        let mac = Sha256::new()
            .chain_update(&outer)
            .chain_update(inner_hash)
            .finalize();
        let hex: String = mac.iter().map(|byte| format!("{byte:02x}")).collect();
        header == format!("sha256={hex}")
    }
}

// issue 10.3: the webhook payload is the notification, signed; headers come from env and file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_is_signed_carries_headers_and_retries_503_until_delivered_once() {
    let directory = temp_dir("webhook");
    let receiver = Receiver::start().await;
    receiver.script(&[503, 503]);
    let token_file = directory.join("token");
    std::fs::write(&token_file, "Bearer from-a-file\n").unwrap();
    // SAFETY-free: a variable only this test reads.
    unsafe_env_set("NINES_TEST_WEBHOOK_SECRET", "s3cr3t-key");
    unsafe_env_set("NINES_TEST_WEBHOOK_API_KEY", "key-from-env");
    let spec = spec(
        &["hooks"],
        &format!(
            r#"---
apiVersion: nines/v1
kind: NotificationTarget
name: hooks
type: webhook
target: {}
secret: {{env: NINES_TEST_WEBHOOK_SECRET}}
headers:
  Authorization: {{file: {}}}
  X-Api-Key: {{env: NINES_TEST_WEBHOOK_API_KEY}}
  X-Team: shop
"#,
            receiver.url("/hook"),
            token_file.display()
        ),
    );
    let catalog = catalog(&spec);
    let store = store(&directory);
    let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
    let firing = alert(Event::AlertFiring, "n-1", "2026-12-01T10:00:00Z", None);
    commit(&delivery, &store, &catalog, &firing);
    let received = receiver.wait_for(3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received_after = receiver.received();
    assert_eq!(
        received_after.len(),
        3,
        "two 503s then one 200: three requests, no more"
    );
    for request in &received {
        assert_eq!(request.path, "/hook");
        assert_eq!(request.json()["id"], "n-1", "the same id on every attempt");
        assert!(verify(
            b"s3cr3t-key",
            &request.body,
            &request.header("x-nines-signature").unwrap()
        ));
        assert_eq!(
            request.header("authorization").unwrap(),
            "Bearer from-a-file"
        );
        assert_eq!(request.header("x-team").unwrap(), "shop");
        assert_eq!(request.header("x-api-key").unwrap(), "key-from-env");
    }
    let body = received[2].json();
    assert_eq!(body["version"], 1);
    assert_eq!(body["event"], "alert_firing");
    assert_eq!(body["labels"]["severity"], "page");
    assert_eq!(body["alert"]["alert_id"], "shop/checkout/default/page-1h");
    wait_until(|| store.record_count(RecordTable::Outbox).unwrap() == 0).await;
    let status = delivery.status();
    assert_eq!(status["sent"], 1, "{status}");
    assert_eq!(status["retried"], 2, "{status}");
    assert!(!status.to_string().contains("s3cr3t-key"));
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.4: a 400 is permanent: dropped at once, counted, never retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_400_is_dropped_and_counted() {
    let directory = temp_dir("permanent");
    let receiver = Receiver::start().await;
    receiver.script(&[400]);
    let catalog = catalog(&spec(
        &["hooks"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: hooks\ntype: webhook\ntarget: {}\n",
            receiver.url("/hook")
        ),
    ));
    let store = store(&directory);
    let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
    commit(
        &delivery,
        &store,
        &catalog,
        &alert(Event::AlertFiring, "n-400", "2026-12-01T10:00:00Z", None),
    );
    receiver.wait_for(1, WAIT).await;
    wait_until(|| store.record_count(RecordTable::Outbox).unwrap() == 0).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.received().len(), 1, "a 400 is not retried");
    let status = delivery.status();
    assert_eq!(status["failed_permanently"], 1, "{status}");
    assert_eq!(status["sent"], 0, "{status}");
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.4: a receiver that is down, then up, gets the notification; the retry bound
// drops what could not be delivered in time, with a counter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_then_up_is_delivered_and_the_retry_bound_drops() {
    let directory = temp_dir("down-up");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let catalog = catalog(&spec(
        &["hooks"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: hooks\ntype: webhook\ntarget: {url}\n"
        ),
    ));
    let store = store(&directory);
    let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
    commit(
        &delivery,
        &store,
        &catalog,
        &alert(Event::AlertFiring, "n-down", "2026-12-01T10:00:00Z", None),
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        store.record_count(RecordTable::Outbox).unwrap(),
        1,
        "kept while the receiver is down"
    );
    let retried = delivery.status()["retried"].as_u64().unwrap();
    assert!(retried >= 1, "connection refused is retried");
    let receiver = Receiver::start_on(format!("127.0.0.1:{port}").parse().unwrap()).await;
    let received = receiver.wait_for(1, WAIT).await;
    assert_eq!(received[0].json()["id"], "n-down");
    wait_until(|| store.record_count(RecordTable::Outbox).unwrap() == 0).await;
    drop(receiver);
    drop(delivery);

    // The bound: nothing listens, retry for 300 ms only.
    let config = nines_alerting::DeliveryConfig {
        retry_for: Duration::from_millis(300),
        ..quick_config()
    };
    let delivery = Delivery::start(store.clone(), catalog.clone(), config).unwrap();
    commit(
        &delivery,
        &store,
        &catalog,
        &alert(Event::AlertFiring, "n-expire", "2026-12-01T10:00:00Z", None),
    );
    wait_until(|| store.record_count(RecordTable::Outbox).unwrap() == 0).await;
    let status = delivery.status();
    assert_eq!(status["expired"], 1, "{status}");
    assert_eq!(status["pending"], 0, "{status}");
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.4: records committed before a crash are sent by the next run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_survives_a_restart() {
    let directory = temp_dir("restart");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let catalog = catalog(&spec(
        &["hooks"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: hooks\ntype: webhook\ntarget: {url}\n"
        ),
    ));
    {
        let store = store(&directory);
        let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
        commit(
            &delivery,
            &store,
            &catalog,
            &alert(Event::AlertFiring, "n-a", "2026-12-01T10:00:00Z", None),
        );
        commit(
            &delivery,
            &store,
            &catalog,
            &alert(
                Event::AlertResolved,
                "n-b",
                "2026-12-01T10:00:00Z",
                Some("2026-12-01T10:30:00Z"),
            ),
        );
        assert_eq!(store.record_count(RecordTable::Outbox).unwrap(), 2);
        drop(delivery);
        // The aborted sender lets go of the store at its next poll.
        wait_until(|| std::sync::Arc::strong_count(&store) == 1).await;
    }
    let receiver = Receiver::start_on(format!("127.0.0.1:{port}").parse().unwrap()).await;
    let store = store(&directory);
    assert_eq!(
        store.record_count(RecordTable::Outbox).unwrap(),
        2,
        "still there after the restart"
    );
    let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
    let received = receiver.wait_for(2, WAIT).await;
    let ids: Vec<String> = received
        .iter()
        .map(|request| request.json()["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        ["n-a", "n-b"],
        "in order: the firing before its resolve"
    );
    wait_until(|| store.record_count(RecordTable::Outbox).unwrap() == 0).await;
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.3: Slack's incoming-webhook message, field by field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_message_has_text_blocks_and_a_link() {
    let directory = temp_dir("slack");
    let receiver = Receiver::start().await;
    let catalog = catalog(&spec(
        &["chat"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: chat\ntype: slack\ntarget: {}\n",
            receiver.url("/services/T0/B0/XX")
        ),
    ));
    let store = store(&directory);
    let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
    commit(
        &delivery,
        &store,
        &catalog,
        &alert(Event::AlertFiring, "n-slack", "2026-12-01T10:00:00Z", None),
    );
    let message = receiver.wait_for(1, WAIT).await[0].json();
    assert_eq!(
        message["text"],
        "FIRING: shop/checkout burns its error budget 14.4 times too fast"
    );
    let blocks = message["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["text"], message["text"]);
    assert_eq!(blocks[1]["type"], "section");
    assert_eq!(
        blocks[1]["text"]["text"],
        "Burn rate 20.1 over 1h and 22.3 over 5m; 85% of the budget left."
    );
    assert_eq!(blocks[2]["type"], "context");
    assert!(
        blocks[2]["elements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|element| element["text"] == "*Severity:* page")
    );
    assert_eq!(blocks[3]["type"], "actions");
    assert_eq!(
        blocks[3]["elements"][0]["url"],
        "http://nines.example.com/slos/shop/checkout"
    );
    assert_eq!(
        blocks[3]["elements"][1]["url"],
        "https://runbooks.example.com/checkout"
    );
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.3: PagerDuty Events API v2: trigger then resolve with one stable dedup_key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_triggers_and_resolves_with_a_stable_dedup_key() {
    let directory = temp_dir("pagerduty");
    let receiver = Receiver::start().await;
    unsafe_env_set("NINES_TEST_PD_KEY", "R0UT1NGKEY");
    let catalog = catalog(&spec(
        &["pager"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: pager\ntype: pagerduty\ntarget: {}\nroutingKey: {{env: NINES_TEST_PD_KEY}}\n",
            receiver.url("/v2/enqueue")
        ),
    ));
    let store = store(&directory);
    let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
    commit(
        &delivery,
        &store,
        &catalog,
        &alert(Event::AlertFiring, "n-pd-1", "2026-12-01T10:00:00Z", None),
    );
    commit(
        &delivery,
        &store,
        &catalog,
        &alert(
            Event::AlertResolved,
            "n-pd-2",
            "2026-12-01T10:00:00Z",
            Some("2026-12-01T10:40:00Z"),
        ),
    );
    let received = receiver.wait_for(2, WAIT).await;
    let trigger = received[0].json();
    let resolve = received[1].json();
    assert_eq!(received[0].path, "/v2/enqueue");
    assert_eq!(trigger["routing_key"], "R0UT1NGKEY");
    assert_eq!(trigger["event_action"], "trigger");
    assert_eq!(trigger["dedup_key"], "shop/checkout/default/page-1h");
    assert_eq!(
        trigger["payload"]["summary"],
        "FIRING: shop/checkout burns its error budget 14.4 times too fast"
    );
    assert_eq!(trigger["payload"]["severity"], "critical");
    assert_eq!(trigger["payload"]["source"], "nines shop/checkout");
    assert_eq!(trigger["payload"]["timestamp"], "2026-12-01T10:00:00Z");
    assert_eq!(
        trigger["links"][0]["href"],
        "http://nines.example.com/slos/shop/checkout"
    );
    assert_eq!(resolve["event_action"], "resolve");
    assert_eq!(resolve["dedup_key"], trigger["dedup_key"]);
    assert_eq!(resolve["routing_key"], "R0UT1NGKEY");
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.3: routing: a target's `match` filter and the service-level default.
#[test]
fn routing_filters_by_severity_and_labels_and_falls_back_to_the_service() {
    let text = r#"apiVersion: nines/v1
kind: Service
name: shop
notify: [pages-only, other-team]
slos:
  - name: checkout
    target: 99.9%
    window: 28d
    sli:
      events: {valid: "route == '/checkout'", good: "status < 500"}
---
apiVersion: nines/v1
kind: NotificationTarget
name: pages-only
type: webhook
target: http://127.0.0.1:9/pages
match: {severity: [page], labels: {team: shop}}
---
apiVersion: nines/v1
kind: NotificationTarget
name: other-team
type: webhook
target: http://127.0.0.1:9/other
match: {labels: {team: payments}}
"#;
    let catalog = catalog(text);
    let firing = alert(Event::AlertFiring, "n", "2026-12-01T10:00:00Z", None);
    let names = |notification: &nines_alerting::Notification| -> Vec<String> {
        nines_alerting::routing::destinations(notification, &catalog, &["http://am:9093".into()])
            .into_iter()
            .map(|destination| destination.name)
            .collect()
    };
    assert_eq!(names(&firing), ["pages-only", "--alertmanager"]);
    let mut ticket = firing.clone();
    ticket.severity = Some("ticket".into());
    assert_eq!(names(&ticket), ["--alertmanager"]);
}

// issue 10.3: e-mail through a real SMTP server (Python's aiosmtpd), field by field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_reaches_a_real_smtp_server() {
    let directory = temp_dir("smtp");
    let port = free_port();
    let mut server = tokio::process::Command::new("/usr/bin/python3")
        .args(["-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Debugging", "stdout", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("/usr/bin/python3 with aiosmtpd is needed (Debian package python3-aiosmtpd; scripts/test.sh installs it)");
    wait_for_port(port).await;
    let catalog = catalog(&spec(
        &["leads"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: leads\ntype: email\ntarget: [sre-leads@example.com, cto@example.com]\nsmtp: 127.0.0.1:{port}\ntls: none\nfrom: nines@example.com\n"
        ),
    ));
    let store = store(&directory);
    let delivery = Delivery::start(store.clone(), catalog.clone(), quick_config()).unwrap();
    commit(
        &delivery,
        &store,
        &catalog,
        &alert(Event::AlertFiring, "n-mail", "2026-12-01T10:00:00Z", None),
    );
    wait_until(|| store.record_count(RecordTable::Outbox).unwrap() == 0).await;
    assert_eq!(delivery.status()["sent"], 1, "{}", delivery.status());
    server.start_kill().unwrap();
    let output = server.wait_with_output().await.unwrap();
    // Long header lines are folded (RFC 5322): unfold them.
    let text = String::from_utf8_lossy(&output.stdout).replace("\n ", " ");
    assert!(text.contains("From: nines@example.com"), "{text}");
    assert!(
        text.contains("To: sre-leads@example.com, cto@example.com"),
        "{text}"
    );
    assert!(
        text.contains(
            "Subject: [nines] FIRING: shop/checkout burns its error budget 14.4 times too fast"
        ),
        "{text}"
    );
    assert!(
        text.contains("Burn rate 20.1 over 1h and 22.3 over 5m; 85% of the budget left."),
        "{text}"
    );
    assert!(text.contains("Notification id: n-mail"), "{text}");
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}

async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing listens on port {port}");
}

async fn wait_until(mut condition: impl FnMut() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not met within 10 s");
}

fn unsafe_env_set(name: &str, value: &str) {
    // Each variable is read by one test only; set before the sender reads it.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var(name, value);
    }
}

// issue 10.4: the outbox is bounded: beyond `max_pending` the oldest is dropped, logged
// and counted, never silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_outbox_drops_the_oldest_and_counts_it() {
    let directory = temp_dir("full");
    let port = free_port();
    let catalog = catalog(&spec(
        &["hooks"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: hooks\ntype: webhook\ntarget: http://127.0.0.1:{port}/hook\n"
        ),
    ));
    let store = store(&directory);
    let config = nines_alerting::DeliveryConfig {
        max_pending: 2,
        ..quick_config()
    };
    let delivery = Delivery::start(store.clone(), catalog.clone(), config).unwrap();
    for (index, id) in ["n-1", "n-2", "n-3"].into_iter().enumerate() {
        let mut notification = alert(Event::AlertFiring, id, "2026-12-01T10:00:00Z", None);
        notification.alert.as_mut().unwrap().alert_id =
            format!("shop/checkout/default/row-{index}");
        commit(&delivery, &store, &catalog, &notification);
    }
    assert_eq!(store.record_count(RecordTable::Outbox).unwrap(), 2);
    let status = delivery.status();
    assert_eq!(status["dropped_outbox_full"], 1, "{status}");
    let receiver = Receiver::start_on(format!("127.0.0.1:{port}").parse().unwrap()).await;
    let received = receiver.wait_for(2, WAIT).await;
    let mut ids: Vec<String> = received
        .iter()
        .map(|request| request.json()["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["n-2", "n-3"], "the oldest, n-1, was dropped");
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.5: policy events go to the notify actions of the new state and of the state
// left; review reminders to the target named like the owner.
#[test]
fn policy_and_review_events_route_to_the_policy_and_the_owner() {
    let text = r#"apiVersion: nines/v1
kind: Service
name: shop
owner: team-shop
policy: standard
slos:
  - name: checkout
    target: 99.9%
    window: 28d
    sli:
      events: {valid: "route == '/checkout'", good: "status < 500"}
    alerting:
      notify: [oncall]
---
apiVersion: nines/v1
kind: ErrorBudgetPolicy
name: standard
states:
  - name: exhausted
    when: remaining < 0%
    actions:
      - notify: [cto-mail]
  - name: at-risk
    when: remaining < 25%
    actions:
      - notify: [leads]
  - name: healthy
---
apiVersion: nines/v1
kind: NotificationTarget
name: oncall
type: webhook
target: http://127.0.0.1:9/oncall
---
apiVersion: nines/v1
kind: NotificationTarget
name: leads
type: webhook
target: http://127.0.0.1:9/leads
---
apiVersion: nines/v1
kind: NotificationTarget
name: cto-mail
type: webhook
target: http://127.0.0.1:9/cto
---
apiVersion: nines/v1
kind: NotificationTarget
name: team-shop
type: webhook
target: http://127.0.0.1:9/team
"#;
    let catalog = catalog(text);
    let base = alert(Event::PolicyChanged, "p-1", "2026-12-01T10:00:00Z", None);
    let names = |notification: &nines_alerting::Notification| -> Vec<String> {
        nines_alerting::routing::destinations(notification, &catalog, &["http://am:9093".into()])
            .into_iter()
            .map(|destination| destination.name)
            .collect()
    };
    let mut policy = base.clone();
    policy.severity = None;
    policy.alert = None;
    policy.policy = Some(nines_alerting::PolicyChange {
        policy: "standard".into(),
        from: Some("at-risk".into()),
        to: Some("exhausted".into()),
        actions: vec![],
        in_words: "notify cto-mail".into(),
    });
    assert_eq!(names(&policy), ["cto-mail", "leads"]);
    policy.policy.as_mut().unwrap().from = Some("exhausted".into());
    policy.policy.as_mut().unwrap().to = Some("healthy".into());
    assert_eq!(
        names(&policy),
        ["cto-mail"],
        "who heard of the exhaustion hears of the recovery"
    );
    let mut review = policy.clone();
    review.event = Event::ReviewOverdue;
    review.policy = None;
    review.review = Some(nines_alerting::ReviewReminder {
        owner: Some("team-shop".into()),
        last_reviewed: None,
        due: "2026-11-01".into(),
    });
    assert_eq!(names(&review), ["team-shop"]);
    review.review.as_mut().unwrap().owner = Some("nobody-named-so".into());
    assert_eq!(
        names(&review),
        ["oncall"],
        "no target named like the owner: the SLO's targets"
    );
}

// issue 10.4: a 429's Retry-After is honoured (within the backoff's bounds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_waits_as_long_as_retry_after_asks() {
    let directory = temp_dir("retry-after");
    let receiver = Receiver::start().await;
    receiver.script(&[429]);
    let catalog = catalog(&spec(
        &["hooks"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: hooks\ntype: webhook\ntarget: {}\n",
            receiver.url("/hook")
        ),
    ));
    let store = store(&directory);
    let config = nines_alerting::DeliveryConfig {
        backoff_cap: Duration::from_secs(5),
        ..quick_config()
    };
    let delivery = Delivery::start(store.clone(), catalog.clone(), config).unwrap();
    commit(
        &delivery,
        &store,
        &catalog,
        &alert(Event::AlertFiring, "n-429", "2026-12-01T10:00:00Z", None),
    );
    let received = receiver.wait_for(2, WAIT).await;
    let pause = received[1].at.duration_since(received[0].at);
    assert!(
        pause >= Duration::from_millis(950),
        "retried after {pause:?}, Retry-After said 1 s"
    );
    assert_eq!(received[1].json()["id"], "n-429");
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}

// issue 10.6: with spec targets off (`nines demo`), neither the first send nor the resends
// of firing alerts go to the specs' targets: only to `--alertmanager`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_spec_targets_off_only_the_catch_all_receives_sends_and_resends() {
    let directory = temp_dir("catch-all-only");
    let spec_receiver = Receiver::start().await;
    let catch_all = Receiver::start().await;
    let catalog = catalog(&spec(
        &["oncall"],
        &format!(
            "---\napiVersion: nines/v1\nkind: NotificationTarget\nname: oncall\ntype: alertmanager\ntarget: {}\n",
            spec_receiver.url("")
        ),
    ));
    let store = store(&directory);
    let config = nines_alerting::DeliveryConfig {
        catch_all_alertmanagers: vec![catch_all.url("")],
        spec_targets: false,
        resend_interval: Duration::from_millis(1),
        ..quick_config()
    };
    let delivery = Delivery::start(store.clone(), catalog.clone(), config).unwrap();
    let firing = alert(Event::AlertFiring, "n-demo", "2026-12-01T10:00:00Z", None);
    commit(&delivery, &store, &catalog, &firing);
    catch_all.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    delivery.firing(std::slice::from_ref(&firing));
    let received = catch_all.wait_for(2, WAIT).await;
    assert!(
        received
            .iter()
            .all(|request| request.path == "/api/v2/alerts")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        spec_receiver.received().is_empty(),
        "{:#?}",
        spec_receiver.received()
    );
    drop(delivery);
    let _ = std::fs::remove_dir_all(directory);
}
