//! [`Table`]: a handle on one table — its latest known snapshot, time travel,
//! appends, and access to segment objects.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use futures::Stream;
use lakeseek_segment::SegmentReader;
use lakeseek_store::Store;

use crate::error::{TableError, TableResult};
use crate::log::Log;
use crate::manifest::{SegmentEntry, Snapshot, TableMetadata};
use crate::readers::ReaderCache;
use crate::segment_data::ColumnCache;
use crate::wal::{WalOptions, WalState};
use crate::writer::{TableWriter, WriterOptions};

/// A table handle. Cloning shares the cached snapshot.
#[derive(Debug, Clone)]
pub struct Table {
    pub(crate) log: Log,
    snapshot: Arc<RwLock<Snapshot>>,
    /// The version this handle last saw to be the newest (by a refresh or
    /// its own commit) and when: see [`Table::recent_snapshot`].
    known_latest: Arc<Mutex<Option<(u64, Instant)>>>,
    writer_options: WriterOptions,
    columns: Arc<ColumnCache>,
    readers: Arc<ReaderCache>,
    pub(crate) wal: Arc<WalState>,
    pub(crate) wal_options: WalOptions,
}

impl Table {
    pub(crate) fn new(
        log: Log,
        snapshot: Snapshot,
        writer_options: WriterOptions,
        columns: Arc<ColumnCache>,
        readers: Arc<ReaderCache>,
        wal: Arc<WalState>,
        wal_options: WalOptions,
    ) -> Self {
        Table {
            log,
            snapshot: Arc::new(RwLock::new(snapshot)),
            known_latest: Arc::new(Mutex::new(None)),
            writer_options,
            columns,
            readers,
            wal,
            wal_options,
        }
    }

    /// The opened-section cache shared by the tables of a catalog.
    pub fn reader_cache(&self) -> &Arc<ReaderCache> {
        &self.readers
    }

    /// The decoded column cache shared by the tables of a catalog.
    pub fn column_cache(&self) -> &Arc<ColumnCache> {
        &self.columns
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.log.name
    }

    /// The store the table lives in.
    pub fn store(&self) -> &Store {
        &self.log.store
    }

    /// The latest snapshot this handle has seen (no I/O).
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot.read().expect("snapshot lock").clone()
    }

    /// Table metadata (schema and options); fixed for the table's life.
    pub fn metadata(&self) -> TableMetadata {
        self.snapshot
            .read()
            .expect("snapshot lock")
            .metadata
            .clone()
    }

    /// The user schema (without `_id`).
    pub fn schema(&self) -> SchemaRef {
        Arc::new(self.metadata().schema)
    }

    /// Loads commits newer than the cached snapshot and returns the latest.
    pub async fn refresh(&self) -> TableResult<Snapshot> {
        let latest = self.log.refresh(self.snapshot()).await?;
        self.install_latest(latest.clone());
        Ok(latest)
    }

    /// The cached snapshot if this handle saw it to be the newest version
    /// less than `max_age` ago, else `None`.
    pub(crate) fn recent_snapshot(&self, max_age: Duration) -> Option<Snapshot> {
        let (version, at) = (*self.known_latest.lock().expect("known latest lock"))?;
        let snapshot = self.snapshot();
        (snapshot.version == version && at.elapsed() < max_age).then_some(snapshot)
    }

    /// Keeps `snapshot`, which was the newest version just now (a refresh
    /// read it, or this handle committed it).
    pub(crate) fn install_latest(&self, snapshot: Snapshot) {
        let version = snapshot.version;
        self.install(snapshot);
        *self.known_latest.lock().expect("known latest lock") = Some((version, Instant::now()));
    }

    /// The snapshot at `version` (time travel).
    pub async fn snapshot_at(&self, version: u64) -> TableResult<Snapshot> {
        let latest = self.snapshot().version;
        if version > latest {
            let fresh = self.refresh().await?;
            if version > fresh.version {
                return Err(TableError::VersionNotFound {
                    table: self.name().into(),
                    version,
                    latest: fresh.version,
                });
            }
        }
        self.log.load_version(version).await
    }

    /// Keeps `snapshot` if it is newer than the cached one.
    pub(crate) fn install(&self, snapshot: Snapshot) {
        let mut current = self.snapshot.write().expect("snapshot lock");
        if snapshot.version > current.version {
            *current = snapshot;
        }
    }

    /// The writer options of this handle.
    pub fn writer_options(&self) -> &WriterOptions {
        &self.writer_options
    }

    /// Reserves `count` fresh `_id`s with a small commit of their own and
    /// returns the first; a writer then assigns them without further commits.
    pub(crate) async fn reserve_row_ids(
        &self,
        count: u64,
        retry: &crate::commit::RetryPolicy,
    ) -> TableResult<u64> {
        let base = self.refresh().await?;
        let committed =
            crate::commit::commit(&self.log, base, "reserve-ids", retry, |snap| async move {
                Ok(vec![crate::manifest::Action::ReserveRowIds {
                    start: snap.next_row_id,
                    count,
                }])
            })
            .await?;
        let start = committed.next_row_id - count;
        self.install(committed);
        Ok(start)
    }

    /// Starts a write transaction.
    pub fn writer(&self, operation: &str) -> TableWriter {
        TableWriter::new(self.clone(), operation, self.writer_options.clone())
    }

    /// Starts a write transaction with explicit options.
    pub fn writer_with(&self, operation: &str, options: WriterOptions) -> TableWriter {
        TableWriter::new(self.clone(), operation, options)
    }

    /// Appends one batch in one commit. On a table with a WAL the rows go
    /// to the WAL instead: the call returns once they are durable there and
    /// they are visible to [`Table::read_snapshot`] at once; the snapshot
    /// returned is then the log's, which shows them only after a fold.
    pub async fn append(&self, batch: &RecordBatch) -> TableResult<Snapshot> {
        if self.metadata().options.wal {
            self.wal_append(batch).await?;
            return Ok(self.snapshot());
        }
        let mut writer = self.writer("append");
        writer.write(batch).await?;
        writer.commit().await
    }

    /// Appends a stream of batches in one commit, in bounded memory.
    pub async fn append_stream<S>(&self, stream: S) -> TableResult<Snapshot>
    where
        S: Stream<Item = TableResult<RecordBatch>> + Unpin,
    {
        let mut writer = self.writer("append");
        writer.write_stream(stream).await?;
        writer.commit().await
    }

    /// Bytes `range` of a segment: from the store (cached), or from memory
    /// for a pending WAL object.
    pub(crate) async fn segment_bytes(
        &self,
        entry: &SegmentEntry,
        range: std::ops::Range<u64>,
    ) -> TableResult<bytes::Bytes> {
        if entry.in_memory {
            let bytes =
                self.wal
                    .bytes_of(&entry.path)
                    .ok_or_else(|| TableError::CorruptManifest {
                        path: entry.path.clone(),
                        detail:
                            "a pending WAL segment is no longer in memory; re-read the snapshot"
                                .into(),
                    })?;
            let (start, end) = (range.start as usize, range.end as usize);
            if end > bytes.len() || start > end {
                return Err(TableError::CorruptManifest {
                    path: entry.path.clone(),
                    detail: format!("range {start}..{end} outside {} bytes", bytes.len()),
                });
            }
            return Ok(bytes.slice(start..end));
        }
        Ok(self
            .store()
            .get_range_cached(&self.segment_path(entry), range)
            .await?)
    }

    /// The rows of a pending WAL segment (physical schema), for the SQL scan.
    pub fn pending_batches(&self, entry: &SegmentEntry) -> Option<Vec<RecordBatch>> {
        entry
            .in_memory
            .then(|| self.wal.batches_of(&entry.path))
            .flatten()
    }

    /// Root-relative path of a segment's object.
    pub fn segment_path(&self, entry: &SegmentEntry) -> String {
        self.log.table_path(&entry.path)
    }

    /// Reads and opens a whole segment, checking size and checksum.
    pub async fn open_segment(&self, entry: &SegmentEntry) -> TableResult<SegmentReader> {
        let path = self.segment_path(entry);
        // Uncached: `check` and compaction must see what storage holds now.
        let bytes = if entry.in_memory {
            self.segment_bytes(entry, 0..entry.size).await?
        } else {
            self.log.store.get(&path).await?
        };
        if bytes.len() as u64 != entry.size || crc32fast::hash(&bytes) != entry.crc32 {
            return Err(TableError::CorruptManifest {
                path: path.clone(),
                detail: format!(
                    "segment object is {} bytes with crc {:#010x}; the manifest records {} bytes with crc {:#010x}",
                    bytes.len(),
                    crc32fast::hash(&bytes),
                    entry.size,
                    entry.crc32
                ),
            });
        }
        SegmentReader::open(bytes).map_err(|source| TableError::Segment { path, source })
    }

    /// Every live row of a snapshot, segment by segment (for tests and
    /// tools; SQL scans go through DataFusion). Deleted rows are skipped.
    pub async fn read_all(&self, snapshot: &Snapshot) -> TableResult<Vec<RecordBatch>> {
        let mut out = Vec::new();
        for entry in &snapshot.segments {
            out.extend(self.read_live(entry).await?);
        }
        Ok(out)
    }

    /// The live rows of one segment, all columns including `_id`.
    pub async fn read_live(&self, entry: &SegmentEntry) -> TableResult<Vec<RecordBatch>> {
        let reader = self.open_segment(entry).await?;
        let path = self.segment_path(entry);
        let batches = reader
            .read(None)
            .map_err(|source| TableError::Segment { path, source })?;
        let Some(dv) = &entry.deleted else {
            return Ok(batches);
        };
        let mut out = Vec::with_capacity(batches.len());
        let mut offset = 0u32;
        for batch in batches {
            let n = batch.num_rows() as u32;
            let live: arrow::array::BooleanArray = (offset..offset + n)
                .map(|r| Some(!dv.0.contains(r)))
                .collect();
            offset += n;
            out.push(
                arrow::compute::filter_record_batch(&batch, &live).map_err(|source| {
                    TableError::Arrow {
                        context: "skipping deleted rows",
                        source,
                    }
                })?,
            );
        }
        Ok(out)
    }
}
