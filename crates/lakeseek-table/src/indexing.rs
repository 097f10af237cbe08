//! Building a segment's index sections at write time: every declared text
//! column of every segment is indexed as it is written, so nothing written is
//! ever unsearchable and there is no separate reindex step.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use bytes::Bytes;
use lakeseek_segment::text::analyzer::{analyzer, Analyzer};
use lakeseek_segment::text::index::{TextIndexBuilder, TextIndexOptions};
use lakeseek_segment::vector::{
    Metric as VectorMetric, VectorError, VectorIndexBuilder, VectorModel, VectorSegmentSummary,
};
use lakeseek_segment::Section;

use crate::search::vector::segment_metric;

use crate::error::{TableError, TableResult};
use crate::manifest::{TableMetadata, TextStats};

/// Name of the text section of `column`.
pub fn text_section(column: &str) -> String {
    format!("text:{column}")
}

/// Name of the vector section of `column`.
pub fn vector_section(column: &str) -> String {
    format!("vector:{column}")
}

/// Segments with fewer rows than this get no vector index: exact search over
/// them is as fast as probing an index.
pub const MIN_INDEXED_VECTOR_ROWS: usize = 2048;

/// What to index in each segment of a table.
#[derive(Debug, Clone)]
pub(crate) struct IndexPlan {
    text: Vec<(String, Arc<dyn Analyzer>)>,
    vector: Vec<(String, usize, VectorMetric)>,
    /// The table's model per vector column (shared by every segment).
    models: BTreeMap<String, Arc<VectorModel>>,
    /// Retrain every vector column's model from the data at hand.
    retrain: bool,
    /// Rows each model was trained for.
    trained_rows: BTreeMap<String, u64>,
    /// Leave vector sections to a background build.
    defer_vectors: bool,
}

/// What indexing one segment produced.
pub(crate) struct SegmentIndexes {
    pub(crate) sections: Vec<Section>,
    pub(crate) text: BTreeMap<String, TextStats>,
    pub(crate) vectors: BTreeMap<String, VectorSegmentSummary>,
}

impl IndexPlan {
    /// The plan for a table's declared columns.
    pub(crate) fn for_table(meta: &TableMetadata) -> TableResult<Self> {
        let text = meta
            .options
            .text_columns
            .iter()
            .map(|t| {
                let a =
                    analyzer(&t.analyzer).map_err(|e| TableError::InvalidOptions(e.to_string()))?;
                Ok((t.column.clone(), a))
            })
            .collect::<TableResult<_>>()?;
        let vector = meta
            .options
            .vector_columns
            .iter()
            .map(|v| (v.column.clone(), v.dimension, segment_metric(v.metric)))
            .collect();
        Ok(IndexPlan {
            text,
            vector,
            models: BTreeMap::new(),
            retrain: false,
            trained_rows: BTreeMap::new(),
            defer_vectors: false,
        })
    }

    /// Builds no vector sections (they are built in the background later;
    /// the segments are searched exactly meanwhile).
    pub(crate) fn deferring_vectors(mut self, defer: bool) -> Self {
        self.defer_vectors = defer;
        self
    }

    /// Records how many rows each model was trained for.
    pub(crate) fn with_trained_rows(mut self, rows: BTreeMap<String, u64>) -> Self {
        self.trained_rows = rows;
        self
    }

    /// Uses the table's models.
    pub(crate) fn with_models(mut self, models: BTreeMap<String, Arc<VectorModel>>) -> Self {
        self.models = models;
        self
    }

    /// Trains new models from the next data (compaction found drift).
    pub(crate) fn retraining(mut self) -> Self {
        self.retrain = true;
        self
    }

    /// The table's model of `column`, if it has one.
    pub(crate) fn model(&self, column: &str) -> Option<&Arc<VectorModel>> {
        self.models.get(column)
    }

    /// Trains a model for every vector column that has none (or all, when
    /// retraining) from `batches` — a whole flush, before it is split into
    /// segments — if they hold enough vectors for an index.
    pub(crate) fn prepare_models(
        &mut self,
        batches: &[RecordBatch],
    ) -> TableResult<Vec<crate::vector_models::TrainedModel>> {
        let mut trained = Vec::new();
        if self.defer_vectors {
            return Ok(trained);
        }
        for (column, dim, metric) in self.vector.clone() {
            let (values, rows) = collect_vectors(batches, &column, dim);
            if rows.len() < MIN_INDEXED_VECTOR_ROWS {
                continue;
            }
            let for_rows = self.trained_rows.get(&column).copied().unwrap_or(0);
            let outgrown =
                for_rows > 0 && rows.len() as u64 > crate::vector_models::OUTGROWN_RATIO * for_rows;
            let retrain = self.retrain || outgrown;
            if self.models.contains_key(&column) && !retrain {
                continue;
            }
            let sample = sample_rows(&values, dim, crate::vector_models::MAX_TRAINING_ROWS);
            let clusters = VectorModel::default_clusters(rows.len());
            let (model, train_error) =
                crate::vector_models::train_model(&column, metric, dim, &sample, clusters)?;
            let model = Arc::new(model);
            self.models.insert(column.clone(), model.clone());
            trained.push(crate::vector_models::TrainedModel {
                column,
                model,
                train_error,
                trained_rows: rows.len() as u64,
                retrain,
            });
        }
        self.retrain = false;
        Ok(trained)
    }

    /// Builds the sections for `run` (batches of the user's columns, in row
    /// order) and the text statistics of each text column.
    pub(crate) fn build(&self, run: &[RecordBatch]) -> TableResult<SegmentIndexes> {
        let mut sections = Vec::new();
        let mut stats = BTreeMap::new();
        for (column, analyzer) in &self.text {
            let mut builder = TextIndexBuilder::new(TextIndexOptions::default());
            let mut terms = String::new();
            let mut spans: Vec<(usize, usize, u32)> = Vec::new();
            let mut tokens = 0u64;
            let mut docs = 0u64;
            for batch in run {
                let array = batch
                    .column_by_name(column)
                    .ok_or_else(|| TableError::Schema {
                        column: column.clone(),
                        detail: "declared as a text column but missing from the data".into(),
                    })?;
                for row in 0..array.len() {
                    terms.clear();
                    spans.clear();
                    if let Some(text) = string_value(array.as_ref(), row) {
                        analyzer.for_each_token(text, &mut |term, position| {
                            let start = terms.len();
                            terms.push_str(term);
                            spans.push((start, terms.len(), position));
                        });
                    }
                    tokens += spans.len() as u64;
                    docs += 1;
                    builder.add_document(spans.iter().map(|&(s, e, p)| (&terms[s..e], p)));
                }
            }
            sections.push(Section {
                name: text_section(column),
                bytes: Bytes::from(builder.finish()),
            });
            stats.insert(column.clone(), TextStats { docs, tokens });
        }
        let mut vectors = BTreeMap::new();
        let columns = if self.defer_vectors {
            &[][..]
        } else {
            &self.vector[..]
        };
        for (column, dim, metric) in columns {
            let model = self.models.get(column).map(|m| m.as_ref());
            if let Some((section, summary)) = vector_index(run, column, *dim, *metric, model)? {
                sections.push(section);
                vectors.insert(column.clone(), summary);
            }
        }
        Ok(SegmentIndexes {
            sections,
            text: stats,
            vectors,
        })
    }
}

/// The string at `row`, for any string encoding; `None` for null.
fn string_value(array: &dyn Array, row: usize) -> Option<&str> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Some(array.as_string_view().value(row)),
        _ => None,
    }
}

/// The non-null vectors of `column` (row-major) and their row numbers.
pub(crate) fn collect_vectors(
    run: &[RecordBatch],
    column: &str,
    dim: usize,
) -> (Vec<f32>, Vec<u32>) {
    let mut values: Vec<f32> = Vec::new();
    let mut rows: Vec<u32> = Vec::new();
    let mut row = 0u32;
    for batch in run {
        let Some(array) = batch.column_by_name(column) else {
            continue;
        };
        let list = array.as_fixed_size_list();
        let floats = list
            .values()
            .as_primitive::<arrow::datatypes::Float32Type>();
        for i in 0..list.len() {
            if list.is_valid(i) {
                let start = (list.offset() + i) * dim;
                values.extend_from_slice(&floats.values()[start..start + dim]);
                rows.push(row);
            }
            row += 1;
        }
    }
    (values, rows)
}

/// Every `step`-th row so that at most `max` rows remain.
fn sample_rows(values: &[f32], dim: usize, max: usize) -> Vec<f32> {
    let n = values.len() / dim.max(1);
    if n <= max {
        return values.to_vec();
    }
    let step = n.div_ceil(max);
    (0..n)
        .step_by(step)
        .flat_map(|i| values[i * dim..(i + 1) * dim].iter().copied())
        .collect()
}

/// The IVF/RaBitQ section of a vector column for one segment and its
/// cluster summary, built with the table's model (or, without one, a model
/// trained on the segment); `None` for small segments (searched exactly).
fn vector_index(
    run: &[RecordBatch],
    column: &str,
    dim: usize,
    metric: VectorMetric,
    model: Option<&VectorModel>,
) -> TableResult<Option<(Section, VectorSegmentSummary)>> {
    let (values, rows) = collect_vectors(run, column, dim);
    if rows.len() < MIN_INDEXED_VECTOR_ROWS {
        return Ok(None);
    }
    let bad = |e: VectorError| TableError::Schema {
        column: column.to_string(),
        detail: format!("cannot index vectors: {e}"),
    };
    let own;
    let model = match model {
        Some(m) if m.dim() == dim && m.metric() == metric => m,
        _ => {
            let clusters = VectorModel::default_clusters(rows.len());
            own = VectorModel::train(metric, dim, &values, clusters, 0x5EED).map_err(bad)?;
            &own
        }
    };
    let built = VectorIndexBuilder::build(model, &values, dim, Some(&rows)).map_err(bad)?;
    Ok(Some((
        Section {
            name: vector_section(column),
            bytes: Bytes::from(built.section),
        },
        built.summary,
    )))
}
