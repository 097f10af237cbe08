"""The vector section: build each index variant of one engine, sweep its search knob.

For every variant (e.g. faiss IVF-Flat, IVF-PQ, IVF-RaBitQ; an HNSW graph), the
index is built on the base vectors (timed), sized, then each search setting of
its sweep (nprobe, ef, ...) runs all queries at k = 10 under the ``timing``
protocol (``sweep`` may be a list of such sweeps, e.g. one per refine
setting, each stopped on its own), giving an operating point: recall@10 against the exact ground truth,
latency, QPS (and batch QPS where the engine has a batch API). A sweep stops
early once recall@10 reaches 0.999, when it stops improving (gain < 0.001 over
the previous point after three points), after ``SWEEP_BUDGET_S`` seconds, or
at the section's deadline (``deadline``: full runs bound the whole section;
a variant whose build would start too close to it is listed in
``skipped_indexes``). ``best_qps_at_recall`` is the fastest point reaching
0.90 / 0.95 / 0.99.

``run`` keeps ``progress`` current (the phase, the indexes and points so far),
so that a run stopped at the deadline still writes what it measured
(``partial``).

Top-level ``index_bytes`` is one index's: the only one, or for an engine with
several variants (faiss) the one behind the best QPS at recall@10 >= 0.95
(failing that, the highest recall), named in ``reference_index`` with its
build seconds; ``index_bytes_per_vector`` divides it by the base vectors.
``build_seconds`` stays the sum over all variants.
"""

from __future__ import annotations

import os
import time

import numpy as np

import deadline
import metrics
from data import subsample
from section_fts import summarize
from timing import run_queries, timed

K = 10
THRESHOLDS = (0.90, 0.95, 0.99)
REFERENCE_RECALL = "0.95"
SWEEP_BUDGET_S = float(os.environ.get("PEER_SWEEP_BUDGET_S", 900))


def should_stop(recalls: list[float], started: float) -> bool:
    """Whether a sweep has saturated or spent its time budget."""
    if recalls and recalls[-1] >= 0.999:
        return True
    if len(recalls) >= 3 and recalls[-1] - recalls[-2] < 0.001:
        return True
    return time.perf_counter() - started > SWEEP_BUDGET_S or deadline.past()


def sweep_group(v, group, queries, qlist, truth, clients, warmup, entry, points) -> None:
    """Runs one monotone sweep of search settings, appending its operating points."""
    recalls: list[float] = []
    started = time.perf_counter()
    for sp in group:
        batch = (lambda _q, sp=sp: v.batch(queries, K, sp)) if v.batch else None
        m = run_queries(lambda q, sp=sp: v.search(q, K, sp), qlist, clients, warmup, batch)
        point = {"index": v.name, "params": sp, "recall@10": metrics.mean_recall_at_k(m["results"], truth, K),
                 **summarize(m)}
        if m.get("batch_results") is not None:
            point["recall@10_batch"] = metrics.mean_recall_at_k(np.asarray(m["batch_results"]).tolist(), truth, K)
        entry["points"].append(point)
        points.append(point)
        recalls.append(point["recall@10"])
        if should_stop(recalls, started):
            break


def reference_index(indexes: list[dict], best: dict) -> dict | None:
    """The index whose size stands for the run: the only one, else the one behind the best QPS at recall@10
    >= 0.95, else the one reaching the highest recall@10; with why it was picked."""
    if not indexes:
        return None
    if len(indexes) == 1:
        pick, basis = indexes[0], "the only index"
    else:
        point = best.get(REFERENCE_RECALL)
        basis = f"best QPS at recall@10 >= {REFERENCE_RECALL}"
        if point is None:
            points = [p for e in indexes for p in e["points"] if p.get("recall@10") is not None]
            if not points:
                return None
            point = max(points, key=lambda p: p["recall@10"])
            basis = f"highest recall@10 (no point reaches {REFERENCE_RECALL})"
        pick = next(e for e in indexes if e["index"] == point["index"])
    return {"index": pick["index"], "basis": basis, "build_seconds": pick["build_seconds"],
            "index_bytes": pick["index_bytes"]}


def per_vector(index_bytes: int | None, n: int | None) -> float | None:
    """Index bytes per base vector, or None when either is unknown."""
    return index_bytes / n if index_bytes is not None and n else None


def summarize_run(indexes: list[dict], points: list[dict], n_base: int, n_queries: int,
                  skipped: list[dict]) -> dict:
    """The section's JSON fields from the indexes built and the operating points measured so far."""
    best = metrics.best_qps_at_recall(points, THRESHOLDS)
    ref = reference_index(indexes, best)
    index_bytes = ref["index_bytes"] if ref else None
    out = {"build_seconds": sum(e["build_seconds"] for e in indexes),
           "index_bytes": index_bytes, "index_bytes_per_vector": per_vector(index_bytes, n_base),
           "reference_index": ref,
           "k": K, "queries": n_queries, "indexes": indexes, "operating_points": points,
           "best_qps_at_recall": best,
           "quality": {"max_recall@10": max((p["recall@10"] for p in points), default=None)}}
    if skipped:
        out["skipped_indexes"] = skipped
    if any("qps_batch" in p for p in points):
        out["best_qps_batch_at_recall"] = metrics.best_qps_at_recall(
            [p for p in points if "qps_batch" in p], THRESHOLDS, recall_key="recall@10_batch", qps_key="qps_batch")
    return out


def partial(progress: dict) -> dict:
    """What a run stopped midway measured: the summary of its finished work (nothing before any build)."""
    if "indexes" not in progress:
        return {}
    done = [e for e in progress["indexes"] if e is not progress.get("building")]
    return summarize_run(done, progress["points"], progress["n_base"], progress["n_queries"], progress["skipped"])


def run(peer, vs, clients: int, warmup: int, max_queries: int | None, progress: dict | None = None) -> dict:
    progress = {} if progress is None else progress
    pick = subsample(len(vs.queries), max_queries)
    queries = vs.queries[pick]
    truth = vs.truth[pick, :K]
    qlist = list(queries)
    indexes, points, skipped = [], [], []
    progress.update(indexes=indexes, points=points, skipped=skipped, n_base=len(vs.base), n_queries=len(qlist))
    for v in peer.vector_variants(len(vs.base), vs.base.shape[1]):
        if not deadline.can_start_build():
            skipped.append({"index": v.name, "params": v.params,
                            "reason": f"under {deadline.MIN_BUILD_S:.0f} s of the section's budget left"})
            continue
        progress["phase"] = f"building {v.name}"
        progress["building"] = entry = {"index": v.name, "params": v.params}
        indexes.append(entry)
        _, build = timed(v.build, vs.base)
        build += v.extra_build_seconds() - v.untimed_build_seconds()
        entry.update({"build_seconds": build, "index_bytes": v.index_bytes(), "notes": v.notes, "points": []})
        progress["building"] = None
        progress["phase"] = f"sweeping {v.name}"
        groups = v.sweep if v.sweep and isinstance(v.sweep[0], list) else [v.sweep]
        for group in groups:
            sweep_group(v, group, queries, qlist, truth, clients, warmup, entry, points)
        v.release()
    progress["phase"] = "done"
    return summarize_run(indexes, points, len(vs.base), len(qlist), skipped)
