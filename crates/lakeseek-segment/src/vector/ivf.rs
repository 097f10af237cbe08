//! Building a vector section: assign rows to the model's clusters, encode
//! rotated residuals (RaBitQ bits, factors, int8 rerank copy) and lay them
//! out cluster by cluster (`VECTOR_FORMAT.md`).

use super::codec::Writer;
use super::distance::normalize;
use super::kmeans::nearest;
use super::rabitq::{encode, Factors};
use super::simd::{Kernels, BLOCK_LANES, QUERY_BITS};
use super::summary::{ClusterSummary, VectorSegmentSummary};
use super::{check_vectors, Metric, VectorError, VectorModel};
use rayon::prelude::*;

pub(crate) const MAGIC: &[u8; 4] = b"LSVI";
pub(crate) const VERSION: u32 = 1;
pub(crate) const HEADER_LEN: usize = 48;
/// Bytes per entry of the cluster table.
pub(crate) const CLUSTER_ENTRY_LEN: usize = 16;

/// Builds vector sections. Stateless: every input arrives as an argument.
#[derive(Debug, Clone, Copy, Default)]
pub struct VectorIndexBuilder;

/// A built section and the summary the manifest keeps for it.
#[derive(Debug, Clone)]
pub struct BuiltVectorIndex {
    /// The section bytes, for [`crate::Section`] and [`super::VectorIndexReader::open`].
    pub section: Vec<u8>,
    /// Cluster sizes and radii (equal to [`super::VectorIndexReader::summary`]).
    pub summary: VectorSegmentSummary,
}

/// One row's place in the section.
struct Member {
    cluster: u32,
    row: u32,
    index: usize,
}

impl VectorIndexBuilder {
    /// Encodes `vectors` (row-major, `dim` floats per row; row `i` gets row
    /// id `i`) with `model`.
    pub fn build_section(
        model: &VectorModel,
        vectors: &[f32],
        dim: usize,
    ) -> Result<Vec<u8>, VectorError> {
        Ok(Self::build(model, vectors, dim, None)?.section)
    }

    /// Encodes `vectors` with `model`; row `i` gets id `row_ids[i]` (or `i`
    /// when `None`), which is what searches return and filters test.
    pub fn build(
        model: &VectorModel,
        vectors: &[f32],
        dim: usize,
        row_ids: Option<&[u32]>,
    ) -> Result<BuiltVectorIndex, VectorError> {
        if dim != model.dim() {
            return Err(VectorError::DimensionMismatch {
                what: "vectors",
                expected: model.dim(),
                found: dim,
            });
        }
        let n = check_vectors("vectors", vectors, dim)?;
        if n > u32::MAX as usize {
            return Err(VectorError::TooManyRows {
                what: "vectors",
                rows: n,
                max: u32::MAX as usize,
            });
        }
        if let Some(ids) = row_ids {
            if ids.len() != n {
                return Err(VectorError::CountMismatch {
                    what: "row ids",
                    expected: n,
                    found: ids.len(),
                });
            }
        }
        let metric = model.metric();
        let kern = Kernels::best();
        let centroids = model.centroids();

        // Normalize (cosine) and assign every row to its nearest centroid.
        let mut data = vectors.to_vec();
        if metric == Metric::Cosine {
            data.chunks_exact_mut(dim).for_each(|v| {
                normalize(v);
            });
        }
        // Assignment dominates the build (rows × clusters distances): it
        // runs in parallel, the radii are gathered after.
        let nearest_of: Vec<(usize, f32)> = data
            .par_chunks_exact(dim)
            .map(|x| nearest(kern, centroids, x))
            .collect();
        let mut radius = vec![0.0f32; model.num_clusters()];
        let mut members: Vec<Member> = nearest_of
            .iter()
            .enumerate()
            .map(|(i, &(c, d))| {
                radius[c] = radius[c].max(d.sqrt());
                Member {
                    cluster: c as u32,
                    row: row_ids.map_or(i as u32, |ids| ids[i]),
                    index: i,
                }
            })
            .collect();
        members.sort_by_key(|m| (m.cluster, m.index));

        let mut clusters: Vec<ClusterSummary> = Vec::new();
        for m in &members {
            match clusters.last_mut() {
                Some(last) if last.cluster == m.cluster => last.rows += 1,
                _ => clusters.push(ClusterSummary {
                    cluster: m.cluster,
                    rows: 1,
                    radius: radius[m.cluster as usize],
                }),
            }
        }

        let encoded = encode_rows(model, &data, &members, &clusters);
        let summary = VectorSegmentSummary {
            model_fingerprint: model.fingerprint(),
            metric,
            dim: dim as u32,
            rows: n as u32,
            clusters,
        };
        let section = write(model, &summary, &members, &encoded);
        Ok(BuiltVectorIndex { section, summary })
    }
}

/// Codes of all rows, in section order.
struct Encoded {
    /// Rotated centroids, one per stored cluster.
    centroids: Vec<f32>,
    /// Interleaved code blocks.
    codes: Vec<u8>,
    /// Per slot (block lane), padding lanes zero.
    adds: Vec<f32>,
    factors: Vec<f32>,
    errors: Vec<f32>,
    /// Per row.
    rerank_scales: Vec<f32>,
    int8: Vec<u8>,
}

fn encode_rows(
    model: &VectorModel,
    data: &[f32],
    members: &[Member],
    clusters: &[ClusterSummary],
) -> Encoded {
    let dim = model.dim();
    let rot = model.rotation();
    let padded = rot.padded();
    let words = padded / 64;
    let kern = Kernels::best();
    let blocks: usize = clusters
        .iter()
        .map(|c| (c.rows as usize).div_ceil(BLOCK_LANES))
        .sum();
    let mut out = Encoded {
        centroids: vec![0.0; clusters.len() * padded],
        codes: vec![0; blocks * BLOCK_LANES * words * 8],
        adds: vec![0.0; blocks * BLOCK_LANES],
        factors: vec![0.0; blocks * BLOCK_LANES],
        errors: vec![0.0; blocks * BLOCK_LANES],
        rerank_scales: Vec::with_capacity(members.len()),
        int8: vec![0; members.len() * padded],
    };
    let mut residual = vec![0.0f32; dim];
    let mut rotated = vec![0.0f32; padded];
    let mut code = vec![0u64; words];
    let (mut row, mut slot0) = (0usize, 0usize);
    for (ci, cluster) in clusters.iter().enumerate() {
        let c = &model.centroids()[cluster.cluster as usize * dim..][..dim];
        rot.rotate_into(c, &mut out.centroids[ci * padded..(ci + 1) * padded]);
        for lane_index in 0..cluster.rows as usize {
            let x = &data[members[row].index * dim..][..dim];
            residual
                .iter_mut()
                .zip(x.iter().zip(c))
                .for_each(|(r, (a, b))| *r = a - b);
            rot.rotate_into(&residual, &mut rotated);
            let Factors {
                add,
                factor,
                error,
                rerank_scale,
            } = encode(
                model.metric(),
                &rotated,
                kern.dot(c, &residual),
                &mut code,
                &mut out.int8[row * padded..(row + 1) * padded],
            );
            let slot = slot0 + lane_index;
            let (block, lane) = (slot / BLOCK_LANES, slot % BLOCK_LANES);
            for (w, word) in code.iter().enumerate() {
                let at = ((block * words + w) * BLOCK_LANES + lane) * 8;
                out.codes[at..at + 8].copy_from_slice(&word.to_le_bytes());
            }
            out.adds[slot] = add;
            out.factors[slot] = factor;
            out.errors[slot] = error;
            out.rerank_scales.push(rerank_scale);
            row += 1;
        }
        slot0 += (cluster.rows as usize).div_ceil(BLOCK_LANES) * BLOCK_LANES;
    }
    out
}

fn write(
    model: &VectorModel,
    summary: &VectorSegmentSummary,
    members: &[Member],
    enc: &Encoded,
) -> Vec<u8> {
    let rot = model.rotation();
    let size = HEADER_LEN
        + rot.signs().len() * 8
        + summary.clusters.len() * CLUSTER_ENTRY_LEN
        + enc.centroids.len() * 4
        + enc.codes.len()
        + (enc.adds.len() + enc.factors.len() + enc.errors.len() + enc.rerank_scales.len()) * 4
        + enc.int8.len()
        + members.len() * 4;
    let mut w = Writer::with_capacity(size);
    w.bytes(MAGIC);
    w.u32(VERSION);
    w.u8(model.metric().code());
    w.u8(QUERY_BITS as u8);
    w.u8(BLOCK_LANES as u8);
    w.u8(0);
    w.u32(model.dim() as u32);
    w.u32(rot.padded() as u32);
    w.u32(rot.rounds() as u32);
    w.u32(summary.clusters.len() as u32);
    w.u32(summary.rows);
    w.u64(summary.model_fingerprint);
    w.u32(model.num_clusters() as u32);
    w.u32(0);
    debug_assert_eq!(w.buf.len(), HEADER_LEN);
    w.u64s(rot.signs());
    for c in &summary.clusters {
        w.u32(c.cluster);
        w.u32(c.rows);
        w.f32(c.radius);
        w.u32(0);
    }
    w.f32s(&enc.centroids);
    w.bytes(&enc.codes);
    w.f32s(&enc.adds);
    w.f32s(&enc.factors);
    w.f32s(&enc.errors);
    w.f32s(&enc.rerank_scales);
    w.bytes(&enc.int8);
    members.iter().for_each(|m| w.u32(m.row));
    debug_assert_eq!(w.buf.len(), size);
    w.buf
}
