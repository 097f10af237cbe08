//! Retraining a table's vector models as the table outgrows them.
//!
//! A model's cluster count suits the rows it was trained for (about their
//! square root). Flushes of the usual size keep using the model trained on
//! the first one, so a table grown far past that size scans a growing share
//! of itself per probed cluster. Compaction checks each model: once the
//! table's indexed rows reach [`GROWTH_RETRAIN_RATIO`] times the rows it was
//! trained for, it trains a new model on a uniform sample of the whole table
//! with clusters sized for the table, records it in its own commit, and then
//! re-encodes every segment built with an older model (see
//! `plan_compaction`). Until a segment is re-encoded it keeps its own model
//! inside its section, so search stays correct throughout.

use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Float32Type;
use lakeseek_segment::vector::VectorModel;

use crate::commit::commit;
use crate::error::{TableError, TableResult};
use crate::manifest::{Action, Snapshot};
use crate::search::vector::segment_metric;
use crate::table::Table;
use crate::vector_models::{train_model, upload_models, TrainedModel, MAX_TRAINING_ROWS};

/// Table growth (indexed rows against the rows a model was trained for)
/// that retrains the model at the next compaction: the cluster count then
/// doubles.
pub const GROWTH_RETRAIN_RATIO: u64 = 4;

/// The rows a model stands for: what it was trained for, or (recorded before
/// that was kept) the square of its cluster count, the size it suits.
fn trained_for(recorded: u64, model: &VectorModel) -> u64 {
    if recorded > 0 {
        recorded
    } else {
        (model.num_clusters() as u64).pow(2)
    }
}

impl Table {
    /// Retrains every vector model the table has outgrown and records the
    /// new ones in one commit; returns the snapshot after it (unchanged if
    /// no model was outgrown).
    pub(crate) async fn retrain_outgrown_models(
        &self,
        snapshot: Snapshot,
    ) -> TableResult<Snapshot> {
        let mut trained = Vec::new();
        for declared in &snapshot.metadata.options.vector_columns {
            let column = &declared.column;
            let Some(recorded) = snapshot.vector_models.get(column) else {
                continue;
            };
            let model = self.load_model(recorded).await?;
            let indexed: u64 = snapshot
                .segments
                .iter()
                .filter(|s| s.vectors.contains_key(column))
                .map(|s| s.live_rows())
                .sum();
            let for_rows = trained_for(recorded.trained_rows, &model);
            let clusters = VectorModel::default_clusters(indexed as usize);
            if indexed < GROWTH_RETRAIN_RATIO * for_rows || clusters <= model.num_clusters() {
                continue;
            }
            let sample = self
                .sample_vectors(&snapshot, column, declared.dimension, indexed)
                .await?;
            let metric = segment_metric(declared.metric);
            let dim = declared.dimension;
            let column_name = column.clone();
            let (model, train_error) = tokio::task::spawn_blocking(move || {
                train_model(&column_name, metric, dim, &sample, clusters)
            })
            .await
            .map_err(|e| TableError::CommitFailed {
                table: snapshot.metadata.name.clone(),
                attempts: 0,
                reason: format!("model training task failed: {e}"),
            })??;
            tracing::info!(
                column = %column,
                rows = indexed,
                trained_for = for_rows,
                clusters,
                "vector model outgrown; retrained for the table"
            );
            trained.push(TrainedModel {
                column: column.clone(),
                model: Arc::new(model),
                train_error,
                trained_rows: indexed,
                retrain: true,
            });
        }
        if trained.is_empty() {
            return Ok(snapshot);
        }
        upload_models(&self.log, &trained).await?;
        let retry = self.writer_options().retry.clone();
        let committed = commit(&self.log, snapshot, "retrain", &retry, |_| {
            let actions = trained
                .iter()
                .map(|t| Action::SetVectorModel {
                    column: t.column.clone(),
                    model: t.reference(),
                })
                .collect();
            async move { Ok(actions) }
        })
        .await?;
        self.install(committed.clone());
        Ok(committed)
    }

    /// Every `step`-th valid vector of `column` across the snapshot's
    /// segments, so that at most [`MAX_TRAINING_ROWS`] remain (row-major).
    async fn sample_vectors(
        &self,
        snapshot: &Snapshot,
        column: &str,
        dim: usize,
        rows: u64,
    ) -> TableResult<Vec<f32>> {
        let step = (rows as usize).div_ceil(MAX_TRAINING_ROWS).max(1);
        let mut sample = Vec::with_capacity(MAX_TRAINING_ROWS.min(rows as usize) * dim);
        let mut seen = 0usize;
        for entry in &snapshot.segments {
            let batch = self
                .segment_columns(entry, std::slice::from_ref(&column.to_string()))
                .await?;
            let list = batch.column(0).as_fixed_size_list();
            let values = list.values().as_primitive::<Float32Type>().values();
            for row in 0..list.len() {
                if !list.is_valid(row) {
                    continue;
                }
                if seen.is_multiple_of(step) {
                    let start = (list.offset() + row) * dim;
                    sample.extend_from_slice(&values[start..start + dim]);
                }
                seen += 1;
            }
        }
        Ok(sample)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_recorded_without_their_rows_stand_for_their_clusters_squared() {
        let data: Vec<f32> = (0..64 * 4).map(|i| (i % 17) as f32).collect();
        let model =
            VectorModel::train(lakeseek_segment::vector::Metric::L2, 4, &data, 8, 1).unwrap();
        assert_eq!(trained_for(0, &model), 64);
        assert_eq!(trained_for(1000, &model), 1000);
    }
}
