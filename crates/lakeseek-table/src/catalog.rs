//! [`Catalog`]: the tables of one database root — create, open, list, drop.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::Schema;
use lakeseek_store::{Store, StoreError};

use crate::commit::{now_ms, random_id};
use crate::conform::check_user_schema;
use crate::error::{TableError, TableResult};
use crate::log::Log;
use crate::manifest::{Action, Commit, Snapshot, TableMetadata, MANIFEST_VERSION};
use crate::options::TableOptions;
use crate::readers::ReaderCache;
use crate::segment_data::{ColumnCache, DEFAULT_COLUMN_CACHE_BYTES};
use crate::table::Table;
use crate::wal::{WalOptions, WalState};
use crate::writer::WriterOptions;

/// A database: a root on object storage holding one directory per table.
#[derive(Debug, Clone)]
pub struct Catalog {
    store: Store,
    writer_options: WriterOptions,
    checkpoint_interval: u64,
    columns: Arc<ColumnCache>,
    readers: Arc<ReaderCache>,
    wal_options: WalOptions,
    /// One WAL state per table, shared by every handle this catalog opens
    /// (group commit, id reservation and the background folder are per
    /// process, not per handle).
    wal_states: Arc<std::sync::Mutex<HashMap<String, Arc<WalState>>>>,
}

impl Catalog {
    /// Connects to the database at `uri` (`memory://`, a path, `file://`,
    /// `s3://`, `gs://`, `az://`) with store options.
    pub fn connect(uri: &str, options: &HashMap<String, String>) -> TableResult<Self> {
        Ok(Catalog {
            store: Store::open(uri, options)?,
            writer_options: WriterOptions::default(),
            checkpoint_interval: crate::log::DEFAULT_CHECKPOINT_INTERVAL,
            columns: Arc::new(ColumnCache::new(DEFAULT_COLUMN_CACHE_BYTES)),
            readers: Arc::new(ReaderCache::default()),
            wal_options: WalOptions::default(),
            wal_states: Arc::default(),
        })
    }

    /// Uses `options` for writers of tables opened from now on.
    pub fn with_writer_options(mut self, options: WriterOptions) -> Self {
        self.writer_options = options;
        self
    }

    /// Keeps up to `bytes` of opened index sections (text and vector, each;
    /// default [`crate::DEFAULT_READER_CACHE_BYTES`]) for tables opened from
    /// now on.
    pub fn with_reader_cache_bytes(mut self, bytes: usize) -> Self {
        self.readers = Arc::new(ReaderCache::new(bytes));
        self
    }

    /// Sets when WAL rows are folded into segments.
    pub fn with_wal_options(mut self, options: WalOptions) -> Self {
        self.wal_options = options;
        self
    }

    fn wal_state(&self, name: &str) -> Arc<WalState> {
        self.wal_states
            .lock()
            .expect("wal states lock")
            .entry(name.to_string())
            .or_default()
            .clone()
    }

    /// Checkpoints every `interval` versions (0 disables checkpoints).
    pub fn with_checkpoint_interval(mut self, interval: u64) -> Self {
        self.checkpoint_interval = interval;
        self
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn log(&self, name: &str) -> Log {
        let mut log = Log::new(self.store.clone(), name);
        log.checkpoint_interval = self.checkpoint_interval;
        log
    }

    /// Creates a table. Fails with [`TableError::TableExists`] if it exists.
    pub async fn create_table(
        &self,
        name: &str,
        schema: Schema,
        options: TableOptions,
    ) -> TableResult<Table> {
        check_name(name)?;
        check_user_schema(&schema)?;
        options.validate(&schema)?;
        let metadata = TableMetadata {
            name: name.into(),
            schema,
            options,
            created_ms: now_ms(),
        };
        let commit = Commit {
            format: MANIFEST_VERSION,
            version: 0,
            timestamp_ms: metadata.created_ms,
            operation: "create".into(),
            txn: random_id(),
            actions: vec![Action::Metadata(metadata)],
        };
        let log = self.log(name);
        let path = log.version_path(0);
        let snapshot = Snapshot::from_create(&commit, &path)?;
        let outcome = log.try_write(&commit).await;
        if !matches!(outcome, Ok(true)) {
            // Version 0 exists, or the PUT failed in a way that may hide that
            // it landed (a lost reply, or a retried request that met its own
            // first attempt): it is this table only if it carries our txn.
            match log.read_commit(0).await {
                Ok(existing) if existing.txn == commit.txn => {}
                Ok(_) => return Err(TableError::TableExists(name.into())),
                Err(_) => {
                    return Err(match outcome {
                        Err(e) => e,
                        _ => TableError::TableExists(name.into()),
                    })
                }
            }
        }
        Ok(Table::new(
            log,
            snapshot,
            self.writer_options.clone(),
            self.columns.clone(),
            self.readers.clone(),
            self.wal_state(name),
            self.wal_options.clone(),
        ))
    }

    /// Opens a table at its latest version.
    pub async fn open_table(&self, name: &str) -> TableResult<Table> {
        check_name(name)?;
        let log = self.log(name);
        let snapshot = log.load_latest().await?;
        Ok(Table::new(
            log,
            snapshot,
            self.writer_options.clone(),
            self.columns.clone(),
            self.readers.clone(),
            self.wal_state(name),
            self.wal_options.clone(),
        ))
    }

    /// True if the table exists.
    pub async fn table_exists(&self, name: &str) -> TableResult<bool> {
        if check_name(name).is_err() {
            return Ok(false);
        }
        match self.store.head(&self.log(name).version_path(0)).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Names of all tables, sorted.
    pub async fn list_tables(&self) -> TableResult<Vec<String>> {
        use futures::stream::{self, StreamExt, TryStreamExt};
        // One existence check per directory, several in flight: on object
        // storage each is a round trip, and the SQL layer lists before every
        // statement.
        let dirs = self.store.list_dirs("").await?;
        let checked: Vec<(String, bool)> = stream::iter(dirs)
            .map(|dir| async move {
                let exists = self.table_exists(&dir).await?;
                Ok::<_, TableError>((dir, exists))
            })
            .buffered(16)
            .try_collect()
            .await?;
        Ok(checked
            .into_iter()
            .filter_map(|(dir, exists)| exists.then_some(dir))
            .collect())
    }

    /// Drops a table and deletes its files. The log goes newest-first and
    /// version 0 last, so an interrupted drop leaves an older, readable table.
    pub async fn drop_table(&self, name: &str) -> TableResult<()> {
        check_name(name)?;
        self.wal_states
            .lock()
            .expect("wal states lock")
            .remove(name);
        if !self.table_exists(name).await? {
            return Err(TableError::TableNotFound(name.into()));
        }
        let objects = self.store.list(&format!("{name}/")).await?;
        let (mut log_files, data): (Vec<_>, Vec<_>) = objects
            .into_iter()
            .map(|(p, _)| p)
            .partition(|p| p.contains("/_lakeseek/"));
        log_files.sort();
        log_files.reverse();
        for path in log_files.iter().chain(data.iter()) {
            self.store.delete(path).await?;
        }
        Ok(())
    }
}

/// Table names are path segments and SQL identifiers: keep them plain.
fn check_name(name: &str) -> TableResult<()> {
    let bad = |reason: &str| TableError::InvalidName {
        name: name.into(),
        reason: reason.into(),
    };
    let first = name.chars().next().ok_or_else(|| bad("empty"))?;
    if name.len() > 128 {
        return Err(bad("longer than 128 bytes"));
    }
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(bad("must start with a letter or underscore"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(bad("use letters, digits and underscores only"));
    }
    Ok(())
}
