//! The durable store: interval counts in redb, mirrored in memory for constant-time reads.
//!
//! Durability: every write is one redb transaction committed with `Durability::Immediate`,
//! which fsyncs before the commit returns; the caller acknowledges only after that. A crash
//! at any point leaves either the whole batch or none of it, and start-up rebuilds the
//! in-memory view from the file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use rustc_hash::FxHashMap;

use nines_core::Duration;
use nines_core::model::Catalog;
use nines_core::source::{MAX_CELL_COUNT, MAX_INTERVAL_COUNT, Millis, millis};
use nines_core::timestamp;

use crate::chunk::{CHUNK, Chunk};
use crate::ingest::events::Unmeasured;
use crate::tiered::TieredSource;

/// redb's page cache.
const CACHE_BYTES: usize = 64 << 20;

/// Series name → id.
const SERIES: TableDefinition<&str, u32> = TableDefinition::new("series");
/// (series id, chunk number) → chunk, at full resolution.
const FINE: TableDefinition<(u32, i64), &[u8]> = TableDefinition::new("fine");
/// (series id, chunk number) → chunk, rolled up.
const COARSE: TableDefinition<(u32, i64), &[u8]> = TableDefinition::new("coarse");
/// Remote-write counter identity → (last value, last timestamp).
const COUNTERS: TableDefinition<&str, (f64, i64)> = TableDefinition::new("counters");
/// Idempotency key → when the batch was accepted.
const IDEMPOTENCY: TableDefinition<&str, i64> = TableDefinition::new("idempotency");
/// Series key → events its SLI's filter took but could not judge (measured field missing,
/// wrong type), since the store was created: the data quality of event-fed SLIs.
const UNMEASURED: TableDefinition<&str, (u64, u64)> = TableDefinition::new("unmeasured");
/// Settings the file was written with.
const META: TableDefinition<&str, i64> = TableDefinition::new("meta");
/// Chunks that did not decode when the store was opened, moved aside with their bytes so
/// that the store opens and takes writes again: (tier, series id, chunk number) → bytes.
const QUARANTINE: TableDefinition<(&str, u32, i64), &[u8]> = TableDefinition::new("quarantine");

/// How far ahead of the clock a stored chunk may start and still be loaded. Ingestion
/// refuses data more than the future skew (minutes) ahead, so only a store written by an
/// older nines (which took any future timestamp) has chunks beyond it: those are left on
/// disk, out of the view, with a warning (a single row at 2099 would otherwise make the
/// view span 73 years of minutes, gigabytes).
const LOAD_AHEAD: Duration = Duration::from_days(1);

/// How the store keeps data.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreConfig {
    /// Interval length at full resolution.
    pub resolution: Duration,
    /// Interval length of roll-ups.
    pub coarse_resolution: Duration,
    /// How long full-resolution intervals are kept before being rolled up.
    pub fine_retention: Duration,
    /// How long roll-ups are kept.
    pub coarse_retention: Duration,
    /// How late an event may arrive.
    pub lateness: Duration,
    /// How far ahead of the server's clock an event may be.
    pub future_skew: Duration,
    /// How long idempotency keys are remembered.
    pub idempotency_ttl: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            resolution: Duration::from_minutes(1),
            coarse_resolution: Duration::from_hours(1),
            fine_retention: Duration::from_days(66),
            coarse_retention: Duration::from_days(400),
            lateness: Duration::from_hours(1),
            future_skew: Duration::from_minutes(5),
            idempotency_ttl: Duration::from_days(1),
        }
    }
}

impl StoreConfig {
    /// Full-resolution retention that covers `catalog`: its longest window (SLO or SLA)
    /// plus one calendar month, and at least 35 days.
    pub fn fine_retention_for(catalog: &Catalog) -> Duration {
        let longest = catalog
            .slos
            .iter()
            .map(|slo| slo.window.longest_length())
            .chain(catalog.slas.iter().map(|sla| sla.window.longest_length()))
            .max()
            .unwrap_or(Duration::ZERO);
        longest
            .saturating_add(Duration::from_days(31))
            .max(Duration::from_days(35))
    }
}

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory cannot be created or used.
    #[error("data directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database failed.
    #[error("store: {0}")]
    Database(String),
    /// Another process (a running `nines serve`, most likely) holds the store.
    #[error(
        "the store {0} is in use by another process (a running `nines serve`?); stop it, or ask the server with --server URL"
    )]
    InUse(PathBuf),
    /// The file was written with another resolution.
    #[error(
        "the data in {path} has {found} intervals but the store was opened with {expected}; use --resolution {found} or a new data directory"
    )]
    Resolution {
        /// The file.
        path: PathBuf,
        /// What the file has.
        found: Duration,
        /// What was asked.
        expected: Duration,
    },
    /// Stored bytes do not decode.
    #[error(transparent)]
    Corrupt(#[from] crate::chunk::CorruptChunk),
    /// A write would take one interval of one series past the most it may hold; nothing of
    /// the batch was applied.
    #[error(
        "the interval at {at} of `{series}` would hold more than {limit} events, the most one interval of one series may hold; nothing of the batch was applied"
    )]
    CountLimit {
        /// The series.
        series: String,
        /// The interval's start, RFC 3339.
        at: String,
        /// The ceiling.
        limit: u64,
    },
    /// A delta's timestamp lies outside the accepted range; nothing was applied.
    #[error("{0}; nothing of the batch was applied")]
    OutOfRange(#[from] timestamp::TimestampError),
    /// The disk holding the store is full: nothing of the write was applied. The database
    /// is closed and reopened on the next write, so writes resume once space is freed.
    #[error(
        "no space left on the store's disk ({0}); nothing of this write was applied, writes resume once space is freed"
    )]
    NoSpace(String),
    /// Reading or writing the file failed: nothing of the write was applied. The database
    /// is closed and reopened on the next write.
    #[error("store I/O error: {0}; nothing of this write was applied")]
    Io(String),
}

impl StoreError {
    /// A stable machine-readable code for errors the client caused (the batch is refused
    /// and retrying it will not help), or `None` for the store's own failures.
    pub fn client_code(&self) -> Option<&'static str> {
        match self {
            StoreError::CountLimit { .. } => Some("count_limit"),
            StoreError::OutOfRange(_) => Some("out_of_window"),
            _ => None,
        }
    }

    /// Sorts a redb error: I/O failures (the disk full above all) apart from the rest.
    pub(crate) fn from_redb(error: redb::Error) -> StoreError {
        match error {
            redb::Error::Io(io) if is_no_space(&io) => StoreError::NoSpace(io.to_string()),
            redb::Error::Io(io) => StoreError::Io(io.to_string()),
            redb::Error::PreviousIo => StoreError::Io(error.to_string()),
            other => StoreError::Database(other.to_string()),
        }
    }

    /// True for errors after which redb must be closed and reopened.
    fn needs_reopen(&self) -> bool {
        matches!(self, StoreError::NoSpace(_) | StoreError::Io(_))
    }
}

/// True when `error` says the disk (or the user's quota) is full.
fn is_no_space(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

macro_rules! db_error {
    ($($kind:ty),*) => {$(
        impl From<$kind> for StoreError {
            fn from(error: $kind) -> Self {
                StoreError::from_redb(error.into())
            }
        }
    )*};
}
db_error!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

/// Counts to add to one interval of one series.
#[derive(Clone, Debug, PartialEq)]
pub struct Delta {
    /// Series key.
    pub series: String,
    /// Any instant in the interval.
    pub at: Millis,
    /// Good events to add (negative for bad events reported on their own).
    pub good: i64,
    /// Valid events to add.
    pub valid: u64,
}

/// One atomic write.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Counts to add.
    pub deltas: Vec<Delta>,
    /// Remote-write counters' new last values.
    pub counters: Vec<(String, f64, Millis)>,
    /// Per series: events that could not be judged (added to the durable totals).
    pub unmeasured: BTreeMap<String, Unmeasured>,
    /// When set, a batch with the same key is applied once.
    pub idempotency_key: Option<String>,
}

/// What a write did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    /// The key was seen before: nothing was applied again.
    pub duplicate: bool,
    /// Intervals changed.
    pub intervals: usize,
}

/// What compaction did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Compacted {
    /// Full-resolution chunks rolled up.
    pub rolled_up: usize,
    /// Roll-up chunks dropped past retention.
    pub dropped: usize,
    /// Idempotency keys forgotten.
    pub forgotten_keys: usize,
}

/// The embedded store.
pub struct Store {
    path: PathBuf,
    /// The database; `None` after an I/O error (redb refuses every later transaction
    /// until it is closed and reopened), reopened by the next write or [`Store::probe`].
    db: RwLock<Option<Database>>,
    config: StoreConfig,
    /// Serialises writers (redb allows one write transaction at a time anyway) and holds
    /// what writers need: series ids and remote-write counters.
    writer: Mutex<WriterState>,
    view: RwLock<TieredSource>,
    loaded: Mutex<LoadReport>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Store")
            .field("path", &self.path)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What only writers touch.
#[derive(Debug, Default)]
pub struct WriterState {
    ids: HashMap<String, u32>,
    /// Remote-write counters: identity → (last value, last timestamp).
    pub counters: FxHashMap<String, (f64, Millis)>,
    /// Per series: events not judged since the store was created.
    unmeasured: BTreeMap<String, Unmeasured>,
}

/// One interval's counts within a chunk: (offset, good, valid).
type Cell = (usize, i64, u64);

/// A chunk that did not decode: (tier, (series id, chunk number), its bytes, why).
type Unreadable = (&'static str, (u32, i64), Vec<u8>, &'static str);

/// What opening the store set aside, for the warning and for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Chunks that did not decode, moved to the quarantine table.
    pub quarantined: usize,
    /// Chunks outside the accepted time range (or starting more than a day ahead of the
    /// clock), left on disk and out of the view.
    pub out_of_range: usize,
    /// Counts of older stores that were fractional and were rounded to whole numbers.
    pub rounded: usize,
}

fn chunk_of(index: i64) -> (i64, usize) {
    (
        index.div_euclid(CHUNK as i64),
        index.rem_euclid(CHUNK as i64) as usize,
    )
}

impl Store {
    /// Opens (or creates) the store in `directory`, rebuilding the in-memory view.
    pub fn open(directory: &Path, config: StoreConfig) -> Result<Store, StoreError> {
        std::fs::create_dir_all(directory).map_err(|source| StoreError::Directory {
            path: directory.to_path_buf(),
            source,
        })?;
        let path = directory.join("nines.redb");
        // nines keeps its own in-memory copy of every interval, so redb's page cache only
        // serves writes: a small one keeps resident memory close to the data.
        let db = match Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
        {
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(StoreError::InUse(path)),
            other => other?,
        };
        let resolution = millis(config.resolution);
        let coarse_resolution = millis(config.coarse_resolution);
        {
            let transaction = db.begin_write()?;
            {
                let mut meta = transaction.open_table(META)?;
                let stored = meta.get("resolution_ms")?.map(|value| value.value());
                match stored {
                    Some(found) if found != resolution => {
                        return Err(StoreError::Resolution {
                            path,
                            found: Duration::from_millis(u64::try_from(found).unwrap_or(0)),
                            expected: config.resolution,
                        });
                    }
                    Some(_) => {}
                    None => {
                        meta.insert("resolution_ms", resolution)?;
                        meta.insert("coarse_resolution_ms", coarse_resolution)?;
                        meta.insert("format", 1)?;
                    }
                }
                transaction.open_table(SERIES)?;
                transaction.open_table(FINE)?;
                transaction.open_table(COARSE)?;
                transaction.open_table(COUNTERS)?;
                transaction.open_table(IDEMPOTENCY)?;
                transaction.open_table(UNMEASURED)?;
            }
            transaction.commit()?;
        }
        let store = Store {
            path,
            db: RwLock::new(Some(db)),
            config: config.clone(),
            writer: Mutex::new(WriterState::default()),
            view: RwLock::new(TieredSource::new(
                config.resolution,
                config.coarse_resolution,
            )),
            loaded: Mutex::new(LoadReport::default()),
        };
        store.load()?;
        Ok(store)
    }

    /// Per series fed by events: how many events its SLI's `valid` filter took but could
    /// not judge (the measured field missing or of a wrong type), since the store was
    /// created. For the data quality of a status.
    pub fn unmeasured(&self) -> BTreeMap<String, Unmeasured> {
        self.writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .unmeasured
            .clone()
    }

    /// Fills each report row's data quality with the events its SLI could not judge, as
    /// counted here (issue 8.7): the one place the store's counts meet report rows.
    pub fn note_unmeasured(&self, report: &mut nines_core::report::Report) {
        let unmeasured = self.unmeasured();
        report.note_unmeasured(|series| {
            let counted = unmeasured.get(series)?;
            Some(nines_core::report::UnmeasuredInfo {
                missing_field: counted.missing_field,
                wrong_type: counted.wrong_type,
            })
        });
    }

    /// What the last load set aside (unreadable or out-of-range chunks).
    pub fn load_report(&self) -> LoadReport {
        self.loaded
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }

    /// The settings.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rebuilds the in-memory view and writer state from the file. Chunks that do not
    /// decode are moved to the quarantine table, and chunks outside the accepted time range
    /// left out of the view, each with a warning: a store always opens.
    fn load(&self) -> Result<(), StoreError> {
        let mut report = LoadReport::default();
        let mut unreadable: Vec<Unreadable> = Vec::new();
        let now = jiff::Timestamp::now().as_millisecond();
        let latest_start = now.saturating_add(millis(LOAD_AHEAD));
        let transaction = self.with_database(Database::begin_read)?;
        let series = transaction.open_table(SERIES)?;
        let mut names: HashMap<u32, String> = HashMap::new();
        let mut ids = HashMap::new();
        for entry in series.iter()? {
            let (name, id) = entry?;
            names.insert(id.value(), name.value().to_string());
            ids.insert(name.value().to_string(), id.value());
        }
        let mut view = TieredSource::new(self.config.resolution, self.config.coarse_resolution);
        let fine_step = millis(self.config.resolution);
        let coarse_step = millis(self.config.coarse_resolution);
        for (tier, table, step) in [("fine", FINE, fine_step), ("coarse", COARSE, coarse_step)] {
            let table = transaction.open_table(table)?;
            for entry in table.iter()? {
                let (key, bytes) = entry?;
                let (id, chunk_number) = key.value();
                let Some(name) = names.get(&id) else { continue };
                let start = chunk_number
                    .saturating_mul(CHUNK as i64)
                    .saturating_mul(step);
                if !timestamp::in_range(start) || start > latest_start {
                    tracing::warn!(
                        series = %name,
                        tier,
                        start = %timestamp::format_millis(start),
                        "a stored chunk lies outside the accepted time range or ahead of the clock: left on disk, not loaded"
                    );
                    report.out_of_range += 1;
                    continue;
                }
                let chunk = match Chunk::decode_counting(bytes.value()) {
                    Ok((chunk, rounded)) => {
                        report.rounded += rounded;
                        chunk
                    }
                    Err(problem) => {
                        unreadable.push((
                            tier,
                            (id, chunk_number),
                            bytes.value().to_vec(),
                            problem.0,
                        ));
                        continue;
                    }
                };
                let series = if tier == "fine" {
                    view.fine.series_mut(name)
                } else {
                    view.coarse.series_mut(name)
                };
                for (offset, good, valid) in chunk.cells() {
                    // Cannot fail: decoding checked every cell against the ceiling.
                    let _ = series.add(
                        (chunk_number * CHUNK as i64 + offset as i64) * step,
                        good,
                        valid,
                    );
                }
            }
        }
        // Full resolution starts where the last compaction rolled data up: every fine cell
        // is at or after it, every roll-up before it.
        let meta = transaction.open_table(META)?;
        view.boundary = meta
            .get("boundary_ms")?
            .map_or(Millis::MIN, |value| value.value());
        view.fine.refresh();
        view.coarse.refresh();
        view.fine.shrink_to_fit();
        view.coarse.shrink_to_fit();
        let mut unmeasured = BTreeMap::new();
        for entry in transaction.open_table(UNMEASURED)?.iter()? {
            let (key, value) = entry?;
            let (missing_field, wrong_type) = value.value();
            unmeasured.insert(
                key.value().to_string(),
                Unmeasured {
                    missing_field,
                    wrong_type,
                },
            );
        }
        let counters = transaction.open_table(COUNTERS)?;
        let mut counter_state = FxHashMap::default();
        for entry in counters.iter()? {
            let (key, value) = entry?;
            counter_state.insert(key.value().to_string(), value.value());
        }
        drop(transaction);
        if !unreadable.is_empty() {
            self.quarantine(&unreadable, &names)?;
            report.quarantined = unreadable.len();
        }
        if report.rounded > 0 {
            tracing::warn!(
                values = report.rounded,
                "the store was written before counts were whole numbers: fractional counts were rounded to the nearest whole number"
            );
        }
        *self
            .view
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = view;
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        writer.ids = ids;
        writer.counters = counter_state;
        writer.unmeasured = unmeasured;
        *self
            .loaded
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = report;
        Ok(())
    }

    /// Moves chunks that do not decode out of the way (bytes kept in the quarantine
    /// table), so that later writes to their intervals start afresh instead of failing.
    fn quarantine(
        &self,
        chunks: &[Unreadable],
        names: &HashMap<u32, String>,
    ) -> Result<(), StoreError> {
        let mut transaction = self.with_database(Database::begin_write)?;
        transaction.set_durability(redb::Durability::Immediate)?;
        {
            let mut quarantine = transaction.open_table(QUARANTINE)?;
            for (tier, key, bytes, reason) in chunks {
                let step = if *tier == "fine" {
                    millis(self.config.resolution)
                } else {
                    millis(self.config.coarse_resolution)
                };
                tracing::warn!(
                    series = %names.get(&key.0).map_or("?", String::as_str),
                    tier,
                    start = %timestamp::format_millis(key.1.saturating_mul(CHUNK as i64).saturating_mul(step)),
                    reason,
                    "a stored chunk does not decode: moved to the quarantine table, its intervals are missing from the data"
                );
                quarantine.insert((*tier, key.0, key.1), bytes.as_slice())?;
                let mut table =
                    transaction.open_table(if *tier == "fine" { FINE } else { COARSE })?;
                table.remove(*key)?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// Read access to the in-memory view, a [`nines_core::source::DataSource`].
    pub fn view(&self) -> RwLockReadGuard<'_, TieredSource> {
        self.view
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Builds the slice indexes `catalog` reads (after a spec reload).
    pub fn prepare(&self, catalog: &Catalog) {
        self.view
            .write()
            .unwrap_or_else(|poison| poison.into_inner())
            .prepare(catalog);
    }

    /// Runs `build` with the writer state locked, then applies the batch it returns
    /// durably. Remote write uses the state to turn counter samples into increments; the
    /// lock makes that and the write one step.
    pub fn write_with<E>(
        &self,
        build: impl FnOnce(&WriterState) -> Result<Batch, E>,
    ) -> Result<Result<Applied, StoreError>, E> {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let batch = build(&writer)?;
        Ok(self.close_on_io(self.commit(&mut writer, batch)))
    }

    /// Applies a batch durably: all of it or nothing, fsynced before this returns.
    pub fn write(&self, batch: Batch) -> Result<Applied, StoreError> {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        self.close_on_io(self.commit(&mut writer, batch))
    }

    /// Starts a transaction on the database, reopening it first when an I/O error closed
    /// it.
    pub(crate) fn with_database<T, E: Into<redb::Error>>(
        &self,
        begin: impl Fn(&Database) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        {
            let database = self.db.read().unwrap_or_else(|poison| poison.into_inner());
            if let Some(database) = database.as_ref() {
                return begin(database).map_err(|error| StoreError::from_redb(error.into()));
            }
        }
        let mut database = self.db.write().unwrap_or_else(|poison| poison.into_inner());
        if database.is_none() {
            let reopened = Database::builder()
                .set_cache_size(CACHE_BYTES)
                .create(&self.path)?;
            tracing::info!(path = %self.path.display(), "store reopened after an I/O error");
            *database = Some(reopened);
        }
        let Some(open) = database.as_ref() else {
            return Err(StoreError::Io(
                "the database could not be reopened".to_string(),
            ));
        };
        begin(open).map_err(|error| StoreError::from_redb(error.into()))
    }

    /// Closes the database after an I/O error, so the next write reopens it (redb
    /// refuses every transaction after one until then). What the file holds is what the
    /// in-memory view holds: a failed commit changed neither.
    /// The writer's lock: one write transaction at a time, counts or records.
    pub(crate) fn lock_writer(&self) -> std::sync::MutexGuard<'_, WriterState> {
        self.writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    pub(crate) fn close_on_io<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(error) = &result
            && error.needs_reopen()
        {
            tracing::warn!(%error, "closing the store after an I/O error; the next write reopens it");
            *self.db.write().unwrap_or_else(|poison| poison.into_inner()) = None;
        }
        result
    }

    /// Checks that a write can be made durable now: one small fsynced transaction (the
    /// time of the probe). Readiness uses it after the disk was full.
    pub fn probe(&self) -> Result<(), StoreError> {
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let result = (|| {
            let mut transaction = self.with_database(Database::begin_write)?;
            transaction.set_durability(redb::Durability::Immediate)?;
            {
                let mut meta = transaction.open_table(META)?;
                meta.insert("probed_ms", jiff::Timestamp::now().as_millisecond())?;
            }
            transaction.commit()?;
            Ok(())
        })();
        self.close_on_io(result)
    }

    fn commit(&self, writer: &mut WriterState, batch: Batch) -> Result<Applied, StoreError> {
        let step = millis(self.config.resolution);
        let mut transaction = self.with_database(Database::begin_write)?;
        transaction.set_durability(redb::Durability::Immediate)?;
        let mut new_ids: HashMap<String, u32> = HashMap::new();
        let mut intervals = 0;
        {
            if let Some(key) = &batch.idempotency_key {
                let mut keys = transaction.open_table(IDEMPOTENCY)?;
                if keys.get(key.as_str())?.is_some() {
                    drop(keys);
                    transaction.abort()?;
                    return Ok(Applied {
                        duplicate: true,
                        intervals: 0,
                    });
                }
                keys.insert(key.as_str(), jiff::Timestamp::now().as_millisecond())?;
            }
            // Group the deltas by chunk so each chunk is read and written once.
            let mut series_table = transaction.open_table(SERIES)?;
            let mut next_id = writer.ids.values().copied().max().map_or(0, |id| id + 1);
            let mut grouped: HashMap<(u32, i64), Vec<Cell>> = HashMap::new();
            for delta in &batch.deltas {
                timestamp::check(delta.at)?;
                let id = match writer
                    .ids
                    .get(&delta.series)
                    .or_else(|| new_ids.get(&delta.series))
                    .copied()
                {
                    Some(id) => id,
                    None => {
                        let id = next_id;
                        next_id += 1;
                        series_table.insert(delta.series.as_str(), id)?;
                        new_ids.insert(delta.series.clone(), id);
                        id
                    }
                };
                let (chunk_number, offset) = chunk_of(delta.at.div_euclid(step));
                grouped.entry((id, chunk_number)).or_default().push((
                    offset,
                    delta.good,
                    delta.valid,
                ));
            }
            drop(series_table);
            let mut fine = transaction.open_table(FINE)?;
            let mut names_by_id: Option<HashMap<u32, &str>> = None;
            for (key, cells) in &grouped {
                let mut chunk = match fine.get(*key)? {
                    Some(bytes) => Chunk::decode(bytes.value())?,
                    None => Chunk::default(),
                };
                for &(offset, good, valid) in cells {
                    if chunk.add(offset, good, valid, MAX_INTERVAL_COUNT).is_err() {
                        let names = names_by_id.get_or_insert_with(|| {
                            writer
                                .ids
                                .iter()
                                .chain(&new_ids)
                                .map(|(name, id)| (*id, name.as_str()))
                                .collect()
                        });
                        let index = key.1 * CHUNK as i64 + offset as i64;
                        // Dropping the transaction aborts it: nothing of the batch is kept.
                        return Err(StoreError::CountLimit {
                            series: names.get(&key.0).copied().unwrap_or("?").to_string(),
                            at: timestamp::format_millis(index * step),
                            limit: MAX_INTERVAL_COUNT,
                        });
                    }
                    intervals += 1;
                }
                fine.insert(*key, chunk.encode().as_slice())?;
            }
            drop(fine);
            if !batch.unmeasured.is_empty() {
                let mut table = transaction.open_table(UNMEASURED)?;
                for (series, added) in &batch.unmeasured {
                    let total = writer.unmeasured.get(series).copied().unwrap_or_default();
                    table.insert(
                        series.as_str(),
                        (
                            total.missing_field.saturating_add(added.missing_field),
                            total.wrong_type.saturating_add(added.wrong_type),
                        ),
                    )?;
                }
            }
            if !batch.counters.is_empty() {
                let mut counters = transaction.open_table(COUNTERS)?;
                for (key, value, at) in &batch.counters {
                    counters.insert(key.as_str(), (*value, *at))?;
                }
            }
        }
        transaction.commit()?;
        // Durable now; mirror it in memory.
        writer.ids.extend(new_ids);
        for (series, added) in batch.unmeasured {
            let total = writer.unmeasured.entry(series).or_default();
            total.missing_field = total.missing_field.saturating_add(added.missing_field);
            total.wrong_type = total.wrong_type.saturating_add(added.wrong_type);
        }
        for (key, value, at) in batch.counters {
            writer.counters.insert(key, (value, at));
        }
        let mut view = self
            .view
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        for delta in &batch.deltas {
            // Cannot fail: the durable chunks took the same counts within a lower ceiling.
            let _ = view
                .fine
                .add_counts(&delta.series, delta.at, delta.good, delta.valid);
        }
        view.fine.refresh();
        Ok(Applied {
            duplicate: false,
            intervals,
        })
    }

    /// Rolls full-resolution data older than the retention up, drops roll-ups past theirs
    /// and forgets old idempotency keys: memory and disk stay bounded.
    pub fn compact(&self, catalog: &Catalog, now: Millis) -> Result<Compacted, StoreError> {
        self.close_on_io(self.compact_unguarded(catalog, now))
    }

    fn compact_unguarded(&self, catalog: &Catalog, now: Millis) -> Result<Compacted, StoreError> {
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let fine_step = millis(self.config.resolution);
        let coarse_step = millis(self.config.coarse_resolution);
        // Roll up whole chunks that end before the boundary, on a coarse interval edge.
        let boundary =
            (now - millis(self.config.fine_retention)).div_euclid(coarse_step) * coarse_step;
        let coarse_boundary = now - millis(self.config.coarse_retention);
        let key_boundary = now - millis(self.config.idempotency_ttl);
        let mut report = Compacted::default();
        let mut transaction = self.with_database(Database::begin_write)?;
        transaction.set_durability(redb::Durability::Immediate)?;
        {
            let mut fine = transaction.open_table(FINE)?;
            let mut coarse = transaction.open_table(COARSE)?;
            // Chunks that start before the boundary: their cells before it are rolled up,
            // the rest (a chunk straddling the boundary) stay at full resolution.
            let mut old: Vec<((u32, i64), Chunk)> = Vec::new();
            for entry in fine.iter()? {
                let (key, bytes) = entry?;
                let (id, chunk_number) = key.value();
                if chunk_number * CHUNK as i64 * fine_step < boundary {
                    old.push(((id, chunk_number), Chunk::decode(bytes.value())?));
                }
            }
            let mut rolled: HashMap<(u32, i64), Chunk> = HashMap::new();
            for ((id, chunk_number), chunk) in &old {
                let mut kept = Chunk::default();
                for (offset, good, valid) in chunk.cells() {
                    let at = (chunk_number * CHUNK as i64 + offset as i64) * fine_step;
                    if at >= boundary {
                        // Cannot fail: the same counts were in this chunk already.
                        let _ = kept.add(offset, good, valid, MAX_CELL_COUNT);
                        continue;
                    }
                    let (coarse_chunk, coarse_offset) = chunk_of(at.div_euclid(coarse_step));
                    let target = match rolled.entry((*id, coarse_chunk)) {
                        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                        std::collections::hash_map::Entry::Vacant(entry) => {
                            let existing = match coarse.get((*id, coarse_chunk))? {
                                Some(bytes) => Chunk::decode(bytes.value())?,
                                None => Chunk::default(),
                            };
                            entry.insert(existing)
                        }
                    };
                    if target
                        .add(coarse_offset, good, valid, MAX_CELL_COUNT)
                        .is_err()
                    {
                        return Err(StoreError::Database(format!(
                            "rolling up {} at {} would pass {MAX_CELL_COUNT} events in one roll-up interval: use a roll-up resolution at most 4,096 times the full resolution",
                            id,
                            timestamp::format_millis(at)
                        )));
                    }
                }
                if kept.is_empty() {
                    fine.remove((*id, *chunk_number))?;
                } else {
                    fine.insert((*id, *chunk_number), kept.encode().as_slice())?;
                }
                report.rolled_up += 1;
            }
            let mut meta = transaction.open_table(META)?;
            let previous = meta
                .get("boundary_ms")?
                .map_or(Millis::MIN, |value| value.value());
            meta.insert("boundary_ms", boundary.max(previous))?;
            drop(meta);
            for (key, chunk) in rolled {
                coarse.insert(key, chunk.encode().as_slice())?;
            }
            let mut expired = Vec::new();
            for entry in coarse.iter()? {
                let (key, _) = entry?;
                let (id, chunk_number) = key.value();
                if (chunk_number + 1) * CHUNK as i64 * coarse_step <= coarse_boundary {
                    expired.push((id, chunk_number));
                }
            }
            for key in expired {
                coarse.remove(key)?;
                report.dropped += 1;
            }
            let mut keys = transaction.open_table(IDEMPOTENCY)?;
            let mut forget = Vec::new();
            for entry in keys.iter()? {
                let (key, at) = entry?;
                if at.value() < key_boundary {
                    forget.push(key.value().to_string());
                }
            }
            for key in forget {
                keys.remove(key.as_str())?;
                report.forgotten_keys += 1;
            }
        }
        transaction.commit()?;
        if report.rolled_up > 0 || report.dropped > 0 {
            drop(_writer);
            self.load()?;
            self.prepare(catalog);
        }
        Ok(report)
    }

    /// Bytes of the data file.
    pub fn disk_bytes(&self) -> u64 {
        std::fs::metadata(&self.path)
            .map(|metadata| metadata.len())
            .unwrap_or(0)
    }
}
