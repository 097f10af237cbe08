"""The sql section: the same analytical queries over the same Parquet file.

Queries (``{id}``/``{body}`` are the dataset's id and text expressions):
scan (count and total text length), filter (substring and modulo predicate),
group_by (100 buckets of id), top_k (10 longest texts). Each runs once to warm
up, then ``reps`` times timed; the result rows are hashed (``result_digest``)
so engines can be checked to agree.
"""

from __future__ import annotations

import hashlib
import json
import time

import metrics

QUERIES = {
    "scan": "SELECT count(*) AS n, sum(length({body})) AS chars FROM t",
    "filter": "SELECT count(*) AS n FROM t WHERE strpos({body}, '{needle}') > 0 AND {id} % 10 = 3",
    "group_by": ("SELECT {id} % 100 AS bucket, count(*) AS n, sum(length({body})) AS chars "
                 "FROM t GROUP BY {id} % 100 ORDER BY bucket"),
    "top_k": "SELECT {id} AS id, length({body}) AS len FROM t ORDER BY len DESC, id ASC LIMIT 10",
}


def digest(rows) -> str:
    """A short hash of result rows, with numbers normalised (ints as ints, floats to 9 digits)."""
    def norm(v):
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
            return int(v)
        if isinstance(v, float):
            return float(f"{v:.9g}")
        return str(v)
    canon = [[norm(v) for v in r] for r in rows]
    return hashlib.sha256(json.dumps(canon).encode()).hexdigest()[:16]


def run(peer, path, cols: dict, reps: int) -> dict:
    t0 = time.perf_counter()
    peer.sql_open(path)
    out = {"build_seconds": time.perf_counter() - t0, "index_bytes": None, "query_types": {}}
    for name, template in QUERIES.items():
        sql = template.format(**cols)
        rows = peer.sql_run(sql)  # warm-up
        lat = []
        c0 = time.process_time()
        for _ in range(reps):
            s = time.perf_counter()
            peer.sql_run(sql)
            lat.append(time.perf_counter() - s)
        cpu = time.process_time() - c0
        out["query_types"][name] = {"sql": sql, "reps": reps, "latency_ms": metrics.latency_summary(lat),
                                    "qps": metrics.qps(reps, sum(lat)),
                                    "cpu_util": cpu / sum(lat) if sum(lat) > 0 else None, "rows": len(rows),
                                    "result_digest": digest(rows), "first_row": list(rows[0]) if rows else None}
    return out
