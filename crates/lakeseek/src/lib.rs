//! LakeSeek: SQL, full-text and vector search over Parquet segments on object
//! storage, from one library, CLI and server.
//!
//! This crate is the front door: it re-exports the library API
//! ([`Database`], tables, options) and holds the `lakeseek` command-line tool.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lakeseek::SqlError> {
//! use lakeseek::Database;
//! let db = Database::connect("./lakeseek-data").await?;
//! for batch in db.sql("SELECT count(*) FROM docs").await? {
//!     println!("{batch:?}");
//! }
//! # Ok(()) }
//! ```

pub mod eval;
pub mod import;

pub use lakeseek_sql::{Database, SqlError};
pub use lakeseek_table::{
    Catalog, CheckReport, CompactionPolicy, CompactionReport, Metric, PreparedWrite, Snapshot,
    Table, TableError, TableOptions, TableWriter, TextColumn, VacuumReport, VectorColumn,
    WriteOutcome, WriterOptions,
};
