//! Turning buffered rows into segment objects: split evenly over shards
//! without copying, encode the shards in parallel, upload them concurrently.

use std::sync::Arc;

use arrow::array::{ArrayRef, UInt64Array};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use futures::future::try_join_all;
use lakeseek_segment::{write_segment, SegmentWriteOptions};
use rayon::prelude::*;

use crate::commit::random_id;
use crate::error::{TableError, TableResult};
use crate::indexing::IndexPlan;
use crate::log::Log;
use crate::manifest::SegmentEntry;
use crate::vector_models::{upload_models, TrainedModel};

/// How rows are spread over segments.
#[derive(Debug, Clone)]
pub struct ShardPolicy {
    /// Most segments one flush produces (default: the number of cores).
    pub max_shards: usize,
    /// Fewest rows worth a segment of their own.
    pub min_shard_rows: usize,
}

impl Default for ShardPolicy {
    fn default() -> Self {
        ShardPolicy {
            max_shards: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            min_shard_rows: 50_000,
        }
    }
}

/// Splits `batches` into `shards` runs of nearly equal row counts, as
/// zero-copy slices of the inputs.
pub(crate) fn split_even(batches: &[RecordBatch], shards: usize) -> Vec<Vec<RecordBatch>> {
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let shards = shards.clamp(1, total.max(1));
    let mut out: Vec<Vec<RecordBatch>> = Vec::with_capacity(shards);
    let mut iter = batches.iter().filter(|b| b.num_rows() > 0);
    let mut current: Option<(&RecordBatch, usize)> = None;
    for s in 0..shards {
        let mut want = total / shards + usize::from(s < total % shards);
        let mut parts = Vec::new();
        while want > 0 {
            let (batch, offset) = match current.take() {
                Some(c) => c,
                None => match iter.next() {
                    Some(b) => (b, 0),
                    None => break,
                },
            };
            let take = want.min(batch.num_rows() - offset);
            parts.push(batch.slice(offset, take));
            want -= take;
            if offset + take < batch.num_rows() {
                current = Some((batch, offset + take));
            }
        }
        out.push(parts);
    }
    out
}

/// An encoded, not yet uploaded segment.
pub(crate) struct BuiltSegment {
    pub(crate) entry: SegmentEntry,
    pub(crate) bytes: bytes::Bytes,
}

/// Where the `_id`s of built rows come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RowIds {
    /// New rows (user schema): ids are assigned densely from this one.
    From(u64),
    /// Rewritten rows (physical schema, `_id` first) keep the ids they carry
    /// (compaction); they must ascend.
    Carried,
}

/// Encodes `batches` as segments, in parallel.
pub(crate) fn build_segments(
    physical: &SchemaRef,
    batches: &[RecordBatch],
    ids: RowIds,
    policy: &ShardPolicy,
    options: &SegmentWriteOptions,
    plan: &IndexPlan,
) -> TableResult<Vec<BuiltSegment>> {
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    if total == 0 {
        return Ok(Vec::new());
    }
    let shards = total
        .div_ceil(policy.min_shard_rows.max(1))
        .clamp(1, policy.max_shards.max(1));
    let runs = split_even(batches, shards);
    let mut starts = Vec::with_capacity(runs.len());
    let mut next = match ids {
        RowIds::From(first) => Some(first),
        RowIds::Carried => None,
    };
    for run in &runs {
        starts.push(next);
        next = next.map(|n| n + run.iter().map(|b| b.num_rows() as u64).sum::<u64>());
    }
    runs.par_iter()
        .zip(starts.par_iter())
        .map(|(run, &start)| encode_shard(physical, run, start, options, plan))
        .collect()
}

/// Adds `_id`s from `start` to user-schema batches.
fn with_new_ids(
    physical: &SchemaRef,
    run: &[RecordBatch],
    start: u64,
) -> TableResult<Vec<RecordBatch>> {
    let mut out = Vec::with_capacity(run.len());
    let mut id = start;
    for batch in run {
        let n = batch.num_rows() as u64;
        let ids: ArrayRef = Arc::new(UInt64Array::from_iter_values(id..id + n));
        id += n;
        let mut columns = vec![ids];
        columns.extend(batch.columns().iter().cloned());
        out.push(
            RecordBatch::try_new(Arc::clone(physical), columns).map_err(|source| {
                TableError::Arrow {
                    context: "adding row ids",
                    source,
                }
            })?,
        );
    }
    Ok(out)
}

/// The smallest and largest `_id` of physical batches, checking they ascend.
fn carried_id_range(run: &[RecordBatch]) -> TableResult<(u64, u64)> {
    let mut range: Option<(u64, u64)> = None;
    for batch in run {
        let ids = batch
            .column(0)
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or_else(|| TableError::Schema {
                column: crate::manifest::ROW_ID.into(),
                detail: "rewritten rows must carry their UInt64 _id first".into(),
            })?;
        for &id in ids.values() {
            range = match range {
                Some((lo, hi)) if id > hi => Some((lo, id)),
                None => Some((id, id)),
                Some(_) => {
                    return Err(TableError::Schema {
                        column: crate::manifest::ROW_ID.into(),
                        detail: "rewritten rows' _ids do not ascend".into(),
                    })
                }
            };
        }
    }
    range.ok_or_else(|| TableError::Schema {
        column: crate::manifest::ROW_ID.into(),
        detail: "no rows to rewrite".into(),
    })
}

fn encode_shard(
    physical: &SchemaRef,
    run: &[RecordBatch],
    start: Option<u64>,
    options: &SegmentWriteOptions,
    plan: &IndexPlan,
) -> TableResult<BuiltSegment> {
    let indexes = plan.build(run)?;
    let (sections, text) = (indexes.sections, indexes.text);
    let rows: u64 = run.iter().map(|b| b.num_rows() as u64).sum();
    let (with_ids, id_min, id_max) = match start {
        Some(start) => (with_new_ids(physical, run, start)?, start, start + rows - 1),
        None => {
            let (lo, hi) = carried_id_range(run)?;
            (run.to_vec(), lo, hi)
        }
    };
    let path = format!("data/{}.parquet", random_id());
    let encoded = write_segment(physical, &with_ids, &sections, options).map_err(|source| {
        TableError::Segment {
            path: path.clone(),
            source,
        }
    })?;
    let mut columns = encoded.stats.columns;
    columns.remove(crate::manifest::ROW_ID);
    Ok(BuiltSegment {
        entry: SegmentEntry {
            path,
            size: encoded.bytes.len() as u64,
            crc32: crc32fast::hash(&encoded.bytes),
            rows,
            id_min,
            id_max,
            columns,
            added_in: 0,
            sections: encoded.footer.sections.clone(),
            text,
            vectors: indexes.vectors,
            deleted: None,
            sparse_ids: id_max - id_min + 1 != rows,
            in_memory: false,
        },
        bytes: encoded.bytes,
    })
}

/// Uploads built segments concurrently; returns their manifest entries.
pub(crate) async fn upload(log: &Log, built: Vec<BuiltSegment>) -> TableResult<Vec<SegmentEntry>> {
    try_join_all(built.into_iter().map(|b| async move {
        log.store
            .put(&log.table_path(&b.entry.path), b.bytes)
            .await?;
        Ok::<_, TableError>(b.entry)
    }))
    .await
}

/// Builds and uploads on the blocking pool so encoding never stalls the
/// async runtime.
pub(crate) async fn build_and_upload(
    log: &Log,
    physical: SchemaRef,
    batches: Vec<RecordBatch>,
    ids: RowIds,
    policy: ShardPolicy,
    options: SegmentWriteOptions,
    mut plan: IndexPlan,
) -> TableResult<(Vec<SegmentEntry>, Vec<TrainedModel>)> {
    let (built, trained) = tokio::task::spawn_blocking(move || {
        // A model trained here is shared by every shard of the flush.
        let trained = plan.prepare_models(&batches)?;
        let built = build_segments(&physical, &batches, ids, &policy, &options, &plan)?;
        Ok::<_, TableError>((built, trained))
    })
    .await
    .map_err(|e| TableError::CommitFailed {
        table: log.name.clone(),
        attempts: 0,
        reason: format!("segment build task failed: {e}"),
    })??;
    upload_models(log, &trained).await?;
    Ok((upload(log, built).await?, trained))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int32Array;
    use arrow::datatypes::{DataType, Field, Schema};

    fn batch(n: usize) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, false)]));
        RecordBatch::try_new(
            schema,
            vec![Arc::new(Int32Array::from_iter_values(0..n as i32))],
        )
        .unwrap()
    }

    #[test]
    fn split_is_even_and_complete() {
        let batches = vec![batch(5), batch(0), batch(7), batch(1)];
        for shards in 1..=14 {
            let runs = split_even(&batches, shards);
            let sizes: Vec<usize> = runs
                .iter()
                .map(|r| r.iter().map(|b| b.num_rows()).sum())
                .collect();
            assert_eq!(sizes.iter().sum::<usize>(), 13, "shards={shards}");
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "uneven split {sizes:?}");
            // Order is kept: concatenating the runs gives the input order.
            let values: Vec<i32> = runs
                .iter()
                .flatten()
                .flat_map(|b| {
                    b.column(0)
                        .as_any()
                        .downcast_ref::<Int32Array>()
                        .unwrap()
                        .values()
                        .to_vec()
                })
                .collect();
            let expected: Vec<i32> = [5, 0, 7, 1].iter().flat_map(|&n| 0..n).collect();
            assert_eq!(values, expected);
        }
    }
}
