//! Errors of the vector index: bad input from the caller, and bad bytes.

/// Why a vector operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VectorError {
    /// A vector or a model has dimension zero.
    #[error("vector dimension must be at least 1")]
    ZeroDimension,
    /// A vector's length differs from the dimension it is used with.
    #[error("{what} has dimension {found}, expected {expected}")]
    DimensionMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// Two inputs that must have as many entries do not.
    #[error("{what} has {found} entries, expected {expected}")]
    CountMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// A row-major buffer is not a whole number of vectors.
    #[error("{what} holds {len} floats, not a multiple of the dimension {dim}")]
    RaggedVectors {
        what: &'static str,
        len: usize,
        dim: usize,
    },
    /// A value is NaN or infinite.
    #[error("{what} has a non-finite value at row {row}, component {component}")]
    NonFinite {
        what: &'static str,
        row: usize,
        component: usize,
    },
    /// Something that must not be empty is empty.
    #[error("{what} is empty")]
    Empty { what: &'static str },
    /// More rows than a segment addresses with `u32` row ids.
    #[error("{what} has {rows} rows; a segment holds at most {max}")]
    TooManyRows {
        what: &'static str,
        rows: usize,
        max: usize,
    },
    /// A parameter is outside its allowed range.
    #[error("parameter {name} = {value} is invalid: {reason}")]
    InvalidParameter {
        name: &'static str,
        value: usize,
        reason: &'static str,
    },
    /// A row id has no vector in the buffer it indexes.
    #[error("row {row} is outside {what} ({rows} rows)")]
    RowOutOfRange {
        what: &'static str,
        row: u32,
        rows: usize,
    },
    /// The bytes were written by a newer format version.
    #[error("{what} format version {found} is not supported (this build reads up to {supported})")]
    UnsupportedVersion {
        what: &'static str,
        found: u32,
        supported: u32,
    },
    /// The bytes are not what they claim to be.
    #[error("corrupt {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
}

impl VectorError {
    pub(crate) fn corrupt(what: &'static str, detail: impl Into<String>) -> Self {
        VectorError::Corrupt {
            what,
            detail: detail.into(),
        }
    }
}
