//! The per-table vector model: IVF centroids and the RaBitQ rotation.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::codec::{bounded, Cursor, Writer};
use super::distance::normalize;
use super::rotation::{padded_dim, Rotation};
use super::simd::Kernels;
use super::{check_query, check_vectors, kmeans, Metric, VectorError};

const MAGIC: &[u8; 4] = b"LSVM";
const VERSION: u32 = 1;
/// Most clusters a model may have.
pub(crate) const MAX_CLUSTERS: usize = 1 << 20;
/// Largest supported dimension.
pub(crate) const MAX_DIM: usize = 1 << 16;

/// Centroids and a random rotation, trained once per table and shared by
/// every segment's vector section so that cluster ids, distance estimates
/// and summaries are comparable across segments.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorModel {
    metric: Metric,
    dim: usize,
    /// `clusters * dim` floats, row-major (unit-normalized space for cosine).
    centroids: Vec<f32>,
    rotation: Rotation,
}

impl VectorModel {
    /// Trains a model on `sample` (row-major, `dim` floats per row).
    ///
    /// Runs k-means++ and up to 16 Lloyd iterations on at most 256 sample
    /// points per cluster; clusters that fall empty are re-seeded from the
    /// largest one. For [`Metric::Cosine`] the sample is normalized first.
    /// `num_clusters` is reduced to the number of sample rows if larger.
    /// The same `seed` and input give the same model.
    pub fn train(
        metric: Metric,
        dim: usize,
        sample: &[f32],
        num_clusters: usize,
        seed: u64,
    ) -> Result<Self, VectorError> {
        if dim > MAX_DIM {
            return Err(VectorError::InvalidParameter {
                name: "dim",
                value: dim,
                reason: "above the supported maximum of 65536",
            });
        }
        let rows = check_vectors("training sample", sample, dim)?;
        if rows == 0 {
            return Err(VectorError::Empty {
                what: "training sample",
            });
        }
        if num_clusters == 0 || num_clusters > MAX_CLUSTERS {
            return Err(VectorError::InvalidParameter {
                name: "num_clusters",
                value: num_clusters,
                reason: "must be between 1 and 2^20",
            });
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let normalized;
        let data = if metric == Metric::Cosine {
            let mut copy = sample.to_vec();
            copy.chunks_exact_mut(dim).for_each(|v| {
                normalize(v);
            });
            normalized = copy;
            &normalized[..]
        } else {
            sample
        };
        let centroids = kmeans::train(data, dim, num_clusters.min(rows), &mut rng);
        let rotation = Rotation::random(padded_dim(dim), &mut rng);
        Ok(VectorModel {
            metric,
            dim,
            centroids,
            rotation,
        })
    }

    /// A cluster count for a segment or table of `n_rows` rows: about
    /// `sqrt(n_rows)`, with at least 32 rows per cluster, clamped to
    /// `[1, 65536]`.
    pub fn default_clusters(n_rows: usize) -> usize {
        let root = (n_rows as f64).sqrt().round() as usize;
        root.min(n_rows / 32).clamp(1, 65_536)
    }

    /// The metric the model was trained for.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of clusters.
    pub fn num_clusters(&self) -> usize {
        self.centroids.len() / self.dim
    }

    /// The centroids, row-major (`num_clusters() * dim()` floats); for
    /// [`Metric::Cosine`] they live in the space of normalized vectors.
    pub fn centroids(&self) -> &[f32] {
        &self.centroids
    }

    /// A 64-bit content hash; sections built with this model carry it, so a
    /// reader can tell whether two segments share a model.
    pub fn fingerprint(&self) -> u64 {
        let bytes = self.to_bytes();
        let mut lo = crc32fast::Hasher::new();
        lo.update(&bytes);
        let mut hi = crc32fast::Hasher::new_with_initial(0x5eed_1e55);
        hi.update(&bytes);
        (u64::from(hi.finalize()) << 32) | u64::from(lo.finalize())
    }

    /// Distances from `query` to every centroid, in the order the index
    /// probes clusters: squared euclidean for [`Metric::L2`], `1 - <q, c>`
    /// (normalized query) for [`Metric::Cosine`], `-<q, c>` for
    /// [`Metric::Dot`]. With [`super::ClusterSummary::lower_bound`] this
    /// ranks clusters across segments.
    pub fn centroid_distances(&self, query: &[f32]) -> Result<Vec<f32>, VectorError> {
        check_query(query, self.dim)?;
        let mut q = query.to_vec();
        if self.metric == Metric::Cosine {
            normalize(&mut q);
        }
        let kern = Kernels::best();
        Ok(self
            .centroids
            .chunks_exact(self.dim)
            .map(|c| match self.metric {
                Metric::L2 => kern.l2_sq(&q, c),
                Metric::Cosine => 1.0 - kern.dot(&q, c),
                Metric::Dot => -kern.dot(&q, c),
            })
            .collect())
    }

    pub(crate) fn rotation(&self) -> &Rotation {
        &self.rotation
    }

    /// Encodes the model (layout in `VECTOR_FORMAT.md`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w =
            Writer::with_capacity(32 + self.centroids.len() * 4 + self.rotation.signs().len() * 8);
        w.bytes(MAGIC);
        w.u32(VERSION);
        w.u8(self.metric.code());
        w.bytes(&[0; 3]);
        w.u32(self.dim as u32);
        w.u32(self.rotation.padded() as u32);
        w.u32(self.rotation.rounds() as u32);
        w.u32(self.num_clusters() as u32);
        w.u64s(self.rotation.signs());
        w.f32s(&self.centroids);
        let crc = crc32fast::hash(&w.buf);
        w.u32(crc);
        w.buf
    }

    /// Decodes and validates bytes written by [`VectorModel::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VectorError> {
        let body_len = bytes
            .len()
            .checked_sub(4)
            .ok_or_else(|| VectorError::corrupt("vector model", "shorter than its checksum"))?;
        let mut c = Cursor::new(bytes, "vector model");
        if c.take(4, "magic")? != MAGIC {
            return Err(c.corrupt("bad magic"));
        }
        let version = c.u32("version")?;
        if version != VERSION {
            return Err(VectorError::UnsupportedVersion {
                what: "vector model",
                found: version,
                supported: VERSION,
            });
        }
        let stored_crc = u32::from_le_bytes(bytes[body_len..].try_into().expect("4 bytes"));
        if crc32fast::hash(&bytes[..body_len]) != stored_crc {
            return Err(c.corrupt("checksum mismatch"));
        }
        let metric =
            Metric::from_code(c.u8("metric")?).ok_or_else(|| c.corrupt("unknown metric"))?;
        c.take(3, "reserved")?;
        let dim = c.u32("dim")?;
        let dim = bounded(&c, dim, MAX_DIM, "dim")?;
        let padded = c.u32("padded dim")? as usize;
        if dim == 0 || padded != padded_dim(dim) {
            return Err(c.corrupt(format!("dim {dim} with padded dim {padded}")));
        }
        let rounds = c.u32("rotation rounds")?;
        let rounds = bounded(&c, rounds, 64, "rotation rounds")?;
        let clusters = c.u32("clusters")?;
        let clusters = bounded(&c, clusters, MAX_CLUSTERS, "clusters")?;
        if clusters == 0 {
            return Err(c.corrupt("no clusters"));
        }
        let signs = c.u64s(rounds * padded / 64, "rotation signs")?;
        let centroids = c.f32s(c.product(clusters, dim, "centroids")?, "centroids")?;
        c.take(4, "checksum")?;
        c.finish()?;
        Ok(VectorModel {
            metric,
            dim,
            centroids,
            rotation: Rotation::from_parts(padded, rounds, signs),
        })
    }
}
