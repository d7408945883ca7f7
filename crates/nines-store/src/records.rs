//! Records the rooms above the store keep beside the counts: alert instances, their
//! history, the notification outbox, and small marks ("review reminder sent on ...").
//!
//! The store does not read them: a record is a key (ordered as a string) and bytes that
//! the owning room encodes (JSON). What the store guarantees is what it guarantees for
//! counts: [`Store::commit_records`] applies every operation of one call in one redb
//! transaction committed with immediate durability, or none of them; once it returns
//! `Ok`, the records survive a crash.

use redb::{Database, ReadableDatabase, ReadableTableMetadata, TableDefinition};

use crate::store::{Store, StoreError};

/// The most bytes one record may hold: far above any alert or notification, low enough
/// that a bug cannot fill the disk through one key.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// A table of records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordTable {
    /// Alert instances by alert id (their current state).
    AlertInstances,
    /// Every alert and policy transition, by a key that sorts by time.
    AlertHistory,
    /// Notifications committed and not yet delivered (or given up), one per target.
    Outbox,
    /// Small marks: last policy state per SLO, last review reminder per SLO...
    Marks,
}

const ALERT_INSTANCES: TableDefinition<&str, &[u8]> = TableDefinition::new("alert_instances");
const ALERT_HISTORY: TableDefinition<&str, &[u8]> = TableDefinition::new("alert_history");
const OUTBOX: TableDefinition<&str, &[u8]> = TableDefinition::new("outbox");
const MARKS: TableDefinition<&str, &[u8]> = TableDefinition::new("marks");

impl RecordTable {
    fn definition(self) -> TableDefinition<'static, &'static str, &'static [u8]> {
        match self {
            RecordTable::AlertInstances => ALERT_INSTANCES,
            RecordTable::AlertHistory => ALERT_HISTORY,
            RecordTable::Outbox => OUTBOX,
            RecordTable::Marks => MARKS,
        }
    }
}

/// One change to a record table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordOp {
    /// Insert or replace `key`.
    Put {
        /// The table.
        table: RecordTable,
        /// The key.
        key: String,
        /// The encoded record (at most [`MAX_RECORD_BYTES`]).
        value: Vec<u8>,
    },
    /// Remove `key` (nothing happens when it is absent).
    Delete {
        /// The table.
        table: RecordTable,
        /// The key.
        key: String,
    },
}

impl Store {
    /// Applies `ops` in one fsynced transaction: all of them or none.
    pub fn commit_records(&self, ops: &[RecordOp]) -> Result<(), StoreError> {
        if ops.is_empty() {
            return Ok(());
        }
        for op in ops {
            if let RecordOp::Put { key, value, .. } = op
                && value.len() > MAX_RECORD_BYTES
            {
                return Err(StoreError::Database(format!(
                    "record `{key}` is {} bytes, more than the {MAX_RECORD_BYTES} one record may hold",
                    value.len()
                )));
            }
        }
        let _writer = self.lock_writer();
        let result = (|| {
            let mut transaction = self.with_database(Database::begin_write)?;
            transaction.set_durability(redb::Durability::Immediate)?;
            for op in ops {
                match op {
                    RecordOp::Put { table, key, value } => {
                        let mut open = transaction.open_table(table.definition())?;
                        open.insert(key.as_str(), value.as_slice())?;
                    }
                    RecordOp::Delete { table, key } => {
                        let mut open = transaction.open_table(table.definition())?;
                        open.remove(key.as_str())?;
                    }
                }
            }
            transaction.commit()?;
            Ok(())
        })();
        self.close_on_io(result)
    }

    /// Every record of `table` in key order.
    pub fn records(&self, table: RecordTable) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.records_between(table, None, None, usize::MAX)
    }

    /// The records of `table` with `from <= key < to` (either end open when `None`), in
    /// key order, at most `limit` of them.
    pub fn records_between(
        &self,
        table: RecordTable,
        from: Option<&str>,
        to: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let transaction = self.with_database(Database::begin_read)?;
        let open = match transaction.open_table(table.definition()) {
            Ok(open) => open,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(error) => return Err(StoreError::from_redb(error.into())),
        };
        let range = match (from, to) {
            (Some(from), Some(to)) if from >= to => return Ok(Vec::new()),
            (Some(from), Some(to)) => open.range(from..to),
            (Some(from), None) => open.range(from..),
            (None, Some(to)) => open.range(..to),
            (None, None) => open.range::<&str>(..),
        }
        .map_err(|error| StoreError::from_redb(error.into()))?;
        let mut found = Vec::new();
        for entry in range.take(limit) {
            let (key, value) = entry.map_err(|error| StoreError::from_redb(error.into()))?;
            found.push((key.value().to_string(), value.value().to_vec()));
        }
        Ok(found)
    }

    /// How many records `table` holds.
    pub fn record_count(&self, table: RecordTable) -> Result<u64, StoreError> {
        let transaction = self.with_database(Database::begin_read)?;
        match transaction.open_table(table.definition()) {
            Ok(open) => open
                .len()
                .map_err(|error| StoreError::from_redb(error.into())),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
            Err(error) => Err(StoreError::from_redb(error.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreConfig;

    fn store(name: &str) -> (std::path::PathBuf, Store) {
        let directory = std::env::temp_dir().join(format!(
            "nines-records-{name}-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        let store = Store::open(&directory, StoreConfig::default()).unwrap();
        (directory, store)
    }

    fn put(table: RecordTable, key: &str, value: &str) -> RecordOp {
        RecordOp::Put {
            table,
            key: key.to_string(),
            value: value.as_bytes().to_vec(),
        }
    }

    #[test]
    fn records_commit_together_survive_a_reopen_and_range_in_key_order() {
        let (directory, store) = store("reopen");
        assert_eq!(store.records(RecordTable::Outbox).unwrap(), vec![]);
        store
            .commit_records(&[
                put(RecordTable::AlertHistory, "0002", "b"),
                put(RecordTable::AlertHistory, "0001", "a"),
                put(RecordTable::AlertHistory, "0003", "c"),
                put(RecordTable::Outbox, "x", "1"),
            ])
            .unwrap();
        store
            .commit_records(&[RecordOp::Delete {
                table: RecordTable::Outbox,
                key: "x".to_string(),
            }])
            .unwrap();
        drop(store);
        let store = Store::open(&directory, StoreConfig::default()).unwrap();
        let keys: Vec<String> = store
            .records_between(RecordTable::AlertHistory, Some("0002"), None, 10)
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, ["0002", "0003"]);
        assert_eq!(store.record_count(RecordTable::AlertHistory).unwrap(), 3);
        assert_eq!(store.record_count(RecordTable::Outbox).unwrap(), 0);
        let _ = std::fs::remove_dir_all(directory);
    }

    #[test]
    fn an_oversized_record_refuses_the_whole_call() {
        let (directory, store) = store("oversized");
        let result = store.commit_records(&[
            put(RecordTable::Marks, "small", "1"),
            RecordOp::Put {
                table: RecordTable::Marks,
                key: "big".to_string(),
                value: vec![0; MAX_RECORD_BYTES + 1],
            },
        ]);
        assert!(result.is_err());
        assert_eq!(store.record_count(RecordTable::Marks).unwrap(), 0);
        let _ = std::fs::remove_dir_all(directory);
    }
}
