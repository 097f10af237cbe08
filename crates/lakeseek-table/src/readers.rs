//! Opened index sections, cached per segment and column.
//!
//! Opening a section verifies its checksum and structure (the CRC-32 of the
//! whole section, the FST's own checksum, the document lengths), which costs
//! far more than answering a query from it. Segments are immutable and named
//! by unique paths, so an opened reader stays valid for as long as it is
//! cached; the budget counts section bytes (which the readers keep alive).

use std::sync::Arc;

use bytes::Bytes;

use lakeseek_segment::text::index::TextIndexReader;
use lakeseek_segment::vector::VectorIndexReader;
use lakeseek_store::LruCache;

use crate::error::{TableError, TableResult};
use crate::indexing::{text_section, vector_section};
use crate::manifest::SegmentEntry;
use crate::table::Table;

/// Default budget of opened sections (bytes of the sections they hold).
pub const DEFAULT_READER_CACHE_BYTES: usize = 1 << 30;

/// Opened text and vector sections, shared by the tables of a catalog.
pub struct ReaderCache {
    text: LruCache<(String, String), Arc<TextIndexReader>>,
    vector: LruCache<(String, String), Arc<VectorIndexReader>>,
    /// Table-level vector models, by object path.
    pub(crate) models: LruCache<(String, String), Arc<lakeseek_segment::vector::VectorModel>>,
}

impl ReaderCache {
    /// A cache holding up to `budget` bytes of text and of vector sections.
    pub fn new(budget: usize) -> Self {
        ReaderCache {
            text: LruCache::new(budget),
            vector: LruCache::new(budget),
            models: LruCache::new(budget),
        }
    }
}

impl std::fmt::Debug for ReaderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderCache")
            .field("text", &self.text.stats())
            .field("vector", &self.vector.stats())
            .finish()
    }
}

impl Default for ReaderCache {
    fn default() -> Self {
        Self::new(DEFAULT_READER_CACHE_BYTES)
    }
}

impl Table {
    /// The text index of `column` in one segment, opened once and cached;
    /// `None` if the segment has no such section.
    pub async fn text_reader(
        &self,
        entry: &SegmentEntry,
        column: &str,
    ) -> TableResult<Option<Arc<TextIndexReader>>> {
        self.cached_reader(
            &self.reader_cache().text,
            entry,
            column,
            &text_section(column),
            |bytes, path| {
                TextIndexReader::open(bytes)
                    .map_err(|source| TableError::TextIndex { path, source })
            },
        )
        .await
    }

    /// The vector index of `column` in one segment, opened once and cached;
    /// `None` if the segment has no such section (small or fresh data).
    pub async fn vector_reader(
        &self,
        entry: &SegmentEntry,
        column: &str,
    ) -> TableResult<Option<Arc<VectorIndexReader>>> {
        self.cached_reader(
            &self.reader_cache().vector,
            entry,
            column,
            &vector_section(column),
            |bytes, path| {
                VectorIndexReader::open(bytes)
                    .map_err(|source| TableError::VectorIndex { path, source })
            },
        )
        .await
    }

    /// Looks `(segment, column)` up in `cache`; on a miss reads section
    /// `section` (checksum verified), opens it with `open` and caches it,
    /// weighed by the section's bytes.
    async fn cached_reader<R>(
        &self,
        cache: &LruCache<(String, String), Arc<R>>,
        entry: &SegmentEntry,
        column: &str,
        section: &str,
        open: impl FnOnce(Bytes, String) -> TableResult<R>,
    ) -> TableResult<Option<Arc<R>>> {
        let key = (self.segment_path(entry), column.to_string());
        if let Some(r) = cache.get(&key) {
            return Ok(Some(r));
        }
        let Some(bytes) = self.read_section(entry, section).await? else {
            return Ok(None);
        };
        let weight = bytes.len();
        let reader = Arc::new(open(bytes, key.0.clone())?);
        cache.insert(key, reader.clone(), weight);
        Ok(Some(reader))
    }
}
