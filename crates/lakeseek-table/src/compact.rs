//! Compaction: merge small segments, rewrite segments with many deleted rows,
//! re-encode segments whose vector index predates the table's model.
//!
//! The policy walks segments in `_id` order and merges runs of consecutive
//! small segments (rows sorted by `_id`: ranges of WAL-folded segments may
//! interleave), and rewrites any segment whose deleted fraction passes a
//! threshold or whose vector section was built with another model than the
//! table's (after a retrain for growth, `model_growth.rs`, or drift); such
//! re-encoded segments merge with their neighbours like small ones.
//! Rewritten rows keep their `_id`s. Indexes are
//! rebuilt for the new segment by the ordinary segment builder. The commit
//! removes the old segments and adds the new one; readers of older snapshots
//! still find the old files (GC removes them after the retention period).
//!
//! A delete that lands while compaction runs is carried over: on a lost race
//! the rows newly deleted from the old segments are mapped by `_id` onto the
//! new segment in the same commit. If another compaction removed one of the
//! old segments first, this one gives up (its files become orphans for GC).

use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::UInt64Type;
use roaring::RoaringBitmap;

use crate::build::{build_and_upload, RowIds, ShardPolicy};
use crate::commit::commit;
use crate::deletes::DeletionVector;
use crate::error::{TableError, TableResult};
use crate::indexing::IndexPlan;
use crate::manifest::{Action, SegmentEntry, Snapshot};
use crate::table::Table;
use crate::vector_models::{model_actions, quantization_error, DRIFT_RETRAIN_RATIO};

/// When segments are merged or rewritten.
#[derive(Debug, Clone)]
pub struct CompactionPolicy {
    /// Segments with fewer live rows than this are "small" and merged with
    /// their small neighbours.
    pub small_rows: u64,
    /// A merged segment stops growing past this many rows.
    pub target_rows: u64,
    /// A segment with at least this fraction of its rows deleted is
    /// rewritten even if it is large.
    pub max_deleted_fraction: f64,
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        CompactionPolicy {
            small_rows: 100_000,
            target_rows: 1_000_000,
            max_deleted_fraction: 0.2,
        }
    }
}

/// What one optimize run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompactionReport {
    pub segments_removed: usize,
    pub segments_added: usize,
    /// Live rows copied into new segments.
    pub rows_rewritten: u64,
    /// Deleted rows dropped for good.
    pub rows_purged: u64,
    /// Version of the last compaction commit (unchanged if nothing was done).
    pub version: u64,
}

/// Groups of segment paths to rewrite together, in `_id` order.
pub fn plan_compaction(snapshot: &Snapshot, policy: &CompactionPolicy) -> Vec<Vec<String>> {
    let mut ordered: Vec<&Arc<SegmentEntry>> = snapshot.segments.iter().collect();
    ordered.sort_by_key(|s| s.id_min);
    let heavy_deletes = |s: &SegmentEntry| {
        s.rows > 0
            && (s.rows - s.live_rows()) as f64 >= policy.max_deleted_fraction * s.rows as f64
            && s.live_rows() < s.rows
    };
    // Indexed with a model other than the table's: re-encoded so every
    // segment shares the table's clusters (and its probes).
    let stale_model = |s: &SegmentEntry| {
        s.live_rows() > 0
            && s.vectors.iter().any(|(column, summary)| {
                snapshot
                    .vector_models
                    .get(column)
                    .is_some_and(|m| m.fingerprint != summary.model_fingerprint)
            })
    };
    let rewrite_alone = |s: &SegmentEntry| heavy_deletes(s) || stale_model(s);
    // Small segments merge; so do re-encoded ones, which are rewritten
    // anyway: merging them costs nothing more and saves every later query
    // a segment's fixed costs.
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut run: Vec<&SegmentEntry> = Vec::new();
    let mut run_rows = 0u64;
    let close = |run: &mut Vec<&SegmentEntry>, groups: &mut Vec<Vec<String>>| {
        // A run of one is worth rewriting only to purge deleted rows or to
        // re-encode it with the table's model.
        if run.len() > 1 || run.first().is_some_and(|s| rewrite_alone(s)) {
            groups.push(run.iter().map(|s| s.path.clone()).collect());
        }
        run.clear();
    };
    for s in ordered {
        let live = s.live_rows();
        let mergeable = live < policy.small_rows || stale_model(s);
        if !mergeable {
            close(&mut run, &mut groups);
            run_rows = 0;
            // (Stale segments are mergeable, so only deletes lead here.)
            if heavy_deletes(s) {
                groups.push(vec![s.path.clone()]);
            }
            continue;
        }
        if run_rows + live > policy.target_rows && !run.is_empty() {
            close(&mut run, &mut groups);
            run_rows = 0;
        }
        run.push(s);
        run_rows += live;
    }
    close(&mut run, &mut groups);
    groups
}

impl Table {
    /// Compacts the table by `policy`: one commit per group of segments.
    pub async fn optimize(&self, policy: &CompactionPolicy) -> TableResult<CompactionReport> {
        let snapshot = self.refresh().await?;
        // A model the table has outgrown is retrained first, so the groups
        // below include every segment to re-encode with the new one.
        let snapshot = self.retrain_outgrown_models(snapshot).await?;
        let mut report = CompactionReport {
            version: snapshot.version,
            ..Default::default()
        };
        for group in plan_compaction(&snapshot, policy) {
            let snapshot = self.refresh().await?;
            let entries: Vec<Arc<SegmentEntry>> = group
                .iter()
                .filter_map(|p| snapshot.segments.iter().find(|s| &s.path == p).cloned())
                .collect();
            if entries.len() != group.len() {
                continue; // changed under us; the next run replans
            }
            match self.rewrite(&snapshot, &entries, policy).await {
                Ok((done, version)) => {
                    report.segments_removed += entries.len();
                    report.segments_added += done.added;
                    report.rows_rewritten += done.rows;
                    report.rows_purged += done.purged;
                    report.version = version;
                }
                Err(TableError::Conflict { detail, .. }) => {
                    tracing::info!(%detail, "compaction group skipped");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Builds the vector indexes that writers with
    /// [`crate::WriterOptions::defer_vector_indexes`] left out: each such
    /// segment is rewritten with its sections (same rows, same `_id`s) and
    /// swapped in by one commit, carrying over deletes that land meanwhile.
    /// Returns the number of segments indexed.
    pub async fn index_deferred(&self) -> TableResult<usize> {
        let snapshot = self.refresh().await?;
        let columns: Vec<String> = snapshot
            .metadata
            .options
            .vector_columns
            .iter()
            .map(|v| v.column.clone())
            .collect();
        let pending: Vec<Arc<SegmentEntry>> = snapshot
            .segments
            .iter()
            .filter(|s| {
                s.live_rows() >= crate::indexing::MIN_INDEXED_VECTOR_ROWS as u64
                    && columns.iter().any(|c| !s.vectors.contains_key(c))
            })
            .cloned()
            .collect();
        let mut indexed = 0;
        for entry in pending {
            let base = self.refresh().await?;
            if !base.segments.iter().any(|s| s.path == entry.path) {
                continue;
            }
            match self
                .rewrite(
                    &base,
                    std::slice::from_ref(&entry),
                    &CompactionPolicy::default(),
                )
                .await
            {
                Ok(_) => indexed += 1,
                Err(TableError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(indexed)
    }

    /// Runs [`Table::index_deferred`] on a background task (one at a time
    /// per handle family; failures are logged, the next commit retries).
    pub(crate) fn index_deferred_in_background(&self) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let table = self.clone();
        tokio::spawn(async move {
            let _one = table.wal.indexing.lock().await;
            if let Err(e) = table.index_deferred().await {
                tracing::warn!(error = %e, table = %table.name(), "background vector indexing failed");
            }
        });
    }

    /// Runs [`Table::optimize`] every `every` on a background task until the
    /// returned handle is aborted. Failures are logged and retried next time:
    /// compaction is always safe to redo.
    pub fn optimize_in_background(
        &self,
        policy: CompactionPolicy,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let table = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = table.optimize(&policy).await {
                    tracing::warn!(error = %e, table = %table.name(), "background compaction failed");
                }
            }
        })
    }

    /// Rewrites `entries` (consecutive in `_id` order) as new segments.
    async fn rewrite(
        &self,
        base: &Snapshot,
        entries: &[Arc<SegmentEntry>],
        policy: &CompactionPolicy,
    ) -> TableResult<(Rewritten, u64)> {
        let mut batches: Vec<RecordBatch> = Vec::new();
        let mut purged = 0u64;
        for entry in entries {
            purged += entry.rows - entry.live_rows();
            batches.extend(
                self.read_live(entry)
                    .await?
                    .into_iter()
                    .filter(|b| b.num_rows() > 0),
            );
        }
        let batches = crate::wal::sort_by_id(&base.metadata.physical_schema(), batches)?;
        let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
        // Retrain the table's models if these rows have drifted from them
        // (or outgrown them: far more rows than they were trained for).
        let mut plan = self.index_plan(base).await?;
        if self.models_drifted(base, &plan, &batches) {
            plan = plan.retraining();
        }
        let (new_entries, trained) = if rows == 0 {
            (Vec::new(), Vec::new())
        } else {
            build_and_upload(
                &self.log,
                base.metadata.physical_schema(),
                batches.clone(),
                RowIds::Carried,
                ShardPolicy {
                    max_shards: 1usize.max(rows.div_ceil(policy.target_rows.max(1)) as usize),
                    min_shard_rows: policy.target_rows.max(1) as usize,
                },
                self.writer_options().segment.clone(),
                plan,
            )
            .await?
        };
        // Ids of the new segments' rows, to carry over deletes that land
        // while this commit races.
        let new_ids: Vec<(String, Vec<u64>)> = {
            let all: Vec<u64> = batches
                .iter()
                .flat_map(|b| b.column(0).as_primitive::<UInt64Type>().values().to_vec())
                .collect();
            let mut out = Vec::new();
            let mut start = 0usize;
            for e in &new_entries {
                let end = start + e.rows as usize;
                out.push((e.path.clone(), all[start..end].to_vec()));
                start = end;
            }
            out
        };
        let old: Vec<Arc<SegmentEntry>> = entries.to_vec();
        let added = new_entries.clone();
        let retry = self.writer_options().retry.clone();
        let result = commit(&self.log, base.clone(), "optimize", &retry, |snap| {
            let old = old.clone();
            let added = added.clone();
            let new_ids = new_ids.clone();
            let table = self.clone();
            let trained = trained.clone();
            async move {
                let mut actions: Vec<Action> = model_actions(&snap, &trained, &added);
                let version = snap.version + 1;
                for e in &added {
                    let mut e = e.clone();
                    e.added_in = version;
                    actions.push(Action::AddSegment(e));
                }
                for before in &old {
                    let now = snap
                        .segments
                        .iter()
                        .find(|s| s.path == before.path)
                        .ok_or_else(|| TableError::Conflict {
                            table: snap.metadata.name.clone(),
                            detail: format!(
                                "segment {} was removed by a concurrent commit",
                                before.path
                            ),
                        })?;
                    let was = before
                        .deleted
                        .as_ref()
                        .map(|d| d.0.clone())
                        .unwrap_or_default();
                    let is = now
                        .deleted
                        .as_ref()
                        .map(|d| d.0.clone())
                        .unwrap_or_default();
                    let fresh = is - was;
                    if !fresh.is_empty() {
                        let old_ids = table.segment_ids(before).await?;
                        let ids: Vec<u64> = fresh.iter().map(|r| old_ids.id(r)).collect();
                        for (path, new) in &new_ids {
                            let rows: RoaringBitmap = ids
                                .iter()
                                .filter_map(|id| new.binary_search(id).ok().map(|r| r as u32))
                                .collect();
                            if !rows.is_empty() {
                                actions.push(Action::DeleteRows {
                                    path: path.clone(),
                                    rows: DeletionVector(rows),
                                });
                            }
                        }
                    }
                    actions.push(Action::RemoveSegment {
                        path: before.path.clone(),
                    });
                }
                Ok(actions)
            }
        })
        .await;
        match result {
            Ok(snapshot) => {
                let version = snapshot.version;
                self.install(snapshot);
                Ok((
                    Rewritten {
                        added: new_entries.len(),
                        rows,
                        purged,
                    },
                    version,
                ))
            }
            Err(e) => {
                for e in &new_entries {
                    let _ = self.store().delete(&self.segment_path(e)).await;
                }
                Err(e)
            }
        }
    }
}

impl Table {
    /// Whether `batches` (rows about to be rewritten) sit much farther from
    /// the table model's centroids than its training rows did.
    fn models_drifted(&self, base: &Snapshot, plan: &IndexPlan, batches: &[RecordBatch]) -> bool {
        for v in &base.metadata.options.vector_columns {
            let (Some(model), Some(r)) = (plan.model(&v.column), base.vector_models.get(&v.column))
            else {
                continue;
            };
            let (values, _) = crate::indexing::collect_vectors(batches, &v.column, v.dimension);
            if values.len() / v.dimension < crate::indexing::MIN_INDEXED_VECTOR_ROWS {
                continue;
            }
            let error = quantization_error(model, &values);
            if error > DRIFT_RETRAIN_RATIO * r.train_error.max(f64::MIN_POSITIVE) {
                tracing::info!(column = %v.column, error, trained = r.train_error, "vector data drifted; retraining the model");
                return true;
            }
        }
        false
    }
}

struct Rewritten {
    added: usize,
    rows: u64,
    purged: u64,
}
