//! Mapping between a segment's row numbers and `_id`s.
//!
//! A freshly written segment holds contiguous ids (`id_min + row`), so the
//! mapping is arithmetic. A compacted segment keeps its rows' ids but drops
//! deleted rows, so its ids ascend with gaps and the mapping reads the `_id`
//! column (decoded once, through the column cache).

use std::sync::Arc;

use arrow::array::{Array, AsArray, UInt64Array};
use arrow::datatypes::UInt64Type;

use crate::error::{TableError, TableResult};
use crate::manifest::{SegmentEntry, ROW_ID};
use crate::table::Table;

/// The `_id`s of one segment's rows.
#[derive(Debug, Clone)]
pub enum SegmentIds {
    /// Row `r` has id `start + r`.
    Dense { start: u64, rows: u64 },
    /// Ascending ids, one per row.
    Sparse(Arc<UInt64Array>),
}

impl SegmentIds {
    /// The id of row `row`.
    pub fn id(&self, row: u32) -> u64 {
        match self {
            SegmentIds::Dense { start, .. } => start + row as u64,
            SegmentIds::Sparse(ids) => ids.value(row as usize),
        }
    }

    /// The row holding `id`, if the segment has it.
    pub fn row_of(&self, id: u64) -> Option<u32> {
        match self {
            SegmentIds::Dense { start, rows } => {
                (id >= *start && id - start < *rows).then(|| (id - start) as u32)
            }
            SegmentIds::Sparse(ids) => ids.values().binary_search(&id).ok().map(|r| r as u32),
        }
    }
}

impl Table {
    /// The id mapping of a segment (no I/O unless its ids are sparse).
    pub async fn segment_ids(&self, entry: &SegmentEntry) -> TableResult<SegmentIds> {
        if !entry.sparse_ids {
            return Ok(SegmentIds::Dense {
                start: entry.id_min,
                rows: entry.rows,
            });
        }
        let batch = self.segment_columns(entry, &[ROW_ID.to_string()]).await?;
        let ids = batch
            .column(0)
            .as_primitive_opt::<UInt64Type>()
            .ok_or_else(|| TableError::CorruptManifest {
                path: self.segment_path(entry),
                detail: "the _id column is not UInt64".into(),
            })?;
        if ids.len() as u64 != entry.rows || ids.null_count() > 0 {
            return Err(TableError::CorruptManifest {
                path: self.segment_path(entry),
                detail: format!(
                    "the _id column has {} values ({} null); the manifest records {} rows",
                    ids.len(),
                    ids.null_count(),
                    entry.rows
                ),
            });
        }
        Ok(SegmentIds::Sparse(Arc::new(ids.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_mappings_agree_with_their_ids() {
        let dense = SegmentIds::Dense { start: 10, rows: 5 };
        assert_eq!(dense.id(0), 10);
        assert_eq!(dense.row_of(14), Some(4));
        assert_eq!(dense.row_of(15), None);
        assert_eq!(dense.row_of(9), None);
        let sparse = SegmentIds::Sparse(Arc::new(UInt64Array::from(vec![3, 7, 8, 20])));
        assert_eq!(sparse.id(3), 20);
        assert_eq!(sparse.row_of(8), Some(2));
        assert_eq!(sparse.row_of(9), None);
    }
}
