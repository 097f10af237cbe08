//! The error classes of storage operations.

/// A storage failure, classified so callers can decide whether to retry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The object does not exist.
    #[error("object not found: {path}")]
    NotFound { path: String },
    /// A conditional write lost: the object already exists (or changed).
    #[error("conditional write lost: {path} already exists")]
    Conflict { path: String },
    /// A failure that may pass if the operation is retried (network, throttling).
    #[error("transient storage error at {path}")]
    Transient {
        path: String,
        #[source]
        source: object_store::Error,
    },
    /// A failure that retrying will not fix (permissions, bad configuration).
    #[error("storage error at {path}")]
    Permanent {
        path: String,
        #[source]
        source: object_store::Error,
    },
    /// The storage URI or its options could not be understood.
    #[error("invalid storage URI {uri:?}: {reason}")]
    InvalidUri { uri: String, reason: String },
    /// An object was shorter than a range asked of it: the object is truncated
    /// or a stored offset is wrong.
    #[error("range {start}..{end} is outside {path} ({len} bytes)")]
    OutOfRange {
        path: String,
        start: u64,
        end: u64,
        len: u64,
    },
}

/// Result alias for storage operations.
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Classifies an `object_store` error for the object at `path`.
    pub(crate) fn classify(path: &str, err: object_store::Error) -> Self {
        use object_store::Error as E;
        match err {
            E::NotFound { .. } => StoreError::NotFound { path: path.into() },
            E::AlreadyExists { .. } | E::Precondition { .. } => {
                StoreError::Conflict { path: path.into() }
            }
            E::Generic { .. } | E::JoinError { .. } => StoreError::Transient {
                path: path.into(),
                source: err,
            },
            _ => StoreError::Permanent {
                path: path.into(),
                source: err,
            },
        }
    }

    /// True when retrying the same operation may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Transient { .. })
    }
}
