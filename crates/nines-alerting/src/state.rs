//! The alert book in the store: instances in [`RecordTable::AlertInstances`] (by alert
//! id), each SLO's last policy state and last review reminder in [`RecordTable::Marks`],
//! and the history's sequence number. Read once at start; written in every evaluation's
//! one commit.

use nines_core::alerts::{AlertBook, AlertInstance};
use nines_store::{RecordOp, RecordTable, Store, StoreError};
use serde::{Deserialize, Serialize};

/// Mark keys: `policy/{service}/{slo}`.
const POLICY_PREFIX: &str = "policy/";
/// Mark keys: `review/{service}/{slo}`.
const REVIEW_PREFIX: &str = "review/";
/// The mark holding the last history sequence number used.
pub const SEQUENCE_MARK: &str = "alerts/history-sequence";

/// Why the alert state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The store failed.
    #[error("alert state in the store: {0}")]
    Store(#[from] StoreError),
    /// A record does not decode.
    #[error("alert state record `{key}` does not decode: {problem}")]
    Decode {
        /// The record's key.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A record does not encode.
    #[error("alert state does not encode: {0}")]
    Encode(String),
}

#[derive(Serialize, Deserialize)]
struct PolicyMark {
    state: Option<String>,
}

/// The book and the history sequence, as the store holds them. A record that does not
/// decode is logged as an error and left out (that alert starts again from inactive), so
/// one damaged record cannot keep the server from starting; the rest loads.
pub fn load(store: &Store) -> Result<(AlertBook, u64), StateError> {
    let mut book = AlertBook::default();
    for (key, value) in store.records(RecordTable::AlertInstances)? {
        match serde_json::from_slice::<AlertInstance>(&value) {
            Ok(instance) => {
                book.instances.insert(key, instance);
            }
            Err(error) => {
                let problem = StateError::Decode {
                    key,
                    problem: error.to_string(),
                };
                tracing::error!(%problem, "alert instance left out: it starts again from inactive");
            }
        }
    }
    let mut sequence = 0;
    for (key, value) in store.records(RecordTable::Marks)? {
        match mark(&mut book, &key, &value) {
            Ok(Some(found)) => sequence = found,
            Ok(None) => {}
            Err(problem) => tracing::error!(%problem, "alert mark left out"),
        }
    }
    Ok((book, sequence))
}

/// Reads one mark into `book`; returns the history sequence when it is that mark.
fn mark(book: &mut AlertBook, key: &str, value: &[u8]) -> Result<Option<u64>, StateError> {
    let decode = |problem: String| StateError::Decode {
        key: key.to_string(),
        problem,
    };
    if let Some(slo) = key.strip_prefix(POLICY_PREFIX) {
        let mark: PolicyMark =
            serde_json::from_slice(value).map_err(|error| decode(error.to_string()))?;
        book.policies.insert(slo.to_string(), mark.state);
    } else if let Some(slo) = key.strip_prefix(REVIEW_PREFIX) {
        let date = String::from_utf8_lossy(value)
            .parse::<jiff::civil::Date>()
            .map_err(|error| decode(error.to_string()))?;
        book.reviews.insert(slo.to_string(), date);
    } else if key == SEQUENCE_MARK {
        let sequence = String::from_utf8_lossy(value)
            .parse()
            .map_err(|error: std::num::ParseIntError| decode(error.to_string()))?;
        return Ok(Some(sequence));
    }
    Ok(None)
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, StateError> {
    serde_json::to_vec(value).map_err(|error| StateError::Encode(error.to_string()))
}

/// Adds to `ops` what turns `before` into `after` in the store.
pub fn diff(
    before: &AlertBook,
    after: &AlertBook,
    ops: &mut Vec<RecordOp>,
) -> Result<(), StateError> {
    for (id, instance) in &after.instances {
        let unchanged = before.instances.get(id).is_some_and(|old| {
            // The last evaluation's instant alone is not worth a write.
            old.evaluated_at == instance.evaluated_at
                || AlertInstance {
                    evaluated_at: instance.evaluated_at,
                    ..old.clone()
                } == *instance
        });
        if !unchanged {
            ops.push(RecordOp::Put {
                table: RecordTable::AlertInstances,
                key: id.clone(),
                value: json(instance)?,
            });
        }
    }
    for id in before.instances.keys() {
        if !after.instances.contains_key(id) {
            ops.push(RecordOp::Delete {
                table: RecordTable::AlertInstances,
                key: id.clone(),
            });
        }
    }
    for (slo, state) in &after.policies {
        if before.policies.get(slo) != Some(state) {
            ops.push(RecordOp::Put {
                table: RecordTable::Marks,
                key: format!("{POLICY_PREFIX}{slo}"),
                value: json(&PolicyMark {
                    state: state.clone(),
                })?,
            });
        }
    }
    for slo in before.policies.keys() {
        if !after.policies.contains_key(slo) {
            ops.push(RecordOp::Delete {
                table: RecordTable::Marks,
                key: format!("{POLICY_PREFIX}{slo}"),
            });
        }
    }
    for (slo, date) in &after.reviews {
        if before.reviews.get(slo) != Some(date) {
            ops.push(RecordOp::Put {
                table: RecordTable::Marks,
                key: format!("{REVIEW_PREFIX}{slo}"),
                value: date.to_string().into_bytes(),
            });
        }
    }
    for slo in before.reviews.keys() {
        if !after.reviews.contains_key(slo) {
            ops.push(RecordOp::Delete {
                table: RecordTable::Marks,
                key: format!("{REVIEW_PREFIX}{slo}"),
            });
        }
    }
    Ok(())
}
