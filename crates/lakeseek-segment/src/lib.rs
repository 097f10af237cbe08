//! The immutable LakeSeek segment.
//!
//! A segment is one object that is at once a valid Parquet file — DuckDB,
//! pyarrow or Spark read it as it is — and a container of index sections
//! (full-text, vector) placed between the last row group and the Parquet
//! footer. The sections are found through one key-value entry of the Parquet
//! footer, [`SEGMENT_METADATA_KEY`]; readers of the Parquet part never look at
//! them. The byte layout is documented in `FORMAT.md` beside this crate.
//!
//! This crate encodes and decodes bytes; it does no I/O. Everything it reads
//! it validates: a length or offset taken from the bytes is checked against
//! the bytes before use, and corruption is a [`SegmentError`], never a panic.

mod batch_size;
mod error;
mod footer;
mod reader;
mod stats;
pub mod text;
pub mod vector;
mod writer;

pub use batch_size::batch_data_bytes;
pub use error::{SegmentError, SegmentResult};
pub use footer::{SectionEntry, SegmentFooter, FORMAT_ID, FORMAT_VERSION, SEGMENT_METADATA_KEY};
pub use reader::SegmentReader;
pub use stats::{ColumnStats, SegmentStats, StatValue};
pub use writer::{write_segment, EncodedSegment, Section, SegmentWriteOptions};
