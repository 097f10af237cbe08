"""The fts section: build a BM25 index on one engine, then time each query set.

Every query set is run at k = 10 under the ``timing`` protocol, over an evenly
spread subsample when ``PEER_QUERY_BUDGET_S`` bounds a pass (``timing.within_budget``). Where the data
has relevance judgments (SciFact), an untimed pass at k = 100 is scored with
nDCG@10, MRR@10 and recall@100. Per-band latency is reported for the
generated corpus (low / middle / high document frequency).
"""

from __future__ import annotations

import metrics
from data import subsample
from timing import query_budget_s, run_queries, timed, within_budget

K = 10


def by_band(queries, latencies) -> dict:
    """p50/p99 latency (ms) per df band of the queries, when they have bands."""
    groups: dict = {}
    for q, s in zip(queries, latencies):
        if q.band:
            groups.setdefault(q.band, []).append(s)
    return {b: {"queries": len(v), "latency_ms": metrics.latency_summary(v)} for b, v in groups.items()}


def summarize(m: dict) -> dict:
    """The JSON part of a ``run_queries`` result (no raw lists)."""
    out = {k: v for k, v in m.items() if k not in ("results", "latencies_s", "batch_results")}
    res = m["results"]
    out["mean_hits"] = sum(len(r) for r in res) / len(res) if res else 0.0
    return out


def quality(search, queries, qrels) -> dict:
    """nDCG@10, MRR@10, recall@100 from an untimed k=100 pass."""
    run = {q.qid: search(q, 100) for q in queries}
    return metrics.evaluate_run(run, {q.qid: qrels[q.qid] for q in queries if q.qid in qrels})


def run(peer, ts, clients: int, warmup: int, max_queries: int | None) -> dict:
    positions = any(qs.mode == "phrase" for qs in ts.query_sets)
    _, build = timed(peer.fts_build, ts.ids, ts.bodies, ts.english, positions)
    out = {"build_seconds": build, "index_bytes": peer.index_bytes(),
           "index_bytes_includes_data": peer.index_includes_data, "query_types": {}}
    for qs in ts.query_sets:
        if qs.mode not in peer.fts_modes:
            out["query_types"][qs.name] = {"supported": False, "mode": qs.mode}
            continue
        queries = [qs.queries[i] for i in subsample(len(qs.queries), max_queries)]
        mode = qs.mode

        def search(q, k=K, mode=mode):
            return peer.fts_search(q.text, mode, k)

        queries, budget_note = within_budget(search, queries, query_budget_s())
        m = run_queries(search, queries, clients, warmup)
        entry = {"supported": True, "mode": mode, "k": K, **summarize(m), **budget_note}
        if any(q.band for q in queries):
            entry["by_band"] = by_band(queries, m["latencies_s"])
        if ts.qrels:
            entry["quality"] = quality(search, queries, ts.qrels)
            out.setdefault("quality", entry["quality"])
        out["query_types"][qs.name] = entry
    return out
