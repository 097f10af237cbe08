"""The hybrid section: text + vector retrieval fused by the engine, on SciFact.

The engine indexes ``(id, body, emb)``; each test query runs with its text and
its embedding at k = 10 under the ``timing`` protocol, and an untimed k = 100
pass is scored against the test qrels (nDCG@10, MRR@10, recall@100).
"""

from __future__ import annotations

from section_fts import quality, summarize
from data import subsample
from timing import run_queries, timed

K = 10


def run(peer, ts, clients: int, warmup: int, max_queries: int | None) -> dict:
    _, build = timed(peer.hybrid_build, ts.ids, ts.bodies, ts.embs, ts.english)
    out = {"build_seconds": build, "index_bytes": peer.index_bytes(),
           "index_bytes_includes_data": peer.index_includes_data, "query_types": {}}
    for qs in ts.query_sets:
        queries = [qs.queries[i] for i in subsample(len(qs.queries), max_queries)]

        def search(q, k=K):
            return peer.hybrid_search(q.text, q.emb, k)

        m = run_queries(search, queries, clients, warmup)
        entry = {"supported": True, "mode": "hybrid", "k": K, **summarize(m),
                 "quality": quality(search, queries, ts.qrels)}
        out["query_types"][qs.name] = entry
        out.setdefault("quality", entry["quality"])
    return out
