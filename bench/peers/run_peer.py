"""Runs one peer engine on one benchmark section and writes the result as JSON.

    bench/work/venv/bin/python bench/peers/run_peer.py \\
        --engine {tantivy_py,lancedb,infino,duckdb,faiss,hnswlib,usearch,datafusion,lakeseek} \\
        --section {fts,vector,sql,hybrid,ingest} --dataset {scifact,generated} \\
        [--size N] [--seed 42] [--threads {1,all}] [--warmup 50] [--max-queries N] \\
        [--reps 5] [--dim 384] [--clusters 1000] [--vector-queries 1000] [--keep] --out FILE.json

``--size`` is the number of generated documents (fts, sql) or vectors
(vector); it is ignored for SciFact. ``--threads`` sets the engine's thread
count (``all`` = every core): the thread environment variables are set before
any engine is imported, BLAS/OpenMP pools are limited with threadpoolctl, and
each adapter applies its engine's own setting (or says in ``notes`` that there
is none). The index is built in ``bench/work/peers/<run>/`` and removed after
the run unless ``--keep``.

An engine whose package can't be imported, or that lacks the section, still
gets a JSON file, with ``available`` or ``supported`` false and the reason.
Exit status: 0 on success or a reported unavailability, 1 on an error (the
JSON then has ``error``).

A vector run under a section budget (``BENCH_SECTION_DEADLINE``, set by
``bench/run vector --full``; see ``deadline.py``) that would start past the
deadline, or is still running at it, writes what it measured with
``cut_by_section_budget``: where it stopped, and the budget's end.
"""

from __future__ import annotations

import argparse
import os
import sys

ENGINES = ["tantivy_py", "lancedb", "infino", "duckdb", "faiss", "hnswlib", "usearch", "datafusion", "lakeseek"]
THREAD_ENV = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS",
              "TOKIO_WORKER_THREADS", "LANCE_CPU_THREADS", "POLARS_MAX_THREADS"]


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", required=True, choices=ENGINES)
    ap.add_argument("--section", required=True, choices=["fts", "vector", "sql", "hybrid", "ingest"])
    ap.add_argument("--dataset", required=True, choices=["scifact", "generated"])
    ap.add_argument("--size", type=int, default=1_000_000, help="generated docs or vectors (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", default="1", choices=["1", "all"])
    ap.add_argument("--warmup", type=int, default=50, help="untimed queries before each timed pass")
    ap.add_argument("--max-queries", type=int, default=None, help="cap on queries per query set")
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions of each SQL query")
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--vector-queries", type=int, default=1000)
    ap.add_argument("--keep", action="store_true", help="keep the built index")
    ap.add_argument("--out", required=True)
    return ap.parse_args(argv)


def thread_count(arg: str) -> int:
    return (os.cpu_count() or 1) if arg == "all" else int(arg)


def set_thread_env(n: int) -> None:
    """Thread-count variables read by OpenMP, BLAS, rayon, tokio and lance at start-up."""
    for k in THREAD_ENV:
        os.environ[k] = str(n)


def main(argv=None) -> int:
    a = parse_args(argv)
    n_threads = thread_count(a.threads)
    set_thread_env(n_threads)  # before numpy or any engine is imported

    import json
    import platform
    import shutil
    import threading
    import time
    import traceback
    from datetime import datetime, timezone
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import deadline
    import engines
    import runner

    try:
        import threadpoolctl
        threadpoolctl.threadpool_limits(n_threads)
    except ImportError:
        threadpoolctl = None
    size = None if a.dataset == "scifact" else a.size
    tag = f"{a.engine}-{a.section}-{a.dataset}{'' if size is None else f'-{size}'}-t{n_threads}"
    out = {"schema_version": 1, "engine": a.engine, "section": a.section, "dataset": a.dataset, "size": size,
           "seed": a.seed, "threads": n_threads, "threads_arg": a.threads,
           "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "platform": platform.platform()}}
    status = 0
    t0 = time.perf_counter()
    workdir = runner.WORK / tag
    progress: dict = {"phase": "starting"}
    peer = None

    def finish(result: dict) -> None:
        """Adds what the run observed of itself and writes the JSON."""
        if peer is not None:
            result["notes"] = peer.notes + runner.thread_observations(result)
            result["settings"] = peer.settings
        if threadpoolctl is not None:
            result["threadpools"] = [{k: p.get(k) for k in ("internal_api", "prefix", "num_threads")}
                                     for p in threadpoolctl.threadpool_info()]
        result["os_threads_at_end"] = runner.os_threads()
        result["elapsed_seconds"] = time.perf_counter() - t0
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(result, indent=2, default=runner.json_default) + "\n")
        print(runner.one_line(result))

    def cut(phase: str) -> dict:
        return {"phase": phase, "deadline_unix": deadline.section_deadline(),
                "stopped_after_seconds": round(time.perf_counter() - t0, 1)}

    # Whoever writes the JSON first, the run or the watchdog, holds this to the end.
    writing = threading.Lock()

    def on_deadline() -> bool:
        """The watchdog's last act: the partial result, then the process ends."""
        if not writing.acquire(blocking=False):
            return False
        partial = {**out, **runner.partial_section(progress),
                   "cut_by_section_budget": cut(progress.get("phase", "starting"))}
        finish(partial)
        if not a.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        return True

    budgeted = a.section == "vector" and deadline.section_deadline() is not None
    if budgeted and deadline.past():
        out.update(supported=True, cut_by_section_budget=cut("not started: the section's budget was spent"))
        finish(out)
        return 0
    watchdog = deadline.Watchdog(on_deadline)
    if budgeted:
        watchdog.start()
    try:
        peer_cls = engines.load(a.engine)
    except engines.Unavailable as e:
        out.update(available=False, reason=str(e))
        peer_cls = None
    if peer_cls is not None:
        out["available"] = True
        out["package"] = peer_cls.package
        try:
            shutil.rmtree(workdir, ignore_errors=True)
            peer = peer_cls(n_threads, workdir)
            out["version"] = peer.version()
            out.update(runner.run_section(peer, a, progress))
            peer.close()
        except Exception as e:  # reported in the JSON, not swallowed
            out["error"] = f"{type(e).__name__}: {e}"
            out["traceback"] = traceback.format_exc()
            status = 1
        finally:
            watchdog.cancel()
            if not a.keep:
                shutil.rmtree(workdir, ignore_errors=True)
    watchdog.cancel()
    writing.acquire()
    finish(out)
    return status


if __name__ == "__main__":
    sys.exit(main())
