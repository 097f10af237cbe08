//! Opened index sections, cached per segment and column.
//!
//! Opening a section verifies its checksum and structure (the CRC-32 of the
//! whole section, the FST's own checksum, the document lengths), which costs
//! far more than answering a query from it. Segments are immutable and named
//! by unique paths, so an opened reader stays valid for as long as it is
//! cached; the budget counts section bytes (which the readers keep alive).

use std::sync::{Arc, Mutex, Weak};

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
    /// The text readers of the snapshots searched last, held weakly: a
    /// search finds its segments' readers here with no key to build and no
    /// LRU update (see [`Table::text_readers`]).
    text_memo: Mutex<Vec<TextMemo>>,
    vector: LruCache<(String, String), Arc<VectorIndexReader>>,
    /// Table-level vector models, by object path.
    pub(crate) models: LruCache<(String, String), Arc<lakeseek_segment::vector::VectorModel>>,
}

impl ReaderCache {
    /// A cache holding up to `budget` bytes of text and of vector sections.
    pub fn new(budget: usize) -> Self {
        ReaderCache {
            text: LruCache::new(budget),
            text_memo: Mutex::new(Vec::new()),
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

/// The text readers of one column of one snapshot's segments.
struct TextMemo {
    table: String,
    column: String,
    /// The segments' paths, in snapshot order: segment paths are unique, so
    /// equal paths are the same segments (a table dropped and created again
    /// under its name has new ones).
    segments: Vec<String>,
    readers: Vec<Weak<TextIndexReader>>,
    uses: u32,
}

/// Snapshots whose text readers are remembered (one per table and column
/// searched lately).
const TEXT_MEMO_ENTRIES: usize = 16;

/// Every this many uses, a remembered snapshot's readers are looked up in
/// the LRU again, so that readers in constant use are not the least
/// recently used ones there.
const TEXT_MEMO_REFRESH: u32 = 64;

impl Table {
    /// The text index of `column` in every segment of `snapshot`, in
    /// snapshot order (`None` where a segment has no such section).
    ///
    /// The readers of the snapshots searched last are remembered weakly —
    /// they stay owned by the LRU, whose budget still decides what is kept —
    /// so a search over a snapshot it has seen costs a few pointer
    /// upgrades, not a cache key per segment.
    pub async fn text_readers(
        &self,
        snapshot: &crate::manifest::Snapshot,
        column: &str,
    ) -> TableResult<Vec<Option<Arc<TextIndexReader>>>> {
        if let Some(found) = self.remembered_text_readers(snapshot, column) {
            return Ok(found);
        }
        let mut readers = Vec::with_capacity(snapshot.segments.len());
        for entry in &snapshot.segments {
            readers.push(self.text_reader(entry, column).await?);
        }
        // Remember only complete sets (a segment without the section is
        // answered by the slow path every time: rare, and correct).
        if readers.iter().all(Option::is_some) {
            let mut memo = self.reader_cache().text_memo.lock().expect("memo lock");
            memo.retain(|m| !(m.table == self.log.name && m.column == column));
            if memo.len() >= TEXT_MEMO_ENTRIES {
                memo.remove(0);
            }
            memo.push(TextMemo {
                table: self.log.name.clone(),
                column: column.to_string(),
                segments: snapshot.segments.iter().map(|e| e.path.clone()).collect(),
                readers: readers.iter().flatten().map(Arc::downgrade).collect(),
                uses: 0,
            });
        }
        Ok(readers)
    }

    fn remembered_text_readers(
        &self,
        snapshot: &crate::manifest::Snapshot,
        column: &str,
    ) -> Option<Vec<Option<Arc<TextIndexReader>>>> {
        let mut memo = self.reader_cache().text_memo.lock().expect("memo lock");
        let m = memo
            .iter_mut()
            .find(|m| m.table == self.log.name && m.column == column)?;
        let same = m.segments.len() == snapshot.segments.len()
            && m.segments
                .iter()
                .zip(&snapshot.segments)
                .all(|(a, e)| *a == e.path);
        m.uses = m.uses.wrapping_add(1);
        if !same || m.uses % TEXT_MEMO_REFRESH == 0 {
            return None;
        }
        m.readers.iter().map(|w| w.upgrade().map(Some)).collect()
    }

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
