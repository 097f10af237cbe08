//! The table's manifest: commit records (what one version changed) and the
//! snapshot state they fold into.
//!
//! Version `v` is the object `_lakeseek/versions/{v/100:016}/{v:020}.json` holding one
//! [`Commit`]. A checkpoint `_lakeseek/checkpoints/{v:020}.json` holds the
//! whole [`Snapshot`] at `v`, so opening a table reads one checkpoint and the
//! few commits after it, never the whole log.

use std::collections::{BTreeMap, BTreeSet};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use lakeseek_segment::ColumnStats;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::deletes::DeletionVector;
use crate::error::{TableError, TableResult};
use crate::options::TableOptions;

/// Name of the row-id column every table has.
pub const ROW_ID: &str = "_id";

/// Manifest format version written by this build.
pub const MANIFEST_VERSION: u32 = 1;

/// What a table is: its user schema and declared options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableMetadata {
    pub name: String,
    /// The user's columns, without `_id`.
    pub schema: Schema,
    pub options: TableOptions,
    pub created_ms: u64,
}

impl TableMetadata {
    /// The schema of the stored rows: `_id` followed by the user's columns.
    pub fn physical_schema(&self) -> SchemaRef {
        let mut fields: Vec<Arc<Field>> =
            vec![Arc::new(Field::new(ROW_ID, DataType::UInt64, false))];
        fields.extend(self.schema.fields().iter().cloned());
        Arc::new(Schema::new_with_metadata(
            fields,
            self.schema.metadata().clone(),
        ))
    }
}

/// One segment as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentEntry {
    /// Path relative to the table directory, e.g. `data/0a1b….parquet`.
    pub path: String,
    /// Exact object size in bytes.
    pub size: u64,
    /// CRC-32 of the whole object, checked by `lakeseek check`.
    pub crc32: u32,
    pub rows: u64,
    /// Smallest and largest `_id` in the segment.
    pub id_min: u64,
    pub id_max: u64,
    /// Per-column statistics, for pruning before any GET.
    pub columns: BTreeMap<String, ColumnStats>,
    /// Version that added the segment.
    pub added_in: u64,
    /// Index sections inside the object, so a cold open reads a section with
    /// one range GET and no footer read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<lakeseek_segment::SectionEntry>,
    /// Per text column: documents and tokens, for table-wide BM25 statistics.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub text: BTreeMap<String, TextStats>,
    /// Deleted rows (by row number), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<DeletionVector>,
    /// The segment's `_id`s are ascending but not contiguous (a compacted
    /// segment keeps its rows' ids and drops deleted rows): row → id needs the
    /// `_id` column. When false, row `r` has id `id_min + r`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sparse_ids: bool,
    /// Per vector column: the clusters of its section (model fingerprint,
    /// rows and radius per cluster), so a query ranks clusters and skips
    /// segments without opening them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vectors: BTreeMap<String, lakeseek_segment::vector::VectorSegmentSummary>,
    /// A pending WAL object seen as a segment by readers: its bytes live in
    /// memory, never in the manifest.
    #[serde(skip)]
    pub in_memory: bool,
}

/// Token counts of one text column of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TextStats {
    pub docs: u64,
    pub tokens: u64,
}

impl SegmentEntry {
    /// Rows not deleted.
    pub fn live_rows(&self) -> u64 {
        self.rows - self.deleted.as_ref().map_or(0, |d| d.0.len())
    }

    /// The section entry named `name`.
    pub fn section(&self, name: &str) -> Option<&lakeseek_segment::SectionEntry> {
        self.sections.iter().find(|s| s.name == name)
    }
}

/// One change recorded in a commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Creates the table (version 0 only).
    Metadata(TableMetadata),
    /// Adds a segment.
    AddSegment(SegmentEntry),
    /// Removes a segment from later snapshots (its file stays until GC).
    RemoveSegment { path: String },
    /// Reserves `_id` values `start..start + count` for a transaction that
    /// writes segments before it commits.
    ReserveRowIds { start: u64, count: u64 },
    /// Deletes rows (by row number) of a segment: added to its deletion
    /// vector.
    DeleteRows { path: String, rows: DeletionVector },
    /// Records a caller's batch id, so a retried append with the same id is
    /// recognised and not applied twice.
    BatchId { id: String },
    /// WAL objects `from..=through` are now in segments (added by the same
    /// commit).
    WalFolded { from: u64, through: u64 },
    /// The table's model for a vector column (first training or retrain).
    SetVectorModel {
        column: String,
        model: crate::vector_models::ModelRef,
    },
}

/// The object stored at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    pub format: u32,
    pub version: u64,
    pub timestamp_ms: u64,
    /// Human-readable operation: `create`, `append`, `insert`, `import`, …
    pub operation: String,
    /// Random id of the transaction, so a writer whose PUT landed but whose
    /// reply was lost recognises its own commit instead of applying it twice.
    pub txn: String,
    pub actions: Vec<Action>,
}

/// The state of a table at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: u32,
    pub version: u64,
    pub timestamp_ms: u64,
    pub metadata: TableMetadata,
    /// Shared entries: a snapshot is cloned on every commit attempt and
    /// read path, and must stay cheap to clone however many segments it has.
    pub segments: Vec<Arc<SegmentEntry>>,
    /// The smallest `_id` not yet used or reserved.
    pub next_row_id: u64,
    /// Batch ids of committed idempotent appends.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub batch_ids: BTreeSet<String>,
    /// Every WAL object up to this sequence number is folded into segments.
    #[serde(default)]
    pub wal_folded_through: u64,
    /// The table's vector model per vector column.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vector_models: BTreeMap<String, crate::vector_models::ModelRef>,
}

impl Snapshot {
    /// The snapshot at version 0, from the creating commit.
    pub fn from_create(commit: &Commit, path: &str) -> TableResult<Snapshot> {
        let corrupt = |detail: &str| TableError::CorruptManifest {
            path: path.into(),
            detail: detail.into(),
        };
        if commit.version != 0 {
            return Err(corrupt("the first commit is not version 0"));
        }
        let metadata = match commit.actions.first() {
            Some(Action::Metadata(m)) => m.clone(),
            _ => return Err(corrupt("version 0 does not start with table metadata")),
        };
        let mut snapshot = Snapshot {
            format: MANIFEST_VERSION,
            version: 0,
            timestamp_ms: commit.timestamp_ms,
            metadata,
            segments: Vec::new(),
            next_row_id: 0,
            batch_ids: BTreeSet::new(),
            wal_folded_through: 0,
            vector_models: BTreeMap::new(),
        };
        snapshot.apply_actions(&commit.actions[1..], path)?;
        Ok(snapshot)
    }

    /// Folds the next commit into this snapshot.
    pub fn apply(&mut self, commit: &Commit, path: &str) -> TableResult<()> {
        if commit.version != self.version + 1 {
            return Err(TableError::CorruptManifest {
                path: path.into(),
                detail: format!(
                    "expected version {}, found {}",
                    self.version + 1,
                    commit.version
                ),
            });
        }
        self.apply_actions(&commit.actions, path)?;
        self.version = commit.version;
        self.timestamp_ms = commit.timestamp_ms;
        Ok(())
    }

    fn apply_actions(&mut self, actions: &[Action], path: &str) -> TableResult<()> {
        let corrupt = |detail: String| TableError::CorruptManifest {
            path: path.into(),
            detail,
        };
        for action in actions {
            match action {
                Action::Metadata(_) => {
                    return Err(corrupt("table metadata after version 0".into()))
                }
                Action::AddSegment(seg) => {
                    if seg.id_min > seg.id_max && seg.rows > 0 {
                        return Err(corrupt(format!(
                            "segment {} has an empty id range",
                            seg.path
                        )));
                    }
                    if self.segments.iter().any(|s| s.path == seg.path) {
                        return Err(corrupt(format!("segment {} added twice", seg.path)));
                    }
                    self.next_row_id = self.next_row_id.max(seg.id_max.saturating_add(1));
                    self.segments.push(Arc::new(seg.clone()));
                }
                Action::RemoveSegment { path: seg } => {
                    let before = self.segments.len();
                    self.segments.retain(|s| &s.path != seg);
                    if self.segments.len() == before {
                        return Err(corrupt(format!("removes unknown segment {seg}")));
                    }
                }
                Action::DeleteRows { path: seg, rows } => {
                    let entry = self
                        .segments
                        .iter_mut()
                        .find(|s| &s.path == seg)
                        .ok_or_else(|| corrupt(format!("deletes rows of unknown segment {seg}")))?;
                    if rows.0.max().is_some_and(|r| r as u64 >= entry.rows) {
                        return Err(corrupt(format!(
                            "deletes a row past the end of segment {seg}"
                        )));
                    }
                    let entry = Arc::make_mut(entry);
                    match &mut entry.deleted {
                        Some(dv) => dv.0 |= &rows.0,
                        None => entry.deleted = Some(rows.clone()),
                    }
                }
                Action::BatchId { id } => {
                    self.batch_ids.insert(id.clone());
                }
                Action::SetVectorModel { column, model } => {
                    self.vector_models.insert(column.clone(), model.clone());
                }
                Action::WalFolded { from, through } => {
                    if *from != self.wal_folded_through + 1 || through < from {
                        return Err(corrupt(format!(
                            "folds WAL {from}..={through} but the fold point is {}",
                            self.wal_folded_through
                        )));
                    }
                    self.wal_folded_through = *through;
                }
                Action::ReserveRowIds { start, count } => {
                    let end = start
                        .checked_add(*count)
                        .ok_or_else(|| corrupt("row id reservation overflows".into()))?;
                    self.next_row_id = self.next_row_id.max(end);
                }
            }
        }
        Ok(())
    }

    /// Live rows in the snapshot (deleted rows excluded).
    pub fn rows(&self) -> u64 {
        self.segments.iter().map(|s| s.live_rows()).sum()
    }

    /// Bytes of segment data in the snapshot.
    pub fn bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.size).sum()
    }
}

/// Encodes a manifest object.
pub fn encode<T: Serialize>(value: &T) -> bytes::Bytes {
    bytes::Bytes::from(serde_json::to_vec(value).expect("manifest serialisation cannot fail"))
}

/// Decodes a manifest object, naming the object in the error.
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8], path: &str) -> TableResult<T> {
    serde_json::from_slice(bytes).map_err(|e| TableError::CorruptManifest {
        path: path.into(),
        detail: e.to_string(),
    })
}

/// Decodes a commit and checks its format version.
pub fn decode_commit(bytes: &[u8], path: &str) -> TableResult<Commit> {
    let commit: Commit = decode(bytes, path)?;
    if commit.format == 0 || commit.format > MANIFEST_VERSION {
        return Err(TableError::CorruptManifest {
            path: path.into(),
            detail: format!("manifest format {} is not supported", commit.format),
        });
    }
    Ok(commit)
}
