//! [`TableWriter`]: one write transaction. Rows are buffered; past a byte
//! budget they are flushed to segments; `commit` publishes every segment of
//! the transaction in one commit, or none.
//!
//! Row ids: a transaction that fits in one flush writes its `_id`s optimistically
//! from the snapshot's `next_row_id` and, if another writer took those ids
//! first, re-encodes its (in-memory) rows with fresh ids before retrying. A
//! transaction that spills segments before committing first reserves a block
//! of ids with a small commit of its own, so spilled files never need a rewrite.

use std::sync::Arc;
use std::time::Duration;

use arrow::record_batch::RecordBatch;
use futures::{Stream, StreamExt};
use lakeseek_segment::SegmentWriteOptions;
use tokio::sync::Mutex;

use crate::build::{build_and_upload, RowIds, ShardPolicy};
use crate::commit::{commit, RetryPolicy};
use crate::conform::conform;
use crate::error::TableResult;
use crate::manifest::{Action, SegmentEntry, Snapshot};
use crate::mutate::DeleteSpec;
use crate::table::Table;
use crate::vector_models::{model_actions, TrainedModel};

/// Ids reserved per reservation commit; any transaction larger simply
/// reserves again.
const RESERVATION_BLOCK: u64 = 1 << 32;

/// How long after seeing the newest version a handle commits on it without
/// reloading the log first (see [`TableWriter::finish`]). Short, so that a
/// handle other writers have moved past rarely loses the PUT race, and when
/// it does has few commits to read.
const FRESH_SNAPSHOT: Duration = Duration::from_secs(2);

/// Knobs of the writer.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Buffered bytes (Arrow memory) that trigger a flush to segments.
    pub flush_bytes: usize,
    pub shards: ShardPolicy,
    pub segment: SegmentWriteOptions,
    pub retry: RetryPolicy,
    /// Commit segments without vector indexes and build those on a
    /// background task afterwards (the rows are searched exactly until
    /// then): large flushes become visible sooner.
    pub defer_vector_indexes: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            flush_bytes: 128 << 20,
            shards: ShardPolicy::default(),
            segment: SegmentWriteOptions::default(),
            retry: RetryPolicy::default(),
            defer_vector_indexes: false,
        }
    }
}

/// A write transaction on one table.
pub struct TableWriter {
    table: Table,
    operation: String,
    options: WriterOptions,
    buffer: Vec<RecordBatch>,
    buffered_bytes: usize,
    /// Segments already uploaded by spills, with reserved ids.
    spilled: Vec<SegmentEntry>,
    /// Reserved ids not yet used: `next..end`.
    reserved: Option<(u64, u64)>,
    rows: u64,
    /// Idempotency key: the commit is skipped if a commit with it landed.
    batch_id: Option<String>,
    /// Rows the same commit deletes (updates and upserts).
    deletes: Option<DeleteSpec>,
    /// Vector models trained by spills, recorded by the commit.
    trained: Vec<TrainedModel>,
}

/// What one write transaction did.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    /// The snapshot after the commit (or the one that already held the
    /// batch id).
    pub snapshot: Snapshot,
    pub rows_added: u64,
    pub rows_deleted: u64,
    /// False when the batch id had already been committed: nothing was done.
    pub applied: bool,
}

impl TableWriter {
    pub(crate) fn new(table: Table, operation: &str, options: WriterOptions) -> Self {
        TableWriter {
            table,
            operation: operation.into(),
            options,
            buffer: Vec::new(),
            buffered_bytes: 0,
            spilled: Vec::new(),
            reserved: None,
            rows: 0,
            batch_id: None,
            deletes: None,
            trained: Vec::new(),
        }
    }

    /// Makes the transaction idempotent: if a commit with `id` already
    /// landed (a retry after a lost reply or a crash), committing does
    /// nothing.
    pub fn with_batch_id(mut self, id: impl Into<String>) -> Self {
        self.batch_id = Some(id.into());
        self
    }

    /// Deletes rows in the same commit as the written rows.
    pub(crate) fn with_deletes(mut self, deletes: DeleteSpec) -> Self {
        self.deletes = Some(deletes);
        self
    }

    /// Rows written so far in this transaction.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Checks and buffers a batch; flushes to segments past the byte budget.
    pub async fn write(&mut self, batch: &RecordBatch) -> TableResult<()> {
        let meta = &self.table.metadata();
        let schema = Arc::new(meta.schema.clone());
        let batch = conform(batch, &schema, &meta.options)?;
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as u64;
        self.buffered_bytes += lakeseek_segment::batch_data_bytes(&batch);
        self.buffer.push(batch);
        if self.buffered_bytes >= self.options.flush_bytes {
            self.spill().await?;
        }
        Ok(())
    }

    /// Writes every batch of a stream.
    pub async fn write_stream<S>(&mut self, mut stream: S) -> TableResult<()>
    where
        S: Stream<Item = TableResult<RecordBatch>> + Unpin,
    {
        while let Some(batch) = stream.next().await {
            self.write(&batch?).await?;
        }
        Ok(())
    }

    /// Flushes the buffer to segments with reserved ids.
    async fn spill(&mut self) -> TableResult<()> {
        let rows: u64 = self.buffer.iter().map(|b| b.num_rows() as u64).sum();
        let first = self.take_reserved(rows).await?;
        let batches = std::mem::take(&mut self.buffer);
        self.buffered_bytes = 0;
        let plan = self
            .table
            .index_plan(&self.table.snapshot())
            .await?
            .deferring_vectors(self.options.defer_vector_indexes);
        let (entries, trained) = build_and_upload(
            &self.table.log,
            self.table.metadata().physical_schema(),
            batches,
            RowIds::From(first),
            self.options.shards.clone(),
            self.options.segment.clone(),
            plan,
        )
        .await?;
        self.spilled.extend(entries);
        self.trained.extend(trained);
        Ok(())
    }

    /// Takes `rows` ids from the reservation, reserving more if needed.
    async fn take_reserved(&mut self, rows: u64) -> TableResult<u64> {
        match self.reserved {
            Some((next, end)) if end - next >= rows => {
                self.reserved = Some((next + rows, end));
                Ok(next)
            }
            _ => {
                let count = RESERVATION_BLOCK.max(rows);
                let start = self
                    .table
                    .reserve_row_ids(count, &self.options.retry)
                    .await?;
                self.reserved = Some((start + rows, start + count));
                Ok(start)
            }
        }
    }

    /// Phase one of a two-phase commit: writes every buffered row to
    /// segments (with reserved ids, so they never need rewriting) and
    /// returns a [`PreparedWrite`]. Nothing is visible until it commits; an
    /// abandoned prepare leaves only unreferenced files, which vacuum removes.
    pub async fn prepare(mut self) -> TableResult<PreparedWrite> {
        if !self.buffer.is_empty() {
            self.spill().await?;
        }
        Ok(PreparedWrite { writer: self })
    }

    /// Publishes everything written in one commit and returns the new snapshot.
    pub async fn commit(self) -> TableResult<Snapshot> {
        Ok(self.finish().await?.snapshot)
    }

    /// Publishes everything written (and deleted) in one commit.
    pub async fn finish(mut self) -> TableResult<WriteOutcome> {
        if !self.spilled.is_empty() && !self.buffer.is_empty() {
            // Already reserving: the tail uses reserved ids too.
            self.spill().await?;
        }
        // A handle that saw the newest version moments ago builds on it
        // without reloading: the conditional PUT still catches any newer
        // commit (the commit then reloads and rebuilds the actions), and a
        // run of appends saves the LIST of the log folder a reload costs,
        // one request a commit on S3. A write that deletes reloads first:
        // resolving its rows reads segment data, which a lost race would
        // make it read again.
        let base = match self.table.recent_snapshot(FRESH_SNAPSHOT) {
            Some(snapshot) if self.deletes.is_none() => snapshot,
            _ => self.table.refresh().await?,
        };
        let base_version = base.version;
        let spilled = std::mem::take(&mut self.spilled);
        let tail = Arc::new(Mutex::new(OptimisticTail {
            batches: std::mem::take(&mut self.buffer),
            written: None,
        }));
        let table = self.table.clone();
        let options = self.options.clone();
        let batch_id = self.batch_id.clone();
        let deletes = self.deletes.take().map(Arc::new);
        let trained = std::mem::take(&mut self.trained);
        // What the last attempt decided: (applied, rows deleted).
        let decided = Arc::new(std::sync::Mutex::new((true, 0u64)));
        let result = commit(&table.log, base, &self.operation, &options.retry, |snap| {
            let tail = tail.clone();
            let table = table.clone();
            let options = options.clone();
            let spilled = spilled.clone();
            let batch_id = batch_id.clone();
            let deletes = deletes.clone();
            let decided = decided.clone();
            let trained = trained.clone();
            async move {
                if let Some(id) = &batch_id {
                    if snap.batch_ids.contains(id) {
                        *decided.lock().expect("outcome lock") = (false, 0);
                        return Ok(Vec::new());
                    }
                }
                let mut actions = Vec::new();
                let mut deleted = 0;
                if let Some(spec) = &deletes {
                    let (delete_actions, n) = spec.actions(&table, &snap).await?;
                    actions.extend(delete_actions);
                    deleted = n;
                }
                let mut entries = spilled;
                let (tail_entries, tail_trained) = tail
                    .lock()
                    .await
                    .entries_for(&table, &snap, &options)
                    .await?;
                entries.extend(tail_entries);
                let mut trained_all = trained.clone();
                trained_all.extend(tail_trained);
                actions.extend(model_actions(&snap, &trained_all, &entries));
                let version = snap.version + 1;
                actions.extend(entries.into_iter().map(|mut e| {
                    e.added_in = version;
                    Action::AddSegment(e)
                }));
                if let Some(id) = batch_id {
                    if !actions.is_empty() {
                        actions.push(Action::BatchId { id });
                    }
                }
                *decided.lock().expect("outcome lock") = (true, deleted);
                Ok(actions)
            }
        })
        .await;
        match result {
            Ok(snapshot) => {
                if snapshot.version > base_version {
                    // This commit wrote it: the newest version at this moment.
                    self.table.install_latest(snapshot.clone());
                } else {
                    self.table.install(snapshot.clone());
                }
                if self.options.defer_vector_indexes {
                    self.table.index_deferred_in_background();
                }
                let (applied, rows_deleted) = *decided.lock().expect("outcome lock");
                if !applied {
                    // The batch had landed before: this attempt's files are
                    // not referenced by anything.
                    let written = tail.lock().await.written.take();
                    let files = spilled
                        .iter()
                        .chain(written.iter().flat_map(|(_, e, _)| e.iter()));
                    for e in files {
                        let _ = table.log.store.delete(&table.log.table_path(&e.path)).await;
                    }
                }
                Ok(WriteOutcome {
                    snapshot,
                    rows_added: if applied { self.rows } else { 0 },
                    rows_deleted,
                    applied,
                })
            }
            Err(e) => {
                // Nothing became visible; the uploaded files are orphans for GC.
                Err(e)
            }
        }
    }
}

/// A prepared transaction: its segments are uploaded, nothing is visible.
pub struct PreparedWrite {
    writer: TableWriter,
}

impl PreparedWrite {
    /// The segments the commit will add.
    pub fn segments(&self) -> &[SegmentEntry] {
        &self.writer.spilled
    }

    /// Phase two: publishes the prepared segments in one commit.
    pub async fn commit(self) -> TableResult<WriteOutcome> {
        self.writer.finish().await
    }

    /// Gives up: deletes the uploaded files (best effort; vacuum removes
    /// whatever remains). The reserved ids are simply never used.
    pub async fn abort(mut self) -> TableResult<()> {
        let spilled = std::mem::take(&mut self.writer.spilled);
        for e in spilled {
            self.writer
                .table
                .store()
                .delete(&self.writer.table.segment_path(&e))
                .await?;
        }
        Ok(())
    }
}

/// The unspilled rows of a transaction, encoded with optimistic ids.
struct OptimisticTail {
    batches: Vec<RecordBatch>,
    /// First id and entries of the current encoding.
    written: Option<(u64, Vec<SegmentEntry>, Vec<TrainedModel>)>,
}

impl OptimisticTail {
    /// Entries whose ids are free in `snap`, re-encoding if another writer
    /// took the ids of the previous attempt.
    async fn entries_for(
        &mut self,
        table: &Table,
        snap: &Snapshot,
        options: &WriterOptions,
    ) -> TableResult<(Vec<SegmentEntry>, Vec<TrainedModel>)> {
        if self.batches.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        if let Some((first, entries, trained)) = &self.written {
            if *first >= snap.next_row_id {
                return Ok((entries.clone(), trained.clone()));
            }
            // Stale ids: drop the old files (best effort; GC would too).
            for e in entries {
                let _ = table.log.store.delete(&table.log.table_path(&e.path)).await;
            }
        }
        let first = snap.next_row_id;
        let (entries, trained) = build_and_upload(
            &table.log,
            snap.metadata.physical_schema(),
            self.batches.clone(),
            RowIds::From(first),
            options.shards.clone(),
            options.segment.clone(),
            table
                .index_plan(snap)
                .await?
                .deferring_vectors(options.defer_vector_indexes),
        )
        .await?;
        self.written = Some((first, entries.clone(), trained.clone()));
        Ok((entries, trained))
    }
}

impl Drop for TableWriter {
    fn drop(&mut self) {
        if !self.buffer.is_empty() || !self.spilled.is_empty() {
            tracing::debug!(table = %self.table.name(), "writer dropped without commit; nothing was published");
        }
    }
}
