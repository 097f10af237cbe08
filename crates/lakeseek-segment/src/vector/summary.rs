//! The per-segment summary stored in the table manifest: which clusters a
//! segment holds, how many rows each, and how far its farthest row lies
//! from the centroid. With [`VectorModel::centroid_distances`] a query can
//! rank clusters across segments without opening any of them.
//!
//! [`VectorModel::centroid_distances`]: super::VectorModel::centroid_distances

use serde::{Deserialize, Serialize};

use super::Metric;

/// One cluster of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusterSummary {
    /// Cluster id in the table's [`super::VectorModel`].
    pub cluster: u32,
    /// Rows of the segment in this cluster (at least 1).
    pub rows: u32,
    /// Largest euclidean distance from the centroid to a row of the
    /// cluster (between normalized vectors for cosine).
    pub radius: f32,
}

impl ClusterSummary {
    /// A lower bound on the distance from the query to any row of this
    /// cluster, given `centroid_distance` (the query's entry in
    /// [`super::VectorModel::centroid_distances`]) and, for
    /// [`Metric::Dot`], the query's euclidean norm (ignored otherwise).
    pub fn lower_bound(&self, metric: Metric, centroid_distance: f32, query_norm: f32) -> f32 {
        // |q - x| >= |q - c| - radius, and <q, x - c> <= |q| * radius.
        match metric {
            Metric::L2 => {
                let gap = (centroid_distance.max(0.0).sqrt() - self.radius).max(0.0);
                gap * gap
            }
            Metric::Cosine => (centroid_distance - self.radius).max(0.0),
            Metric::Dot => centroid_distance - query_norm * self.radius,
        }
    }
}

/// What the manifest records about a segment's vector section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorSegmentSummary {
    /// [`super::VectorModel::fingerprint`] of the model the section was built with.
    pub model_fingerprint: u64,
    /// The model's metric.
    pub metric: Metric,
    /// Vector dimension.
    pub dim: u32,
    /// Rows indexed by the section.
    pub rows: u32,
    /// Non-empty clusters, by ascending cluster id.
    pub clusters: Vec<ClusterSummary>,
}
