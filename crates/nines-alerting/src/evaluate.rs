//! The evaluator: every interval, the engine's statuses in, the alert book stepped, and
//! one commit with the instances, the history, the marks and the outbox records the sink
//! adds. Only after that commit does the sink hear `committed`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use nines_core::alerts::{self, AlertBook, AlertEvent, AlertInstance, Change};
use nines_core::engine::SloStatus;
use nines_core::model::Catalog;
use nines_core::source::Millis;
use nines_core::timestamp::format_millis;
use nines_store::{RecordOp, RecordTable, Store};
use serde::Serialize;

use crate::evaluate_notifications::{self as notifications, Context};
use crate::history::{self, HistoryEntry};
use crate::notification::{Event, Notification};
use crate::sink::NotificationSink;
use crate::state::{self, SEQUENCE_MARK, StateError};

/// Settings of the evaluator.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The nines server's public URL (`--external-url`): notifications link to the SLO
    /// there.
    pub external_url: Option<String>,
}

/// One evaluation's outcome.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Outcome {
    /// When, RFC 3339.
    pub at: String,
    /// How long the step and commit took, in milliseconds.
    pub duration_ms: f64,
    /// SLOs evaluated.
    pub slos: usize,
    /// Instances pending or firing after it.
    pub active: usize,
    /// Transitions recorded (alerts, policies, reviews).
    pub transitions: usize,
    /// Notifications handed to the sink.
    pub notifications: usize,
    /// History records removed by the bounds.
    pub pruned: usize,
    /// Why it failed (nothing of it was committed; the next evaluation tries again).
    pub error: Option<String>,
}

/// What was committed, for whoever prints (the demo, logs).
#[derive(Clone, Debug, Default)]
pub struct Committed {
    /// The outcome.
    pub outcome: Outcome,
    /// The history entries it wrote, in order.
    pub entries: Vec<HistoryEntry>,
}

/// The services and severities the last evaluation knew: what the API's filters accept.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Service names.
    pub services: std::collections::BTreeSet<String>,
    /// Severities of every alert row and no-data alert.
    pub severities: std::collections::BTreeSet<String>,
}

impl Known {
    fn of(catalog: &Catalog) -> Known {
        let mut known = Known::default();
        known.services.extend(catalog.service_names());
        for slo in &catalog.slos {
            known.services.insert(slo.service.clone());
            let window = slo.window.nominal_length();
            for row in slo.alerting.effective_windows(window) {
                known.severities.insert(row.severity);
            }
            known.severities.insert(
                slo.alerting
                    .no_data
                    .severity
                    .clone()
                    .unwrap_or_else(|| alerts::DEFAULT_NO_DATA_SEVERITY.to_string()),
            );
        }
        known
    }
}

struct Inner {
    known: Known,
    book: AlertBook,
    sequence: u64,
    last: Option<Outcome>,
    runs: u64,
    failures: u64,
}

/// Alert evaluation over a store that keeps its state.
pub struct Evaluator {
    store: Arc<Store>,
    sink: Arc<dyn NotificationSink>,
    settings: Settings,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Evaluator")
            .field("sink", &self.sink)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Evaluator {
    /// Reads the alert state `store` holds (instances, marks, the history's sequence).
    pub fn open(
        store: Arc<Store>,
        sink: Arc<dyn NotificationSink>,
        settings: Settings,
    ) -> Result<Evaluator, StateError> {
        let (book, sequence) = state::load(&store)?;
        tracing::info!(
            active = book.instances.len(),
            firing = book.firing().count(),
            "alert state loaded"
        );
        Ok(Evaluator {
            store,
            sink,
            settings,
            inner: Mutex::new(Inner {
                known: Known::default(),
                book,
                sequence,
                last: None,
                runs: 0,
                failures: 0,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The store the state lives in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The sink.
    pub fn sink(&self) -> &Arc<dyn NotificationSink> {
        &self.sink
    }

    /// Steps the alerts over `statuses` (every SLO of `catalog` at `at`) and commits the
    /// changes in one transaction; on failure nothing changes, in the store or in memory.
    pub fn evaluate(&self, catalog: &Catalog, statuses: &[SloStatus<'_>], at: Millis) -> Committed {
        let started = Instant::now();
        let mut inner = self.lock();
        inner.known = Known::of(catalog);
        let result = self.evaluate_locked(&mut inner, catalog, statuses, at);
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        inner.runs += 1;
        let committed = match result {
            Ok(mut committed) => {
                committed.outcome.duration_ms = duration_ms;
                committed
            }
            Err(error) => {
                inner.failures += 1;
                tracing::error!(%error, "alert evaluation failed: nothing was committed; the next evaluation tries again");
                Committed {
                    outcome: Outcome {
                        at: format_millis(at),
                        duration_ms,
                        slos: statuses.len(),
                        active: inner.book.instances.len(),
                        error: Some(error.to_string()),
                        ..Outcome::default()
                    },
                    entries: Vec::new(),
                }
            }
        };
        inner.last = Some(committed.outcome.clone());
        committed
    }

    fn evaluate_locked(
        &self,
        inner: &mut Inner,
        catalog: &Catalog,
        statuses: &[SloStatus<'_>],
        at: Millis,
    ) -> Result<Committed, StateError> {
        let mut book = inner.book.clone();
        let changes = alerts::step(&mut book, statuses, at);
        let context = Context::new(catalog, statuses, self.settings.external_url.as_deref());
        let mut ops = Vec::new();
        state::diff(&inner.book, &book, &mut ops)?;
        let mut sequence = inner.sequence;
        let mut entries = Vec::with_capacity(changes.len());
        let mut sent = 0;
        for change in &changes {
            let notification = match change {
                Change::Alert(transition) => notifications::alert(&context, transition),
                Change::Policy(policy) => Some(notifications::policy(&context, policy)),
                Change::Review(review) => Some(notifications::review(&context, review)),
            };
            if let Some(notification) = &notification {
                self.sink.enqueue(notification, catalog, &mut ops);
                sent += 1;
            }
            sequence += 1;
            let entry = entry(
                change,
                history::key(at, sequence),
                notification.as_ref().map(|n| n.id.clone()),
            );
            ops.push(RecordOp::Put {
                table: RecordTable::AlertHistory,
                key: entry.key.clone(),
                value: serde_json::to_vec(&entry)
                    .map_err(|error| StateError::Encode(error.to_string()))?,
            });
            entries.push(entry);
        }
        if sequence != inner.sequence {
            ops.push(RecordOp::Put {
                table: RecordTable::Marks,
                key: SEQUENCE_MARK.to_string(),
                value: sequence.to_string().into_bytes(),
            });
        }
        let pruned = history::prune(&self.store, at, entries.len() as u64, &mut ops)?;
        self.store.commit_records(&ops)?;
        inner.book = book;
        inner.sequence = sequence;
        self.sink.committed();
        let firing: Vec<Notification> = inner
            .book
            .firing()
            .map(|instance| {
                notifications::base(
                    &context,
                    instance,
                    Event::AlertFiring,
                    instance.fired_at.unwrap_or(instance.active_at),
                    None,
                )
            })
            .collect();
        self.sink.firing(&firing);
        for entry in &entries {
            log(entry);
        }
        Ok(Committed {
            outcome: Outcome {
                at: format_millis(at),
                duration_ms: 0.0,
                slos: statuses.len(),
                active: inner.book.instances.len(),
                transitions: entries.len(),
                notifications: sent,
                pruned,
                error: None,
            },
            entries,
        })
    }

    /// The pending and firing alerts, by id.
    pub fn active(&self) -> Vec<AlertInstance> {
        self.lock().book.instances.values().cloned().collect()
    }

    /// What the filters accept: the services and severities of the last evaluation's
    /// catalog (and of the alerts still active).
    pub fn known(&self) -> Known {
        let inner = self.lock();
        let mut known = inner.known.clone();
        for instance in inner.book.instances.values() {
            known.services.insert(instance.service.clone());
            known.severities.insert(instance.severity.clone());
        }
        known
    }

    /// The last evaluation's outcome.
    pub fn last_outcome(&self) -> Option<Outcome> {
        self.lock().last.clone()
    }

    /// The evaluator's last run and counters, and the sink's status: for
    /// `/api/v1/status`.
    pub fn status(&self) -> serde_json::Value {
        let inner = self.lock();
        serde_json::json!({
            "last_evaluation": inner.last,
            "evaluations": inner.runs,
            "failed_evaluations": inner.failures,
            "active": inner.book.instances.len(),
            "firing": inner.book.firing().count(),
            "delivery": self.sink.status(),
        })
    }
}

fn entry(change: &Change, key: String, notification_id: Option<String>) -> HistoryEntry {
    match change {
        Change::Alert(transition) => HistoryEntry {
            key,
            at: format_millis(transition.at),
            event: transition.event.as_str().to_string(),
            service: transition.alert.service.clone(),
            slo: transition.alert.slo.clone(),
            notification_id,
            alert: Some(transition.clone()),
            policy: None,
            review: None,
        },
        Change::Policy(policy) => HistoryEntry {
            key,
            at: format_millis(policy.at),
            event: "policy_changed".to_string(),
            service: policy.service.clone(),
            slo: policy.slo.clone(),
            notification_id,
            alert: None,
            policy: Some(policy.clone()),
            review: None,
        },
        Change::Review(review) => HistoryEntry {
            key,
            at: format_millis(review.at),
            event: "review_overdue".to_string(),
            service: review.service.clone(),
            slo: review.slo.clone(),
            notification_id,
            alert: None,
            policy: None,
            review: Some(review.clone()),
        },
    }
}

/// One log line per transition: firing and policy changes at warn, the rest at info.
fn log(entry: &HistoryEntry) {
    if let Some(transition) = &entry.alert {
        let alert = &transition.alert;
        match transition.event {
            AlertEvent::Firing => {
                tracing::warn!(alert = %alert.id, severity = %alert.severity, "alert firing")
            }
            AlertEvent::Resolved => {
                tracing::info!(alert = %alert.id, reason = transition.reason.as_deref().unwrap_or(""), "alert resolved")
            }
            AlertEvent::Pending => tracing::info!(alert = %alert.id, "alert pending"),
            AlertEvent::Cancelled => tracing::info!(alert = %alert.id, "pending alert cancelled"),
        }
    } else if let Some(policy) = &entry.policy {
        tracing::warn!(slo = %format!("{}/{}", policy.service, policy.slo), from = policy.from.as_deref().unwrap_or("-"), to = policy.to.as_deref().unwrap_or("-"), actions = %policy.in_words, "error budget policy changed");
    } else if let Some(review) = &entry.review {
        tracing::info!(slo = %format!("{}/{}", review.service, review.slo), due = %review.due, "review overdue");
    }
}
