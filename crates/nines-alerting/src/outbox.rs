//! The outbox and its sender: [`Delivery`], the [`NotificationSink`] of `nines serve`.
//!
//! `enqueue` adds one `Outbox` record per destination to the evaluation's own commit, so a
//! state change and the notifications it causes are durable together. After the commit,
//! the sender loads the new records and sends them; a success deletes the record. Failures
//! worth retrying (connection errors, timeouts, 408, 429, 5xx) are retried with exponential
//! backoff and full jitter, honouring `Retry-After` within the backoff's bounds, until the
//! record is older than the retry bound, then dropped with an error log and a counter.
//! Other 4xx answers drop the record at once (logged, counted). On start the whole table
//! is loaded and sent: a crash loses nothing, and receivers de-duplicate on the
//! notification's id.
//!
//! Records of one lane (a destination and an alert) go out in order, one at a time, so a
//! resolve never overtakes its firing; lanes do not wait for one another.
//!
//! Bounds: at most `max_pending` records (enqueueing beyond drops the oldest, logged and
//! counted); the sender keeps exactly the pending records in memory, whatever the length
//! of an outage.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use jiff::Timestamp;
use nines_core::model::Catalog;
use nines_store::{RecordOp, RecordTable, Store, StoreError};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::deliver::{self, Outcome, SendSettings};
use crate::notification::{Event, Notification};
use crate::routing;
use crate::sink::NotificationSink;
use crate::targets::{Destination, Kind};

/// Default bound on pending records: a day of a busy catalog's notifications to a receiver
/// that is down (10,000 records of about 2 KiB: 20 MiB of disk and memory at most).
pub const DEFAULT_MAX_PENDING: usize = 10_000;
/// Default time a notification is retried before it is dropped: an hour, the issue's
/// outage, after which a page is stale.
pub const DEFAULT_RETRY_FOR: StdDuration = StdDuration::from_secs(3600);
/// Default resend interval of firing alerts to Alertmanager (Prometheus' `resend-delay`).
pub const DEFAULT_RESEND_INTERVAL: StdDuration = StdDuration::from_secs(60);
/// Default per-request timeout: a receiver slower than this is as good as down.
pub const DEFAULT_REQUEST_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// First retry delay (before jitter).
pub const DEFAULT_BACKOFF_BASE: StdDuration = StdDuration::from_secs(1);
/// Longest retry delay: a receiver that comes back is reached within five minutes.
pub const DEFAULT_BACKOFF_CAP: StdDuration = StdDuration::from_secs(300);
/// Sends in flight at once: enough to keep a keep-alive pool busy, few enough not to
/// flood a receiver that has just come back.
pub const MAX_IN_FLIGHT: usize = 16;

/// How delivery behaves.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// `nines serve --alertmanager` URLs: every alert event goes to each.
    pub catch_all_alertmanagers: Vec<String>,
    /// Re-send firing alerts to Alertmanager this often.
    pub resend_interval: StdDuration,
    /// The evaluation interval (for Alertmanager's `endsAt`).
    pub eval_interval: StdDuration,
    /// Retry a notification this long, then drop it.
    pub retry_for: StdDuration,
    /// Per-request timeout.
    pub request_timeout: StdDuration,
    /// At most this many pending records.
    pub max_pending: usize,
    /// First retry delay.
    pub backoff_base: StdDuration,
    /// Longest retry delay (and the most a `Retry-After` is honoured).
    pub backoff_cap: StdDuration,
    /// False to deliver only to the catch-all Alertmanagers: `nines demo`, whose
    /// example targets are fictional hosts.
    pub spec_targets: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            catch_all_alertmanagers: Vec::new(),
            resend_interval: DEFAULT_RESEND_INTERVAL,
            eval_interval: StdDuration::from_secs(30),
            retry_for: DEFAULT_RETRY_FOR,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_pending: DEFAULT_MAX_PENDING,
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_cap: DEFAULT_BACKOFF_CAP,
            spec_targets: true,
        }
    }
}

/// Where outbox records live: the store, or whatever holds it.
pub trait RecordStore: Send + Sync + 'static {
    /// [`Store::commit_records`].
    fn commit(&self, ops: &[RecordOp]) -> Result<(), StoreError>;
    /// [`Store::records_between`].
    fn range(
        &self,
        table: RecordTable,
        from: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
}

impl RecordStore for Store {
    fn commit(&self, ops: &[RecordOp]) -> Result<(), StoreError> {
        self.commit_records(ops)
    }
    fn range(
        &self,
        table: RecordTable,
        from: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.records_between(table, from, None, limit)
    }
}

/// One outbox record: a notification for one destination.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxRecord {
    /// The notification.
    pub notification: Notification,
    /// Where it goes.
    pub destination: Destination,
    /// When it was committed, Unix milliseconds (the retry bound counts from here).
    pub enqueued_at_ms: i64,
}

impl OutboxRecord {
    /// Records of one lane are sent in order, one at a time: the destination and the
    /// alert (or, for other events, the notification itself).
    fn lane(&self) -> (&str, &str, &str) {
        let subject = self
            .notification
            .alert
            .as_ref()
            .map_or(self.notification.id.as_str(), |alert| {
                alert.alert_id.as_str()
            });
        (
            self.destination.name.as_str(),
            self.destination.address.as_str(),
            subject,
        )
    }
}

#[derive(Debug)]
struct Pending {
    record: OutboxRecord,
    attempts: u32,
    next_at: Instant,
    in_flight: bool,
}

#[derive(Debug, Default, Serialize)]
struct TargetStats {
    sent: u64,
    retried: u64,
    failed_permanently: u64,
    expired: u64,
    last_error: Option<String>,
    last_error_at: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    pending: BTreeMap<String, Pending>,
    /// The last key loaded from the store: newer keys sort after it.
    last_loaded: Option<String>,
    /// Keys the last enqueue round deleted (outbox full), applied once committed.
    staged_deletes: Vec<String>,
    /// Key sequence within one millisecond.
    last_key_ms: i64,
    sequence: u64,
    /// The catalog last seen (for resends of firing alerts).
    catalog: Option<Arc<Catalog>>,
    catalog_address: usize,
    last_resend: Option<Instant>,
    dropped_full: u64,
    resend_failed: u64,
    resent: u64,
    store_errors: u64,
    per_target: BTreeMap<String, TargetStats>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn RecordStore>,
    config: DeliveryConfig,
    client: reqwest::Client,
    state: Mutex<State>,
    wake: tokio::sync::Notify,
}

impl std::fmt::Debug for dyn RecordStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RecordStore")
    }
}

/// Delivery: the outbox, its sender task and the resends of firing alerts. Dropping it
/// stops the sender (what is pending stays in the store for the next start).
#[derive(Debug)]
pub struct Delivery {
    inner: Arc<Inner>,
    /// The sender task, started on the runtime `start` ran in, or else by the first call
    /// from inside one (the evaluator's).
    sender: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Delivery {
    fn drop(&mut self) {
        let sender = self
            .sender
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(sender) = sender.take() {
            sender.abort();
        }
    }
}

/// Why delivery could not start.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// The outbox could not be read.
    #[error("cannot read the outbox: {0}")]
    Store(#[from] StoreError),
}

impl Delivery {
    /// Starts delivery over `store` on the current tokio runtime: loads the outbox (what a
    /// previous run left is sent now) and starts the sender. `catalog` routes resends
    /// until an `enqueue` or [`Delivery::set_catalog`] brings a newer one.
    pub fn start(
        store: Arc<dyn RecordStore>,
        catalog: Arc<Catalog>,
        config: DeliveryConfig,
    ) -> Result<Delivery, DeliveryError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(config.request_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(StdDuration::from_secs(60))
            .user_agent(concat!("nines/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| DeliveryError::Client(error.to_string()))?;
        let inner = Arc::new(Inner {
            store,
            config,
            client,
            state: Mutex::new(State {
                catalog_address: Arc::as_ptr(&catalog) as usize,
                catalog: Some(catalog),
                ..State::default()
            }),
            wake: tokio::sync::Notify::new(),
        });
        let loaded = inner.load_new()?;
        if loaded > 0 {
            tracing::info!(
                pending = loaded,
                "Outbox: sending notifications left by the previous run"
            );
        }
        let delivery = Delivery {
            inner,
            sender: Mutex::new(None),
        };
        delivery.ensure_sender();
        Ok(delivery)
    }

    /// Starts the sender task if it is not running and a tokio runtime is at hand.
    fn ensure_sender(&self) {
        let mut sender = self
            .sender
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if sender.is_none()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            *sender = Some(runtime.spawn(run(self.inner.clone())));
        }
    }

    /// The catalog resends route with, after a reload.
    pub fn set_catalog(&self, catalog: Arc<Catalog>) {
        let mut state = self.inner.lock();
        state.catalog_address = Arc::as_ptr(&catalog) as usize;
        state.catalog = Some(catalog);
    }

    /// Records pending now.
    pub fn pending(&self) -> usize {
        self.inner.lock().pending.len()
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Loads records newer than the last loaded key; returns how many.
    fn load_new(&self) -> Result<usize, StoreError> {
        let mut loaded = 0;
        loop {
            let from = self.lock().last_loaded.clone();
            let batch = self
                .store
                .range(RecordTable::Outbox, from.as_deref(), 1024)?;
            let mut state = self.lock();
            let mut fresh = 0;
            for (key, bytes) in batch {
                if from.as_deref() == Some(key.as_str()) {
                    continue;
                }
                fresh += 1;
                // Keys made later sort after this one even if the clock went back.
                if let Some(millis) = key
                    .split('-')
                    .next()
                    .and_then(|text| text.parse::<i64>().ok())
                {
                    state.last_key_ms = state.last_key_ms.max(millis + 1);
                }
                state.last_loaded = Some(key.clone());
                if state.pending.contains_key(&key) {
                    continue;
                }
                match serde_json::from_slice::<OutboxRecord>(&bytes) {
                    Ok(record) => {
                        state.pending.insert(
                            key,
                            Pending {
                                record,
                                attempts: 0,
                                next_at: Instant::now(),
                                in_flight: false,
                            },
                        );
                        loaded += 1;
                    }
                    Err(error) => {
                        tracing::error!(key = %key, error = %error, "Outbox record does not decode: dropped");
                        let _ = self.store.commit(&[RecordOp::Delete {
                            table: RecordTable::Outbox,
                            key,
                        }]);
                    }
                }
            }
            if fresh == 0 {
                return Ok(loaded);
            }
        }
    }

    /// Where `notification` goes: [`routing::destinations`], only the catch-all
    /// Alertmanagers when spec targets are off.
    fn destinations(&self, notification: &Notification, catalog: &Catalog) -> Vec<Destination> {
        let mut destinations =
            routing::destinations(notification, catalog, &self.config.catch_all_alertmanagers);
        if !self.config.spec_targets {
            destinations.retain(|destination| destination.name == crate::targets::CATCH_ALL_NAME);
        }
        destinations
    }

    fn settings(&self) -> SendSettings {
        let longest = self.config.resend_interval.max(self.config.eval_interval);
        SendSettings {
            firing_lifetime: jiff::SignedDuration::try_from(longest * 4)
                .unwrap_or(jiff::SignedDuration::from_secs(240)),
            request_timeout: self.config.request_timeout,
        }
    }

    fn backoff(&self, attempts: u32, retry_after: Option<StdDuration>) -> StdDuration {
        let cap = self.config.backoff_cap;
        let ceiling = self
            .config
            .backoff_base
            .saturating_mul(1u32 << attempts.min(20))
            .min(cap);
        // Full jitter: anywhere between nothing and the ceiling.
        let jittered = ceiling
            .mul_f64(fastrand::f64())
            .max(StdDuration::from_millis(10));
        match retry_after {
            Some(asked) => asked.clamp(self.config.backoff_base, cap).max(jittered),
            None => jittered,
        }
    }
}

async fn run(inner: Arc<Inner>) {
    let mut in_flight: JoinSet<(String, Outcome)> = JoinSet::new();
    let mut done_keys: Vec<String> = Vec::new();
    let mut last_flush = Instant::now();
    loop {
        let now = Instant::now();
        let mut next_due: Option<Instant> = None;
        {
            let mut state = inner.lock();
            // Pass 1 (borrowing): which records to start. A lane's first pending record
            // blocks the rest of the lane, in flight or waiting for its retry.
            let mut picks: Vec<String> = Vec::new();
            {
                let mut busy_lanes: HashSet<(&str, &str, &str)> = HashSet::new();
                let mut started = in_flight.len();
                for (key, pending) in &state.pending {
                    if !busy_lanes.insert(pending.record.lane()) || pending.in_flight {
                        continue;
                    }
                    if pending.next_at > now {
                        next_due =
                            Some(next_due.map_or(pending.next_at, |due| due.min(pending.next_at)));
                        continue;
                    }
                    if started >= MAX_IN_FLIGHT {
                        break;
                    }
                    started += 1;
                    picks.push(key.clone());
                }
            }
            // Pass 2: start them.
            let settings = inner.settings();
            for key in picks {
                let Some(pending) = state.pending.get_mut(&key) else {
                    continue;
                };
                pending.in_flight = true;
                let record = pending.record.clone();
                let client = inner.client.clone();
                let settings = settings.clone();
                in_flight.spawn(async move {
                    let outcome = deliver::send_once(
                        &client,
                        &record.notification,
                        &record.destination,
                        &settings,
                        Timestamp::now(),
                    )
                    .await;
                    (key, outcome)
                });
            }
        }
        let sleep = async {
            match next_due {
                Some(due) => tokio::time::sleep_until(due.into()).await,
                None => std::future::pending::<()>().await,
            }
        };
        let mut finished = Vec::new();
        tokio::select! {
            () = inner.wake.notified() => {}
            () = sleep => {}
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                if let Ok(done) = done { finished.push(done); }
                while let Some(done) = in_flight.try_join_next() {
                    if let Ok(done) = done { finished.push(done); }
                }
            }
        }
        if !finished.is_empty() {
            settle(&inner, finished, &mut done_keys);
        }
        // Deletes are batched (one fsync for many records) while sends are in flight;
        // a crash before the commit only means those are sent again, with their ids.
        if !done_keys.is_empty()
            && (in_flight.is_empty()
                || done_keys.len() >= DELETE_BATCH
                || last_flush.elapsed() >= DELETE_DELAY)
        {
            delete(&inner, std::mem::take(&mut done_keys));
            last_flush = Instant::now();
        }
    }
}

/// Most records deleted in one commit.
const DELETE_BATCH: usize = 256;
/// Longest a delivered record waits for its delete while sends are in flight.
const DELETE_DELAY: StdDuration = StdDuration::from_millis(50);

/// Applies outcomes: what was sent or given up leaves memory and joins `deletes`; retries
/// are scheduled.
fn settle(inner: &Inner, finished: Vec<(String, Outcome)>, deletes: &mut Vec<String>) {
    let now_ms = Timestamp::now().as_millisecond();
    let retry_for_ms = inner.config.retry_for.as_millis() as i64;
    let mut state = inner.lock();
    for (key, outcome) in finished {
        let Some(pending) = state.pending.get_mut(&key) else {
            continue;
        };
        pending.in_flight = false;
        let destination = pending.record.destination.describe();
        let id = pending.record.notification.id.clone();
        let age_ms = now_ms - pending.record.enqueued_at_ms;
        let target = pending.record.destination.name.clone();
        match outcome {
            Outcome::Sent => {
                state.pending.remove(&key);
                deletes.push(key);
                state.per_target.entry(target).or_default().sent += 1;
            }
            Outcome::Permanent(reason) => {
                state.pending.remove(&key);
                deletes.push(key);
                tracing::error!(destination = %destination, id = %id, reason = %reason, "Notification refused by its receiver: dropped");
                let stats = state.per_target.entry(target).or_default();
                stats.failed_permanently += 1;
                stats.last_error = Some(reason);
                stats.last_error_at = Some(Timestamp::now().to_string());
            }
            Outcome::Retry(failure, retry_after) => {
                if age_ms >= retry_for_ms {
                    state.pending.remove(&key);
                    deletes.push(key);
                    tracing::error!(destination = %destination, id = %id, error = %failure, retried_for_seconds = age_ms / 1000, "Notification not delivered within the retry bound: dropped");
                    let stats = state.per_target.entry(target).or_default();
                    stats.expired += 1;
                    stats.last_error = Some(failure.to_string());
                    stats.last_error_at = Some(Timestamp::now().to_string());
                } else {
                    let attempts = pending.attempts;
                    let delay = inner.backoff(attempts, retry_after);
                    pending.attempts += 1;
                    pending.next_at = Instant::now() + delay;
                    tracing::warn!(destination = %destination, id = %id, error = %failure, attempt = attempts + 1, retry_in_ms = delay.as_millis() as u64, "Notification not delivered: will retry");
                    let stats = state.per_target.entry(target).or_default();
                    stats.retried += 1;
                    stats.last_error = Some(failure.to_string());
                    stats.last_error_at = Some(Timestamp::now().to_string());
                }
            }
        }
    }
}

/// Deletes delivered (or given-up) records in one commit.
fn delete(inner: &Inner, deletes: Vec<String>) {
    let ops: Vec<RecordOp> = deletes
        .into_iter()
        .map(|key| RecordOp::Delete {
            table: RecordTable::Outbox,
            key,
        })
        .collect();
    if let Err(error) = inner.store.commit(&ops) {
        // They were sent: after a restart they are sent again (receivers de-duplicate).
        inner.lock().store_errors += 1;
        tracing::error!(error = %error, "Outbox: delivered records could not be deleted");
    }
}

impl NotificationSink for Delivery {
    fn enqueue(&self, notification: &Notification, catalog: &Catalog, ops: &mut Vec<RecordOp>) {
        let destinations = self.inner.destinations(notification, catalog);
        let mut state = self.inner.lock();
        let address = std::ptr::from_ref(catalog) as usize;
        if state.catalog_address != address {
            state.catalog_address = address;
            state.catalog = Some(Arc::new(catalog.clone()));
        }
        if destinations.is_empty() {
            return;
        }
        let now_ms = Timestamp::now().as_millisecond();
        let key_ms = now_ms.max(state.last_key_ms);
        if key_ms != state.last_key_ms {
            state.last_key_ms = key_ms;
            state.sequence = 0;
        }
        for destination in destinations {
            state.sequence += 1;
            let key = format!("{key_ms:016}-{:08}", state.sequence);
            let record = OutboxRecord {
                notification: notification.clone(),
                destination,
                enqueued_at_ms: now_ms,
            };
            match serde_json::to_vec(&record) {
                Ok(value) => ops.push(RecordOp::Put {
                    table: RecordTable::Outbox,
                    key,
                    value,
                }),
                Err(error) => {
                    tracing::error!(error = %error, "Notification cannot be encoded: not sent")
                }
            }
        }
        // Bound: drop the oldest pending records beyond `max_pending`.
        let added = ops
            .iter()
            .filter(|op| {
                matches!(
                    op,
                    RecordOp::Put {
                        table: RecordTable::Outbox,
                        ..
                    }
                )
            })
            .count();
        // The sender holds every committed record not yet delivered.
        let stored = state.pending.len();
        let already_dropping = state.staged_deletes.len();
        let total = stored + added - already_dropping.min(stored);
        if total > self.inner.config.max_pending {
            let excess = total - self.inner.config.max_pending;
            let oldest: Vec<String> = state
                .pending
                .keys()
                .filter(|key| !state.staged_deletes.contains(key))
                .take(excess)
                .cloned()
                .collect();
            for key in oldest {
                tracing::error!(key = %key, max_pending = self.inner.config.max_pending, "Outbox full: the oldest pending notification is dropped");
                state.dropped_full += 1;
                state.staged_deletes.push(key.clone());
                ops.push(RecordOp::Delete {
                    table: RecordTable::Outbox,
                    key,
                });
            }
        }
    }

    fn committed(&self) {
        self.ensure_sender();
        {
            let mut state = self.inner.lock();
            let deletes = std::mem::take(&mut state.staged_deletes);
            for key in deletes {
                state.pending.remove(&key);
            }
        }
        if let Err(error) = self.inner.load_new() {
            tracing::error!(error = %error, "Outbox cannot be read");
        }
        self.inner.wake.notify_one();
    }

    fn firing(&self, alerts: &[Notification]) {
        self.ensure_sender();
        let (catalog, due) = {
            let mut state = self.inner.lock();
            let due = state
                .last_resend
                .is_none_or(|last| last.elapsed() >= self.inner.config.resend_interval);
            if due {
                state.last_resend = Some(Instant::now());
            }
            (state.catalog.clone(), due)
        };
        if !due || alerts.is_empty() {
            return;
        }
        let catalog = catalog.unwrap_or_default();
        // One request per Alertmanager with every alert it should hold.
        let mut batches: BTreeMap<String, (Destination, Vec<Notification>)> = BTreeMap::new();
        for alert in alerts
            .iter()
            .filter(|alert| alert.event == Event::AlertFiring)
        {
            for destination in self.inner.destinations(alert, &catalog) {
                if destination.kind != Kind::Alertmanager {
                    continue;
                }
                batches
                    .entry(destination.address.clone())
                    .or_insert_with(|| (destination.clone(), Vec::new()))
                    .1
                    .push(alert.clone());
            }
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let settings = self.inner.settings();
        for (_, (destination, notifications)) in batches {
            let inner = self.inner.clone();
            let settings = settings.clone();
            runtime.spawn(async move {
                let now = Timestamp::now();
                let body: Vec<serde_json::Value> = notifications
                    .iter()
                    .map(|notification| {
                        deliver::alertmanager::alert(notification, now, settings.firing_lifetime)
                    })
                    .collect();
                let outcome = deliver::post(
                    &inner.client,
                    &deliver::alertmanager::alerts_url(&destination.address),
                    serde_json::to_vec(&body).unwrap_or_default(),
                    &[],
                    settings.request_timeout,
                )
                .await;
                let mut state = inner.lock();
                match outcome {
                    Outcome::Sent => state.resent += notifications.len() as u64,
                    Outcome::Retry(failure, _) => {
                        state.resend_failed += 1;
                        tracing::warn!(destination = %destination.describe(), error = %failure, "Resend of firing alerts failed: the next resend tries again");
                    }
                    Outcome::Permanent(reason) => {
                        state.resend_failed += 1;
                        tracing::error!(destination = %destination.describe(), reason = %reason, "Resend of firing alerts refused");
                    }
                }
            });
        }
    }

    fn status(&self) -> serde_json::Value {
        let state = self.inner.lock();
        let total =
            |pick: fn(&TargetStats) -> u64| state.per_target.values().map(pick).sum::<u64>();
        serde_json::json!({
            "pending": state.pending.len(),
            "max_pending": self.inner.config.max_pending,
            "retry_for_seconds": self.inner.config.retry_for.as_secs(),
            "sent": total(|stats| stats.sent),
            "retried": total(|stats| stats.retried),
            "failed_permanently": total(|stats| stats.failed_permanently),
            "expired": total(|stats| stats.expired),
            "dropped_outbox_full": state.dropped_full,
            "resent_firing": state.resent,
            "resend_failed": state.resend_failed,
            "store_errors": state.store_errors,
            "targets": state.per_target,
        })
    }
}
