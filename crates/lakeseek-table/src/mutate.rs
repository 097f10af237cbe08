//! Deletes, replacements and upserts.
//!
//! Every mutation first resolves *which* rows it touches to `_id`s (ids are
//! stable: compaction keeps them), then commits once: `DeleteRows` actions
//! (deletion vectors) plus any replacement rows as new segments. A commit that
//! loses a race re-maps the same ids onto the newer snapshot, so a segment
//! compacted meanwhile is no obstacle. Replacements are strict: if a
//! concurrent commit deleted or replaced one of their rows, or inserted one of
//! their keys, they fail with [`TableError::Conflict`] and the caller (upsert
//! itself, or the SQL layer) re-resolves on the newer snapshot.

use std::collections::HashSet;
use std::time::Duration;

use arrow::array::{Array, ArrayRef};
use arrow::record_batch::RecordBatch;
use arrow::row::{RowConverter, SortField};
use rand::Rng;
use roaring::RoaringBitmap;

use crate::conform::conform;
use crate::error::{TableError, TableResult};
use crate::manifest::{Action, SegmentEntry, Snapshot};
use crate::table::Table;
use crate::writer::WriteOutcome;

/// Attempts of an upsert whose commit conflicts with concurrent writers.
const MAX_UPSERT_ATTEMPTS: u32 = 50;

/// The rows one commit deletes.
#[derive(Debug)]
pub(crate) struct DeleteSpec {
    /// Sorted, distinct `_id`s.
    ids: Vec<u64>,
    /// Every id must still be live when the commit lands (replacements).
    strict: bool,
    /// Keys inserted by the commit must not have appeared since resolution.
    keys: Option<KeyCheck>,
}

impl DeleteSpec {
    pub(crate) fn new(mut ids: Vec<u64>, strict: bool) -> Self {
        ids.sort_unstable();
        ids.dedup();
        DeleteSpec {
            ids,
            strict,
            keys: None,
        }
    }

    /// The `DeleteRows` actions for `snap` and how many rows they delete.
    pub(crate) async fn actions(
        &self,
        table: &Table,
        snap: &Snapshot,
    ) -> TableResult<(Vec<Action>, u64)> {
        if let Some(check) = &self.keys {
            check.verify(table, snap).await?;
        }
        let mut actions = Vec::new();
        let mut deleted = 0u64;
        for entry in &snap.segments {
            let lo = self.ids.partition_point(|&i| i < entry.id_min);
            let hi = self.ids.partition_point(|&i| i <= entry.id_max);
            if lo == hi {
                continue;
            }
            let map = table.segment_ids(entry).await?;
            let mut rows = RoaringBitmap::new();
            for &id in &self.ids[lo..hi] {
                if let Some(row) = map.row_of(id) {
                    if !entry.deleted.as_ref().is_some_and(|d| d.0.contains(row)) {
                        rows.insert(row);
                    }
                }
            }
            deleted += rows.len();
            if !rows.is_empty() {
                actions.push(Action::DeleteRows {
                    path: entry.path.clone(),
                    rows: crate::deletes::DeletionVector(rows),
                });
            }
        }
        if self.strict && deleted != self.ids.len() as u64 {
            return Err(TableError::Conflict {
                table: snap.metadata.name.clone(),
                detail: format!(
                    "{} of the {} rows being replaced were deleted or replaced by a concurrent commit",
                    self.ids.len() as u64 - deleted,
                    self.ids.len()
                ),
            });
        }
        Ok((actions, deleted))
    }
}

/// Keys of upserted rows, in Arrow's row format so any key type compares.
#[derive(Debug)]
struct KeyCheck {
    column: String,
    data_type: arrow::datatypes::DataType,
    field: SortField,
    keys: HashSet<Box<[u8]>>,
    /// Version the keys were resolved at: later segments are checked.
    resolved_at: u64,
}

impl KeyCheck {
    fn new(column: &str, values: &ArrayRef, resolved_at: u64) -> TableResult<Self> {
        let field = SortField::new(values.data_type().clone());
        let rows = encode_keys(&field, values)?;
        let mut keys = HashSet::with_capacity(values.len());
        for (i, row) in rows.iter().enumerate() {
            if !keys.insert(Box::<[u8]>::from(row.as_ref())) {
                return Err(TableError::Schema {
                    column: column.into(),
                    detail: format!(
                        "the upserted rows hold the key at row {i} more than once; each key may appear once"
                    ),
                });
            }
        }
        Ok(KeyCheck {
            column: column.into(),
            data_type: values.data_type().clone(),
            field,
            keys,
            resolved_at,
        })
    }

    /// Ids of live rows of `segments` whose key is one of ours.
    async fn find<'a>(
        &self,
        table: &Table,
        segments: impl Iterator<Item = &'a std::sync::Arc<SegmentEntry>>,
    ) -> TableResult<Vec<u64>> {
        let mut ids = Vec::new();
        for entry in segments {
            let batch = table
                .segment_columns(entry, std::slice::from_ref(&self.column))
                .await?;
            let mut values = batch.column(0).clone();
            if values.data_type() != &self.data_type {
                values = arrow::compute::cast(&values, &self.data_type).map_err(|source| {
                    TableError::Arrow {
                        context: "casting a key column",
                        source,
                    }
                })?;
            }
            let rows = encode_keys(&self.field, &values)?;
            let map = table.segment_ids(entry).await?;
            for (r, row) in rows.iter().enumerate() {
                let r = r as u32;
                if self.keys.contains(row.as_ref())
                    && !entry.deleted.as_ref().is_some_and(|d| d.0.contains(r))
                {
                    ids.push(map.id(r));
                }
            }
        }
        Ok(ids)
    }

    /// Fails if a segment committed after resolution holds one of the keys.
    async fn verify(&self, table: &Table, snap: &Snapshot) -> TableResult<()> {
        let newer = snap
            .segments
            .iter()
            .filter(|s| s.added_in > self.resolved_at);
        let found = self.find(table, newer).await?;
        if !found.is_empty() {
            return Err(TableError::Conflict {
                table: snap.metadata.name.clone(),
                detail: format!(
                    "{} upserted key(s) were written by a concurrent commit",
                    found.len()
                ),
            });
        }
        Ok(())
    }
}

fn encode_keys(field: &SortField, values: &ArrayRef) -> TableResult<arrow::row::Rows> {
    let converter = RowConverter::new(vec![field.clone()]).map_err(|source| TableError::Arrow {
        context: "preparing key comparison",
        source,
    })?;
    converter
        .convert_columns(std::slice::from_ref(values))
        .map_err(|source| TableError::Arrow {
            context: "encoding keys",
            source,
        })
}

impl Table {
    /// Deletes the rows with these `_id`s in one commit. Ids that are not
    /// (or no longer) live are ignored; `rows_deleted` says how many were.
    pub async fn delete_ids(&self, ids: &[u64]) -> TableResult<WriteOutcome> {
        // Mutations only ever target segments: pending WAL rows fold first.
        self.fold_wal().await?;
        self.writer("delete")
            .with_deletes(DeleteSpec::new(ids.to_vec(), false))
            .finish()
            .await
    }

    /// Replaces rows: deletes `ids` and appends `batches`, in one commit. If
    /// a concurrent commit deleted or replaced any of the rows, fails with
    /// [`TableError::Conflict`] and changes nothing.
    pub async fn replace(
        &self,
        ids: &[u64],
        batches: &[RecordBatch],
        operation: &str,
    ) -> TableResult<WriteOutcome> {
        self.fold_wal().await?;
        let mut writer = self
            .writer(operation)
            .with_deletes(DeleteSpec::new(ids.to_vec(), true));
        for b in batches {
            writer.write(b).await?;
        }
        writer.finish().await
    }

    /// Upserts by the table's primary key: rows whose key exists replace the
    /// existing row, the others are appended; one commit. Concurrent writers
    /// of the same keys are serialised by retrying on conflict, so a key is
    /// never live twice.
    pub async fn upsert(&self, batch: &RecordBatch) -> TableResult<WriteOutcome> {
        self.upsert_with_batch_id(batch, None).await
    }

    /// [`Table::upsert`] with an idempotency key (see
    /// [`crate::TableWriter::with_batch_id`]).
    pub async fn upsert_with_batch_id(
        &self,
        batch: &RecordBatch,
        batch_id: Option<&str>,
    ) -> TableResult<WriteOutcome> {
        let meta = self.metadata();
        let key = meta.options.primary_key.clone().ok_or_else(|| {
            TableError::InvalidOptions(format!(
                "table {} has no primary key; declare one at creation to upsert",
                meta.name
            ))
        })?;
        let batch = conform(
            batch,
            &std::sync::Arc::new(meta.schema.clone()),
            &meta.options,
        )?;
        let values = batch
            .column_by_name(&key)
            .cloned()
            .ok_or_else(|| TableError::Schema {
                column: key.clone(),
                detail: "primary key missing from the upserted rows".into(),
            })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.fold_wal().await?;
            let snap = self.refresh().await?;
            let check = KeyCheck::new(&key, &values, snap.version)?;
            let existing = check.find(self, snap.segments.iter()).await?;
            let mut spec = DeleteSpec::new(existing, true);
            spec.keys = Some(check);
            let mut writer = self.writer("upsert").with_deletes(spec);
            if let Some(id) = batch_id {
                writer = writer.with_batch_id(id);
            }
            writer.write(&batch).await?;
            match writer.finish().await {
                Err(TableError::Conflict { .. }) if attempt < MAX_UPSERT_ATTEMPTS => {
                    let ms = rand::rng().random_range(1..=(2u64 << attempt.min(7)));
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                other => return other,
            }
        }
    }
}
