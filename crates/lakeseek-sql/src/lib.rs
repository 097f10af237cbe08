//! SQL over LakeSeek tables, through DataFusion.
//!
//! [`Database`] connects to a root, manages tables, and runs SQL where every
//! table of the root is a DataFusion table: scans prune segments by manifest
//! statistics and row groups by Parquet statistics; `INSERT` appends in one
//! commit.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lakeseek_sql::SqlError> {
//! let db = lakeseek_sql::Database::connect("./lakeseek-data").await?;
//! let batches = db.sql("SELECT count(*) FROM docs").await?;
//! # Ok(()) }
//! ```

mod database;
mod error;
mod functions;
mod insert;
mod mutate;
mod provider;
mod scan;
mod schema;
mod stats;

pub use database::Database;
pub use error::SqlError;
pub use provider::LakeSeekTableProvider;
pub use scan::SegmentScanExec;
