//! Table-level vector models: IVF centroids and rotation trained once per
//! vector column and shared by every segment built afterwards.
//!
//! The first flush with enough vectors for an index trains the model on its
//! own vectors (before it is split into shards, so all its segments share
//! it), uploads it as `_lakeseek/models/{column}-{fingerprint:016x}.lsvm` and
//! the commit that adds those segments records it (`set_vector_model`). Later
//! flushes load it and only assign and encode. Sharing one model makes
//! estimates and cluster ids comparable across segments, which lets a query
//! rank clusters and skip whole segments from the manifest's cluster
//! summaries. Compaction retrains when the data has drifted: when the mean
//! squared distance of rewritten rows to their nearest centroid exceeds
//! twice what it was at training time.

use std::collections::BTreeMap;
use std::sync::Arc;

use lakeseek_segment::vector::VectorModel;
use serde::{Deserialize, Serialize};

use crate::error::{TableError, TableResult};
use crate::log::Log;
use crate::manifest::{Action, SegmentEntry, Snapshot};
use crate::table::Table;

/// Quantization error growth (against training time) that triggers a
/// retrain at compaction.
pub const DRIFT_RETRAIN_RATIO: f64 = 2.0;

/// Rows a model is trained on at most (a uniform sample beyond).
pub const MAX_TRAINING_ROWS: usize = 200_000;

/// A table's model for one vector column, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    /// Object path relative to the table directory.
    pub path: String,
    pub fingerprint: u64,
    /// Mean squared distance of the training rows to their nearest centroid.
    pub train_error: f64,
    /// Rows of the flush it was trained for (its cluster count suits that
    /// size); a flush far larger trains a new model.
    #[serde(default)]
    pub trained_rows: u64,
}

/// A flush with this many times the rows a model was trained for retrains
/// it: the cluster count grows with the square root of the rows.
pub const OUTGROWN_RATIO: u64 = 16;

/// The object path of a model.
pub fn model_path(column: &str, fingerprint: u64) -> String {
    format!("_lakeseek/models/{column}-{fingerprint:016x}.lsvm")
}

/// A model trained during a flush, to upload and record.
#[derive(Debug, Clone)]
pub(crate) struct TrainedModel {
    pub(crate) column: String,
    pub(crate) model: Arc<VectorModel>,
    pub(crate) train_error: f64,
    pub(crate) trained_rows: u64,
    /// Replaces the table's model (drift, or outgrown).
    pub(crate) retrain: bool,
}

impl TrainedModel {
    pub(crate) fn reference(&self) -> ModelRef {
        ModelRef {
            path: model_path(&self.column, self.model.fingerprint()),
            fingerprint: self.model.fingerprint(),
            train_error: self.train_error,
            trained_rows: self.trained_rows,
        }
    }
}

/// Trains a model for `column` on `sample` (row-major) with `clusters`
/// clusters and measures its quantization error on the same rows: the one
/// way the table trains models, at flush time and when it has outgrown one.
pub(crate) fn train_model(
    column: &str,
    metric: lakeseek_segment::vector::Metric,
    dim: usize,
    sample: &[f32],
    clusters: usize,
) -> TableResult<(VectorModel, f64)> {
    let model = VectorModel::train(metric, dim, sample, clusters, 0x5EED).map_err(|e| {
        TableError::Schema {
            column: column.to_string(),
            detail: format!("cannot train a vector model: {e}"),
        }
    })?;
    let error = quantization_error(&model, sample);
    Ok((model, error))
}

/// Mean squared euclidean distance of `vectors` to their nearest centroid
/// (normalized first for cosine, as the index assigns them).
pub(crate) fn quantization_error(model: &VectorModel, vectors: &[f32]) -> f64 {
    let dim = model.dim();
    let n = vectors.len() / dim.max(1);
    if n == 0 {
        return 0.0;
    }
    let step = (n / 2_000).max(1);
    let centroids = model.centroids();
    let mut total = 0.0f64;
    let mut count = 0usize;
    let mut row = vec![0f32; dim];
    for i in (0..n).step_by(step) {
        row.copy_from_slice(&vectors[i * dim..(i + 1) * dim]);
        if model.metric() == lakeseek_segment::vector::Metric::Cosine {
            let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|x| *x /= norm);
            }
        }
        let best = centroids
            .chunks_exact(dim)
            .map(|c| {
                c.iter()
                    .zip(&row)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f32>()
            })
            .fold(f32::INFINITY, f32::min);
        total += best as f64;
        count += 1;
    }
    total / count as f64
}

/// `set_vector_model` actions a commit adding `entries` must carry: a model
/// its segments were built with that the snapshot does not record yet
/// (first model of a column, or a retrain).
pub(crate) fn model_actions(
    snapshot: &Snapshot,
    trained: &[TrainedModel],
    entries: &[SegmentEntry],
) -> Vec<Action> {
    let mut actions = Vec::new();
    for t in trained {
        let fp = t.model.fingerprint();
        let used = entries.iter().any(|e| {
            e.vectors
                .get(&t.column)
                .is_some_and(|s| s.model_fingerprint == fp)
        });
        let recorded = snapshot
            .vector_models
            .get(&t.column)
            .is_some_and(|m| m.fingerprint == fp);
        // A concurrent writer may have recorded its own first model; ours
        // then stays with its segments only (their sections are
        // self-contained) unless this is a deliberate retrain.
        let first = !snapshot.vector_models.contains_key(&t.column);
        if used && !recorded && (first || t.retrain) {
            actions.push(Action::SetVectorModel {
                column: t.column.clone(),
                model: t.reference(),
            });
        }
    }
    actions
}

/// Uploads trained models (idempotent: the path is the content's
/// fingerprint).
pub(crate) async fn upload_models(log: &Log, trained: &[TrainedModel]) -> TableResult<()> {
    for t in trained {
        let path = log.table_path(&model_path(&t.column, t.model.fingerprint()));
        log.store
            .put(&path, bytes::Bytes::from(t.model.to_bytes()))
            .await?;
    }
    Ok(())
}

impl Table {
    /// What to index in segments built on top of `snapshot`, with the
    /// table's models.
    pub(crate) async fn index_plan(
        &self,
        snapshot: &Snapshot,
    ) -> TableResult<crate::indexing::IndexPlan> {
        let trained_rows = snapshot
            .vector_models
            .iter()
            .map(|(c, r)| (c.clone(), r.trained_rows))
            .collect();
        Ok(crate::indexing::IndexPlan::for_table(&snapshot.metadata)?
            .with_models(self.vector_models(snapshot).await?)
            .with_trained_rows(trained_rows))
    }

    /// The table's models by column, loaded once per catalog.
    pub(crate) async fn vector_models(
        &self,
        snapshot: &Snapshot,
    ) -> TableResult<BTreeMap<String, Arc<VectorModel>>> {
        let mut out = BTreeMap::new();
        for (column, r) in &snapshot.vector_models {
            out.insert(column.clone(), self.load_model(r).await?);
        }
        Ok(out)
    }

    /// One model, from the cache or storage (checksum and fingerprint
    /// verified).
    pub(crate) async fn load_model(&self, r: &ModelRef) -> TableResult<Arc<VectorModel>> {
        let path = self.log.table_path(&r.path);
        let key = (path.clone(), String::new());
        if let Some(m) = self.reader_cache().models.get(&key) {
            return Ok(m);
        }
        let bytes = self.store().get(&path).await?;
        let model = VectorModel::from_bytes(&bytes).map_err(|source| TableError::VectorIndex {
            path: path.clone(),
            source,
        })?;
        if model.fingerprint() != r.fingerprint {
            return Err(TableError::CorruptManifest {
                path,
                detail: format!(
                    "model fingerprint {:016x}, the manifest records {:016x}",
                    model.fingerprint(),
                    r.fingerprint
                ),
            });
        }
        let model = Arc::new(model);
        self.reader_cache()
            .models
            .insert(key, model.clone(), bytes.len());
        Ok(model)
    }
}
