"""Infino (embedded, local directory): BM25, vector and hybrid search over Parquet superfiles.

A table ``(id int64, body large_utf8[, emb FixedSizeList<float32, d>])`` with
``IndexSpec().fts("body", ...)`` and/or ``.vector("emb", d, "cosine")``. Rows
are appended in batches of ``BATCH`` (one commit each), then ``optimize()``
compacts; both count as build time. Text analysis: the defaults (standard
tokenizer, no stemming, no stop words) on the synthetic corpus, plus
``stemmer="english"`` on SciFact; ``positions=True`` when phrases are run.
OR / AND are the ``mode`` of ``bm25_search``; a phrase is a quoted query.
Vector search has no tuning knob in the API, so it gives one operating point.
Threads: the API has no thread setting; the harness sets RAYON_NUM_THREADS and
TOKIO_WORKER_THREADS before import as a best effort.
"""

from __future__ import annotations

import time

import infino
import numpy as np
import pyarrow as pa

from engines.base import Peer as Base
from engines.base import VectorVariant

BATCH = 100_000


class Peer(Base):
    name = "infino"
    package = "infino"
    sections = {"fts", "vector", "hybrid", "ingest"}
    fts_modes = {"or", "and", "phrase"}

    def __init__(self, threads, workdir):
        super().__init__(threads, workdir)
        self.index_dir = self.workdir / "infino"
        self.index_includes_data = True
        self.db = infino.connect(str(self.index_dir))
        self.notes.append("no thread setting in infino's API; RAYON_NUM_THREADS / TOKIO_WORKER_THREADS set before "
                          "import as a best effort (see cpu_util for what it used)")
        self.notes.append("index_bytes is the whole table directory (Parquet data with embedded indexes)")

    def _create(self, fields: list, spec, table: pa.Table) -> None:
        schema = pa.schema(fields)
        self.tbl = self.db.create_table("docs", schema, spec)
        t0 = time.perf_counter()
        for start in range(0, table.num_rows, BATCH):
            self.tbl.append(table.slice(start, BATCH).cast(schema))
        t1 = time.perf_counter()
        self.tbl.optimize()
        self.settings["append_seconds"] = t1 - t0
        self.settings["optimize_seconds"] = time.perf_counter() - t1
        self.settings["append_batch_rows"] = BATCH

    def _fts_spec(self, spec, english: bool, positions: bool):
        self.settings.update(stemmer="english" if english else None, positions=positions)
        return spec.fts("body", stemmer="english" if english else None, positions=positions)

    # -- full text
    def fts_build(self, ids, bodies, english: bool, positions: bool) -> None:
        spec = self._fts_spec(infino.IndexSpec(), english, positions)
        self._create([pa.field("id", pa.int64(), nullable=False), pa.field("body", pa.large_utf8(), nullable=False)],
                     spec, pa.table({"id": pa.array(ids), "body": bodies}))

    def fts_search(self, text: str, mode: str, k: int) -> list[int]:
        if mode == "phrase":
            r = self.tbl.bm25_search("body", f'"{text}"', k, projection=["id"])
        else:
            r = self.tbl.bm25_search("body", text, k, mode=mode, projection=["id"])
        return r["id"].to_pylist()

    # -- vectors
    def vector_variants(self, n: int, dim: int) -> list[VectorVariant]:
        def build(base):
            emb = pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(base).ravel()), dim)
            self._create([pa.field("id", pa.int64(), nullable=False),
                          pa.field("emb", pa.list_(pa.float32(), dim), nullable=False)],
                         infino.IndexSpec().vector("emb", dim, "cosine"),
                         pa.table({"id": pa.array(np.arange(len(base))), "emb": emb}))

        def search(q, k, sp):
            return self.tbl.vector_search("emb", q.tolist(), k, projection=["id"])["id"].to_pylist()

        return [VectorVariant("default", {"metric": "cosine"}, build, [{}], search, index_bytes=self.index_bytes,
                              notes=["the vector index has no search-time knob in the API: one operating point"])]

    # -- hybrid
    def hybrid_build(self, ids, bodies, embs, english: bool) -> None:
        dim = embs.shape[1]
        spec = self._fts_spec(infino.IndexSpec(), english, False).vector("emb", dim, "cosine")
        emb = pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(embs).ravel()), dim)
        self._create([pa.field("id", pa.int64(), nullable=False), pa.field("body", pa.large_utf8(), nullable=False),
                      pa.field("emb", pa.list_(pa.float32(), dim), nullable=False)],
                     spec, pa.table({"id": pa.array(ids), "body": bodies, "emb": emb}))
        self.settings["fusion"] = "infino hybrid_search (its own BM25 + vector fusion)"

    def hybrid_search(self, text: str, emb, k: int) -> list[int]:
        return self.tbl.hybrid_search("body", text, "emb", emb.tolist(), k, projection=["id"])["id"].to_pylist()
