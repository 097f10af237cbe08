//! k-means for the IVF centroids: k-means++ seeding, then Lloyd iterations
//! on a bounded sample, with empty clusters re-seeded from the largest one.

use rand::rngs::StdRng;
use rand::Rng;
use rayon::prelude::*;

use super::simd::Kernels;

/// Training uses at most this many sample points per centroid (IVF
/// centroids need no more; faiss warns below 39).
pub(crate) const MAX_POINTS_PER_CLUSTER: usize = 128;
/// Lloyd iterations (fewer if the assignment stops changing).
pub(crate) const ITERATIONS: usize = 16;

/// Trains `k` centroids (row-major, `k * dim` floats) on `data`, which holds
/// at least `k` points of `dim` finite components.
pub(crate) fn train(data: &[f32], dim: usize, k: usize, rng: &mut StdRng) -> Vec<f32> {
    let n = data.len() / dim;
    debug_assert!(k >= 1 && k <= n);
    let sample = subsample(data, dim, k * MAX_POINTS_PER_CLUSTER, rng);
    let points = sample.as_deref().unwrap_or(data);
    let mut centroids = seed_plus_plus(points, dim, k, rng);
    lloyd(points, dim, &mut centroids, rng);
    centroids
}

/// A random subset of at most `max` rows, or `None` when `data` is small enough.
fn subsample(data: &[f32], dim: usize, max: usize, rng: &mut StdRng) -> Option<Vec<f32>> {
    let n = data.len() / dim;
    if n <= max {
        return None;
    }
    let mut rows = rand::seq::index::sample(rng, n, max).into_vec();
    rows.sort_unstable();
    let mut out = Vec::with_capacity(max * dim);
    for r in rows {
        out.extend_from_slice(&data[r * dim..(r + 1) * dim]);
    }
    Some(out)
}

/// k-means++: each next centroid is a point drawn with probability
/// proportional to its squared distance to the nearest chosen one.
fn seed_plus_plus(points: &[f32], dim: usize, k: usize, rng: &mut StdRng) -> Vec<f32> {
    let kern = Kernels::best();
    let n = points.len() / dim;
    let row = |i: usize| &points[i * dim..(i + 1) * dim];
    let mut centroids = Vec::with_capacity(k * dim);
    centroids.extend_from_slice(row(rng.random_range(0..n)));
    let mut nearest: Vec<f32> = (0..n)
        .map(|i| kern.l2_sq(row(i), &centroids[..dim]))
        .collect();
    for _ in 1..k {
        let total: f64 = nearest.iter().map(|&d| f64::from(d)).sum();
        let pick = if total > 0.0 {
            let mut target = rng.random::<f64>() * total;
            nearest
                .iter()
                .position(|&d| {
                    target -= f64::from(d);
                    target < 0.0
                })
                .unwrap_or_else(|| nearest.iter().rposition(|&d| d > 0.0).unwrap_or(0))
        } else {
            rng.random_range(0..n)
        };
        let start = centroids.len();
        centroids.extend_from_slice(row(pick));
        let chosen = &centroids[start..];
        nearest
            .par_iter_mut()
            .zip(points.par_chunks_exact(dim))
            .for_each(|(d, x)| *d = d.min(kern.l2_sq(x, chosen)));
    }
    centroids
}

/// Index of the centroid nearest to `x`, and the squared distance.
pub(crate) fn nearest(kern: &Kernels, centroids: &[f32], x: &[f32]) -> (usize, f32) {
    let mut best = (0, f32::INFINITY);
    for (c, centroid) in centroids.chunks_exact(x.len()).enumerate() {
        let d = kern.l2_sq(x, centroid);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

fn lloyd(points: &[f32], dim: usize, centroids: &mut [f32], rng: &mut StdRng) {
    let kern = Kernels::best();
    let n = points.len() / dim;
    let k = centroids.len() / dim;
    let mut assign = vec![usize::MAX; n];
    let mut sums = vec![0.0f64; k * dim];
    let mut counts = vec![0usize; k];
    for _ in 0..ITERATIONS {
        let current: &[f32] = centroids;
        let changed = assign
            .par_iter_mut()
            .zip(points.par_chunks_exact(dim))
            .map(|(a, x)| {
                let (c, _) = nearest(kern, current, x);
                std::mem::replace(a, c) != c
            })
            .reduce(|| false, |x, y| x | y);
        if !changed {
            break;
        }
        reseed_empty(&mut assign, k, rng);
        sums.fill(0.0);
        counts.fill(0);
        for (x, &c) in points.chunks_exact(dim).zip(&assign) {
            counts[c] += 1;
            for (s, &v) in sums[c * dim..(c + 1) * dim].iter_mut().zip(x) {
                *s += f64::from(v);
            }
        }
        for (c, &count) in counts.iter().enumerate() {
            let inv = 1.0 / count.max(1) as f64;
            for (out, &s) in centroids[c * dim..(c + 1) * dim]
                .iter_mut()
                .zip(&sums[c * dim..(c + 1) * dim])
            {
                *out = (s * inv) as f32;
            }
        }
    }
}

/// Gives every empty cluster one random point of the currently largest
/// cluster; the next assignment splits that cluster between the two.
fn reseed_empty(assign: &mut [usize], k: usize, rng: &mut StdRng) {
    let mut counts = vec![0usize; k];
    assign.iter().for_each(|&c| counts[c] += 1);
    for empty in 0..k {
        if counts[empty] != 0 {
            continue;
        }
        let (largest, &size) = counts
            .iter()
            .enumerate()
            .max_by_key(|&(_, &c)| c)
            .expect("k >= 1");
        if size < 2 {
            return;
        }
        let mut nth = rng.random_range(0..size);
        let point = assign
            .iter()
            .position(|&c| {
                if c != largest {
                    return false;
                }
                let hit = nth == 0;
                nth = nth.wrapping_sub(1);
                hit
            })
            .expect("the largest cluster has `size` points");
        assign[point] = empty;
        counts[largest] -= 1;
        counts[empty] = 1;
    }
}
