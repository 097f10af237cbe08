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

/// The table's columns for `hits`, in hit order, followed by `extra` columns
/// (already in hit order). `schema` is the output schema (physical + extra).
pub(crate) async fn assemble(
    table: &Table,
    snapshot: &Snapshot,
    hits: &[HitRow],
    extra: Vec<ArrayRef>,
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    let physical = snapshot.metadata.physical_schema();
    let columns: Vec<String> = physical.fields().iter().map(|f| f.name().clone()).collect();
    let mut by_segment: BTreeMap<usize, Vec<(usize, u32)>> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        by_segment.entry(h.segment).or_default().push((i, h.row));
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
    arrays.extend(extra);
    Ok(RecordBatch::try_new(schema.clone(), arrays)?)
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
