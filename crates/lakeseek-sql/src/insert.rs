//! The INSERT sink: rows from DataFusion go through the table writer and
//! become visible in one commit when the statement finishes.

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::common::Result;
use datafusion::datasource::sink::DataSink;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, SendableRecordBatchStream};
use futures::StreamExt;
use lakeseek_table::{Table, ROW_ID};

use crate::error::to_df;

/// Writes an INSERT's rows to a table.
#[derive(Debug)]
pub(crate) struct TableSink {
    table: Table,
    schema: SchemaRef,
}

impl TableSink {
    pub(crate) fn new(table: Table, schema: SchemaRef) -> Self {
        TableSink { table, schema }
    }
}

impl DisplayAs for TableSink {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "LakeSeekInsert: table={}", self.table.name())
    }
}

#[async_trait]
impl DataSink for TableSink {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    async fn write_all(
        &self,
        mut data: SendableRecordBatchStream,
        _context: &Arc<TaskContext>,
    ) -> Result<u64> {
        let mut writer = self.table.writer("insert");
        while let Some(batch) = data.next().await {
            let batch = batch?;
            // `_id` is assigned by the writer; whatever came in its place goes.
            let batch = match batch.schema().index_of(ROW_ID) {
                Ok(i) => {
                    let mut b = batch.clone();
                    b.remove_column(i);
                    b
                }
                Err(_) => batch,
            };
            writer.write(&batch).await.map_err(to_df)?;
        }
        let rows = writer.rows();
        writer.commit().await.map_err(to_df)?;
        Ok(rows)
    }
}
