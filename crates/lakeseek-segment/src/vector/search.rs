//! Approximate k-nearest-neighbour search over an opened vector section.
//!
//! 1. Rotate the query (normalized for cosine) and rank the stored clusters
//!    by their term of the distance; probe the `nprobe` best.
//! 2. In each probed cluster quantize the query residual to 4-bit planes,
//!    bit-scan the codes, and keep the `k * refine` best estimates in a
//!    shortlist (rows outside the filter are skipped).
//! 3. Rerank the shortlist with the int8 copy (or caller-supplied exact
//!    vectors) in order of each estimate's lower error bound, stopping once
//!    a bound exceeds the current k-th distance; return the best `k`, ties
//!    by row id.

use roaring::RoaringBitmap;

use super::distance::{self, normalize};
use super::rabitq::QuantizedQuery;
use super::reader::VectorIndexReader;
use super::simd::{Kernels, BLOCK_LANES};
use super::topk::{Scored, Shortlist, TopK};
use super::{check_query, Metric, VectorError};

/// Clusters probed by default.
pub const DEFAULT_NPROBE: usize = 24;
/// Clusters to probe by default for `k` results: [`DEFAULT_NPROBE`] up to
/// k = 10, growing with `sqrt(k / 10)` beyond. The true top-k of a larger k
/// spreads over more clusters; probing a fixed count tuned for k = 10 keeps
/// the top 10 of a top-100 request as good as a top-10 request but loses much
/// of the rest (SciFact: recall@100 0.95 → 0.88 at nprobe 24, which hybrid
/// search, taking 100 per leg, feels directly).
pub fn default_nprobe(k: usize) -> usize {
    let scale = (k.max(10) as f64 / 10.0).sqrt();
    (DEFAULT_NPROBE as f64 * scale).round() as usize
}

/// Rerank factor by default.
pub const DEFAULT_REFINE: usize = 10;
/// Multiplier of an estimate's error scale in its lower bound: three
/// standard deviations. On SciFact, 3 loses 0.03 points of recall against
/// reranking the whole shortlist, 2 loses 0.3.
const CONFIDENCE: f32 = 3.0;

/// Knobs of one search.
#[derive(Debug, Clone, Copy)]
pub struct SearchParams<'a> {
    /// Results wanted.
    pub k: usize,
    /// Clusters probed (at least 1; capped at the clusters stored). The
    /// default suits segments with [`super::VectorModel::default_clusters`]
    /// clusters up to some 10^4 rows; the share of clusters a given recall
    /// needs falls slowly with size, so larger segments need more probes.
    pub nprobe: usize,
    /// Rerank factor (at least 1): the `k * refine` best estimates form the
    /// shortlist; those whose error bound cannot reach the top `k` are not
    /// reranked.
    pub refine: usize,
    /// Full-precision vectors of the segment, row-major, row id `r` at
    /// `r * dim`. When given, the shortlist is reranked with exact distances
    /// instead of the int8 copy, and the distances returned are exact.
    pub exact_rerank: Option<&'a [f32]>,
    /// The clusters to probe as the model's cluster ids, nearest first:
    /// ranked once for a whole table by the model its segments share (see
    /// [`nearest_clusters`]), so every segment probes the same clusters and
    /// none ranks its own. When given, `nprobe` is ignored and clusters this
    /// segment holds no rows of are skipped; when `None`, the segment ranks
    /// its stored clusters and probes the `nprobe` nearest.
    pub clusters: Option<&'a [u32]>,
}

impl Default for SearchParams<'_> {
    /// `k = 10`, `nprobe = 24`, `refine = 10`: recall@10 above 0.95 on
    /// 384-dimensional sentence embeddings with
    /// [`super::VectorModel::default_clusters`] clusters.
    fn default() -> Self {
        SearchParams {
            k: 10,
            nprobe: DEFAULT_NPROBE,
            refine: DEFAULT_REFINE,
            exact_rerank: None,
            clusters: None,
        }
    }
}

/// A probed cluster: its rotated query residual sits at `index * padded`
/// in [`Scratch::residuals`].
#[derive(Debug, Clone, Copy)]
struct Probe {
    cluster: usize,
    /// The cluster's term of the distance.
    term: f32,
    /// `|q_c|`, the scale of every estimate's error in this cluster.
    residual_norm: f32,
}

/// Per-query buffers.
struct Scratch {
    query: Vec<f32>,
    residuals: Vec<f32>,
    quantized: QuantizedQuery,
    ones: Vec<u32>,
    weighted: Vec<u32>,
    estimates: Vec<f32>,
}

impl VectorIndexReader {
    /// The approximate `params.k` nearest rows to `query` as `(row id,
    /// distance)`, nearest first, ties by row id. Distances are in the
    /// metric's units ([`Metric`]); they come from the int8 rerank copy
    /// (off by a few thousandths of `|q - c| * |x - c|`, `c` the row's
    /// centroid) unless `params.exact_rerank` is given, when they are exact.
    /// With `filter`, only rows whose id it contains are returned.
    pub fn search(
        &self,
        query: &[f32],
        params: &SearchParams<'_>,
        filter: Option<&RoaringBitmap>,
    ) -> Result<Vec<(u32, f32)>, VectorError> {
        self.check_params(query, params)?;
        if params.k == 0 || self.clusters.is_empty() {
            return Ok(Vec::new());
        }
        let kern = Kernels::best();
        let mut normalized = query.to_vec();
        if self.metric == Metric::Cosine {
            normalize(&mut normalized);
        }
        let mut rotated = vec![0.0; self.padded];
        self.rotation.rotate_into(&normalized, &mut rotated);

        let order = match params.clusters {
            Some(ids) => self.stored_clusters(ids),
            None => probe_order(&self.cluster_terms(kern, &rotated), params.nprobe),
        };
        let mut scratch = Scratch {
            residuals: vec![0.0; order.len() * self.padded],
            query: rotated,
            quantized: QuantizedQuery::new(self.padded),
            ones: Vec::new(),
            weighted: Vec::new(),
            estimates: Vec::new(),
        };
        let mut probes = Vec::with_capacity(order.len());
        let mut shortlist = Shortlist::new(params.k.saturating_mul(params.refine));
        for (index, &cluster) in order.iter().enumerate() {
            let residual = &mut scratch.residuals[index * self.padded..(index + 1) * self.padded];
            let c = &self.centroids[cluster * self.padded..(cluster + 1) * self.padded];
            residual
                .iter_mut()
                .zip(scratch.query.iter().zip(c))
                .for_each(|(r, (a, b))| *r = a - b);
            let probe = Probe {
                cluster,
                term: self.cluster_term(kern, &scratch.query, cluster),
                residual_norm: kern.dot(residual, residual).sqrt(),
            };
            self.scan_cluster(kern, index, &probe, &mut scratch, &mut shortlist, filter);
            probes.push(probe);
        }
        self.rerank(kern, query, params, &probes, &scratch.residuals, shortlist)
    }

    fn check_params(&self, query: &[f32], params: &SearchParams<'_>) -> Result<(), VectorError> {
        check_query(query, self.dim)?;
        for (name, value) in [("nprobe", params.nprobe), ("refine", params.refine)] {
            if value == 0 {
                return Err(VectorError::InvalidParameter {
                    name,
                    value,
                    reason: "must be at least 1",
                });
            }
        }
        match params.exact_rerank {
            Some(exact) if !exact.len().is_multiple_of(self.dim) => {
                Err(VectorError::RaggedVectors {
                    what: "exact rerank vectors",
                    len: exact.len(),
                    dim: self.dim,
                })
            }
            _ => Ok(()),
        }
    }

    /// Per stored cluster, its term of the distance (see `rabitq.rs`), which
    /// is also the key clusters are probed by: `|q - c|^2` (L2),
    /// `1 - <q, c>` (cosine), `-<q, c>` (dot).
    fn cluster_terms(&self, kern: &Kernels, q: &[f32]) -> Vec<f32> {
        (0..self.clusters.len())
            .map(|cluster| self.cluster_term(kern, q, cluster))
            .collect()
    }

    /// The term of the `cluster`-th stored cluster (see `cluster_terms`).
    fn cluster_term(&self, kern: &Kernels, q: &[f32], cluster: usize) -> f32 {
        let c = &self.centroids[cluster * self.padded..(cluster + 1) * self.padded];
        match self.metric {
            Metric::L2 => kern.l2_sq(q, c),
            Metric::Cosine => 1.0 - kern.dot(q, c),
            Metric::Dot => -kern.dot(q, c),
        }
    }

    /// Positions among the stored clusters of the model cluster `ids`, in
    /// their order; ids this segment does not hold, and repeats, are left
    /// out.
    fn stored_clusters(&self, ids: &[u32]) -> Vec<usize> {
        let mut seen = vec![false; self.clusters.len()];
        ids.iter()
            .filter_map(|&id| {
                let i = self
                    .clusters
                    .binary_search_by_key(&id, |c| c.summary.cluster)
                    .ok()?;
                (!std::mem::replace(&mut seen[i], true)).then_some(i)
            })
            .collect()
    }

    /// Offers every row of the `index`-th probed cluster that passes
    /// `filter` to the shortlist, with its estimated distance.
    fn scan_cluster(
        &self,
        kern: &Kernels,
        index: usize,
        probe: &Probe,
        scratch: &mut Scratch,
        shortlist: &mut Shortlist,
        filter: Option<&RoaringBitmap>,
    ) {
        let info = self.clusters[probe.cluster];
        let residual = &scratch.residuals[index * self.padded..(index + 1) * self.padded];
        scratch.quantized.quantize(kern, residual);
        let slots = info.blocks() * BLOCK_LANES;
        scratch.ones.resize(slots, 0);
        scratch.weighted.resize(slots, 0);
        let block_bytes = self.padded / 8 * BLOCK_LANES;
        let first_block = info.first_slot / BLOCK_LANES;
        let codes =
            &self.codes[first_block * block_bytes..(first_block + info.blocks()) * block_bytes];
        kern.bit_scan(
            codes,
            self.padded / 64,
            &scratch.quantized.planes,
            &mut scratch.ones[..slots],
            &mut scratch.weighted[..slots],
        );
        let rows = info.rows();
        let adds = &self.adds[info.first_slot..info.first_slot + rows];
        let factors = &self.factors[info.first_slot..info.first_slot + rows];
        let q = &scratch.quantized;
        scratch.estimates.clear();
        scratch.estimates.extend(
            adds.iter()
                .zip(factors)
                .zip(scratch.ones.iter().zip(&scratch.weighted))
                .map(|((&add, &factor), (&ones, &weighted))| {
                    probe.term + add + factor * q.signed_sum(ones, weighted)
                }),
        );
        for (j, &estimate) in scratch.estimates.iter().enumerate() {
            if estimate > shortlist.threshold() {
                continue;
            }
            let pos = info.first_row + j;
            if filter.is_some_and(|f| !f.contains(self.row_ids[pos])) {
                continue;
            }
            shortlist.push(estimate, pos as u32);
        }
    }

    /// Reranks the shortlist in order of lower error bounds and returns the
    /// best `k`.
    fn rerank(
        &self,
        kern: &Kernels,
        query: &[f32],
        params: &SearchParams<'_>,
        probes: &[Probe],
        residuals: &[f32],
        shortlist: Shortlist,
    ) -> Result<Vec<(u32, f32)>, VectorError> {
        let mut probe_of = vec![u32::MAX; self.clusters.len()];
        for (index, p) in probes.iter().enumerate() {
            probe_of[p.cluster] = index as u32;
        }
        // (lower bound, position, probe index)
        let mut candidates: Vec<(f32, u32, u32)> = shortlist
            .into_items()
            .into_iter()
            .map(|(estimate, pos)| {
                let cluster = self
                    .clusters
                    .partition_point(|c| c.first_row + c.rows() <= pos as usize);
                let info = &self.clusters[cluster];
                let index = probe_of[cluster];
                let error = self.errors[info.first_slot + (pos as usize - info.first_row)];
                let bound = estimate - CONFIDENCE * error * probes[index as usize].residual_norm;
                (bound, pos, index)
            })
            .collect();
        candidates.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));

        let mut top = TopK::new(params.k);
        for &(bound, pos, index) in &candidates {
            if bound > top.worst() {
                break;
            }
            let pos = pos as usize;
            let row = self.row_ids[pos];
            let dist = match params.exact_rerank {
                Some(exact) => self.exact_distance(query, exact, row)?,
                None => {
                    let probe = &probes[index as usize];
                    let info = &self.clusters[probe.cluster];
                    let residual = &residuals[index as usize * self.padded..][..self.padded];
                    let codes = &self.int8[pos * self.padded..(pos + 1) * self.padded];
                    let add = self.adds[info.first_slot + (pos - info.first_row)];
                    probe.term + add + self.rerank_scales[pos] * kern.dot_i8(residual, codes)
                }
            };
            top.push(Scored { dist, row });
        }
        Ok(top
            .into_sorted()
            .into_iter()
            .map(|s| (s.row, s.dist))
            .collect())
    }

    /// The exact distance from `query` to row `row` of `exact`.
    fn exact_distance(&self, query: &[f32], exact: &[f32], row: u32) -> Result<f32, VectorError> {
        let x = (row as usize)
            .checked_mul(self.dim)
            .and_then(|start| exact.get(start..)?.get(..self.dim))
            .ok_or(VectorError::RowOutOfRange {
                what: "exact rerank vectors",
                row,
                rows: exact.len() / self.dim,
            })?;
        let dist = distance::distance(self.metric, query, x);
        if !dist.is_finite() {
            if let Some(component) = x.iter().position(|v| !v.is_finite()) {
                return Err(VectorError::NonFinite {
                    what: "exact rerank vectors",
                    row: row as usize,
                    component,
                });
            }
        }
        Ok(dist)
    }
}

/// The ids of the `n` clusters nearest the query, nearest first (ties by
/// id), from a model's distances to every centroid
/// (`VectorModel::centroid_distances`): what [`SearchParams::clusters`]
/// takes.
pub fn nearest_clusters(distances: &[f32], n: usize) -> Vec<u32> {
    probe_order(distances, n)
        .into_iter()
        .map(|i| i as u32)
        .collect()
}

/// Indices of the `nprobe` smallest keys, smallest first (ties by index).
fn probe_order(keys: &[f32], nprobe: usize) -> Vec<usize> {
    let mut ranked: Vec<(f32, usize)> = keys.iter().copied().zip(0..).collect();
    let by_key = |a: &(f32, usize), b: &(f32, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    let nprobe = nprobe.min(ranked.len());
    if nprobe < ranked.len() {
        ranked.select_nth_unstable_by(nprobe, by_key);
        ranked.truncate(nprobe);
    }
    ranked.sort_unstable_by(by_key);
    ranked.into_iter().map(|(_, i)| i).collect()
}
