"""Dispatches one run to its section driver and formats what it returns.

Maps (section, dataset) to the data loader and the section module, decides
what is unsupported (the engine lacks the section or the query mode, or the
data lacks what the section needs), and offers the JSON helpers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import data
import section_fts
import section_hybrid
import section_ingest
import section_sql
import section_vector

WORK = Path(__file__).resolve().parents[1] / "work" / "peers"


def run_section(peer, a, progress: dict | None = None) -> dict:
    """Runs ``a.section`` on ``peer``; returns the section's part of the JSON.

    ``progress`` (vector only) is kept current for a run stopped at the section's deadline
    (``partial_section``)."""
    progress = {} if progress is None else progress
    if a.section not in peer.sections:
        return {"supported": False, "reason": f"{peer.name} has no {a.section} support in this harness"}
    clients = peer.threads
    if a.section == "fts":
        ts = data.scifact_text() if a.dataset == "scifact" else data.generated_text(a.size, a.seed)
        res = section_fts.run(peer, ts, clients, a.warmup, a.max_queries)
        return {"supported": True, "data": ts.meta, **res}
    if a.section == "vector":
        progress["phase"] = "loading data"
        vs = (data.scifact_vectors() if a.dataset == "scifact" else
              data.generated_vectors(a.size, a.seed, a.dim, a.clusters, a.vector_queries))
        progress["data"] = vs.meta
        res = section_vector.run(peer, vs, clients, a.warmup, a.max_queries, progress)
        return {"supported": True, "data": vs.meta, **res}
    if a.section == "hybrid":
        if a.dataset != "scifact":
            return {"supported": False, "reason": "hybrid needs text with embeddings: SciFact only"}
        ts = data.scifact_text(with_emb=True)
        res = section_hybrid.run(peer, ts, clients, a.warmup, a.max_queries)
        return {"supported": True, "data": ts.meta, **res}
    if a.section == "ingest":
        return section_ingest.run(peer, a.dataset, a.size, a.seed)
    path, cols = data.sql_source(a.dataset, a.size, a.seed)
    res = section_sql.run(peer, path, cols, a.reps)
    return {"supported": True, "data": {"parquet": str(path)}, **res}


def partial_section(progress: dict) -> dict:
    """The section's part of the JSON for a run stopped midway: what it measured before the stop."""
    out = {"supported": True, **section_vector.partial(progress)}
    if "data" in progress:
        out["data"] = progress["data"]
    return out


def thread_observations(out: dict) -> list[str]:
    """Notes on how many cores the throughput passes actually kept busy, against the setting."""
    entries = list((out.get("query_types") or {}).values()) + list(out.get("operating_points") or [])
    utils = [e["cpu_util"] for e in entries if isinstance(e.get("cpu_util"), (int, float))]
    if not utils:
        return []
    hi, n = max(utils), out["threads"]
    notes = [f"observed cpu_util over throughput passes: max {hi:.2f}, min {min(utils):.2f} (threads={n})"]
    if n == 1 and hi > 1.3:
        notes.append("more than one core busy with threads=1: the engine does not fully honour the setting")
    if n > 1 and hi < 0.6 * n:
        notes.append(f"at most {hi:.2f} cores busy with {n} threads and {n} clients: the engine serialises "
                     "queries (e.g. holds the GIL) or the machine was busy")
    return notes


def json_default(o):
    """JSON for numpy scalars and arrays, and paths."""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def os_threads() -> int | None:
    """Threads of this process now (Linux), a hint of what the engine started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def one_line(out: dict) -> str:
    """A short human summary of a result."""
    head = f"{out['engine']} {out['section']} {out['dataset']} t={out['threads']}"
    if not out.get("available", True):
        return f"{head}: unavailable ({out.get('reason')})"
    if out.get("error"):
        return f"{head}: ERROR {out['error']}"
    if out.get("supported") is False:
        return f"{head}: unsupported ({out.get('reason')})"
    cut = out.get("cut_by_section_budget")
    if cut and not out.get("operating_points"):
        return f"{head}: stopped by the section's budget ({cut['phase']}), nothing measured"
    parts = [f"build {out.get('build_seconds') or 0:.1f}s"]
    q = out.get("quality")
    if q:
        parts.append(", ".join(f"{k} {v:.4f}" for k, v in q.items() if isinstance(v, float)))
    for name, e in (out.get("query_types") or {}).items():
        if e.get("supported", True) and e.get("latency_ms"):
            parts.append(f"{name}: p50 {e['latency_ms']['p50']:.3f}ms qps {e['qps']:.0f}")
        else:
            parts.append(f"{name}: unsupported")
    for t, p in (out.get("best_qps_at_recall") or {}).items():
        parts.append(f"R>={t}: " + (f"{p['qps']:.0f} qps ({p['index']} {p['params']})" if p else "none"))
    return f"{head}: " + "; ".join(parts)
