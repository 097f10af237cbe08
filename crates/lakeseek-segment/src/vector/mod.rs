//! The vector section of a segment: distance kernels, k-means, IVF with
//! RaBitQ codes and a rerank copy, exact and approximate search.
//!
//! - [`exact_search`] scans row-major vectors; it serves fresh data, small
//!   segments and very selective filters.
//! - A [`VectorModel`] (centroids and a random rotation) is trained once per
//!   table and shared by all its segments, so their estimates and cluster
//!   ids are comparable.
//! - [`VectorIndexBuilder`] turns a segment's vectors into the bytes of a
//!   vector section; [`VectorIndexReader`] opens those bytes and answers
//!   approximate k-nearest-neighbour queries ([`SearchParams`]).
//! - [`VectorSegmentSummary`] (cluster sizes and radii) goes into the
//!   manifest so a query can rank clusters across segments without opening
//!   them.
//!
//! Distances are "smaller is closer" for every [`Metric`]. The byte layouts
//! are documented in `VECTOR_FORMAT.md` beside this crate.
//!
//! ```
//! use lakeseek_segment::vector::{
//!     Metric, SearchParams, VectorIndexBuilder, VectorIndexReader, VectorModel,
//! };
//! let dim = 8;
//! let data: Vec<f32> = (0..400 * dim).map(|i| ((i * 7919) % 113) as f32).collect();
//! let model = VectorModel::train(Metric::L2, dim, &data, 4, 42)?;
//! let section = VectorIndexBuilder::build_section(&model, &data, dim)?;
//! let reader = VectorIndexReader::open(section.into())?;
//! // Rerank with the full-precision vectors for exact distances.
//! let params = SearchParams { exact_rerank: Some(&data), ..Default::default() };
//! let hits = reader.search(&data[..dim], &params, None)?;
//! assert_eq!(hits[0], (0, 0.0));
//! # Ok::<(), lakeseek_segment::vector::VectorError>(())
//! ```

pub mod distance;
pub mod simd;

mod codec;
mod error;
mod exact;
mod ivf;
mod kmeans;
mod model;
mod rabitq;
mod reader;
mod rotation;
mod search;
mod summary;
mod topk;

pub use error::VectorError;
pub use exact::exact_search;
pub use ivf::{BuiltVectorIndex, VectorIndexBuilder};
pub use model::VectorModel;
pub use reader::VectorIndexReader;
pub use search::{default_nprobe, nearest_clusters, SearchParams, DEFAULT_NPROBE, DEFAULT_REFINE};
pub use summary::{ClusterSummary, VectorSegmentSummary};

use serde::{Deserialize, Serialize};

/// How vectors are compared. Every distance is "smaller is closer".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Squared euclidean distance.
    L2,
    /// `1 - cos(a, b)`. Vectors are normalized at build and query time.
    Cosine,
    /// Negated inner product, `-dot(a, b)`.
    Dot,
}

impl Metric {
    pub(crate) fn code(self) -> u8 {
        match self {
            Metric::L2 => 0,
            Metric::Cosine => 1,
            Metric::Dot => 2,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<Metric> {
        match code {
            0 => Some(Metric::L2),
            1 => Some(Metric::Cosine),
            2 => Some(Metric::Dot),
            _ => None,
        }
    }
}

/// Checks a row-major buffer of `dim`-dimensional vectors and returns the
/// number of rows. Non-finite values are an error naming row and component.
pub(crate) fn check_vectors(
    what: &'static str,
    data: &[f32],
    dim: usize,
) -> Result<usize, VectorError> {
    if dim == 0 {
        return Err(VectorError::ZeroDimension);
    }
    if !data.len().is_multiple_of(dim) {
        return Err(VectorError::RaggedVectors {
            what,
            len: data.len(),
            dim,
        });
    }
    check_finite(what, data, dim)?;
    Ok(data.len() / dim)
}

/// Checks one vector's dimension and values.
pub(crate) fn check_query(query: &[f32], dim: usize) -> Result<(), VectorError> {
    if query.len() != dim {
        return Err(VectorError::DimensionMismatch {
            what: "query",
            expected: dim,
            found: query.len(),
        });
    }
    check_finite("query", query, dim.max(1))
}

fn check_finite(what: &'static str, data: &[f32], dim: usize) -> Result<(), VectorError> {
    // A branch-free pass per block (it vectorizes); locate the culprit only
    // on failure.
    for (b, block) in data.chunks(dim * 64).enumerate() {
        if !block.iter().fold(true, |ok, x| ok & x.is_finite()) {
            let at = block.iter().position(|x| !x.is_finite()).unwrap_or(0) + b * dim * 64;
            return Err(VectorError::NonFinite {
                what,
                row: at / dim,
                component: at % dim,
            });
        }
    }
    Ok(())
}
