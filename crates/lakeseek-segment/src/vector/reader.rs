//! Opening a vector section: every count, length and float is validated
//! here, once, so that search can index without further checks.

use bytes::Bytes;

use super::codec::{bounded, Cursor};
use super::ivf::{CLUSTER_ENTRY_LEN, HEADER_LEN, MAGIC, VERSION};
use super::model::{MAX_CLUSTERS, MAX_DIM};
use super::rotation::{padded_dim, Rotation};
use super::simd::{BLOCK_LANES, QUERY_BITS};
use super::summary::{ClusterSummary, VectorSegmentSummary};
use super::{Metric, VectorError};

/// One stored cluster, with its place in the per-row and per-slot arrays.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClusterInfo {
    pub summary: ClusterSummary,
    /// First row (index into rerank scales, int8 rows, row ids).
    pub first_row: usize,
    /// First slot (block lane); a multiple of `BLOCK_LANES`.
    pub first_slot: usize,
}

impl ClusterInfo {
    pub fn rows(&self) -> usize {
        self.summary.rows as usize
    }
    pub fn blocks(&self) -> usize {
        self.rows().div_ceil(BLOCK_LANES)
    }
}

/// An opened vector section, ready to search (see [`VectorIndexReader::search`]).
#[derive(Debug, Clone)]
pub struct VectorIndexReader {
    pub(crate) metric: Metric,
    pub(crate) dim: usize,
    pub(crate) padded: usize,
    pub(crate) model_fingerprint: u64,
    pub(crate) rotation: Rotation,
    pub(crate) clusters: Vec<ClusterInfo>,
    /// Rotated centroids, `padded` floats per stored cluster.
    pub(crate) centroids: Vec<f32>,
    /// Interleaved code blocks (`padded / 8` bytes per slot).
    pub(crate) codes: Bytes,
    /// Per slot.
    pub(crate) adds: Vec<f32>,
    pub(crate) factors: Vec<f32>,
    pub(crate) errors: Vec<f32>,
    /// Per row.
    pub(crate) rerank_scales: Vec<f32>,
    /// `padded` int8 per row.
    pub(crate) int8: Bytes,
    pub(crate) row_ids: Vec<u32>,
}

impl VectorIndexReader {
    /// Opens section bytes written by [`super::VectorIndexBuilder`].
    /// The codes and the rerank copy stay in `bytes` (no copy).
    pub fn open(bytes: Bytes) -> Result<Self, VectorError> {
        let mut c = Cursor::new(&bytes, "vector section");
        if c.take(4, "magic")? != MAGIC {
            return Err(c.corrupt("bad magic"));
        }
        let version = c.u32("version")?;
        if version != VERSION {
            return Err(VectorError::UnsupportedVersion {
                what: "vector section",
                found: version,
                supported: VERSION,
            });
        }
        let metric =
            Metric::from_code(c.u8("metric")?).ok_or_else(|| c.corrupt("unknown metric"))?;
        let query_bits = c.u8("query bits")?;
        let lanes = c.u8("block lanes")?;
        if usize::from(query_bits) != QUERY_BITS || usize::from(lanes) != BLOCK_LANES {
            return Err(c.corrupt(format!(
                "unsupported query bits {query_bits} / block lanes {lanes}"
            )));
        }
        c.u8("reserved")?;
        let dim = c.u32("dim")?;
        let dim = bounded(&c, dim, MAX_DIM, "dim")?;
        let padded = c.u32("padded dim")? as usize;
        if dim == 0 || padded != padded_dim(dim) {
            return Err(c.corrupt(format!("dim {dim} with padded dim {padded}")));
        }
        let rounds = c.u32("rotation rounds")?;
        let rounds = bounded(&c, rounds, 64, "rotation rounds")?;
        let stored = c.u32("clusters")?;
        let stored = bounded(&c, stored, MAX_CLUSTERS, "clusters")?;
        let rows = c.u32("rows")? as usize;
        let model_fingerprint = c.u64("model fingerprint")?;
        let model_clusters = c.u32("model clusters")? as usize;
        c.u32("reserved")?;
        debug_assert_eq!(c.pos(), HEADER_LEN);
        let words = padded / 64;
        let signs = c.u64s(rounds * words, "rotation signs")?;

        let table = c.range(stored, CLUSTER_ENTRY_LEN, "cluster table")?;
        let table = &bytes[table];
        let mut clusters = Vec::with_capacity(stored);
        let (mut first_row, mut first_slot) = (0usize, 0usize);
        for entry in table.chunks_exact(CLUSTER_ENTRY_LEN) {
            let field =
                |i: usize| u32::from_le_bytes(entry[4 * i..4 * i + 4].try_into().expect("4 bytes"));
            let summary = ClusterSummary {
                cluster: field(0),
                rows: field(1),
                radius: f32::from_bits(field(2)),
            };
            let ordered = clusters
                .last()
                .is_none_or(|p: &ClusterInfo| p.summary.cluster < summary.cluster);
            if !ordered || summary.cluster as usize >= model_clusters {
                return Err(c.corrupt(format!(
                    "cluster id {} out of order or range",
                    summary.cluster
                )));
            }
            if summary.rows == 0 || !(summary.radius.is_finite() && summary.radius >= 0.0) {
                return Err(c.corrupt(format!(
                    "cluster {} has bad rows or radius",
                    summary.cluster
                )));
            }
            let info = ClusterInfo {
                summary,
                first_row,
                first_slot,
            };
            // Every row needs bytes of its own, so a sum beyond the section
            // length is corrupt (and this keeps the sums from overflowing).
            first_row = first_row
                .checked_add(info.rows())
                .filter(|&r| r <= bytes.len())
                .ok_or_else(|| c.corrupt("cluster sizes exceed the section"))?;
            first_slot += info.blocks() * BLOCK_LANES;
            clusters.push(info);
        }
        if first_row != rows {
            return Err(c.corrupt(format!(
                "clusters hold {first_row} rows, header says {rows}"
            )));
        }
        let slots = first_slot;
        let centroids = c.f32s(c.product(stored, padded, "centroids")?, "centroids")?;
        let codes = c.range(slots, padded / 8, "codes")?;
        let adds = c.f32s(slots, "additive factors")?;
        let factors = c.f32s(slots, "estimator factors")?;
        let errors = c.f32s(slots, "estimator error bounds")?;
        let rerank_scales = c.f32s(rows, "rerank scales")?;
        let int8 = c.range(rows, padded, "rerank codes")?;
        let row_ids = c.u32s(rows, "row ids")?;
        c.finish()?;
        Ok(VectorIndexReader {
            metric,
            dim,
            padded,
            model_fingerprint,
            rotation: Rotation::from_parts(padded, rounds, signs),
            clusters,
            centroids,
            codes: bytes.slice(codes),
            adds,
            factors,
            errors,
            rerank_scales,
            int8: bytes.slice(int8),
            row_ids,
        })
    }

    /// The metric the section was built for.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Rows indexed.
    pub fn rows(&self) -> usize {
        self.row_ids.len()
    }

    /// Number of non-empty clusters stored.
    pub fn num_clusters(&self) -> usize {
        self.clusters.len()
    }

    /// The manifest summary of this section.
    pub fn summary(&self) -> VectorSegmentSummary {
        VectorSegmentSummary {
            model_fingerprint: self.model_fingerprint,
            metric: self.metric,
            dim: self.dim as u32,
            rows: self.row_ids.len() as u32,
            clusters: self.clusters.iter().map(|c| c.summary).collect(),
        }
    }
}
