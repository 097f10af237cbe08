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
    Metric as VectorMetric, VectorError, VectorIndexBuilder, VectorModel,
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
        Ok(IndexPlan { text, vector })
    }

    /// Builds the sections for `run` (batches of the user's columns, in row
    /// order) and the text statistics of each text column.
    pub(crate) fn build(
        &self,
        run: &[RecordBatch],
    ) -> TableResult<(Vec<Section>, BTreeMap<String, TextStats>)> {
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
        for (column, dim, metric) in &self.vector {
            if let Some(section) = vector_index(run, column, *dim, *metric)? {
                sections.push(section);
            }
        }
        Ok((sections, stats))
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

/// The IVF/RaBitQ section of a vector column for one segment, trained on the
/// segment's own vectors; `None` for small segments (searched exactly).
fn vector_index(
    run: &[RecordBatch],
    column: &str,
    dim: usize,
    metric: VectorMetric,
) -> TableResult<Option<Section>> {
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
    if rows.len() < MIN_INDEXED_VECTOR_ROWS {
        return Ok(None);
    }
    let bad = |e: VectorError| TableError::Schema {
        column: column.to_string(),
        detail: format!("cannot index vectors: {e}"),
    };
    let clusters = VectorModel::default_clusters(rows.len());
    let model = VectorModel::train(metric, dim, &values, clusters, 0x5EED).map_err(bad)?;
    let built = VectorIndexBuilder::build(&model, &values, dim, Some(&rows)).map_err(bad)?;
    Ok(Some(Section {
        name: vector_section(column),
        bytes: Bytes::from(built.section),
    }))
}
