"""Loads the benchmark inputs into memory: SciFact (read in place) and the generated sets.

Every document gets an int64 id equal to its row number, whatever the source
id, so every engine indexes the same ``(id, body[, emb])`` rows; SciFact's own
ids are mapped back only to score against its qrels and ground truth.

SciFact is read from ``$SCIFACT_DIR`` or ``<repo>/../shared/data/scifact``
(never copied). Generated sets come from ``bench/datasets`` and are generated
on first use.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench" / "datasets"))
import text_corpus  # noqa: E402
import vector_set  # noqa: E402

SCIFACT_DIR = Path(os.environ.get("SCIFACT_DIR", REPO.parent / "shared" / "data" / "scifact"))


@dataclass
class Query:
    """One query: its id, text (or None), embedding (or None) and df band."""
    qid: object
    text: str | None = None
    emb: np.ndarray | None = None
    band: str | None = None


@dataclass
class QuerySet:
    """A named list of queries run in one search mode ("or", "and", "phrase", "vector", "hybrid")."""
    name: str
    mode: str
    queries: list[Query]


@dataclass
class TextSet:
    """Documents to index for full text (and optionally vectors), with query sets and judgments."""
    name: str
    ids: np.ndarray
    bodies: pa.Array
    query_sets: list[QuerySet]
    english: bool
    embs: np.ndarray | None = None
    qrels: dict | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class VectorSet:
    """Base vectors, query vectors and exact top-100 neighbours (row ids), cosine."""
    name: str
    base: np.ndarray
    queries: np.ndarray
    truth: np.ndarray
    meta: dict = field(default_factory=dict)


def subsample(n: int, m: int | None) -> list[int]:
    """``m`` evenly spaced indices of ``range(n)`` (all of them when m is None or >= n).

    Query sets are ordered by (terms, band), so an even spread keeps every
    cell represented where a prefix would not.
    """
    if not m or m >= n:
        return list(range(n))
    return sorted({int(round(i * (n - 1) / (m - 1))) for i in range(m)}) if m > 1 else [0]


def plain_query(text: str) -> str:
    """Query text with every non-alphanumeric run turned into a space, lowercased.

    Engines tokenize on the same boundaries, so no term is lost, and no engine's
    query syntax (quotes, +/-, AND/OR/NOT, field:) is triggered by accident.
    """
    return re.sub(r"[\W_]+", " ", text).strip().lower()


def matrix(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A FixedSizeList<float32, d> column as a contiguous (n, d) float32 array."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    d = arr.type.list_size
    return np.ascontiguousarray(arr.flatten().to_numpy(zero_copy_only=False).reshape(-1, d), dtype=np.float32)


def read_qrels(path: Path) -> dict:
    """qrels TSV (query-id, corpus-id, score; header line) as {qid: {corpus_id: grade}}."""
    out: dict = {}
    with open(path, newline="") as f:
        r = csv.reader(f, delimiter="\t")
        next(r)
        for qid, did, score in r:
            out.setdefault(qid, {})[did] = int(score)
    return out


def scifact_corpus(with_emb: bool = False):
    """(source ids, bodies as title + " " + text, embeddings or None)."""
    cols = ["id", "title", "text"] + (["emb"] if with_emb else [])
    t = pq.read_table(SCIFACT_DIR / "corpus.parquet", columns=cols)
    bodies = pc.binary_join_element_wise(t["title"], t["text"], " ").combine_chunks()
    return t["id"].to_pylist(), bodies, (matrix(t["emb"]) if with_emb else None)


def scifact_text(with_emb: bool = False) -> TextSet:
    """SciFact for full text (and hybrid when ``with_emb``): the 300 test queries with their qrels."""
    src_ids, bodies, embs = scifact_corpus(with_emb)
    row = {d: i for i, d in enumerate(src_ids)}
    qrels_src = read_qrels(SCIFACT_DIR / "qrels_test.tsv")
    qrels = {q: {row[d]: g for d, g in rels.items() if d in row} for q, rels in qrels_src.items()}
    qt = pq.read_table(SCIFACT_DIR / "queries.parquet", columns=["id", "text"] + (["emb"] if with_emb else []))
    qemb = matrix(qt["emb"]) if with_emb else None
    queries = [Query(qid, plain_query(text), None if qemb is None else qemb[i])
               for i, (qid, text) in enumerate(zip(qt["id"].to_pylist(), qt["text"].to_pylist())) if qid in qrels]
    mode = "hybrid" if with_emb else "or"
    return TextSet("scifact", np.arange(len(src_ids), dtype=np.int64), bodies,
                   [QuerySet("scifact_test", mode, queries)], english=True, embs=embs, qrels=qrels,
                   meta={"source": str(SCIFACT_DIR), "docs": len(src_ids), "test_queries": len(queries)})


def scifact_vectors() -> VectorSet:
    """SciFact embeddings: 5,183 documents, all 1,109 queries, exact cosine top-100."""
    src_ids, _, base = scifact_corpus(with_emb=True)
    row = {d: i for i, d in enumerate(src_ids)}
    qt = pq.read_table(SCIFACT_DIR / "queries.parquet", columns=["id", "emb"])
    gt = pq.read_table(SCIFACT_DIR / "vector_groundtruth_cosine_top100.parquet")
    by_q = dict(zip(gt["query_id"].to_pylist(), gt["neighbors"].to_pylist()))
    qids = qt["id"].to_pylist()
    truth = np.array([[row[d] for d in by_q[q]] for q in qids], dtype=np.int64)
    return VectorSet("scifact", base, matrix(qt["emb"]), truth,
                     meta={"source": str(SCIFACT_DIR), "n": len(base), "queries": len(qids)})


def _queries(table: pa.Table) -> list[Query]:
    return [Query(q, t, None, b) for q, t, b in zip(table["qid"].to_pylist(), table["text"].to_pylist(),
                                                    table["band"].to_pylist())]


def generated_text(docs: int, seed: int) -> TextSet:
    """The synthetic corpus with four query sets: one_term, or, and (2-3 terms), phrase."""
    d = text_corpus.ensure(docs, seed)
    t = pq.read_table(d / "docs.parquet")
    q = pq.read_table(d / "queries.parquet")
    ph = pq.read_table(d / "phrases.parquet")
    one = q.filter(pc.equal(q["n_terms"], 1))
    multi = q.filter(pc.greater(q["n_terms"], 1))
    sets = [QuerySet("one_term", "or", _queries(one)), QuerySet("or", "or", _queries(multi)),
            QuerySet("and", "and", _queries(multi)), QuerySet("phrase", "phrase", _queries(ph))]
    return TextSet(f"generated_text_d{docs}_s{seed}", t["id"].to_numpy(), t["body"].combine_chunks(), sets,
                   english=False, meta={"path": str(d), **text_corpus.cache.read_meta(d)})


def generated_vectors(n: int, seed: int, dim: int = 384, clusters: int = 1000, n_queries: int = 1000) -> VectorSet:
    """The synthetic Gaussian-mixture vectors with their exact ground truth."""
    d = vector_set.ensure(n, dim, clusters, n_queries, seed)
    base = pq.read_table(d / "base.parquet")
    q = pq.read_table(d / "queries.parquet")
    gt = pq.read_table(d / "groundtruth.parquet")
    truth = np.array(gt["neighbors"].to_pylist(), dtype=np.int64)
    assert (base["id"].to_numpy() == np.arange(base.num_rows)).all()
    return VectorSet(f"generated_vec_n{n}_s{seed}", matrix(base["emb"]), matrix(q["emb"]), truth,
                     meta={"path": str(d), **vector_set.cache.read_meta(d)})


def sql_source(dataset: str, docs: int, seed: int) -> tuple[Path, dict]:
    """The Parquet file the SQL section reads, and the expressions its queries use.

    ``needle`` is the substring the filter query looks for: "protein" on
    SciFact, the first middle-band one-term query on the generated corpus.
    """
    if dataset == "scifact":
        return SCIFACT_DIR / "corpus.parquet", {"id": "CAST(id AS BIGINT)", "body": "text", "needle": "protein"}
    d = text_corpus.ensure(docs, seed)
    q = pq.read_table(d / "queries.parquet").to_pylist()
    needle = next(r["text"] for r in q if r["n_terms"] == 1 and r["band"] == "middle")
    return d / "docs.parquet", {"id": "id", "body": "body", "needle": needle}
