"""USearch: an HNSW graph with its documented defaults.

Build: ``Index(ndim=d, metric="cos")`` leaving connectivity (16),
expansion_add (128) and the scalar type (bf16 in this version) at their
defaults, ``add(keys, vectors, threads=N)``. Search sweeps
``expansion_search``; single queries call ``search`` with one vector, the batch
API is ``search`` with all vectors and ``threads=N``.
"""

from __future__ import annotations

import numpy as np
from usearch.index import Index

from engines.base import Peer as Base
from engines.base import VectorVariant

EXPANSION = [16, 32, 64, 128, 256, 512]


class Peer(Base):
    name = "usearch"
    package = "usearch"
    sections = {"vector"}

    def vector_variants(self, n: int, dim: int) -> list[VectorVariant]:
        state: dict = {}

        def build(base):
            index = Index(ndim=dim, metric="cos")
            index.add(np.arange(len(base), dtype=np.uint64), base, threads=self.threads)
            state["index"] = index
            self.settings = {"dtype": str(index.dtype), "connectivity": index.connectivity,
                             "expansion_add": index.expansion_add, "metric": str(index.metric)}

        def set_expansion(e):
            if state.get("ef") != e:
                state["index"].expansion_search = e
                state["ef"] = e

        def search(q, k, sp):
            set_expansion(sp["expansion_search"])
            return state["index"].search(q, k, threads=1).keys.tolist()

        def batch(qs, k, sp):
            set_expansion(sp["expansion_search"])
            return state["index"].search(qs, k, threads=self.threads).keys.astype(np.int64)

        def size():
            path = self.workdir / "usearch.bin"
            state["index"].save(str(path))
            out = path.stat().st_size
            path.unlink()
            return out

        return [VectorVariant("HNSW", {"metric": "cos", "connectivity": "default", "expansion_add": "default",
                                       "dtype": "default"}, build, [{"expansion_search": e} for e in EXPANSION],
                              search, batch, size, lambda: state.clear(),
                              notes=["scalar type left at the default (see settings.dtype)"])]
