"""Writes the JSON of a peer run that ``bench/run`` had to kill at its section's deadline.

A run normally stops itself at the deadline (``deadline.Watchdog``) and writes
what it measured. This record is for the rare run whose native call held the
GIL past the deadline and the grace after it, so that its watchdog never ran:
the report then shows the run as stopped instead of missing.

    python bench/peers/cut_record.py --engine E --section S --dataset D --size N --threads T --out FILE.json
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime, timezone
from pathlib import Path


def record(engine: str, section: str, dataset: str, size: int, threads: str) -> dict:
    n_threads = (os.cpu_count() or 1) if threads == "all" else int(threads)
    return {"schema_version": 1, "engine": engine, "section": section, "dataset": dataset,
            "size": None if dataset == "scifact" else size, "threads": n_threads, "threads_arg": threads,
            "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "supported": True,
            "cut_by_section_budget": {"phase": "killed by bench/run's timeout past the deadline "
                                               "(its own watchdog did not get to run)",
                                      "deadline_unix": float(os.environ.get("BENCH_SECTION_DEADLINE") or 0) or None}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for flag in ("--engine", "--section", "--dataset", "--threads", "--out"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--size", type=int, default=0)
    a = ap.parse_args(argv)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(record(a.engine, a.section, a.dataset, a.size, a.threads), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
