//! The table a search function call returns: its rows are the search hits
//! with the table's columns and score columns. Filters on the table's columns
//! are pushed in and applied before top-k.

use std::fmt;
use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::{Field, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::Result;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use lakeseek_table::{Snapshot, Table};
use roaring::RoaringBitmap;

use super::filter::allowed_rows;
use super::rows::{assemble, output_schema, HitRow};
use crate::error::to_df;

/// One kind of search (full text, vector, hybrid) with its arguments.
#[async_trait]
pub(crate) trait Search: fmt::Debug + Send + Sync {
    /// The columns the search adds to the table's.
    fn extra_fields(&self) -> Vec<Field>;
    /// Runs the search; returns hits in result order and the extra columns.
    async fn run(
        &self,
        table: &Table,
        snapshot: &Snapshot,
        allowed: Option<&[RoaringBitmap]>,
    ) -> Result<(Vec<HitRow>, Vec<ArrayRef>)>;
}

/// The table a search call produces.
#[derive(Debug)]
pub(crate) struct SearchProvider {
    table: Table,
    search: Box<dyn Search>,
    schema: SchemaRef,
}

impl SearchProvider {
    pub(crate) fn new(table: Table, search: Box<dyn Search>) -> Self {
        let schema = output_schema(&table.snapshot(), search.extra_fields());
        SearchProvider {
            table,
            search,
            schema,
        }
    }

    fn is_table_column(&self, expr: &Expr) -> bool {
        let physical = self.table.metadata().physical_schema();
        expr.column_refs()
            .iter()
            .all(|c| physical.field_with_name(&c.name).is_ok())
    }
}

#[async_trait]
impl TableProvider for SearchProvider {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if self.is_table_column(f) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let snapshot = self.table.read_snapshot().await.map_err(to_df)?;
        let pushed: Vec<Expr> = filters
            .iter()
            .filter(|f| self.is_table_column(f))
            .cloned()
            .collect();
        let allowed = allowed_rows(state, &self.table, &snapshot, &pushed).await?;
        let (hits, extra) = self
            .search
            .run(&self.table, &snapshot, allowed.as_deref())
            .await?;
        let batch = assemble(
            &self.table,
            &snapshot,
            &hits,
            extra,
            &self.schema,
            projection,
        )
        .await?;
        Ok(MemorySourceConfig::try_new_exec(
            &[vec![batch.clone()]],
            batch.schema(),
            None,
        )?)
    }
}
