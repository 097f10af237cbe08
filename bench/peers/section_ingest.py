"""The ingest section: rows/s from a Parquet file to a durable table with its indexes built.

Every engine starts from the same file and ends when its own commit (or
checkpoint) has returned with the indexes built, so the table is searchable
by a new reader: LakeSeek with ``lakeseek import`` (the CLI, a subprocess),
the peers by reading the file with pyarrow and calling their build (the same
calls as the fts and hybrid sections). Datasets:

- ``generated``: the synthetic corpus's ``docs.parquet`` (id, body), a
  full-text index on ``body``.
- ``scifact``: SciFact as ``(id, body = title + " " + text, emb)`` in one
  file, written once untimed (``source``), full-text and vector indexes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import data


def source(dataset: str, docs: int, seed: int) -> tuple[Path, bool, bool]:
    """(Parquet file, with embeddings, English text) for a dataset; SciFact's file is made once."""
    if dataset == "generated":
        return data.text_corpus.ensure(docs, seed) / "docs.parquet", False, False
    out = data.REPO / "bench" / "work" / "data" / "scifact_ingest" / "corpus.parquet"
    if not out.exists():
        t = pq.read_table(data.SCIFACT_DIR / "corpus.parquet", columns=["title", "text", "emb"])
        body = pc.binary_join_element_wise(t["title"], t["text"], " ")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        pq.write_table(pa.table({"id": pa.array(np.arange(t.num_rows, dtype=np.int64)), "body": body,
                                 "emb": t["emb"]}), tmp)
        tmp.rename(out)
    return out, True, True


def read_and_build(peer, path: Path, with_emb: bool, english: bool) -> None:
    """The peers' ingest: read the file, then the section build calls."""
    t = pq.read_table(path)
    ids = t["id"].to_numpy()
    bodies = t["body"].combine_chunks()
    if with_emb:
        peer.hybrid_build(ids, bodies, data.matrix(t["emb"]), english)
        if hasattr(peer, "ingest_vector_index"):  # a hybrid build without a vector index (LanceDB)
            peer.ingest_vector_index()
    else:
        peer.fts_build(ids, bodies, english, positions=True)


def run(peer, dataset: str, docs: int, seed: int) -> dict:
    path, with_emb, english = source(dataset, docs, seed)
    rows = pq.ParquetFile(path).metadata.num_rows
    if with_emb and not hasattr(peer, "hybrid_build") and not hasattr(peer, "ingest"):
        return {"supported": False, "reason": f"{peer.name} has no text + vector build in this harness"}
    t0 = time.perf_counter()
    c0 = time.process_time()
    if hasattr(peer, "ingest"):
        peer.ingest(path, with_emb, english)
    else:
        read_and_build(peer, path, with_emb, english)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    return {"supported": True, "build_seconds": seconds, "rows": rows, "rows_per_second": rows / seconds,
            "cpu_seconds_in_process": cpu, "index_bytes": peer.index_bytes(),
            "index_bytes_includes_data": peer.index_includes_data,
            "indexes": ["fts(body)"] + (["vector(emb, cosine)"] if with_emb else []),
            "data": {"parquet": str(path), "rows": rows, "bytes": path.stat().st_size}}
