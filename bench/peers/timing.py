"""Runs a list of queries against one search function and times it.

Protocol, the same for every engine:

1. Warm-up: the first ``warmup`` queries once, untimed.
2. Latency: every query once, one at a time, each timed with ``perf_counter``;
   the results of this pass are the ones scored.
3. Throughput (``qps``): with ``clients`` = 1, queries / wall time of pass 2;
   with more, the queries are split into ``clients`` contiguous slices run by
   as many Python threads at once (so an engine that keeps the GIL shows it
   as ``cpu_util`` near 1).
4. Optional batch throughput (``qps_batch``): one call of the engine's own
   batch API over all queries, for engines that have one.

``cpu_util`` is process CPU seconds / wall seconds over the throughput pass
(2.0 = two cores busy) and ``queries_per_cpu_second`` the queries per CPU
second spent on it: on a shared machine, where other processes take cores
away, it moves less than ``qps`` does.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable, Sequence

import metrics
from data import subsample  # the even spread of --max-queries


def _slices(n: int, parts: int) -> list[range]:
    step = -(-n // parts)
    return [range(i, min(i + step, n)) for i in range(0, n, step)]


def concurrent_pass(search: Callable, queries: Sequence, clients: int) -> tuple[float, float]:
    """Wall and CPU seconds to run all queries split over ``clients`` threads."""
    errors: list[BaseException] = []

    def worker(idx: range) -> None:
        try:
            for i in idx:
                search(queries[i])
        except BaseException as e:  # surfaced after join
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(r,)) for r in _slices(len(queries), clients)]
    c0, t0 = time.process_time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if errors:
        raise errors[0]
    return wall, cpu


#: Fewest queries a time budget leaves in a query set: enough for a p50 and
#: a rough p99.
MIN_BUDGET_QUERIES = 100
#: Queries timed to estimate an engine's latency before a budget is applied.
BUDGET_PROBES = 10


def query_budget_s() -> float | None:
    """Seconds one timed pass of a query set may take, from ``PEER_QUERY_BUDGET_S``
    (``bench/run --full`` sets it); None (no budget) when unset or 0."""
    v = float(os.environ.get("PEER_QUERY_BUDGET_S", "0") or 0)
    return v if v > 0 else None


def within_budget(search: Callable, queries: Sequence, budget_s: float | None,
                  clock: Callable[[], float] = time.perf_counter) -> tuple[list, dict]:
    """An evenly spread subsample of ``queries`` sized so that one timed pass takes
    about ``budget_s`` seconds, from the mean latency of ``BUDGET_PROBES`` evenly
    spread queries (run once here, untimed otherwise: a warm-up), never fewer than
    ``MIN_BUDGET_QUERIES``. Every query when ``budget_s`` is None or they fit.

    Returns the queries and a note for the JSON (empty when nothing was cut).
    Engines whose query cost grows with the corpus (a full scan per query) would
    otherwise hold a 1M-document section for the best part of an hour.
    """
    queries = list(queries)
    if not budget_s or len(queries) <= MIN_BUDGET_QUERIES:
        return queries, {}
    probes = [queries[i] for i in subsample(len(queries), BUDGET_PROBES)]
    start = clock()
    for q in probes:
        search(q)
    per_query = max((clock() - start) / len(probes), 1e-9)
    fit = max(MIN_BUDGET_QUERIES, int(budget_s / per_query))
    if fit >= len(queries):
        return queries, {}
    kept = [queries[i] for i in subsample(len(queries), fit)]
    return kept, {"query_budget_s": budget_s, "queries_in_set": len(queries),
                  "probe_latency_ms": per_query * 1000.0}


def run_queries(search: Callable, queries: Sequence, clients: int = 1, warmup: int = 50,
                batch: Callable | None = None) -> dict:
    """Times ``search(query) -> list of ids`` over ``queries``; see the module doc.

    Returns ``results`` and ``latencies_s`` (per query, in order), ``latency_ms`` {p50, p99, mean}, ``qps``,
    ``qps_mode``, ``cpu_util``, ``empty_results``, and ``qps_batch`` when
    ``batch(queries)`` is given.
    """
    for q in queries[:warmup]:
        search(q)
    lat, results = [], []
    c0, t0 = time.process_time(), time.perf_counter()
    for q in queries:
        s = time.perf_counter()
        r = search(q)
        lat.append(time.perf_counter() - s)
        results.append(list(r))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"queries": len(queries), "latency_ms": metrics.latency_summary(lat),
           "qps": metrics.qps(len(queries), wall), "qps_mode": "sequential",
           "cpu_util": cpu / wall if wall > 0 else None,
           "queries_per_cpu_second": len(queries) / cpu if cpu > 0 else None,
           "empty_results": sum(1 for r in results if not r)}
    if clients > 1 and len(queries) > 1:
        wall, cpu = concurrent_pass(search, queries, clients)
        out["qps_sequential"] = out["qps"]
        out.update(qps=metrics.qps(len(queries), wall), qps_mode=f"{clients} concurrent clients",
                   cpu_util=cpu / wall if wall > 0 else None,
                   queries_per_cpu_second=len(queries) / cpu if cpu > 0 else None)
    if batch is not None:
        c0, t0 = time.process_time(), time.perf_counter()
        out["batch_results"] = batch(queries)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out["qps_batch"] = metrics.qps(len(queries), wall)
        out["cpu_util_batch"] = cpu / wall if wall > 0 else None
    out["results"] = results
    out["latencies_s"] = lat
    return out


def timed(fn: Callable, *args, **kwargs) -> tuple[object, float]:
    """(fn(*args, **kwargs), wall seconds)."""
    t0 = time.perf_counter()
    r = fn(*args, **kwargs)
    return r, time.perf_counter() - t0
