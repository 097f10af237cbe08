//! Distance functions on `f32` slices, dispatched at run time to the fastest
//! kernel the CPU supports (AVX-512, AVX2 + FMA, or scalar; see
//! [`crate::vector::simd`]).
//!
//! All functions panic if the two slices differ in length: that is a bug in
//! the caller, not a property of the data.

use super::simd::Kernels;
use super::Metric;

/// Inner product `sum a_i * b_i`.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    Kernels::best().dot(a, b)
}

/// Squared euclidean distance `sum (a_i - b_i)^2`.
#[inline]
pub fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    Kernels::best().l2_sq(a, b)
}

/// Squared euclidean norm `sum a_i^2`.
#[inline]
pub fn norm_sq(a: &[f32]) -> f32 {
    Kernels::best().dot(a, a)
}

/// `1 - cos(a, b)`, in `[0, 2]`; a zero vector has cosine 0 with anything
/// (distance 1).
#[inline]
pub fn cosine_distance(a: &[f32], b: &[f32]) -> f32 {
    let k = Kernels::best();
    let denom = (k.dot(a, a) * k.dot(b, b)).sqrt();
    if denom > 0.0 {
        1.0 - k.dot(a, b) / denom
    } else {
        1.0
    }
}

/// The distance of `metric` between `a` and `b` (smaller is closer):
/// squared euclidean for [`Metric::L2`], `1 - cos` for [`Metric::Cosine`],
/// `-dot` for [`Metric::Dot`].
#[inline]
pub fn distance(metric: Metric, a: &[f32], b: &[f32]) -> f32 {
    match metric {
        Metric::L2 => l2_sq(a, b),
        Metric::Cosine => cosine_distance(a, b),
        Metric::Dot => -dot(a, b),
    }
}

/// Scales `v` to unit length in place and returns its former norm; a zero
/// vector is left as it is.
pub(crate) fn normalize(v: &mut [f32]) -> f32 {
    let norm = norm_sq(v).sqrt();
    if norm > 0.0 {
        let inv = 1.0 / norm;
        v.iter_mut().for_each(|x| *x *= inv);
    }
    norm
}
