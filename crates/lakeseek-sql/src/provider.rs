//! [`LakeSeekTableProvider`]: a LakeSeek table as a DataFusion table.
//!
//! Every scan reads the newest snapshot (one listing request) unless the
//! provider is pinned to a version for time travel; `INSERT` appends through
//! the table writer in one commit.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{not_impl_err, Result, ScalarValue};
use datafusion::datasource::sink::DataSinkExec;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::{lit, Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use lakeseek_table::{Table, ROW_ID};

use crate::error::to_df;
use crate::insert::TableSink;
use crate::scan::plan_scan;

/// A LakeSeek table registered with DataFusion.
#[derive(Debug)]
pub struct LakeSeekTableProvider {
    table: Table,
    version: Option<u64>,
    schema: SchemaRef,
    store_url: ObjectStoreUrl,
    id_default: Expr,
}

impl LakeSeekTableProvider {
    /// A provider over the newest snapshot of `table`, or `version` if given.
    pub fn new(table: Table, version: Option<u64>, store_url: ObjectStoreUrl) -> Self {
        let schema = table.metadata().physical_schema();
        LakeSeekTableProvider {
            table,
            version,
            schema,
            store_url,
            // Placeholder for INSERTs that omit `_id`; the sink assigns real ids.
            id_default: lit(ScalarValue::UInt64(Some(0))),
        }
    }
}

#[async_trait]
impl TableProvider for LakeSeekTableProvider {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn get_column_default(&self, column: &str) -> Option<&Expr> {
        (column == ROW_ID).then_some(&self.id_default)
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // Used to prune segments and row groups; rows are still filtered above.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let snapshot = match self.version {
            Some(v) => self.table.snapshot_at(v).await.map_err(to_df)?,
            None => self.table.read_snapshot().await.map_err(to_df)?,
        };
        plan_scan(
            state,
            &self.table,
            &snapshot,
            &self.store_url,
            projection,
            filters,
            limit,
        )
    }

    async fn insert_into(
        &self,
        _state: &dyn Session,
        input: Arc<dyn ExecutionPlan>,
        insert_op: InsertOp,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if insert_op != InsertOp::Append {
            return not_impl_err!(
                "{insert_op} is not supported by LakeSeek tables; use INSERT INTO"
            );
        }
        if self.version.is_some() {
            return not_impl_err!(
                "cannot insert into a past version of table {}",
                self.table.name()
            );
        }
        let sink = TableSink::new(self.table.clone(), self.schema.clone());
        Ok(Arc::new(DataSinkExec::new(input, Arc::new(sink), None)))
    }
}
