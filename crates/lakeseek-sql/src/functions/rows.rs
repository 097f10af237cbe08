//! Assembling search results: the hit rows fetched from their segments (in
//! hit order) plus the score columns.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::common::Result;
use lakeseek_table::{Snapshot, Table};

use crate::error::to_df;

/// A row to return: which segment and row, in result order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HitRow {
    pub segment: usize,
    pub row: u32,
}

/// Hit rows from `(segment, row)` pairs in result order.
pub(crate) fn hit_rows(hits: impl Iterator<Item = (usize, u32)>) -> Vec<HitRow> {
    hits.map(|(segment, row)| HitRow { segment, row }).collect()
}

/// The table's columns for `hits`, in hit order, followed by `extra` columns
/// (already in hit order). `schema` is the output schema (physical + extra);
/// `projection` picks the output columns, and only the table columns it
/// picks are read (a 384-float vector column is not fetched for
/// `SELECT _id`).
pub(crate) async fn assemble(
    table: &Table,
    snapshot: &Snapshot,
    hits: &[HitRow],
    extra: Vec<ArrayRef>,
    schema: &SchemaRef,
    projection: Option<&Vec<usize>>,
) -> Result<RecordBatch> {
    let physical = snapshot.metadata.physical_schema();
    let width = physical.fields().len();
    let wanted: Vec<usize> = match projection {
        Some(p) => p.clone(),
        None => (0..width + extra.len()).collect(),
    };
    let physical = Arc::new(
        physical.project(
            &wanted
                .iter()
                .copied()
                .filter(|&i| i < width)
                .collect::<Vec<_>>(),
        )?,
    );
    let columns: Vec<String> = physical.fields().iter().map(|f| f.name().clone()).collect();
    let mut by_segment: BTreeMap<usize, Vec<(usize, u32)>> = BTreeMap::new();
    // `count(*)` and the like read no table column at all.
    if !columns.is_empty() {
        for (i, h) in hits.iter().enumerate() {
            by_segment.entry(h.segment).or_default().push((i, h.row));
        }
    }
    let mut parts: Vec<RecordBatch> = Vec::with_capacity(by_segment.len());
    let mut place: Vec<(usize, usize)> = vec![(0, 0); hits.len()];
    for (segment, rows) in &by_segment {
        let entry = &snapshot.segments[*segment];
        let wanted: Vec<u32> = rows.iter().map(|(_, r)| *r).collect();
        let batch = table
            .take_rows(entry, &wanted, &columns)
            .await
            .map_err(to_df)?;
        for (j, (i, _)) in rows.iter().enumerate() {
            place[*i] = (parts.len(), j);
        }
        parts.push(batch);
    }
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len() + extra.len());
    for (c, field) in physical.fields().iter().enumerate() {
        if parts.is_empty() {
            arrays.push(arrow::array::new_empty_array(field.data_type()));
            continue;
        }
        let sources: Vec<&dyn arrow::array::Array> =
            parts.iter().map(|p| p.column(c).as_ref()).collect();
        let column = arrow::compute::interleave(&sources, &place)?;
        // Decoded columns may differ from the table field only in nullability.
        arrays.push(arrow::compute::cast(&column, field.data_type())?);
    }
    for &i in wanted.iter().filter(|&&i| i >= width) {
        match extra.get(i - width).cloned() {
            Some(a) => arrays.push(a),
            None => return datafusion::common::plan_err!("bad projection index {i}"),
        }
    }
    let schema = Arc::new(schema.project(&wanted)?);
    let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(hits.len()));
    Ok(RecordBatch::try_new_with_options(schema, arrays, &options)?)
}

/// The output schema: the table's physical columns, then `extra`.
pub(crate) fn output_schema(snapshot: &Snapshot, extra: Vec<Field>) -> SchemaRef {
    let physical = snapshot.metadata.physical_schema();
    let mut fields: Vec<Field> = physical
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend(extra);
    Arc::new(Schema::new(fields))
}
