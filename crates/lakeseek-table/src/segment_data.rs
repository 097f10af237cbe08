//! Reading parts of segments for search: index sections (range reads through
//! the store's byte cache) and decoded columns (kept in a memory cache with a
//! budget, so a hot table answers row fetches and filters without decoding).

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use arrow::datatypes::{Field, Schema};
use bytes::Bytes;
use lakeseek_segment::SegmentReader;
use lakeseek_store::LruCache;

use crate::error::{TableError, TableResult};
use crate::manifest::SegmentEntry;
use crate::table::Table;

/// Default budget of the decoded column cache.
pub const DEFAULT_COLUMN_CACHE_BYTES: usize = 1 << 30;

/// Decoded columns of segments: `(segment path, column) → array`.
pub type ColumnCache = LruCache<(String, String), ArrayRef>;

impl Table {
    /// The bytes of section `name` of a segment, checksum verified.
    pub async fn read_section(
        &self,
        entry: &SegmentEntry,
        name: &str,
    ) -> TableResult<Option<Bytes>> {
        let Some(section) = entry.section(name) else {
            return Ok(None);
        };
        let path = self.segment_path(entry);
        let end = section
            .offset
            .checked_add(section.length)
            .filter(|&e| e <= entry.size)
            .ok_or_else(|| TableError::CorruptManifest {
                path: path.clone(),
                detail: format!("section {name:?} lies outside the segment"),
            })?;
        let bytes = self.segment_bytes(entry, section.offset..end).await?;
        let found = crc32fast::hash(&bytes);
        if found != section.crc32 {
            return Err(TableError::Segment {
                path,
                source: lakeseek_segment::SegmentError::ChecksumMismatch {
                    section: name.into(),
                    expected: section.crc32,
                    found,
                },
            });
        }
        Ok(Some(bytes))
    }

    /// The named columns of one segment, decoded (from the cache when hot).
    pub async fn segment_columns(
        &self,
        entry: &SegmentEntry,
        columns: &[String],
    ) -> TableResult<RecordBatch> {
        let path = self.segment_path(entry);
        let cache = self.column_cache();
        let mut arrays: Vec<Option<ArrayRef>> = columns
            .iter()
            .map(|c| cache.get(&(path.clone(), c.clone())))
            .collect();
        let missing: Vec<String> = columns
            .iter()
            .zip(&arrays)
            .filter(|(_, a)| a.is_none())
            .map(|(c, _)| c.clone())
            .collect();
        if !missing.is_empty() {
            let bytes = self.segment_bytes(entry, 0..entry.size).await?;
            let found = crc32fast::hash(&bytes);
            if found != entry.crc32 {
                return Err(TableError::CorruptManifest {
                    path: path.clone(),
                    detail: format!(
                        "segment crc {found:#010x}, the manifest records {:#010x}",
                        entry.crc32
                    ),
                });
            }
            let reader = SegmentReader::open(bytes).map_err(|source| TableError::Segment {
                path: path.clone(),
                source,
            })?;
            let schema = reader.schema();
            let indices = missing
                .iter()
                .map(|c| {
                    schema.index_of(c).map_err(|_| TableError::Schema {
                        column: c.clone(),
                        detail: format!("not in segment {path}"),
                    })
                })
                .collect::<TableResult<Vec<_>>>()?;
            let mut sorted = indices.clone();
            sorted.sort_unstable();
            let batches = reader
                .read(Some(&sorted))
                .map_err(|source| TableError::Segment {
                    path: path.clone(),
                    source,
                })?;
            let projected =
                Arc::new(
                    schema
                        .project(&sorted)
                        .map_err(|source| TableError::Arrow {
                            context: "projecting a segment",
                            source,
                        })?,
                );
            let whole = arrow::compute::concat_batches(&projected, &batches).map_err(|source| {
                TableError::Arrow {
                    context: "concatenating a segment's batches",
                    source,
                }
            })?;
            for name in &missing {
                let array = whole
                    .column_by_name(name)
                    .cloned()
                    .expect("projected column present");
                cache.insert(
                    (path.clone(), name.clone()),
                    array.clone(),
                    array.get_array_memory_size(),
                );
                let slot = columns
                    .iter()
                    .position(|c| c == name)
                    .expect("requested column");
                arrays[slot] = Some(array);
            }
        }
        let arrays: Vec<ArrayRef> = arrays
            .into_iter()
            .map(|a| a.expect("every column resolved"))
            .collect();
        let fields: Vec<Field> = columns
            .iter()
            .zip(&arrays)
            .map(|(c, a)| Field::new(c, a.data_type().clone(), true))
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|source| {
            TableError::Arrow {
                context: "assembling segment columns",
                source,
            }
        })
    }

    /// Rows `rows` (in that order) of one segment, columns `columns`.
    pub async fn take_rows(
        &self,
        entry: &SegmentEntry,
        rows: &[u32],
        columns: &[String],
    ) -> TableResult<RecordBatch> {
        let batch = self.segment_columns(entry, columns).await?;
        if let Some(bad) = rows.iter().find(|&&r| r as u64 >= entry.rows) {
            return Err(TableError::CorruptManifest {
                path: self.segment_path(entry),
                detail: format!("row {bad} past the segment's {} rows", entry.rows),
            });
        }
        let indices = UInt32Array::from(rows.to_vec());
        arrow::compute::take_record_batch(&batch, &indices).map_err(|source| TableError::Arrow {
            context: "taking rows",
            source,
        })
    }
}
