//! [`Table`]: a handle on one table — its latest known snapshot, time travel,
//! appends, and access to segment objects.

use std::sync::{Arc, RwLock};

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
use crate::writer::{TableWriter, WriterOptions};

/// A table handle. Cloning shares the cached snapshot.
#[derive(Debug, Clone)]
pub struct Table {
    pub(crate) log: Log,
    snapshot: Arc<RwLock<Snapshot>>,
    writer_options: WriterOptions,
    columns: Arc<ColumnCache>,
    readers: Arc<ReaderCache>,
}

impl Table {
    pub(crate) fn new(
        log: Log,
        snapshot: Snapshot,
        writer_options: WriterOptions,
        columns: Arc<ColumnCache>,
        readers: Arc<ReaderCache>,
    ) -> Self {
        Table {
            log,
            snapshot: Arc::new(RwLock::new(snapshot)),
            writer_options,
            columns,
            readers,
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
        self.install(latest.clone());
        Ok(latest)
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

    /// Starts a write transaction.
    pub fn writer(&self, operation: &str) -> TableWriter {
        TableWriter::new(self.clone(), operation, self.writer_options.clone())
    }

    /// Starts a write transaction with explicit options.
    pub fn writer_with(&self, operation: &str, options: WriterOptions) -> TableWriter {
        TableWriter::new(self.clone(), operation, options)
    }

    /// Appends one batch in one commit.
    pub async fn append(&self, batch: &RecordBatch) -> TableResult<Snapshot> {
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

    /// Root-relative path of a segment's object.
    pub fn segment_path(&self, entry: &SegmentEntry) -> String {
        self.log.table_path(&entry.path)
    }

    /// Reads and opens a whole segment, checking size and checksum.
    pub async fn open_segment(&self, entry: &SegmentEntry) -> TableResult<SegmentReader> {
        let path = self.segment_path(entry);
        let bytes = self.log.store.get(&path).await?;
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
