"""Retrieval-quality and timing metrics for the peer benchmarks (standard library only).

Quality, per query and averaged:

- ``recall_at_k``: ANN recall, |top-k returned ∩ true top-k| / k, against exact
  nearest-neighbour ground truth.
- ``ndcg_at_k``: trec_eval's ``ndcg_cut`` as BEIR reports it: gain is the
  relevance grade from the qrels (grades <= 0 gain nothing), discount
  ``log2(rank + 1)``, ideal DCG from the query's qrels sorted by grade.
- ``mrr_at_k``: 1 / rank of the first relevant (grade > 0) result within k.
- ``qrels_recall_at_k``: share of a query's relevant documents within the top k.

``evaluate_run`` averages these over the queries of the qrels; a query the run
has no results for scores 0 (trec_eval ``-c``). Rankings are taken in the order
the engine returned them (no re-sorting by score, so trec_eval's tie-breaking
by document id does not apply).

Timing: ``percentile`` (linear interpolation, as numpy's default),
``latency_summary`` (p50/p99/mean in ms from seconds), ``qps``, and
``best_qps_at_recall`` which picks, per recall threshold, the fastest operating
point that reaches it.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence


def recall_at_k(retrieved: Sequence, truth: Sequence, k: int) -> float:
    """|retrieved[:k] ∩ truth[:k]| / min(k, len(truth))."""
    gold = list(truth)[:k]
    if not gold:
        return 0.0
    return len(set(list(retrieved)[:k]) & set(gold)) / len(gold)


def mean_recall_at_k(results: Sequence[Sequence], truths: Sequence[Sequence], k: int) -> float:
    """Mean ``recall_at_k`` over paired result and ground-truth lists."""
    if len(results) != len(truths):
        raise ValueError("results and truths differ in length")
    if not results:
        return 0.0
    return sum(recall_at_k(r, t, k) for r, t in zip(results, truths)) / len(results)


def dcg(gains: Iterable[float]) -> float:
    """Sum of gain_i / log2(i + 1) over ranks i = 1, 2, ..."""
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: Sequence, rels: Mapping, k: int = 10) -> float:
    """nDCG@k of one ranking; ``rels`` maps document id to relevance grade."""
    gains = [max(float(rels.get(d, 0)), 0.0) for d in list(ranked)[:k]]
    ideal = sorted((float(g) for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = dcg(ideal)
    return dcg(gains) / idcg if idcg > 0 else 0.0


def mrr_at_k(ranked: Sequence, rels: Mapping, k: int = 10) -> float:
    """Reciprocal rank of the first document with grade > 0 within k, else 0."""
    for i, d in enumerate(list(ranked)[:k]):
        if rels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def qrels_recall_at_k(ranked: Sequence, rels: Mapping, k: int = 100) -> float:
    """Share of the relevant (grade > 0) documents found in the top k."""
    relevant = {d for d, g in rels.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(list(ranked)[:k])) / len(relevant)


def evaluate_run(run: Mapping[object, Sequence], qrels: Mapping[object, Mapping]) -> dict:
    """Mean nDCG@10, MRR@10, recall@100 over the qrels' queries that have a relevant document."""
    qids = [q for q, rels in qrels.items() if any(g > 0 for g in rels.values())]
    if not qids:
        return {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@100": 0.0, "queries": 0}
    tot = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@100": 0.0}
    for q in qids:
        ranked = run.get(q, [])
        tot["ndcg@10"] += ndcg_at_k(ranked, qrels[q], 10)
        tot["mrr@10"] += mrr_at_k(ranked, qrels[q], 10)
        tot["recall@100"] += qrels_recall_at_k(ranked, qrels[q], 100)
    out = {m: v / len(qids) for m, v in tot.items()}
    out["queries"] = len(qids)
    return out


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between order statistics."""
    if not values:
        return float("nan")
    if not 0 <= p <= 100:
        raise ValueError("p must be within [0, 100]")
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(seconds: Sequence[float]) -> dict:
    """p50, p99 and mean of per-query timings given in seconds, in milliseconds."""
    if not seconds:
        return {"p50": None, "p99": None, "mean": None}
    ms = [s * 1000.0 for s in seconds]
    return {"p50": percentile(ms, 50), "p99": percentile(ms, 99), "mean": sum(ms) / len(ms)}


def qps(n_queries: int, wall_seconds: float) -> float:
    """Queries per second; 0 when nothing was timed."""
    return n_queries / wall_seconds if wall_seconds > 0 else 0.0


def best_qps_at_recall(points: Sequence[Mapping], thresholds: Sequence[float] = (0.90, 0.95, 0.99),
                       recall_key: str = "recall@10", qps_key: str = "qps") -> dict:
    """For each threshold, the point with the highest ``qps_key`` whose recall reaches it (or None).

    Keys of the result are the thresholds formatted with two decimals ("0.95").
    """
    out = {}
    for t in thresholds:
        ok = [p for p in points if p.get(recall_key) is not None and p[recall_key] >= t - 1e-12]
        out[f"{t:.2f}"] = dict(max(ok, key=lambda p: p[qps_key])) if ok else None
    return out
