//! The per-segment, per-column inverted index.
//!
//! [`TextIndexBuilder`] takes already-analyzed documents — `(term, position)`
//! tokens, documents numbered 0, 1, 2, … in row order — and produces the bytes
//! of one section. [`TextIndexReader`] opens those bytes without copying them
//! and gives out [`TermInfo`]s from the FST term dictionary and
//! [`PostingsCursor`]s over block-encoded postings with block-max data for
//! dynamic pruning.
//!
//! The byte layout is described in `TEXT_FORMAT.md` beside this crate. Readers
//! trust nothing they read: every offset and length is checked against the
//! bytes before use, and corruption surfaces as a [`TextIndexError`] (for a
//! cursor, see [`PostingsCursor::error`]), never as a panic.

mod block;
mod bound;
mod format;
mod postings;
mod reader;
mod vocab;
mod writer;

pub use bound::{BlockBound, BOUND_SLOTS, MAX_PAIRS};
pub use postings::PostingsCursor;
pub use reader::{TermsMatching, TextIndexReader};
pub use writer::TextIndexBuilder;

pub(crate) use format::BLOCK_LEN;
pub(crate) use reader::DocLens;

/// The doc id a cursor reports once exhausted; never a valid document.
pub const TERMINATED: u32 = u32::MAX;

/// What a text index stores besides document ids and term frequencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextIndexOptions {
    /// Store token positions (needed for phrase queries). Default `true`.
    pub positions: bool,
}

impl Default for TextIndexOptions {
    fn default() -> Self {
        TextIndexOptions { positions: true }
    }
}

/// Why a text index section could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextIndexError {
    /// The bytes do not start with the text index magic.
    #[error("not a text index section (bad magic)")]
    BadMagic,
    /// The section was written by a newer format version.
    #[error("text index version {found} is not supported (this build reads up to {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    /// A structure inside the section is inconsistent or truncated.
    #[error("corrupt text index: {what}")]
    Corrupt { what: &'static str },
    /// The FST term dictionary failed its own checks.
    #[error("corrupt text index: term dictionary")]
    Dictionary(#[source] fst::Error),
    /// Positions were requested from an index built without them.
    #[error("the text index was built without positions")]
    PositionsNotIndexed,
    /// The query cannot be evaluated as given (for example an empty phrase).
    #[error("invalid query: {0}")]
    InvalidQuery(&'static str),
}

/// Statistics and location of one term's postings in one segment.
///
/// Obtained from [`TextIndexReader::term`] or
/// [`TextIndexReader::terms_matching`]; only meaningful for the reader that
/// produced it (another reader's `TermInfo` yields garbage or an error, never
/// a panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermInfo {
    pub(crate) doc_freq: u32,
    pub(crate) total_term_freq: u64,
    pub(crate) bound: BlockBound,
    pub(crate) loc: TermLoc,
}

/// Where a term's postings live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermLoc {
    /// A single posting held in the dictionary value.
    Inline { doc: u32, tf: u32, position: u32 },
    /// A record in the postings region: `body` is the offset, within the
    /// postings region, of the first byte after the record header; `positions`
    /// the offset of the term's positions within the positions region.
    Record { body: usize, positions: usize },
}

impl TermInfo {
    /// Number of documents containing the term in this segment.
    pub fn doc_freq(&self) -> u32 {
        self.doc_freq
    }

    /// Number of postings blocks of the term in this segment (an inline
    /// posting is one).
    pub fn num_blocks(&self) -> u32 {
        match self.loc {
            TermLoc::Inline { .. } => 1,
            TermLoc::Record { .. } => self.doc_freq.div_ceil(BLOCK_LEN as u32),
        }
    }

    /// Number of occurrences of the term in this segment.
    pub fn total_term_freq(&self) -> u64 {
        self.total_term_freq
    }

    /// The largest term frequency in any one document.
    pub fn max_tf(&self) -> u32 {
        self.bound.corner().0
    }

    /// The smallest length of a document containing the term.
    pub fn min_doc_len(&self) -> u32 {
        self.bound.corner().1
    }

    /// `(tf, len)` pairs covering all the term's documents, for a tight
    /// upper bound of its score (see [`BlockBound`]).
    pub fn bound(&self) -> BlockBound {
        self.bound
    }
}
