"""LanceDB (embedded, local directory): native FTS, IVF_PQ vectors, hybrid.

FTS: ``create_index(column, config=FTS(...))`` with the documented defaults
(simple tokenizer, lowercase, English stemming, English stop words, ASCII
folding), positions only when phrase queries are run. OR / AND are
``MatchQuery`` operators, phrases ``PhraseQuery``.
Vectors: ``IvfPq(distance_type="cosine")`` with default partitions and
sub-vectors (dim / 16); sweeps nprobes, without refinement and with
``refine_factor`` 10. Hybrid: ``query_type="hybrid"`` with its default
reciprocal-rank-fusion reranker over the FTS index and an exact (unindexed)
vector search.
Threads: LanceDB has no per-call thread setting; the harness sets
``LANCE_CPU_THREADS`` (and the tokio/rayon variables) before import.
"""

from __future__ import annotations

import os

os.environ.setdefault("LANCEDB_LOG", "error")  # no per-query deprecation warnings on stderr
import lancedb  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from lancedb.index import FTS, IvfPq  # noqa: E402
from lancedb.query import FullTextOperator, MatchQuery, PhraseQuery  # noqa: E402

from engines.base import Peer as Base  # noqa: E402
from engines.base import VectorVariant  # noqa: E402

NPROBES = [1, 2, 4, 8, 16, 32, 64, 128, 256]


def _fixed(x: np.ndarray) -> pa.Array:
    return pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(x).ravel()), x.shape[1])


class Peer(Base):
    name = "lancedb"
    package = "lancedb"
    sections = {"fts", "vector", "hybrid", "ingest"}
    fts_modes = {"or", "and", "phrase"}

    def __init__(self, threads, workdir):
        super().__init__(threads, workdir)
        self.index_dir = self.workdir / "lancedb"
        self.index_includes_data = True
        self.db = lancedb.connect(str(self.index_dir))
        self.notes.append(f"threads via LANCE_CPU_THREADS={os.environ.get('LANCE_CPU_THREADS')} set before import; "
                          "LANCE_IO_THREADS left at its default")
        self.notes.append("index_bytes is the whole table directory (data + indexes)")

    def _details(self) -> list:
        return [{"name": i.name, "type": i.index_type, "details": getattr(i, "index_details", None)}
                for i in self.tbl.list_indices()]

    # -- full text
    def fts_build(self, ids, bodies, english: bool, positions: bool) -> None:
        self.tbl = self.db.create_table("docs", pa.table({"id": pa.array(ids), "body": bodies}))
        self.tbl.create_index("body", config=FTS(with_position=positions, num_workers=self.threads))
        self.settings = {"with_position": positions, "indexes": self._details()}

    def fts_search(self, text: str, mode: str, k: int) -> list[int]:
        if mode == "phrase":
            q = PhraseQuery(text, "body")
        else:
            q = MatchQuery(text, "body", operator=FullTextOperator.AND if mode == "and" else FullTextOperator.OR)
        r = self.tbl.search(q, query_type="fts").limit(k).select(["id", "_score"]).to_arrow()
        return r["id"].to_pylist()

    # -- vectors
    def vector_variants(self, n: int, dim: int) -> list[VectorVariant]:
        def build(base):
            self.tbl = self.db.create_table("vecs", pa.table({"id": pa.array(np.arange(len(base))),
                                                              "emb": _fixed(base)}))
            self.tbl.create_index("emb", config=IvfPq(distance_type="cosine"))
            self.settings = {"indexes": self._details()}

        def search(q, k, sp):
            b = self.tbl.search(q, vector_column_name="emb").distance_type("cosine").nprobes(sp["nprobes"])
            if sp.get("refine_factor"):
                b = b.refine_factor(sp["refine_factor"])
            return b.limit(k).select(["id", "_distance"]).to_arrow()["id"].to_pylist()

        sweep = [[{"nprobes": p} for p in NPROBES], [{"nprobes": p, "refine_factor": 10} for p in NPROBES]]
        return [VectorVariant("IVF_PQ", {"num_partitions": "default (lance picks it from the row count; "
                                                            "SciFact's 5,183 rows get a single partition)",
                                         "num_sub_vectors": f"default ({dim // 16 if dim % 16 == 0 else dim // 8})",
                                         "num_bits": 8, "distance_type": "cosine"},
                              build, sweep, search, index_bytes=self.index_bytes,
                              notes=["refine_factor re-ranks refine_factor*k candidates with the full vectors "
                                     "read from the table"])]

    # -- hybrid
    def hybrid_build(self, ids, bodies, embs, english: bool) -> None:
        self.tbl = self.db.create_table("docs", pa.table({"id": pa.array(ids), "body": bodies, "emb": _fixed(embs)}))
        self.tbl.create_index("body", config=FTS(num_workers=self.threads))
        self.settings = {"indexes": self._details(), "reranker": "default (RRF)", "vector": "exact, no index"}

    def ingest_vector_index(self) -> None:
        """The ingest section's vector index on the hybrid table (the vector section's IVF_PQ)."""
        self.tbl.create_index("emb", config=IvfPq(distance_type="cosine"))
        self.settings["indexes"] = self._details()

    def hybrid_search(self, text: str, emb, k: int) -> list[int]:
        r = (self.tbl.search(query_type="hybrid", vector_column_name="emb").vector(emb).text(text)
             .limit(k).select(["id"]).to_arrow())
        return r["id"].to_pylist()
