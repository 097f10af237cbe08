//! The scan of one table snapshot: segments pruned by manifest statistics,
//! the survivors read by DataFusion's Parquet reader (projection, row-group
//! pruning, limit), behind a leaf node that says in EXPLAIN what was pruned.

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::catalog::Session;
use datafusion::common::pruning::PrunableStatistics;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DFSchema, DataFusionError, Result, Statistics};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::physical_plan::parquet::ParquetRowSelection;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::Expr;
use datafusion::parquet::arrow::arrow_reader::RowSelection;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::pruning::PruningPredicateBuilder;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::metrics::MetricsSet;
use datafusion::physical_plan::union::UnionExec;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use lakeseek_table::{Snapshot, Table};

use crate::stats::segment_statistics;

/// What the scan of one table did at plan time.
#[derive(Debug, Clone)]
pub(crate) struct ScanSummary {
    table: String,
    version: u64,
    segments_total: usize,
    segments_kept: usize,
}

/// A leaf plan node: a LakeSeek table scan. It runs the inner Parquet scan it
/// was built with; being a leaf, optimizer rules leave that scan as planned.
#[derive(Debug)]
pub struct SegmentScanExec {
    summary: ScanSummary,
    inner: Arc<dyn ExecutionPlan>,
}

impl DisplayAs for SegmentScanExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let s = &self.summary;
        write!(
            f,
            "LakeSeekScan: table={}, version={}, segments={} of {} ({} pruned by statistics)",
            s.table,
            s.version,
            s.segments_kept,
            s.segments_total,
            s.segments_total - s.segments_kept
        )?;
        write!(f, ", inner=")?;
        self.inner.fmt_as(t, f)
    }
}

impl ExecutionPlan for SegmentScanExec {
    fn name(&self) -> &str {
        "SegmentScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.inner.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        self.inner.apply_expressions(f)
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        self.inner.execute(partition, context)
    }

    fn metrics(&self) -> Option<MetricsSet> {
        self.inner.metrics()
    }

    fn partition_statistics(&self, _partition: Option<usize>) -> Result<Arc<Statistics>> {
        // Bounds in the manifest may be truncated (long strings): good for
        // pruning, not for answering min()/max() without a scan.
        Ok(Arc::new(Statistics::new_unknown(&self.schema())))
    }
}

/// The rows of a segment of `rows` rows that are not in `deleted`.
fn live_selection(deleted: &roaring::RoaringBitmap, rows: u64) -> RowSelection {
    let mut ranges = Vec::new();
    let mut start = 0usize;
    for row in deleted.iter() {
        let row = row as usize;
        if row > start {
            ranges.push(start..row);
        }
        start = row + 1;
    }
    if (start as u64) < rows {
        ranges.push(start..rows as usize);
    }
    RowSelection::from_consecutive_ranges(ranges.into_iter(), rows as usize)
}

/// Plans the scan of `snapshot`.
pub(crate) fn plan_scan(
    state: &dyn Session,
    table: &Table,
    snapshot: &Snapshot,
    store_url: &ObjectStoreUrl,
    projection: Option<&Vec<usize>>,
    filters: &[Expr],
    limit: Option<usize>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let schema: SchemaRef = snapshot.metadata.physical_schema();
    let predicate: Option<Arc<dyn PhysicalExpr>> = match conjunction(filters.to_vec()) {
        Some(expr) => Some(state.create_physical_expr(expr, &DFSchema::try_from(schema.clone())?)?),
        None => None,
    };
    let segments = &snapshot.segments;
    let stats: Vec<_> = segments
        .iter()
        .map(|s| segment_statistics(s, &schema))
        .collect();
    let keep = match predicate.as_ref().and_then(|p| {
        PruningPredicateBuilder::new()
            .with_file_schema(schema.clone())
            .build(p.clone())
    }) {
        Some(pruning) => pruning.prune(&PrunableStatistics::new(stats.clone(), schema.clone()))?,
        None => vec![true; segments.len()],
    };
    let kept: Vec<&Arc<lakeseek_table::SegmentEntry>> = segments
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(s, _)| s)
        .collect();
    // Rows pending in the WAL are in memory: scanned as Arrow batches.
    let mut pending: Vec<RecordBatch> = Vec::new();
    for s in kept.iter().filter(|s| s.in_memory) {
        pending.extend(table.pending_batches(s).ok_or_else(|| {
            DataFusionError::Execution(format!(
                "pending WAL rows of table {} are no longer in memory; retry the query",
                table.name()
            ))
        })?);
    }
    let files: Vec<PartitionedFile> = kept
        .iter()
        .filter(|s| !s.in_memory)
        .map(|s| {
            let path = table.store().absolute(&table.segment_path(s));
            let file = PartitionedFile::new(path.to_string(), s.size);
            // Deleted rows are skipped by row selection: never decoded,
            // never filtered, never counted.
            match &s.deleted {
                Some(dv) => {
                    file.with_extension(ParquetRowSelection::new(live_selection(&dv.0, s.rows)))
                }
                None => file,
            }
        })
        .collect();
    let summary = ScanSummary {
        table: table.name().to_string(),
        version: snapshot.version,
        segments_total: segments.len(),
        segments_kept: kept.len(),
    };
    let mut inputs: Vec<Arc<dyn ExecutionPlan>> = Vec::new();
    if !files.is_empty() {
        let partitions = state.config().target_partitions().clamp(1, files.len());
        let mut groups: Vec<Vec<PartitionedFile>> = vec![Vec::new(); partitions];
        for (i, f) in files.into_iter().enumerate() {
            groups[i % partitions].push(f);
        }
        let mut source = ParquetSource::new(schema.clone())
            .with_table_parquet_options(state.default_table_options().parquet);
        if let Some(p) = predicate {
            source = source.with_predicate(p);
        }
        let config = FileScanConfigBuilder::new(store_url.clone(), Arc::new(source))
            .with_file_groups(groups.into_iter().map(FileGroup::new).collect())
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        inputs.push(DataSourceExec::from_data_source(config));
    }
    if !pending.is_empty() {
        inputs.push(MemorySourceConfig::try_new_exec(
            &[pending],
            schema.clone(),
            projection.cloned(),
        )?);
    }
    let inner: Arc<dyn ExecutionPlan> = if inputs.is_empty() {
        let projected = match projection {
            Some(p) => Arc::new(schema.project(p)?),
            None => schema.clone(),
        };
        Arc::new(EmptyExec::new(projected))
    } else {
        UnionExec::try_new(inputs)?
    };
    Ok(Arc::new(SegmentScanExec { summary, inner }))
}
