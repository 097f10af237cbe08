//! Exact k-nearest-neighbour search by scanning every vector.

use roaring::RoaringBitmap;

use super::simd::Kernels;
use super::topk::{Scored, TopK};
use super::{check_query, Metric, VectorError};

/// The `k` nearest rows of `vectors` (row-major, `dim` floats per row) to
/// `query`, as `(row, distance)` nearest first, ties by row. With `filter`,
/// only rows it contains are considered (rows past the end are ignored).
///
/// Distances follow [`Metric`]; for cosine a zero vector has distance 1.
/// Errors on a dimension mismatch, a ragged buffer, more than `u32::MAX`
/// rows, or a NaN/infinite value in the query or in a scanned row.
pub fn exact_search(
    metric: Metric,
    query: &[f32],
    vectors: &[f32],
    dim: usize,
    k: usize,
    filter: Option<&RoaringBitmap>,
) -> Result<Vec<(u32, f32)>, VectorError> {
    if dim == 0 {
        return Err(VectorError::ZeroDimension);
    }
    check_query(query, dim)?;
    if !vectors.len().is_multiple_of(dim) {
        return Err(VectorError::RaggedVectors {
            what: "vectors",
            len: vectors.len(),
            dim,
        });
    }
    let n = vectors.len() / dim;
    if n > u32::MAX as usize {
        return Err(VectorError::TooManyRows {
            what: "vectors",
            rows: n,
            max: u32::MAX as usize,
        });
    }
    let kern = Kernels::best();
    let query_norm = kern.dot(query, query).sqrt();
    let mut top = TopK::new(k);
    let mut visit = |row: u32| -> Result<(), VectorError> {
        let x = &vectors[row as usize * dim..(row as usize + 1) * dim];
        let dist = match metric {
            Metric::L2 => kern.l2_sq(query, x),
            Metric::Dot => -kern.dot(query, x),
            Metric::Cosine => {
                let denom = query_norm * kern.dot(x, x).sqrt();
                if denom > 0.0 {
                    1.0 - kern.dot(query, x) / denom
                } else {
                    // NaN if `x` holds one; caught below.
                    1.0 + x.iter().fold(0.0, |a, v| a + v * 0.0)
                }
            }
        };
        if !dist.is_finite() {
            if let Some(component) = x.iter().position(|v| !v.is_finite()) {
                return Err(VectorError::NonFinite {
                    what: "vectors",
                    row: row as usize,
                    component,
                });
            }
        }
        top.push(Scored { dist, row });
        Ok(())
    };
    match filter {
        Some(f) => {
            for row in f.iter().take_while(|&r| (r as usize) < n) {
                visit(row)?;
            }
        }
        None => {
            for row in 0..n as u32 {
                visit(row)?;
            }
        }
    }
    Ok(top
        .into_sorted()
        .into_iter()
        .map(|s| (s.row, s.dist))
        .collect())
}
