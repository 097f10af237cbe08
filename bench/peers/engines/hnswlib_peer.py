"""hnswlib: an HNSW graph, cosine space.

Build: ``Index(space="cosine", dim)``, ``init_index(n, M=16,
ef_construction=200, random_seed=100)`` (the documented defaults),
``add_items`` with ``num_threads`` = the thread count. Search sweeps ``ef``;
single queries call ``knn_query`` with one row and ``num_threads=1``, the
batch API is ``knn_query`` with all rows and ``num_threads`` = the thread count.
"""

from __future__ import annotations

import hnswlib
import numpy as np

from engines.base import Peer as Base
from engines.base import VectorVariant

EF = [10, 16, 32, 64, 128, 256, 512]


class Peer(Base):
    name = "hnswlib"
    package = "hnswlib"
    sections = {"vector"}

    def vector_variants(self, n: int, dim: int) -> list[VectorVariant]:
        state: dict = {}

        def build(base):
            p = hnswlib.Index(space="cosine", dim=dim)
            p.init_index(max_elements=len(base), M=16, ef_construction=200, random_seed=100)
            p.set_num_threads(self.threads)
            p.add_items(base, np.arange(len(base)), num_threads=self.threads)
            state["index"] = p
            self.settings = {"num_threads": p.num_threads}

        def set_ef(ef):
            if state.get("ef") != ef:
                state["index"].set_ef(ef)
                state["ef"] = ef

        def search(q, k, sp):
            set_ef(sp["ef"])
            return state["index"].knn_query(q, k=k, num_threads=1)[0][0].tolist()

        def batch(qs, k, sp):
            set_ef(sp["ef"])
            return state["index"].knn_query(qs, k=k, num_threads=self.threads)[0]

        def size():
            path = self.workdir / "hnswlib.bin"
            state["index"].save_index(str(path))
            out = path.stat().st_size
            path.unlink()
            return out

        return [VectorVariant("HNSW", {"M": 16, "ef_construction": 200, "space": "cosine"}, build,
                              [{"ef": e} for e in EF], search, batch, size, lambda: state.clear())]
