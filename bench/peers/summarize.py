"""Prints a markdown summary of run_peer.py JSON results, one row per run and query type.

    bench/work/venv/bin/python bench/peers/summarize.py RESULT.json [...] > peers.md

Columns: engine, version, section, dataset (size), threads, build seconds,
index MiB, query type (for vectors: the best point at recall@10 >= 0.95),
p50/p99 latency (ms), QPS, quality (nDCG@10 on SciFact text, recall@10 for
vectors). Unavailable, unsupported and failed runs get one row saying so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def fmt(v, digits=1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def rows(r: dict) -> list[list[str]]:
    """Table rows for one result."""
    ds = r["dataset"] + (f" ({r['size']:,})" if r.get("size") else "")
    head = [r["engine"], r.get("version", "–"), r["section"], ds, str(r["threads"])]
    if not r.get("available", True):
        return [head + ["unavailable: " + r.get("reason", "")[:60]] + [""] * 6]
    if r.get("error"):
        return [head + ["error: " + r["error"][:60]] + [""] * 6]
    if r.get("supported") is False:
        return [head + ["unsupported"] + [""] * 6]
    mib = r["index_bytes"] / 2**20 if r.get("index_bytes") else None
    base = head + [fmt(r.get("build_seconds")), fmt(mib)]
    out = []
    if r["section"] == "vector":
        p = (r.get("best_qps_at_recall") or {}).get("0.95")
        if p is None:
            return [base + ["no point at recall >= 0.95", "", "", "",
                            fmt((r.get("quality") or {}).get("max_recall@10"), 3) + " max"]]
        lat = p["latency_ms"]
        return [base + [f"best @0.95: {p['index']} {p['params']}", fmt(lat["p50"], 3), fmt(lat["p99"], 3),
                        fmt(p["qps"], 0), fmt(p["recall@10"], 3)]]
    for name, q in (r.get("query_types") or {}).items():
        if not q.get("supported", True):
            out.append(base + [name, "unsupported", "", "", ""])
            continue
        lat = q["latency_ms"]
        quality = (q.get("quality") or {}).get("ndcg@10")
        out.append(base + [name, fmt(lat["p50"], 3), fmt(lat["p99"], 3), fmt(q["qps"], 0), fmt(quality, 4)])
    return out


def main(argv=None) -> int:
    files = argv if argv is not None else sys.argv[1:]
    print("| engine | version | section | dataset | threads | build s | index MiB | query type | p50 ms "
          "| p99 ms | QPS | quality |")
    print("|" + "---|" * 12)
    for f in sorted(files):
        for row in rows(json.loads(Path(f).read_text())):
            print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
