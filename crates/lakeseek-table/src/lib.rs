//! LakeSeek tables: manifests, snapshots, the commit protocol and the writer.
//!
//! A table is a directory on object storage holding immutable segments and a
//! log of versions. Each version is one object created with a conditional PUT,
//! so any number of processes can write the same table with no coordinator:
//! the loser of a race reloads, rebases and retries (see [`commit`]).
//!
//! ```no_run
//! # async fn demo(batch: arrow::record_batch::RecordBatch) -> Result<(), lakeseek_table::TableError> {
//! use lakeseek_table::{Catalog, TableOptions};
//! let db = Catalog::connect("memory://", &Default::default())?;
//! let table = db.create_table("docs", (*batch.schema()).clone(), TableOptions::default()).await?;
//! let snapshot = table.append(&batch).await?;
//! assert_eq!(snapshot.version, 1);
//! # Ok(()) }
//! ```

mod build;
mod catalog;
mod check;
pub mod commit;
mod compact;
mod conform;
mod deletes;
mod error;
mod gc;
mod indexing;
mod log;
pub mod manifest;
mod model_growth;
mod mutate;
mod options;
mod readers;
mod row_ids;
pub mod search;
mod segment_data;
mod table;
mod vector_models;
mod wal;
mod writer;

pub use build::ShardPolicy;
pub use catalog::Catalog;
pub use check::{CheckReport, Problem};
pub use commit::RetryPolicy;
pub use compact::{plan_compaction, CompactionPolicy, CompactionReport};
pub use deletes::DeletionVector;
pub use error::{TableError, TableResult};
pub use gc::{VacuumReport, DEFAULT_RETENTION};
pub use indexing::{text_section, vector_section};
pub use log::{version_object_path, DEFAULT_CHECKPOINT_INTERVAL, VERSIONS_PER_FOLDER};
pub use manifest::{Action, Commit, SegmentEntry, Snapshot, TableMetadata, TextStats, ROW_ID};
pub use model_growth::GROWTH_RETRAIN_RATIO;
pub use options::{Metric, TableOptions, TextColumn, VectorColumn};
pub use readers::{ReaderCache, DEFAULT_READER_CACHE_BYTES};
pub use row_ids::SegmentIds;
pub use segment_data::{ColumnCache, DEFAULT_COLUMN_CACHE_BYTES};
pub use table::Table;
pub use vector_models::{model_path, ModelRef};
pub use wal::WalOptions;
pub use writer::{PreparedWrite, TableWriter, WriteOutcome, WriterOptions};
