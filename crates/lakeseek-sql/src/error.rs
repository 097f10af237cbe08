//! Errors at the SQL boundary.

use datafusion::error::DataFusionError;
use lakeseek_table::TableError;

/// Wraps a table error for DataFusion, keeping it typed (callers can
/// downcast the `External` source back to [`TableError`]).
pub(crate) fn to_df(e: TableError) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// An error of a SQL statement.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    DataFusion(#[from] DataFusionError),
    #[error("{0}")]
    Unsupported(String),
}

impl SqlError {
    /// The [`TableError`] behind this error, if there is one.
    pub fn table_error(&self) -> Option<&TableError> {
        match self {
            SqlError::Table(e) => Some(e),
            SqlError::DataFusion(DataFusionError::External(e)) => e.downcast_ref::<TableError>(),
            _ => None,
        }
    }
}
