"""Faiss (faiss-cpu): exact and IVF indexes, inner product on unit vectors (= cosine).

Variants, all with ``METRIC_INNER_PRODUCT``:

- ``Flat``: exact search, the reference point.
- ``IVF-Flat``: ``IndexIVFFlat``, nlist = min(2 sqrt(n), n / 39); sweeps nprobe.
- ``IVF-PQ``: ``IndexIVFPQ`` (dim/8 sub-quantizers x 8 bits) inside
  ``IndexRefineFlat``; sweeps nprobe with ``k_factor`` 1 (the PQ ranking,
  merely re-ordered exactly) and 4 (exact re-ranking of 4k candidates).
- ``IVF-RaBitQ``: ``IndexIVFRaBitQ`` (default query bits) inside
  ``IndexRefineFlat``, same sweeps; skipped if this faiss lacks it.

The coarse k-means is trained once (for IVF-Flat) and its centroids reused
by the other IVF variants; each variant's ``build_seconds`` includes that
k-means time, as if built alone. Threads: ``faiss.omp_set_num_threads``.
Single queries call ``search`` with one row; the batch API is ``search`` with
all queries. ``index_bytes`` of a variant is its ``faiss.write_index`` file;
the run's top-level ``index_bytes`` is that of the variant behind the best QPS
at recall@10 >= 0.95 (``reference_index``, see ``section_vector``).
"""

from __future__ import annotations

import os
import time

import faiss
import numpy as np

from engines.base import Peer as Base
from engines.base import VectorVariant

NPROBE = [1, 2, 4, 8, 16, 32, 64, 128, 256]
IP = faiss.METRIC_INNER_PRODUCT


class Peer(Base):
    name = "faiss"
    package = "faiss-cpu"
    sections = {"vector"}

    def __init__(self, threads, workdir):
        super().__init__(threads, workdir)
        faiss.omp_set_num_threads(threads)
        self.settings = {"omp_max_threads": faiss.omp_get_max_threads(),
                         "has_rabitq": hasattr(faiss, "IndexIVFRaBitQ")}
        self.notes.append("threads via faiss.omp_set_num_threads; a one-row search barely uses more than one "
                          "thread, the batch search (qps_batch) does")
        self.notes.append("index_bytes per variant: its faiss.write_index file (IVF-PQ and IVF-RaBitQ include the "
                          "refine store of float32 vectors; base_index_bytes is the quantized part alone); top-level "
                          "index_bytes: the variant behind the best QPS at recall@10 >= 0.95 (reference_index)")
        self._centroids = None
        self._kmeans_seconds = 0.0

    def _size(self, index) -> int:
        path = self.workdir / "faiss.index"
        faiss.write_index(index, str(path))
        size = path.stat().st_size
        os.remove(path)
        return size

    def _quantizer(self, base: np.ndarray, nlist: int):
        """A flat IP quantizer holding the shared coarse centroids (trained on first use)."""
        if self._centroids is None:
            t0 = time.perf_counter()
            ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(base.shape[1]), base.shape[1], nlist, IP)
            ivf.train(base)
            self._centroids = ivf.quantizer.reconstruct_n(0, nlist)
            self._kmeans_seconds = time.perf_counter() - t0
            self.settings["coarse_kmeans_seconds"] = self._kmeans_seconds
        q = faiss.IndexFlatIP(base.shape[1])
        q.add(self._centroids)
        return q

    def vector_variants(self, n: int, dim: int) -> list[VectorVariant]:
        nlist = max(1, min(int(2 * np.sqrt(n)), n // 39))
        m = dim // 8 if dim % 8 == 0 else dim // 4
        probes = [p for p in NPROBE if p <= nlist] or [1]
        state: dict = {}

        def make(name, factory, sweep, params, refine=False, notes=()):
            def build(base):
                index = factory(base)
                if not index.is_trained:
                    index.train(base)
                index.add(base)
                state[name] = index

            def apply(index, sp):
                if "nprobe" in sp:
                    faiss.extract_index_ivf(index).nprobe = sp["nprobe"]
                if "k_factor" in sp:
                    index.k_factor = sp["k_factor"]

            def search(q, k, sp):
                index = state[name]
                if state.get(name + ":sp") != sp:
                    apply(index, sp)
                    state[name + ":sp"] = sp
                return index.search(q.reshape(1, -1), k)[1][0].tolist()

            def batch(qs, k, sp):
                index = state[name]
                apply(index, sp)
                state[name + ":sp"] = sp
                return index.search(qs, k)[1]

            def size():
                index = state[name]
                out = self._size(index)
                if refine:
                    params["base_index_bytes"] = self._size(index.base_index)
                return out

            def release():
                state.pop(name, None)

            extra = (lambda: self._kmeans_seconds) if refine else (lambda: 0.0)
            return VectorVariant(name, params, build, sweep, search, batch, size, release, list(notes), extra)

        def ivf_flat(base):
            q = self._quantizer(base, nlist)
            return faiss.IndexIVFFlat(q, dim, nlist, IP)

        def ivf_pq(base):
            return faiss.IndexRefineFlat(faiss.IndexIVFPQ(self._quantizer(base, nlist), dim, nlist, m, 8, IP))

        def ivf_rabitq(base):
            return faiss.IndexRefineFlat(faiss.IndexIVFRaBitQ(self._quantizer(base, nlist), dim, nlist, IP))

        refine_sweeps = [[{"nprobe": p, "k_factor": 1} for p in probes], [{"nprobe": p, "k_factor": 4} for p in probes]]
        shared = "includes the shared coarse k-means time (trained once, in the IVF-Flat build)"
        variants = [
            make("Flat", lambda base: faiss.IndexFlatIP(dim), [{}], {"type": "IndexFlatIP"}),
            make("IVF-Flat", ivf_flat, [{"nprobe": p} for p in probes], {"nlist": nlist}),
            make("IVF-PQ", ivf_pq, refine_sweeps, {"nlist": nlist, "pq_m": m, "pq_nbits": 8, "refine": "Flat"},
                 refine=True, notes=[shared, "index_bytes includes the refine store of full vectors; "
                                     "base_index_bytes is the IVF-PQ part alone"]),
        ]
        if hasattr(faiss, "IndexIVFRaBitQ"):
            variants.append(make("IVF-RaBitQ", ivf_rabitq, refine_sweeps,
                                 {"nlist": nlist, "qb": "default", "refine": "Flat"}, refine=True,
                                 notes=[shared, "index_bytes includes the refine store of full vectors; "
                                        "base_index_bytes is the IVF-RaBitQ part alone"]))
        else:
            self.notes.append("IndexIVFRaBitQ is not in this faiss build: no RaBitQ points")
        return variants
