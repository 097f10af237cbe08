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
use lakeseek_segment::Section;

use crate::error::{TableError, TableResult};
use crate::manifest::{TableMetadata, TextStats};

/// Name of the text section of `column`.
pub fn text_section(column: &str) -> String {
    format!("text:{column}")
}

/// What to index in each segment of a table.
#[derive(Debug, Clone)]
pub(crate) struct IndexPlan {
    text: Vec<(String, Arc<dyn Analyzer>)>,
}

impl IndexPlan {
    /// The plan for a table's declared columns.
    pub(crate) fn for_table(meta: &TableMetadata) -> TableResult<Self> {
        let text = meta
            .options
            .text_columns
            .iter()
            .map(|t| {
                let a = analyzer(&t.analyzer).map_err(|e| TableError::InvalidOptions(e.to_string()))?;
                Ok((t.column.clone(), a))
            })
            .collect::<TableResult<_>>()?;
        Ok(IndexPlan { text })
    }

    /// Builds the sections for `run` (batches of the user's columns, in row
    /// order) and the text statistics of each text column.
    pub(crate) fn build(&self, run: &[RecordBatch]) -> TableResult<(Vec<Section>, BTreeMap<String, TextStats>)> {
        let mut sections = Vec::new();
        let mut stats = BTreeMap::new();
        for (column, analyzer) in &self.text {
            let mut builder = TextIndexBuilder::new(TextIndexOptions::default());
            let mut terms = String::new();
            let mut spans: Vec<(usize, usize, u32)> = Vec::new();
            let mut tokens = 0u64;
            let mut docs = 0u64;
            for batch in run {
                let array = batch.column_by_name(column).ok_or_else(|| TableError::Schema {
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
