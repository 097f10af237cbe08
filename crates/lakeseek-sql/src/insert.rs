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

/// Rows of an INSERT beyond which a WAL table writes segments directly.
const WAL_INSERT_MAX_ROWS: usize = 100_000;

impl TableSink {
    /// Small INSERTs on a WAL table are one WAL object; large ones write
    /// segments like any other table.
    async fn insert_through_wal(&self, mut data: SendableRecordBatchStream) -> Result<u64> {
        let mut batches = Vec::new();
        let mut rows = 0usize;
        while let Some(batch) = data.next().await {
            let batch = without_row_id(batch?);
            rows += batch.num_rows();
            batches.push(batch);
            if rows > WAL_INSERT_MAX_ROWS {
                let mut writer = self.table.writer("insert");
                for b in batches.drain(..) {
                    writer.write(&b).await.map_err(to_df)?;
                }
                while let Some(batch) = data.next().await {
                    writer.write(&without_row_id(batch?)).await.map_err(to_df)?;
                }
                let rows = writer.rows();
                writer.commit().await.map_err(to_df)?;
                return Ok(rows);
            }
        }
        if rows > 0 {
            let all = arrow::compute::concat_batches(&batches[0].schema(), &batches)?;
            self.table.wal_append(&all).await.map_err(to_df)?;
        }
        Ok(rows as u64)
    }
}

/// `_id` is assigned by LakeSeek; whatever came in its place goes.
fn without_row_id(batch: arrow::record_batch::RecordBatch) -> arrow::record_batch::RecordBatch {
    match batch.schema().index_of(ROW_ID) {
        Ok(i) => {
            let mut b = batch;
            b.remove_column(i);
            b
        }
        Err(_) => batch,
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
        if self.table.metadata().options.wal {
            return self.insert_through_wal(data).await;
        }
        let mut writer = self.table.writer("insert");
        while let Some(batch) = data.next().await {
            writer.write(&without_row_id(batch?)).await.map_err(to_df)?;
        }
        let rows = writer.rows();
        writer.commit().await.map_err(to_df)?;
        Ok(rows)
    }
}
