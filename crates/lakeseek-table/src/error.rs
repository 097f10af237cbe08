//! Errors of table operations.

use lakeseek_segment::SegmentError;
use lakeseek_store::StoreError;

/// Why a table operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("segment {path}")]
    Segment {
        path: String,
        #[source]
        source: SegmentError,
    },
    #[error("table {0:?} already exists")]
    TableExists(String),
    #[error("table {0:?} does not exist")]
    TableNotFound(String),
    #[error("invalid table name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("table {table:?} has no version {version} (latest is {latest})")]
    VersionNotFound {
        table: String,
        version: u64,
        latest: u64,
    },
    #[error("column {column:?}: {detail}")]
    Schema { column: String, detail: String },
    #[error("column {column:?} is not nullable but the data has {nulls} null value(s)")]
    NullInNonNullable { column: String, nulls: usize },
    #[error("vector column {column:?} has dimension {expected}, the data has {found}")]
    VectorDimension {
        column: String,
        expected: usize,
        found: usize,
    },
    #[error("invalid table options: {0}")]
    InvalidOptions(String),
    #[error("corrupt manifest {path}: {detail}")]
    CorruptManifest { path: String, detail: String },
    #[error("commit to table {table:?} failed after {attempts} attempts: {reason}")]
    CommitFailed {
        table: String,
        attempts: u32,
        reason: String,
    },
    #[error("arrow error while {context}")]
    Arrow {
        context: &'static str,
        #[source]
        source: arrow::error::ArrowError,
    },
    #[error("the writer is closed")]
    WriterClosed,
    /// A concurrent commit changed rows this one replaces or keys it
    /// inserts; the caller re-resolves on the newer snapshot and retries.
    #[error("conflict on table {table:?}: {detail}")]
    Conflict { table: String, detail: String },
    /// A search query that could not be parsed or does not fit the table.
    #[error("invalid query: {message}{}", position.map(|p| format!(" at position {p}")).unwrap_or_default())]
    InvalidQuery {
        query: String,
        position: Option<usize>,
        message: String,
    },
    /// A text index section could not be read.
    #[error("text index of segment {path}")]
    TextIndex {
        path: String,
        #[source]
        source: lakeseek_segment::text::index::TextIndexError,
    },
    /// A vector index section could not be read.
    #[error("vector index of segment {path}")]
    VectorIndex {
        path: String,
        #[source]
        source: lakeseek_segment::vector::VectorError,
    },
}

/// Result alias for table operations.
pub type TableResult<T> = Result<T, TableError>;
