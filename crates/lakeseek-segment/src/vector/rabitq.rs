//! RaBitQ-style 1-bit codes for rotated residuals, the estimator that reads
//! them, and the int8 rerank copy.
//!
//! For a vector `x` in cluster `c`, let `r = P(x - c)` be its rotated
//! residual (`D` padded components). The code keeps one bit per component,
//! `b_i = [r_i > 0]`, i.e. the direction `o_bar = (2b - 1) / sqrt(D)`.
//! Because `P` is a random rotation, `<o_bar, q> / <o_bar, r/|r|>` estimates
//! `<r/|r|, q>` without bias for any vector `q`, so
//!
//! ```text
//! <r, q> ~= |r|^2 / sum_i |r_i| * sum_i (2 b_i - 1) q_i
//! ```
//!
//! Distances decompose around the centroid (`q_c = P(q - c)`):
//!
//! ```text
//! L2:     |q - x|^2  = |q_c|^2          + |r|^2   - 2 <r, q_c>
//! Dot:    -<q, x>    = -<q, c>          - <c, x-c> - <r, q_c>
//! Cosine: 1 - <q, x> = 1 - <q, c>       - <c, x-c> - <r, q_c>
//!                      cluster term A     add_v     factor_v * sum
//! ```
//!
//! so each vector stores `add_v` and `factor_v` (the `-2` or `-1` folded in).
//! At query time `q_c` is quantized to [`QUERY_BITS`] bits per component,
//! `q_i ~= lo + delta * u_i`, and `sum_i (2 b_i - 1) q_i` becomes
//! `lo (2 |b| - D) + delta (2 sum_j 2^j |b & plane_j| - sum u)`: popcounts.
//!
//! The estimate's error has a standard deviation of about
//! `|r| |q_c| sqrt(1 - a^2) / (a sqrt(D - 1))`, `a = <o_bar, r/|r|>` (about
//! 0.8), times the weight; each vector stores that scale without `|q_c|`.
//!
//! The rerank copy stores `r` as int8 with a per-vector scale, giving
//! `<r, q_c>` to within a few thousandths of `|r| |q_c|`.

use super::simd::{Kernels, QUERY_BITS};
use super::Metric;

/// Largest quantized query component.
const QUERY_LEVELS: f32 = ((1 << QUERY_BITS) - 1) as f32;

/// What one vector stores besides its bits and int8 codes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Factors {
    pub add: f32,
    pub factor: f32,
    /// Error scale: one standard deviation of the estimate is about
    /// `error * |q_c|`.
    pub error: f32,
    pub rerank_scale: f32,
}

/// The weight of `<r, q_c>` in the distance: `-2` for L2, `-1` otherwise.
pub(crate) fn ip_weight(metric: Metric) -> f32 {
    match metric {
        Metric::L2 => -2.0,
        Metric::Cosine | Metric::Dot => -1.0,
    }
}

/// Encodes the rotated residual `r` (`D = 64 * code.len()` components).
/// `centroid_dot_residual` is `<c, x - c>` (unused for L2). Writes the sign
/// bits to `code` and the int8 copy to `int8`.
pub(crate) fn encode(
    metric: Metric,
    r: &[f32],
    centroid_dot_residual: f32,
    code: &mut [u64],
    int8: &mut [u8],
) -> Factors {
    debug_assert_eq!(r.len(), code.len() * 64);
    debug_assert_eq!(r.len(), int8.len());
    for (word, chunk) in code.iter_mut().zip(r.chunks_exact(64)) {
        *word = chunk
            .iter()
            .enumerate()
            .fold(0u64, |w, (i, &v)| w | (u64::from(v > 0.0) << i));
    }
    let norm_sq: f32 = r.iter().map(|v| v * v).sum();
    let l1: f32 = r.iter().map(|v| v.abs()).sum();
    let max = r.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let scale = max / 127.0;
    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    for (out, &v) in int8.iter_mut().zip(r) {
        *out = ((v * inv).round().clamp(-127.0, 127.0) as i8) as u8;
    }
    let weight = ip_weight(metric);
    let add = match metric {
        Metric::L2 => norm_sq,
        Metric::Cosine | Metric::Dot => -centroid_dot_residual,
    };
    // alpha = <o_bar, r/|r|>; the estimate of <r/|r|, q_c/|q_c|> has a
    // standard deviation of about sqrt(1 - alpha^2) / (alpha sqrt(D - 1)).
    let norm = norm_sq.sqrt();
    let dims = r.len() as f32;
    let (factor, error) = if l1 > 0.0 && norm > 0.0 {
        let alpha = (l1 / (norm * dims.sqrt())).min(1.0);
        let spread = (1.0 - alpha * alpha).sqrt() / (alpha * (dims - 1.0).max(1.0).sqrt());
        (weight * norm_sq / l1, weight.abs() * norm * spread)
    } else {
        (0.0, 0.0)
    };
    Factors {
        add,
        factor,
        error,
        rerank_scale: weight * scale,
    }
}

/// A query residual quantized to [`QUERY_BITS`] bit planes.
#[derive(Debug)]
pub(crate) struct QuantizedQuery {
    /// `QUERY_BITS` planes of `D / 64` words.
    pub planes: Vec<u64>,
    /// Scratch: one level per component.
    levels: Vec<u8>,
    lo: f32,
    delta: f32,
    sum_levels: f32,
    dims: f32,
}

impl QuantizedQuery {
    pub fn new(padded: usize) -> Self {
        QuantizedQuery {
            planes: vec![0; QUERY_BITS * padded / 64],
            levels: vec![0; padded],
            lo: 0.0,
            delta: 0.0,
            sum_levels: 0.0,
            dims: padded as f32,
        }
    }

    /// Quantizes `q` (`D` components) to levels `0..=15` by rounding, and
    /// rebuilds the bit planes.
    pub fn quantize(&mut self, kern: &Kernels, q: &[f32]) {
        let (lo, hi) = kern.min_max(q);
        let delta = (hi - lo) / QUERY_LEVELS;
        let inv = 1.0 / delta;
        // A flat (or nearly flat) query quantizes to level 0 everywhere.
        let (delta, inv) = if delta > 0.0 && inv.is_finite() {
            (delta, inv)
        } else {
            (0.0, 0.0)
        };
        let sum = kern.levels(q, lo, inv, QUERY_LEVELS as u8, &mut self.levels);
        kern.bit_planes(&self.levels, &mut self.planes);
        self.lo = lo;
        self.delta = delta;
        self.sum_levels = sum as f32;
    }

    /// `sum_i (2 b_i - 1) q_i` for a code with `ones` set bits and the
    /// given weighted plane popcount.
    #[inline]
    pub fn signed_sum(&self, ones: u32, weighted: u32) -> f32 {
        // Counts are far below 2^31: the signed conversion vectorizes.
        self.lo * (2.0 * ones as i32 as f32 - self.dims)
            + self.delta * (2.0 * weighted as i32 as f32 - self.sum_levels)
    }
}
