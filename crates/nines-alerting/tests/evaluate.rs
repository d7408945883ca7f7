//! The evaluator over a real store (issue 10.1, 10.2, 10.5): one commit holds the state
//! change and what the sink adds to the outbox; a reopened store keeps firing alerts
//! firing without a second notification; notification ids are stable; a failed commit
//! changes nothing and the next evaluation announces the transition.

use std::sync::{Arc, Mutex};

use nines_alerting::{Evaluator, Event, Notification, NotificationSink, Settings};
use nines_core::Duration;
use nines_core::engine::{Engine, Options};
use nines_core::memory::MemorySource;
use nines_core::model::Catalog;
use nines_store::{RecordOp, RecordTable, Store, StoreConfig};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// `2026-11-02T00:00:00Z`.
const T0: i64 = 1_793_577_600_000;

const SPEC: &str = r#"apiVersion: nines/v1
name: shop
owner: team-shop
slos:
  - name: checkout
    target: 99.9%
    window: 30d
    labels: {tier: critical}
    policy: standard
    sli:
      events:
        good: status < 500
    alerting:
      runbook: https://runbooks.example.com/checkout
      dashboard: https://grafana.example.com/d/checkout
      labels: {team: checkout}
---
apiVersion: nines/v1
kind: ErrorBudgetPolicy
name: standard
states:
  - name: exhausted
    when: remaining < 0%
    actions:
      - freeze: releases
        except: [p0, security]
      - escalate: cto
  - name: healthy
    when: always
"#;

fn catalog() -> Catalog {
    let loaded = nines_spec::load_sources(&[nines_spec::Source {
        name: "shop.yaml".into(),
        text: SPEC.to_string(),
    }]);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == nines_spec::Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    loaded.catalog
}

/// A sink that records what it hears and puts one outbox record per notification; with
/// `poison`, an oversized record that makes the commit fail.
#[derive(Debug, Default)]
struct Recording {
    enqueued: Mutex<Vec<Notification>>,
    committed: Mutex<usize>,
    firing: Mutex<Vec<Vec<String>>>,
    poison: Mutex<bool>,
}

impl NotificationSink for Recording {
    fn enqueue(&self, notification: &Notification, _catalog: &Catalog, ops: &mut Vec<RecordOp>) {
        self.enqueued.lock().unwrap().push(notification.clone());
        let size = if *self.poison.lock().unwrap() {
            nines_store::records::MAX_RECORD_BYTES + 1
        } else {
            16
        };
        ops.push(RecordOp::Put {
            table: RecordTable::Outbox,
            key: format!("test/{}", notification.id),
            value: vec![b'x'; size],
        });
    }
    fn committed(&self) {
        *self.committed.lock().unwrap() += 1;
    }
    fn firing(&self, alerts: &[Notification]) {
        self.firing
            .lock()
            .unwrap()
            .push(alerts.iter().map(|alert| alert.id.clone()).collect());
    }
    fn status(&self) -> serde_json::Value {
        serde_json::json!({"recording": true})
    }
}

/// 1,000 events a minute from 35 days before T0, all bad from `outage_from`.
fn source(outage_from: i64) -> MemorySource {
    let mut source = MemorySource::new(Duration::from_minutes(1));
    let mut at = T0 - 35 * DAY;
    while at < T0 + DAY {
        let bad = if at >= outage_from { 1_000.0 } else { 0.0 };
        source.add("shop/checkout", at, 1_000.0 - bad, 1_000.0);
        at += MINUTE;
    }
    source.refresh();
    source
}

fn directory(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "nines-alerting-{name}-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ))
}

fn open(path: &std::path::Path, sink: Arc<Recording>) -> Evaluator {
    let store = Arc::new(Store::open(path, StoreConfig::default()).unwrap());
    Evaluator::open(
        store,
        sink,
        Settings {
            external_url: Some("https://nines.example.com".into()),
        },
    )
    .unwrap()
}

fn evaluate(
    evaluator: &Evaluator,
    catalog: &Catalog,
    source: &MemorySource,
    at: i64,
) -> nines_alerting::Committed {
    let engine = Engine::new(catalog, Options::default());
    let statuses = engine.evaluate_all(source, at);
    evaluator.evaluate(catalog, &statuses, at)
}

// issue 10.1: state and outbox in one commit; a restart re-announces nothing.
#[test]
fn state_and_outbox_commit_together_and_survive_a_reopen_without_a_second_page() {
    let catalog = catalog();
    let source = source(T0);
    let path = directory("reopen");
    let sink = Arc::new(Recording::default());
    let evaluator = open(&path, sink.clone());
    let quiet = evaluate(&evaluator, &catalog, &source, T0 - 10 * MINUTE);
    assert_eq!(quiet.outcome.error, None);
    assert!(sink.enqueued.lock().unwrap().is_empty());
    let fired = evaluate(&evaluator, &catalog, &source, T0 + 2 * MINUTE);
    assert_eq!(fired.outcome.error, None);
    let enqueued = sink.enqueued.lock().unwrap().clone();
    let page = enqueued
        .iter()
        .find(|notification| {
            notification.labels.get("long_window").map(String::as_str) == Some("1h")
        })
        .expect("the 1h page was enqueued");
    assert_eq!(page.event, Event::AlertFiring);
    assert_eq!(
        page.id,
        format!("shop/checkout/default/page-1h:firing:{}", T0 + 2 * MINUTE)
    );
    for (label, value) in [
        ("alertname", "ShopCheckoutErrorBudgetBurn"),
        ("severity", "page"),
        ("service", "shop"),
        ("slo", "checkout"),
        ("objective", "default"),
        ("short_window", "5m"),
        ("tier", "critical"),
        ("team", "checkout"),
    ] {
        assert_eq!(
            page.labels.get(label).map(String::as_str),
            Some(value),
            "{label}: {:?}",
            page.labels
        );
    }
    assert_eq!(
        page.annotations["runbook_url"],
        "https://runbooks.example.com/checkout"
    );
    assert_eq!(
        page.annotations["dashboard_url"],
        "https://grafana.example.com/d/checkout"
    );
    let description = &page.annotations["description"];
    assert!(
        description.contains("over 1h") && description.contains("threshold 14.4×"),
        "{description}"
    );
    assert!(
        description.contains("of the error budget remains"),
        "{description}"
    );
    assert_eq!(
        page.url.as_deref(),
        Some("https://nines.example.com/api/v1/slos/shop/checkout")
    );
    // The outbox records the sink added are in the store, with the state.
    let store = evaluator.store();
    assert_eq!(
        store.record_count(RecordTable::Outbox).unwrap(),
        enqueued.len() as u64
    );
    assert!(store.record_count(RecordTable::AlertInstances).unwrap() >= 1);
    assert_eq!(*sink.committed.lock().unwrap(), 2);
    let firing_ids = sink.firing.lock().unwrap().last().cloned().unwrap();
    assert!(firing_ids.contains(&page.id), "{firing_ids:?}");
    let active_before = evaluator.active();
    drop(evaluator);

    // Reopened (a restart): still firing, nothing new enqueued, the same ids re-sent.
    let sink = Arc::new(Recording::default());
    let evaluator = open(&path, sink.clone());
    assert_eq!(evaluator.active(), active_before);
    evaluate(&evaluator, &catalog, &source, T0 + 3 * MINUTE);
    // (The 6h row may fire now, at 3 minutes: 3/360 × 1000 = 8.3 > 6; the 1h page must
    // not fire again.)
    let again: Vec<String> = sink
        .enqueued
        .lock()
        .unwrap()
        .iter()
        .filter(|notification| notification.event == Event::AlertFiring)
        .map(|notification| notification.id.clone())
        .collect();
    assert!(
        !again
            .iter()
            .any(|id| id.starts_with("shop/checkout/default/page-1h:")),
        "the firing page was announced again after the reopen: {again:?}"
    );
    let firing_ids = sink.firing.lock().unwrap().last().cloned().unwrap();
    assert!(firing_ids.contains(&page.id), "{firing_ids:?}");
    let _ = std::fs::remove_dir_all(path);
}

// issue 10.1: nothing is lost with a failed commit.
#[test]
fn a_failed_commit_changes_nothing_and_the_next_evaluation_announces_the_transition() {
    let catalog = catalog();
    let source = source(T0);
    let path = directory("failed");
    let sink = Arc::new(Recording::default());
    let evaluator = open(&path, sink.clone());
    *sink.poison.lock().unwrap() = true;
    let failed = evaluate(&evaluator, &catalog, &source, T0 + 2 * MINUTE);
    assert!(failed.outcome.error.is_some());
    assert!(
        evaluator.active().is_empty(),
        "a failed commit left state in memory"
    );
    let store = evaluator.store();
    assert_eq!(store.record_count(RecordTable::AlertInstances).unwrap(), 0);
    assert_eq!(store.record_count(RecordTable::AlertHistory).unwrap(), 0);
    assert_eq!(*sink.committed.lock().unwrap(), 0);
    *sink.poison.lock().unwrap() = false;
    sink.enqueued.lock().unwrap().clear();
    let next = evaluate(&evaluator, &catalog, &source, T0 + 3 * MINUTE);
    assert_eq!(next.outcome.error, None);
    assert!(
        sink.enqueued
            .lock()
            .unwrap()
            .iter()
            .any(|notification| notification.event == Event::AlertFiring),
        "the page was lost with the failed commit"
    );
    assert_eq!(evaluator.status()["failed_evaluations"], 1);
    let _ = std::fs::remove_dir_all(path);
}

// issue 10.5: the policy change reaches the sink with its actions in words, once, and the
// history has it.
#[test]
fn a_policy_change_is_enqueued_once_and_recorded() {
    let catalog = catalog();
    // 1,000 bad events a minute from T0 against 0.1% of 43.2 million valid events
    // (30 days of 1,000 a minute) allowed: overspent after 43.2 minutes.
    let source = source(T0);
    let path = directory("policy");
    let sink = Arc::new(Recording::default());
    let evaluator = open(&path, sink.clone());
    for minutes in [-10, 30, 50, 60, 70] {
        evaluate(&evaluator, &catalog, &source, T0 + minutes * MINUTE);
    }
    let policies: Vec<Notification> = sink
        .enqueued
        .lock()
        .unwrap()
        .iter()
        .filter(|notification| notification.event == Event::PolicyChanged)
        .cloned()
        .collect();
    assert_eq!(policies.len(), 1, "{policies:?}");
    let change = policies[0].policy.clone().unwrap();
    assert_eq!(
        (change.from.as_deref(), change.to.as_deref()),
        (Some("healthy"), Some("exhausted"))
    );
    assert_eq!(
        change.in_words,
        "freeze releases except p0, security; escalate to cto"
    );
    assert_eq!(
        policies[0].at,
        nines_core::timestamp::format_millis(T0 + 50 * MINUTE)
    );
    let (history, _) =
        nines_alerting::history::read(evaluator.store(), T0 - DAY, T0 + DAY, None, 1_000).unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|entry| entry.event == "policy_changed")
            .count(),
        1
    );
    // Keys sort by time, then sequence.
    assert!(history.windows(2).all(|pair| pair[0].key < pair[1].key));
    let _ = std::fs::remove_dir_all(path);
}

// issue 10.1: one damaged state record is left out with an error log; it does not keep the
// evaluator (and the server) from starting, and the rest of the state loads.
#[test]
fn a_damaged_state_record_is_left_out_and_the_rest_loads() {
    let catalog = catalog();
    let source = source(T0);
    let path = directory("damaged");
    let evaluator = open(&path, Arc::new(Recording::default()));
    evaluate(&evaluator, &catalog, &source, T0 + 2 * MINUTE);
    let firing = evaluator.active().len();
    assert!(firing >= 1);
    evaluator
        .store()
        .commit_records(&[
            RecordOp::Put {
                table: RecordTable::AlertInstances,
                key: "shop/checkout/default/garbage".into(),
                value: b"{not json".to_vec(),
            },
            RecordOp::Put {
                table: RecordTable::Marks,
                key: "review/shop/checkout".into(),
                value: b"yesterday".to_vec(),
            },
        ])
        .unwrap();
    drop(evaluator);
    let evaluator = open(&path, Arc::new(Recording::default()));
    assert_eq!(evaluator.active().len(), firing);
    let _ = std::fs::remove_dir_all(path);
}
