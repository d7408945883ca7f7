//! The alert history: every transition (pending, firing, resolved, cancelled, policy
//! changes, review reminders), one record each in [`RecordTable::AlertHistory`], keyed so
//! that keys sort by time, then by a sequence number that never repeats.
//!
//! Bounded: entries older than [`HISTORY_RETENTION_MS`] and the oldest beyond
//! [`MAX_HISTORY_ENTRIES`] are removed in the evaluation's own commit, at most
//! [`PRUNE_PER_COMMIT`] per commit so one commit stays small.

use nines_core::alerts::{AlertTransition, PolicyTransition, ReviewDue};
use nines_core::source::Millis;
use nines_store::{RecordOp, RecordTable, Store, StoreError};
use serde::{Deserialize, Serialize};

/// How long transitions are kept: 90 days, three 30-day windows, enough for any
/// postmortem and quarterly review of who was paged for what.
pub const HISTORY_RETENTION_MS: Millis = 90 * 86_400_000;

/// The most transitions kept: 100,000 records of about 1 KB are about 100 MB at most,
/// and a thousand SLOs paging ten times a day for ten days before the oldest go.
pub const MAX_HISTORY_ENTRIES: u64 = 100_000;

/// The most history records one commit removes (the rest go in the next evaluations).
pub const PRUNE_PER_COMMIT: usize = 1_000;

/// The most entries one history request returns (`limit` may ask for fewer): 1,000
/// entries are about 1 MB of JSON.
pub const MAX_HISTORY_PAGE: usize = 1_000;

/// One transition in the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The record's key: `{at in ms, 13 digits}-{sequence, 12 digits}`.
    pub key: String,
    /// When, RFC 3339.
    pub at: String,
    /// `pending`, `firing`, `resolved`, `cancelled` (alerts), `policy_changed`,
    /// `review_overdue`.
    pub event: String,
    /// The service.
    pub service: String,
    /// The SLO.
    pub slo: String,
    /// The id of the notification it produced (firing, resolved, policy, review).
    pub notification_id: Option<String>,
    /// For alert transitions.
    pub alert: Option<AlertTransition>,
    /// For policy changes.
    pub policy: Option<PolicyTransition>,
    /// For review reminders.
    pub review: Option<ReviewDue>,
}

/// The key of the history record at `at` with `sequence`.
pub fn key(at: Millis, sequence: u64) -> String {
    format!("{:013}-{sequence:012}", at.max(0))
}

/// The first key at or after `at` (for ranges).
pub fn key_from(at: Millis) -> String {
    format!("{:013}-", at.max(0))
}

/// Adds to `ops` the removal of what is past the bounds at `now`, given the `added`
/// records this commit writes.
pub fn prune(
    store: &Store,
    now: Millis,
    added: u64,
    ops: &mut Vec<RecordOp>,
) -> Result<usize, StoreError> {
    let cutoff = key_from(now - HISTORY_RETENTION_MS);
    let mut doomed: Vec<String> = store
        .records_between(
            RecordTable::AlertHistory,
            None,
            Some(&cutoff),
            PRUNE_PER_COMMIT,
        )?
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    let count = store.record_count(RecordTable::AlertHistory)? + added;
    let over = count.saturating_sub(MAX_HISTORY_ENTRIES) as usize;
    if over > doomed.len() && doomed.len() < PRUNE_PER_COMMIT {
        let want = over.min(PRUNE_PER_COMMIT);
        doomed = store
            .records_between(RecordTable::AlertHistory, None, None, want)?
            .into_iter()
            .map(|(key, _)| key)
            .collect();
    }
    let removed = doomed.len();
    ops.extend(doomed.into_iter().map(|key| RecordOp::Delete {
        table: RecordTable::AlertHistory,
        key,
    }));
    Ok(removed)
}

/// The entries with `from <= at < to`, oldest first, at most `limit`; with the key to
/// continue from when more remain.
pub fn read(
    store: &Store,
    from: Millis,
    to: Millis,
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<HistoryEntry>, Option<String>), StoreError> {
    let start = match after {
        Some(after) => format!("{after}\u{0}"),
        None => key_from(from),
    };
    let end = key_from(to);
    let records = store.records_between(
        RecordTable::AlertHistory,
        Some(&start),
        Some(&end),
        limit + 1,
    )?;
    let mut entries = Vec::with_capacity(records.len().min(limit));
    let mut next = None;
    for (index, (key, value)) in records.into_iter().enumerate() {
        if index == limit {
            next = entries.last().map(|entry: &HistoryEntry| entry.key.clone());
            break;
        }
        match serde_json::from_slice::<HistoryEntry>(&value) {
            Ok(entry) => entries.push(entry),
            Err(error) => {
                tracing::warn!(key, %error, "an alert history record does not decode; skipped")
            }
        }
    }
    Ok((entries, next))
}
