//! The write-ahead log: durable small appends at the cost of one PUT.
//!
//! On a table created with `wal: true`, [`Table::append`] writes the rows as
//! one Arrow IPC object `_lakeseek/wal/{seq:020}.arrow` (created with a
//! conditional PUT, so concurrent writers never share a sequence number) and
//! returns once that PUT succeeded. Appends that arrive while a WAL PUT is in
//! flight are grouped into the next object (group commit). Rows get their
//! `_id`s when they enter the WAL, from a block the process reserved with a
//! commit, so ids never change when the rows later move into segments.
//!
//! Readers list the WAL after the snapshot's `wal_folded_through` and see each
//! pending object as a small in-memory segment (encoded once, cached),
//! searched exactly like any fresh segment; the SQL scan reads its batches
//! directly. Folding reads pending objects in order, writes them as real
//! segments and commits `WalFolded` with the segments, so each WAL row
//! becomes segment data exactly once: a fold that loses the race to another
//! fold gives up. Folding runs in the background by size or age, and before
//! any mutation (so deletes and updates only ever target segments). Folded
//! WAL objects stay until vacuum removes them, which keeps a stale writer
//! from ever reusing a folded sequence number.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use arrow::array::{ArrayRef, RecordBatch, UInt64Array};
use arrow::datatypes::SchemaRef;
use bytes::Bytes;
use lakeseek_store::StoreError;
use rand::Rng;
use tokio::sync::{oneshot, Mutex};

use crate::build::{build_and_upload, build_segments, RowIds, ShardPolicy};
use crate::commit::commit;
use crate::conform::conform;
use crate::error::{TableError, TableResult};
use crate::indexing::IndexPlan;
use crate::manifest::{Action, SegmentEntry, Snapshot};
use crate::table::Table;
use crate::vector_models::model_actions;

/// Ids a process reserves at a time for its WAL rows.
const WAL_ID_BLOCK: u64 = 1 << 24;

/// Attempts of a WAL fold whose fold point other processes keep moving.
const MAX_FOLD_ATTEMPTS: u32 = 50;

/// When pending WAL objects are folded into segments.
#[derive(Debug, Clone)]
pub struct WalOptions {
    /// Fold once this many rows are pending.
    pub fold_rows: u64,
    /// Fold once this many objects are pending.
    pub fold_objects: usize,
    /// Fold once the oldest pending object is this old.
    pub fold_age: Duration,
    /// Fold in the background; when false only [`Table::fold_wal`] folds.
    pub background: bool,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions {
            fold_rows: 100_000,
            fold_objects: 64,
            fold_age: Duration::from_secs(10),
            background: true,
        }
    }
}

/// One pending WAL object as readers see it.
#[derive(Debug, Clone)]
pub(crate) struct PendingObject {
    pub(crate) entry: Arc<SegmentEntry>,
    pub(crate) bytes: Bytes,
    pub(crate) batches: Vec<RecordBatch>,
    pub(crate) seen: Instant,
}

type AppendResult = Result<u64, String>;

/// Per-table WAL state shared by a handle's clones.
#[derive(Debug, Default)]
pub(crate) struct WalState {
    /// Appends waiting for the next group commit.
    queue: StdMutex<Vec<(RecordBatch, oneshot::Sender<AppendResult>)>>,
    /// Held by the writer of the current WAL object.
    leader: Mutex<()>,
    /// Reserved ids not yet used: `next..end`.
    ids: StdMutex<Option<(u64, u64)>>,
    /// Highest sequence number known to exist.
    last_seq: StdMutex<u64>,
    /// Pending objects by sequence number (decoded and encoded once).
    pending: StdMutex<BTreeMap<u64, PendingObject>>,
    /// Only one fold at a time per process.
    folding: Mutex<()>,
    /// Only one background index build at a time per process.
    pub(crate) indexing: Mutex<()>,
    /// When the fold point was last read from the log.
    floor_read: StdMutex<Option<Instant>>,
    /// Creation time of the table this state belongs to: a table dropped and
    /// created again under the same name must not inherit reserved ids or
    /// sequence hints.
    table_created: StdMutex<u64>,
    background_started: StdMutex<bool>,
}

impl WalState {
    /// The in-memory bytes of a pending object's segment, by segment path.
    pub(crate) fn bytes_of(&self, relative: &str) -> Option<Bytes> {
        let pending = self.pending.lock().expect("wal pending lock");
        pending
            .values()
            .find(|p| p.entry.path == relative)
            .map(|p| p.bytes.clone())
    }

    /// The batches of a pending object's segment, by segment path.
    pub(crate) fn batches_of(&self, relative: &str) -> Option<Vec<RecordBatch>> {
        let pending = self.pending.lock().expect("wal pending lock");
        pending
            .values()
            .find(|p| p.entry.path == relative)
            .map(|p| p.batches.clone())
    }
}

fn wal_dir(table: &Table) -> String {
    table.log.table_path("_lakeseek/wal/")
}

fn wal_path(table: &Table, seq: u64) -> String {
    table
        .log
        .table_path(&format!("_lakeseek/wal/{seq:020}.arrow"))
}

fn parse_seq(path: &str) -> Option<u64> {
    let stem = path.rsplit('/').next()?.strip_suffix(".arrow")?;
    (stem.len() == 20).then(|| stem.parse().ok()).flatten()
}

/// Arrow IPC file bytes of `batches`.
fn encode(schema: &SchemaRef, batches: &[RecordBatch]) -> TableResult<Bytes> {
    let arrow = |source| TableError::Arrow {
        context: "encoding a WAL object",
        source,
    };
    let mut out = Vec::new();
    {
        let mut w = arrow::ipc::writer::FileWriter::try_new(&mut out, schema).map_err(arrow)?;
        for b in batches {
            w.write(b).map_err(arrow)?;
        }
        w.finish().map_err(arrow)?;
    }
    Ok(Bytes::from(out))
}

/// Decodes a WAL object, checking it holds the table's physical schema.
fn decode(path: &str, bytes: Bytes, schema: &SchemaRef) -> TableResult<Vec<RecordBatch>> {
    let corrupt = |detail: String| TableError::CorruptManifest {
        path: path.into(),
        detail,
    };
    let reader = arrow::ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None)
        .map_err(|e| corrupt(format!("not a WAL object: {e}")))?;
    if reader.schema().fields() != schema.fields() {
        return Err(corrupt("the WAL object's schema is not the table's".into()));
    }
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| corrupt(format!("unreadable WAL batch: {e}")))
}

impl Table {
    fn wal_enabled(&self) -> bool {
        self.metadata().options.wal
    }

    /// Forgets per-process WAL state that belonged to an earlier table of
    /// the same name.
    fn wal_state_for_this_table(&self) {
        let created = self.metadata().created_ms;
        let mut owner = self.wal.table_created.lock().expect("wal owner lock");
        if *owner != created {
            *owner = created;
            *self.wal.ids.lock().expect("wal ids lock") = None;
            *self.wal.last_seq.lock().expect("wal seq lock") = 0;
            *self.wal.floor_read.lock().expect("wal floor lock") = None;
            self.wal.pending.lock().expect("wal pending lock").clear();
        }
    }

    /// Appends `batch` through the WAL: returns once the rows are durable in
    /// a WAL object; they are visible to [`Table::read_snapshot`] at once.
    /// Returns the WAL sequence number that holds them.
    pub async fn wal_append(&self, batch: &RecordBatch) -> TableResult<u64> {
        let meta = self.metadata();
        let batch = conform(batch, &Arc::new(meta.schema.clone()), &meta.options)?;
        if batch.num_rows() == 0 {
            return Ok(*self.wal.last_seq.lock().expect("wal seq lock"));
        }
        self.wal_state_for_this_table();
        let (tx, mut rx) = oneshot::channel();
        self.wal
            .queue
            .lock()
            .expect("wal queue lock")
            .push((batch, tx));
        let _leader = self.wal.leader.lock().await;
        // A previous leader may have written our rows already.
        if let Ok(result) = rx.try_recv() {
            return result.map_err(|e| TableError::CommitFailed {
                table: self.name().into(),
                attempts: 1,
                reason: e,
            });
        }
        let group: Vec<(RecordBatch, oneshot::Sender<AppendResult>)> =
            std::mem::take(&mut *self.wal.queue.lock().expect("wal queue lock"));
        let batches: Vec<RecordBatch> = group.iter().map(|(b, _)| b.clone()).collect();
        let result = self.write_wal_object(&batches).await;
        let shared: AppendResult = match &result {
            Ok(seq) => Ok(*seq),
            Err(e) => Err(e.to_string()),
        };
        for (_, tx) in group {
            let _ = tx.send(shared.clone());
        }
        let own = rx.try_recv().unwrap_or(shared);
        let seq = own.map_err(|e| TableError::CommitFailed {
            table: self.name().into(),
            attempts: 1,
            reason: e,
        })?;
        self.maybe_fold_in_background();
        Ok(seq)
    }

    /// Writes one WAL object holding `batches` (user schema) with fresh ids.
    async fn write_wal_object(&self, batches: &[RecordBatch]) -> TableResult<u64> {
        let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
        let first = self.take_wal_ids(rows).await?;
        let physical = self.metadata().physical_schema();
        let mut with_ids = Vec::with_capacity(batches.len());
        let mut id = first;
        for b in batches {
            let n = b.num_rows() as u64;
            let mut columns: Vec<ArrayRef> =
                vec![Arc::new(UInt64Array::from_iter_values(id..id + n))];
            columns.extend(b.columns().iter().cloned());
            id += n;
            with_ids.push(
                RecordBatch::try_new(physical.clone(), columns).map_err(|source| {
                    TableError::Arrow {
                        context: "adding row ids to WAL rows",
                        source,
                    }
                })?,
            );
        }
        let bytes = encode(&physical, &with_ids)?;
        // Never at or below the fold point: vacuum may have removed folded
        // objects, and a stale writer must not reuse their numbers. A
        // handle's view of the fold point is refreshed every 30 seconds,
        // far inside any retention period.
        let stale = self
            .wal
            .floor_read
            .lock()
            .expect("wal floor lock")
            .is_none_or(|t| t.elapsed() > Duration::from_secs(30));
        let floor = if stale {
            let snap = self.refresh().await?;
            *self.wal.floor_read.lock().expect("wal floor lock") = Some(Instant::now());
            snap.wal_folded_through
        } else {
            self.snapshot().wal_folded_through
        };
        let mut seq = (*self.wal.last_seq.lock().expect("wal seq lock")).max(floor) + 1;
        for _ in 0..1000 {
            match self
                .store()
                .put_if_absent(&wal_path(self, seq), bytes.clone())
                .await
            {
                Ok(()) => {
                    let mut last = self.wal.last_seq.lock().expect("wal seq lock");
                    *last = (*last).max(seq);
                    return Ok(seq);
                }
                Err(StoreError::Conflict { .. }) => {
                    let newest = self.list_wal_after(seq).await?.last().copied();
                    seq = newest.unwrap_or(seq).max(seq) + 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(TableError::CommitFailed {
            table: self.name().into(),
            attempts: 1000,
            reason: "no free WAL sequence number".into(),
        })
    }

    /// Takes `rows` ids from this process's WAL reservation.
    async fn take_wal_ids(&self, rows: u64) -> TableResult<u64> {
        {
            let mut ids = self.wal.ids.lock().expect("wal ids lock");
            if let Some((next, end)) = *ids {
                if end - next >= rows {
                    *ids = Some((next + rows, end));
                    return Ok(next);
                }
            }
        }
        let count = WAL_ID_BLOCK.max(rows);
        let start = self
            .reserve_row_ids(count, &self.writer_options().retry)
            .await?;
        *self.wal.ids.lock().expect("wal ids lock") = Some((start + rows, start + count));
        Ok(start)
    }

    /// Sequence numbers of WAL objects after `seq`, ascending.
    async fn list_wal_after(&self, seq: u64) -> TableResult<Vec<u64>> {
        let listed = self
            .store()
            .list_after(&wal_dir(self), &wal_path(self, seq))
            .await?;
        let mut seqs: Vec<u64> = listed
            .iter()
            .filter_map(|p| parse_seq(p))
            .filter(|&s| s > seq)
            .collect();
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// The newest snapshot plus the rows pending in the WAL, each pending
    /// object as an in-memory segment at the end of `segments`. For reading
    /// only: never commit on top of it.
    pub async fn read_snapshot(&self) -> TableResult<Snapshot> {
        let mut snapshot = self.refresh().await?;
        if !snapshot.metadata.options.wal {
            return Ok(snapshot);
        }
        for _ in 0..5 {
            match self.pending_objects(&snapshot).await {
                Ok(pending) => {
                    let oldest = pending.first().map(|p| p.seen.elapsed());
                    let rows: u64 = pending.iter().map(|p| p.entry.rows).sum();
                    snapshot
                        .segments
                        .extend(pending.into_iter().map(|p| p.entry));
                    if oldest.is_some_and(|age| age >= self.wal_options.fold_age)
                        || rows >= self.wal_options.fold_rows
                    {
                        self.maybe_fold_in_background();
                    }
                    return Ok(snapshot);
                }
                // Folded and vacuumed meanwhile: the newer snapshot has them.
                Err(TableError::Store(StoreError::NotFound { .. })) => {
                    snapshot = self.refresh().await?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(TableError::CommitFailed {
            table: self.name().into(),
            attempts: 5,
            reason: "the WAL kept changing while it was read".into(),
        })
    }

    /// Pending WAL objects after `snapshot`'s fold point, decoded once.
    async fn pending_objects(&self, snapshot: &Snapshot) -> TableResult<Vec<PendingObject>> {
        self.wal_state_for_this_table();
        let through = snapshot.wal_folded_through;
        let seqs = self.list_wal_after(through).await?;
        {
            let mut pending = self.wal.pending.lock().expect("wal pending lock");
            pending.retain(|&s, _| s > through);
        }
        let mut out = Vec::with_capacity(seqs.len());
        let physical = snapshot.metadata.physical_schema();
        for seq in seqs {
            let cached = self
                .wal
                .pending
                .lock()
                .expect("wal pending lock")
                .get(&seq)
                .cloned();
            let object = match cached {
                Some(o) => o,
                None => {
                    let path = wal_path(self, seq);
                    let bytes = self.store().get(&path).await?;
                    let tag = crc32fast::hash(&bytes);
                    let batches = decode(&path, bytes, &physical)?;
                    let models = self.vector_models(snapshot).await?;
                    let object = self.pending_segment(snapshot, seq, tag, batches, models)?;
                    self.wal
                        .pending
                        .lock()
                        .expect("wal pending lock")
                        .insert(seq, object.clone());
                    object
                }
            };
            let mut last = self.wal.last_seq.lock().expect("wal seq lock");
            *last = (*last).max(seq);
            out.push(object);
        }
        Ok(out)
    }

    /// Encodes one WAL object's rows as an in-memory segment (indexes
    /// included, so every search path treats it like fresh data).
    fn pending_segment(
        &self,
        snapshot: &Snapshot,
        seq: u64,
        tag: u32,
        batches: Vec<RecordBatch>,
        models: BTreeMap<String, Arc<lakeseek_segment::vector::VectorModel>>,
    ) -> TableResult<PendingObject> {
        let plan = IndexPlan::for_table(&snapshot.metadata)?.with_models(models);
        let built = build_segments(
            &snapshot.metadata.physical_schema(),
            &batches,
            RowIds::Carried,
            &ShardPolicy {
                max_shards: 1,
                min_shard_rows: usize::MAX,
            },
            &self.writer_options().segment,
            &plan,
        )?;
        let built = built
            .into_iter()
            .next()
            .ok_or_else(|| TableError::CorruptManifest {
                path: wal_path(self, seq),
                detail: "an empty WAL object".into(),
            })?;
        let mut entry = built.entry;
        // The content's checksum in the name: caches keyed by path never
        // confuse this object with another table's (a dropped and recreated
        // table starts its sequence numbers again).
        entry.path = format!("_lakeseek/wal/{seq:020}.{tag:08x}.pending.parquet");
        entry.added_in = snapshot.version;
        entry.in_memory = true;
        Ok(PendingObject {
            entry: Arc::new(entry),
            bytes: built.bytes,
            batches,
            seen: Instant::now(),
        })
    }

    /// Folds pending WAL objects into segments in one commit. Returns the
    /// number of rows folded (0 if nothing was pending or another process
    /// folded them first).
    ///
    /// When another process moves the fold point first (it folded part of
    /// the run this one read), the fold starts again from the new point:
    /// mutations fold before they resolve rows in segments, and a row left
    /// in the WAL would be missed by a delete and kept beside its upserted
    /// replacement. After [`MAX_FOLD_ATTEMPTS`] lost races it gives up with
    /// [`TableError::Conflict`].
    pub async fn fold_wal(&self) -> TableResult<u64> {
        if !self.wal_enabled() {
            return Ok(0);
        }
        let _one = self.wal.folding.lock().await;
        let mut attempt = 0;
        loop {
            match self.fold_once().await? {
                Some(rows) => return Ok(rows),
                None if attempt + 1 < MAX_FOLD_ATTEMPTS => {
                    attempt += 1;
                    let jitter = rand::rng().random_range(1..=10u64);
                    tokio::time::sleep(Duration::from_millis(jitter * u64::from(attempt.min(10))))
                        .await;
                }
                None => {
                    let detail = format!("the WAL fold lost {MAX_FOLD_ATTEMPTS} races");
                    return Err(TableError::Conflict {
                        table: self.metadata().name.clone(),
                        detail,
                    });
                }
            }
        }
    }

    /// One attempt of [`Table::fold_wal`]: the rows folded, or `None` when
    /// another process moved the fold point first and this attempt's run
    /// is stale.
    async fn fold_once(&self) -> TableResult<Option<u64>> {
        let base = self.refresh().await?;
        let from = base.wal_folded_through + 1;
        let seqs = self.list_wal_after(base.wal_folded_through).await?;
        // Only a contiguous run from the fold point.
        let mut run = Vec::new();
        for (i, s) in seqs.iter().enumerate() {
            if *s != from + i as u64 {
                break;
            }
            run.push(*s);
        }
        let Some(&through) = run.last() else {
            return Ok(Some(0));
        };
        let physical = base.metadata.physical_schema();
        let mut batches = Vec::new();
        for &seq in &run {
            let path = wal_path(self, seq);
            batches.extend(decode(&path, self.store().get(&path).await?, &physical)?);
        }
        let batches = sort_by_id(&physical, batches)?;
        let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
        let (entries, trained) = if rows == 0 {
            (Vec::new(), Vec::new())
        } else {
            build_and_upload(
                &self.log,
                physical,
                batches,
                RowIds::Carried,
                self.writer_options().shards.clone(),
                self.writer_options().segment.clone(),
                self.index_plan(&base).await?,
            )
            .await?
        };
        let applied = Arc::new(AtomicBool::new(false));
        let result = commit(
            &self.log,
            base,
            "wal-fold",
            &self.writer_options().retry.clone(),
            |snap| {
                let entries = entries.clone();
                let applied = applied.clone();
                let trained = trained.clone();
                async move {
                    applied.store(false, Ordering::SeqCst);
                    if snap.wal_folded_through >= through {
                        return Ok(Vec::new()); // another process folded them
                    }
                    if snap.wal_folded_through + 1 != from {
                        return Err(TableError::Conflict {
                            table: snap.metadata.name.clone(),
                            detail: "another fold moved the WAL fold point".into(),
                        });
                    }
                    let version = snap.version + 1;
                    let mut actions = model_actions(&snap, &trained, &entries);
                    actions.extend(entries.into_iter().map(|mut e| {
                        e.added_in = version;
                        Action::AddSegment(e)
                    }));
                    actions.push(Action::WalFolded { from, through });
                    applied.store(true, Ordering::SeqCst);
                    Ok(actions)
                }
            },
        )
        .await;
        let (committed, outcome) = match result {
            Ok(snapshot) => {
                self.install(snapshot);
                if applied.load(Ordering::SeqCst) {
                    (true, Some(rows))
                } else {
                    // Another process folded all this attempt read.
                    (false, Some(0))
                }
            }
            // Another process moved the fold point: try again from it.
            Err(TableError::Conflict { .. }) => (false, None),
            Err(e) => {
                // Whether the commit landed is unknown only if the commit
                // protocol says so; its files may be referenced, so keep them.
                return Err(e);
            }
        };
        if !committed {
            // Our files are unreferenced.
            for e in &entries {
                let _ = self.store().delete(&self.segment_path(e)).await;
            }
        }
        Ok(outcome)
    }

    /// Starts the background folder once per handle family: it folds when
    /// pending rows, objects or age pass the thresholds.
    fn maybe_fold_in_background(&self) {
        if !self.wal_options.background || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let mut started = self.wal.background_started.lock().expect("wal bg lock");
        if *started {
            return;
        }
        *started = true;
        let table = self.clone();
        let every = (self.wal_options.fold_age / 2).max(Duration::from_millis(50));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                // The catalog holds one reference; this task another. When
                // only the task's is left, every user of the table is gone.
                if Arc::strong_count(&table.wal) <= 1 {
                    return;
                }
                if let Err(e) = table.fold_if_due().await {
                    tracing::warn!(error = %e, "background WAL fold failed; will retry");
                }
            }
        });
    }

    /// Folds if the pending WAL passes a threshold.
    async fn fold_if_due(&self) -> TableResult<()> {
        let snapshot = self.refresh().await?;
        let pending = self.pending_objects(&snapshot).await?;
        let rows: u64 = pending.iter().map(|p| p.entry.rows).sum();
        let oldest = pending.first().map(|p| p.seen.elapsed());
        if rows >= self.wal_options.fold_rows
            || pending.len() >= self.wal_options.fold_objects
            || oldest.is_some_and(|a| a >= self.wal_options.fold_age)
        {
            self.fold_wal().await?;
        }
        Ok(())
    }
}

/// Concatenates batches in `_id` order (WAL objects from several processes
/// interleave their reservation blocks, so segments' id ranges can overlap
/// and a merge of them must sort).
pub(crate) fn sort_by_id(
    schema: &SchemaRef,
    batches: Vec<RecordBatch>,
) -> TableResult<Vec<RecordBatch>> {
    if batches.is_empty() {
        return Ok(batches);
    }
    let arrow = |source| TableError::Arrow {
        context: "ordering WAL rows by _id",
        source,
    };
    let all = arrow::compute::concat_batches(schema, &batches).map_err(arrow)?;
    let order = arrow::compute::sort_to_indices(all.column(0), None, None).map_err(arrow)?;
    Ok(vec![
        arrow::compute::take_record_batch(&all, &order).map_err(arrow)?
    ])
}

/// The WAL objects of a table, for `check` and `vacuum`.
pub(crate) async fn wal_objects(table: &Table) -> TableResult<Vec<(u64, String)>> {
    let mut out: Vec<(u64, String)> = table
        .store()
        .list(&wal_dir(table))
        .await?
        .into_iter()
        .filter_map(|(p, _)| parse_seq(&p).map(|s| (s, p)))
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// Decodes a WAL object (for `check`).
pub(crate) async fn read_wal_object(table: &Table, path: &str) -> TableResult<Vec<RecordBatch>> {
    let bytes = table.store().get(path).await?;
    decode(path, bytes, &table.metadata().physical_schema())
}
