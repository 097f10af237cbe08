"""Plots recall@10 against QPS from vector-section JSON files, one curve per engine and index.

    bench/work/venv/bin/python bench/peers/plot_vectors.py RESULT.json [...] --out recall_qps.png
        [--batch] [--title TEXT]

``--batch`` plots ``qps_batch`` (the engines' batch APIs) instead of ``qps``.
Files that are not successful vector runs are skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def curves(results: list[dict], qps_key: str, recall_key: str) -> dict[str, list[tuple[float, float]]]:
    """{"engine index (params minus the swept knob)": [(recall, qps), ...]} from vector results."""
    out: dict[str, list[tuple[float, float]]] = {}
    for r in results:
        for p in r.get("operating_points", []):
            if p.get(qps_key) is None or p.get(recall_key) is None:
                continue
            fixed = {k: v for k, v in p["params"].items() if k not in ("nprobe", "nprobes", "ef", "ef_search",
                                                                       "expansion_search")}
            label = f"{r['engine']} {p['index']}" + (f" {fixed}" if fixed else "") + f" t={r['threads']}"
            out.setdefault(label, []).append((p[recall_key], p[qps_key]))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", action="store_true")
    ap.add_argument("--title", default=None)
    a = ap.parse_args(argv)
    results = []
    for f in a.files:
        r = json.loads(Path(f).read_text())
        if r.get("section") != "vector" or r.get("error") or not r.get("operating_points"):
            print(f"skipping {f}: not a successful vector run", file=sys.stderr)
            continue
        results.append(r)
    qps_key, recall_key = ("qps_batch", "recall@10_batch") if a.batch else ("qps", "recall@10")
    fig, ax = plt.subplots(figsize=(9, 6))
    colours = plt.get_cmap("tab20").colors
    markers = "os^vDP*Xh<>p"
    for i, (label, pts) in enumerate(sorted(curves(results, qps_key, recall_key).items())):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=markers[i % len(markers)], markersize=4,
                color=colours[i % len(colours)], label=label)
    ax.set_yscale("log")
    ax.set_xlabel("recall@10")
    ax.set_ylabel("queries per second" + (" (batch)" if a.batch else ""))
    datasets = sorted({r["dataset"] for r in results})
    ax.set_title(a.title or f"recall@10 vs QPS: {', '.join(datasets)}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
