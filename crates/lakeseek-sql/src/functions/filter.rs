//! Filters pushed into a search function: evaluated per segment into the set
//! of rows a search may return, so top-k is taken among matching rows only
//! and a filtered query still returns k rows when k rows match.

use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Field, Schema};
use datafusion::catalog::Session;
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::Expr;
use lakeseek_table::{Snapshot, Table};
use roaring::RoaringBitmap;

use crate::error::to_df;

/// Allowed rows per segment of `snapshot` (`None` = every row), or `None`
/// overall when there is no filter.
pub(crate) async fn allowed_rows(
    state: &dyn Session,
    table: &Table,
    snapshot: &Snapshot,
    filters: &[Expr],
) -> Result<Option<Vec<RoaringBitmap>>> {
    let Some(predicate) = conjunction(filters.to_vec()) else {
        return Ok(None);
    };
    let physical = snapshot.metadata.physical_schema();
    let mut columns: Vec<String> = predicate
        .column_refs()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    columns.sort();
    columns.dedup();
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Ok(physical.field_with_name(c)?.clone().with_nullable(true)))
        .collect::<Result<_>>()?;
    let schema = Arc::new(Schema::new(fields));
    let expr = state.create_physical_expr(predicate, &DFSchema::try_from(schema.clone())?)?;
    let mut out = Vec::with_capacity(snapshot.segments.len());
    for entry in &snapshot.segments {
        let batch = table
            .segment_columns(entry, &columns)
            .await
            .map_err(to_df)?;
        let batch = batch.with_schema(schema.clone())?;
        let result = expr.evaluate(&batch)?.into_array(batch.num_rows())?;
        let mask = result.as_boolean_opt().ok_or_else(|| {
            datafusion::error::DataFusionError::Plan(
                "a search filter must be a boolean condition".into(),
            )
        })?;
        let mut rows = RoaringBitmap::new();
        for i in 0..mask.len() {
            if mask.is_valid(i) && mask.value(i) {
                rows.insert(i as u32);
            }
        }
        out.push(rows);
    }
    Ok(Some(out))
}
