"""Synthetic embedding set: a Gaussian mixture on the unit sphere, with exact ground truth.

    python bench/datasets/vector_set.py [--n 1000000] [--dim 384] [--clusters 1000]
                                        [--queries 1000] [--seed 42] [--out-root DIR]

Writes (once; an existing complete directory is reused) to
``bench/work/data/vec_n<n>_d<dim>_c<clusters>_q<queries>_s<seed>/``:

- ``base.parquet``: ``id`` int64 (0..n-1), ``emb`` FixedSizeList<float32, dim>
- ``queries.parquet``: ``qid`` int64, ``emb`` FixedSizeList<float32, dim>
- ``groundtruth.parquet``: ``qid`` int64, ``neighbors`` list<int64>: the exact
  top-100 base ids by cosine similarity, best first (ties by lower id)
- ``meta.json``: the parameters

The mixture has ``clusters`` planted clusters in a ``LATENT``-dimensional
space: centre mu_k ~ N(0, I), weight uniform in [0.5, 1.5] (normalised), spread
s_k uniform in ``SPREAD``; a latent point is ``mu_k + s_k * N(0, I)``, mapped to
``dim`` dimensions by a fixed random Gaussian matrix, plus isotropic noise of
relative size ``NOISE``, then L2-normalised (cosine = dot product). Clusters
overlap and the data has a low intrinsic dimension, as sentence embeddings
do, so ANN recall curves resemble those on real embeddings (e.g. SciFact)
rather than being trivially separable. Queries are fresh draws from the same
mixture. Ground truth is a float32 matrix product (BLAS) over base chunks,
merged into a running top-100. Deterministic for given parameters. Prints
the directory path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cache  # noqa: E402

CHUNK = 65_536
TOP = 100
LATENT = 32
SPREAD = (0.7, 1.0)
NOISE = 0.09
VERSION = 2


class Mixture:
    """The planted clusters: latent centres, weights, spreads, and the map to ``dim``."""

    def __init__(self, dim: int, clusters: int, seed: int):
        rng = np.random.default_rng([seed, 0])
        self.centres = rng.standard_normal((clusters, LATENT)).astype(np.float32)
        w = rng.uniform(0.5, 1.5, clusters)
        self.weights = w / w.sum()
        self.spread = rng.uniform(*SPREAD, clusters).astype(np.float32)
        self.lift = (rng.standard_normal((LATENT, dim)) / np.sqrt(dim)).astype(np.float32)
        self.dim = dim

    def sample(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """``m`` unit-norm float32 points."""
        k = rng.choice(len(self.weights), size=m, p=self.weights)
        z = rng.standard_normal((m, LATENT), dtype=np.float32)
        z *= self.spread[k][:, None]
        z += self.centres[k]
        x = z @ self.lift
        noise = rng.standard_normal((m, self.dim), dtype=np.float32)
        noise *= (np.float32(NOISE) * np.linalg.norm(z, axis=1) / np.float32(np.sqrt(self.dim)))[:, None]
        x += noise
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x


def fixed_list(x: np.ndarray) -> pa.Array:
    """A float32 matrix as Arrow FixedSizeList<float32, dim>."""
    return pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(x, np.float32).ravel()), x.shape[1])


def merge_topk(best_s: np.ndarray, best_i: np.ndarray, s: np.ndarray, ids: np.ndarray, k: int):
    """Merges candidate scores ``s`` (q x m) for ``ids`` into the running top-k."""
    if s.shape[1] > k:
        part = np.argpartition(-s, k - 1, axis=1)[:, :k]
        s = np.take_along_axis(s, part, axis=1)
        cand = ids[part]
    else:
        cand = np.broadcast_to(ids, s.shape)
    all_s = np.concatenate([best_s, s], axis=1)
    all_i = np.concatenate([best_i, cand], axis=1)
    keep = np.argpartition(-all_s, k - 1, axis=1)[:, :k]
    return np.take_along_axis(all_s, keep, axis=1), np.take_along_axis(all_i, keep, axis=1)


def sort_topk(s: np.ndarray, i: np.ndarray):
    """Each row ordered by score descending, ties by id ascending."""
    order = np.lexsort((i, -s), axis=1)
    return np.take_along_axis(s, order, axis=1), np.take_along_axis(i, order, axis=1)


def generate(out: Path, n: int, dim: int, clusters: int, n_queries: int, seed: int) -> dict:
    """Writes base, queries and ground truth into ``out``; returns the metadata."""
    mix = Mixture(dim, clusters, seed)
    queries = mix.sample(np.random.default_rng([seed, 2]), n_queries)
    k = min(TOP, n)
    best_s = np.full((n_queries, k), -np.inf, dtype=np.float32)
    best_i = np.full((n_queries, k), -1, dtype=np.int64)
    schema = pa.schema([("id", pa.int64()), ("emb", pa.list_(pa.float32(), dim))])
    with pq.ParquetWriter(out / "base.parquet", schema) as writer:
        for c, start in enumerate(range(0, n, CHUNK)):
            m = min(CHUNK, n - start)
            x = mix.sample(np.random.default_rng([seed, 1, c]), m)
            ids = np.arange(start, start + m, dtype=np.int64)
            writer.write_table(pa.table({"id": ids, "emb": fixed_list(x)}, schema=schema), row_group_size=CHUNK)
            best_s, best_i = merge_topk(best_s, best_i, queries @ x.T, ids, k)
    best_s, best_i = sort_topk(best_s, best_i)
    qids = np.arange(n_queries, dtype=np.int64)
    pq.write_table(pa.table({"qid": qids, "emb": fixed_list(queries)}), out / "queries.parquet")
    neighbors = pa.ListArray.from_arrays(pa.array(np.arange(0, n_queries * k + 1, k, dtype=np.int32)),
                                         pa.array(best_i.ravel()))
    pq.write_table(pa.table({"qid": qids, "neighbors": neighbors}), out / "groundtruth.parquet")
    return {"kind": "vector_set", "version": VERSION, "n": n, "dim": dim, "clusters": clusters,
            "queries": n_queries, "seed": seed, "metric": "cosine", "normalized": True, "top": k,
            "latent_dim": LATENT, "spread": list(SPREAD), "noise": NOISE,
            "mean_top1_cosine": float(best_s[:, 0].mean()),
            "mean_top10_cosine": float(best_s[:, min(9, k - 1)].mean())}


def ensure(n: int = 1_000_000, dim: int = 384, clusters: int = 1000, n_queries: int = 1000,
           seed: int = 42, root: Path | None = None) -> Path:
    """The dataset directory for these parameters, generated if missing."""
    name = f"vec_n{n}_d{dim}_c{clusters}_q{n_queries}_s{seed}"
    return cache.ensure_dir(name, lambda out: generate(out, n, dim, clusters, n_queries, seed), root, VERSION)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out-root", type=Path, default=None, help="default bench/work/data")
    a = ap.parse_args(argv)
    print(ensure(a.n, a.dim, a.clusters, a.queries, a.seed, a.out_root))


if __name__ == "__main__":
    main()
