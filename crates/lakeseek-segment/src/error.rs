//! Errors of segment encoding and decoding.

/// Why a segment could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SegmentError {
    /// The Parquet layer rejected the bytes or the data.
    #[error("parquet error while {context}")]
    Parquet {
        context: &'static str,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Arrow rejected the data.
    #[error("arrow error while {context}")]
    Arrow {
        context: &'static str,
        #[source]
        source: arrow::error::ArrowError,
    },
    /// The bytes are not a LakeSeek segment (a plain Parquet file, or not Parquet).
    #[error("not a LakeSeek segment: {reason}")]
    NotASegment { reason: String },
    /// The segment was written by a newer format version.
    #[error(
        "segment format version {found} is not supported (this build reads up to {supported})"
    )]
    UnsupportedVersion { found: u32, supported: u32 },
    /// A structure inside the segment is inconsistent.
    #[error("corrupt segment: {what}: {detail}")]
    Corrupt { what: String, detail: String },
    /// A section's bytes do not match the checksum recorded in the footer.
    #[error(
        "checksum mismatch in section {section:?}: expected {expected:#010x}, found {found:#010x}"
    )]
    ChecksumMismatch {
        section: String,
        expected: u32,
        found: u32,
    },
    /// No section of that name exists.
    #[error("segment has no section {0:?}")]
    NoSuchSection(String),
    /// The caller asked for something impossible (empty input, bad projection).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Result alias for segment operations.
pub type SegmentResult<T> = Result<T, SegmentError>;

impl SegmentError {
    pub(crate) fn corrupt(what: impl Into<String>, detail: impl Into<String>) -> Self {
        SegmentError::Corrupt {
            what: what.into(),
            detail: detail.into(),
        }
    }
}
