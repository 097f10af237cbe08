"""Writes the report of one benchmark run: report.md, report.json and PNG plots.

    bench/work/venv/bin/python bench/report.py bench/results/DATE/all

Reads what `bench/run` left in the directory: ``peers/*.json`` (one run of
one engine, LakeSeek's and the peers' alike), ``storage.json``,
``commit_cost.json``, ``import_memory.json``, ``eval_scifact.json`` (LakeSeek's
hybrid relevance) and ``timings.tsv`` (wall seconds per section). Writes
beside them ``report.md`` (the tables, the machine, every engine's version),
``report.json`` (the same numbers), ``all_runs.md`` (every run's row, from
``bench/peers/summarize.py``) and the plots: ``recall_qps_<dataset>.png``,
``fts_latency_<dataset>.png``, ``sql_latency_<dataset>.png``,
``ingest_rates.png``.

The machine line names the git commit checked out now; set
``LAKESEEK_GIT_COMMIT`` to name the one the run measured when a report is
rewritten later.
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench" / "peers"))
import plot_vectors  # noqa: E402
import section_sql  # noqa: E402
import section_vector  # noqa: E402
import summarize  # noqa: E402


def machine() -> dict:
    """Cores, memory, CPU model, OS and toolchains of the machine the report is written on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                   if l.startswith("MemTotal"))

    def tool(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
            "os": platform.platform(), "python": platform.python_version(), "rustc": tool("rustc", "--version"),
            "git_commit": os.environ.get("LAKESEEK_GIT_COMMIT")
            or tool("git", "-C", str(REPO), "rev-parse", "--short", "HEAD")}


def tantivy_crate_version() -> str | None:
    lines = (REPO / "Cargo.lock").read_text().splitlines()
    for i, line in enumerate(lines):
        if line == 'name = "tantivy"':
            return lines[i + 1].split('"')[1]
    return None


def load(out: Path) -> list[dict]:
    runs = []
    for f in sorted((out / "peers").glob("*.json")):
        r = json.loads(f.read_text())
        r["_file"] = f.name
        runs.append(r)
    return runs


def ok(r: dict) -> bool:
    return r.get("available", True) and not r.get("error") and r.get("supported") is not False


def fmt(v, digits=2, unit="") -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}{unit}"
        return f"{v:.{digits}f}{unit}"
    return f"{v}{unit}"


def label(r: dict) -> str:
    name = {"lakeseek": "**LakeSeek**", "tantivy_rs": "tantivy (Rust crate)"}.get(r["engine"], r["engine"])
    return name + (f" t={r['threads']}" if r.get("threads", 1) != 1 else "")


def bars(groups: list[str], series: dict[str, list], ylabel: str, title: str, path: Path, log=True) -> None:
    """Grouped bars: one group per x label, one bar per series."""
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(groups) + 2), 4.5))
    n = max(len(series), 1)
    width = 0.8 / n
    for i, (name, values) in enumerate(series.items()):
        xs = [g + (i - (n - 1) / 2) * width for g in range(len(groups))]
        ax.bar(xs, [v if v is not None else 0 for v in values], width, label=name)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fts_section(runs, out, md, summary):
    for dataset in ("scifact", "generated"):
        rs = [r for r in runs if r["section"] == "fts" and r["dataset"] == dataset and ok(r)]
        if not rs:
            continue
        qtypes = list(dict.fromkeys(q for r in rs for q in r.get("query_types", {})))
        size = next((r.get("size") for r in rs if r.get("size")), None)
        md.append(f"\n### Full text, {dataset}" + (f" ({size:,} docs)" if size else " (5,183 docs, 300 test queries)")
                  + "\n")
        md.append("| engine | version | nDCG@10 | build s | docs/s | index MiB | "
                  + " | ".join(f"{q} p50 / p99 ms" for q in qtypes) + " |")
        md.append("|" + "---|" * (6 + len(qtypes)))
        rows = []
        for r in sorted(rs, key=lambda r: (r["engine"] != "lakeseek", r["engine"], r["threads"])):
            docs = (r.get("data") or {}).get("docs") or r.get("size")
            build = r.get("build_seconds")
            lat = []
            for q in qtypes:
                e = r.get("query_types", {}).get(q)
                lat.append(f"{fmt(e['latency_ms']['p50'], 3)} / {fmt(e['latency_ms']['p99'], 3)}"
                           if e and e.get("supported", True) and e.get("latency_ms") else "–")
            ndcg = (r.get("quality") or {}).get("ndcg@10")
            md.append(f"| {label(r)} | {r.get('version', '–')} | {fmt(ndcg, 4)} | {fmt(build)} | "
                      f"{fmt(docs / build if docs and build else None, 0)} | "
                      f"{fmt(r['index_bytes'] / 2**20 if r.get('index_bytes') else None, 1)} | " + " | ".join(lat) + " |")
            rows.append({"engine": r["engine"], "threads": r["threads"], "version": r.get("version"), "ndcg@10": ndcg,
                         "build_seconds": build, "index_bytes": r.get("index_bytes"),
                         "p50_ms": {q: (r.get("query_types", {}).get(q) or {}).get("latency_ms", {}).get("p50")
                                    for q in qtypes}})
        summary.setdefault("fts", {})[dataset] = rows
        # Query sets timed over a subsample under a time budget (full runs).
        for r in rs:
            budgeted = {q: e for q, e in r.get("query_types", {}).items() if e.get("query_budget_s")}
            if budgeted:
                cut = ", ".join(f"{q} {e['queries']:,} of {e['queries_in_set']:,}" for q, e in budgeted.items())
                budget = next(iter(budgeted.values()))["query_budget_s"]
                md.append(f"- {label(r)}: timed over an evenly spread subsample ({cut} queries) "
                          f"under a {fmt(budget, 0)} s budget a pass.")
        png = f"fts_latency_{dataset}.png"
        t1 = [r for r in rows if r["threads"] == 1]
        bars(qtypes, {r["engine"]: [r["p50_ms"][q] for q in qtypes] for r in t1}, "p50 latency, ms (log)",
             f"Full text top-10 p50 latency, {dataset}, one thread", out / png)
        md.append(f"\n![fts latency {dataset}]({png})\n")


# What each engine's vector index_bytes counts (the "index bytes/vector" footnotes).
VECTOR_BYTES = {
    "lakeseek": "the table's `vector:emb` index sections: IVF centroids, 1-bit RaBitQ codes and an int8 rerank copy "
                "of each vector; not the float32 Parquet column the rows keep (another 4 B × dim per vector)",
    "faiss": "the `faiss.write_index` file of one variant",
    "hnswlib": "the saved index file: the HNSW graph (M = 16) plus the float32 vectors",
    "usearch": "the saved index file: the HNSW graph plus the vectors as {dtype} (usearch's default scalar type)",
    "duckdb": "the growth of the database file's used blocks (`PRAGMA database_size`, 256 KiB blocks) when the HNSW "
              "index is created and checkpointed (experimental persistence): the serialized index, graph plus its "
              "own copy of the vectors; the table's `FLOAT[dim]` column is not counted",
    "lancedb": "the whole table directory: the float32 vectors (Lance data files) plus the IVF_PQ index",
    "infino": "the whole table directory: the Parquet data (vectors included) with its embedded indexes",
}


def vector_sizes(r: dict) -> dict:
    """A vector run's vectors, index bytes (and per vector), build seconds and build rows/s.

    ``index_bytes`` is the run's top-level one; a run with several indexes and none at top level (a faiss
    JSON from before ``reference_index``) gets the one behind the best QPS at recall >= 0.95. When the
    bytes are one variant's of several (``reference_index``), the build seconds are that variant's too.
    """
    n = r.get("size") or (r.get("data") or {}).get("n")
    indexes = r.get("indexes", [])
    ref = r.get("reference_index")
    if ref is None and r.get("index_bytes") is None and len(indexes) > 1:
        ref = section_vector.reference_index(indexes, r.get("best_qps_at_recall") or {})
    index_bytes = r.get("index_bytes")
    if index_bytes is None and ref:
        index_bytes = ref["index_bytes"]
    if ref and len(indexes) > 1:
        build = ref["build_seconds"]
    else:
        builds = [i.get("build_seconds") for i in indexes if i.get("build_seconds") is not None]
        build = r.get("build_seconds") or (min(builds) if builds else None)
    return {"vectors": n, "index_bytes": index_bytes,
            "index_bytes_per_vector": section_vector.per_vector(index_bytes, n),
            "build_seconds": build, "build_rows_per_second": n / build if n and build else None,
            "index": ref["index"] if ref and len(indexes) > 1 else None, "basis": ref["basis"] if ref else None}


def vector_bytes_note(r: dict, sizes: dict) -> str:
    """The footnote saying what one run's index bytes count."""
    text = VECTOR_BYTES.get(r["engine"], "the run's index_bytes (see its notes)")
    text = text.replace("{dtype}", str((r.get("settings") or {}).get("dtype", "its default type")).split(".")[-1])
    if sizes["index"]:
        idx = next(i for i in r["indexes"] if i["index"] == sizes["index"])
        text += f", {sizes['index']} ({sizes['basis']})"
        base = (idx.get("params") or {}).get("base_index_bytes")
        if base is not None and sizes["vectors"]:
            text += (f"; inside an IndexRefineFlat, so it includes the float32 refine store; the "
                     f"{sizes['index']} part alone is {base / sizes['vectors']:,.0f} B/vector")
        total = sum(i.get("build_seconds") or 0 for i in r["indexes"])
        shared = " (with the shared k-means)" if r["engine"] == "faiss" else ""
        text += (f". Build s and rows/s are that variant's{shared}; all {len(r['indexes'])} "
                 f"variants took {total:.2f} s")
    return text


def budget_notes(rs: list[dict]) -> list[str]:
    """Footnotes for the vector runs the section's time budget cut short (``bench/peers/deadline.py``)."""
    lines = []
    for r in rs:
        c, skipped = r.get("cut_by_section_budget"), r.get("skipped_indexes") or []
        if not c and not skipped:
            continue
        done = [i["index"] for i in r.get("indexes", [])]
        text = f"- † {label(r)}: "
        if c and c["phase"].startswith("not started"):
            text += "not run: the section's time budget was spent before its turn"
        elif c:
            text += f"stopped by the section's time budget ({c['phase']}"
            text += f", after {c['stopped_after_seconds']:,.0f} s)" if c.get("stopped_after_seconds") else ")"
            text += f"; measured before the stop: {', '.join(done)}" if done else "; nothing measured"
        else:
            text += "finished within the section's time budget"
        if skipped:
            text += "; not built, the budget being nearly spent: " + ", ".join(s["index"] for s in skipped)
        lines.append(text + ".")
    if lines:
        lines.insert(0, "\n† At full size the vector section runs under one time budget (`VECTOR_SECTION_BUDGET_S`, "
                        "`bench/peers/deadline.py`): LakeSeek, then SciFact, then the large set at one thread, "
                        "then at all cores; what did not fit is listed here.\n")
    return lines


def vector_section(runs, out, md, summary):
    for dataset in ("scifact", "generated"):
        rs = [r for r in runs if r["section"] == "vector" and r["dataset"] == dataset and ok(r)]
        if not rs:
            continue
        size = next((r.get("size") for r in rs if r.get("size")), None)
        nq = max((p.get("queries") or 0 for r in rs for p in r.get("operating_points", [])), default=None)
        md.append(f"\n### Vectors, {dataset}" + (f" ({size:,} × 384)" if size else " (5,183 × 384)")
                  + (f", {nq} queries" if nq else "") + "\n")
        md.append("| engine | version | best QPS @ recall ≥ 0.90 | ≥ 0.95 | ≥ 0.99 | max recall@10 | build s | "
                  "build rows/s | index bytes/vector ¹ |")
        md.append("|---|---|---|---|---|---|---|---|---|")
        rows, notes = [], {}
        for r in sorted(rs, key=lambda r: (r["engine"] != "lakeseek", r["engine"], r["threads"])):
            best = r.get("best_qps_at_recall") or {}

            def cell(t):
                p = best.get(t)
                return f"{p['qps']:,.0f} ({p['index']}, {p['recall@10']:.3f})" if p else "–"
            sz = vector_sizes(r)
            mr = (r.get("quality") or {}).get("max_recall@10")
            per_vector = fmt(sz["index_bytes_per_vector"], 0)
            if sz["index"]:
                per_vector += f" ({sz['index']})"
            stopped = " †" if r.get("cut_by_section_budget") or r.get("skipped_indexes") else ""
            md.append(f"| {label(r)}{stopped} | {r.get('version', '–')} | {cell('0.90')} | {cell('0.95')} | {cell('0.99')} | "
                      f"{fmt(mr, 3)} | {fmt(sz['build_seconds'])} | {fmt(sz['build_rows_per_second'], 0)} | "
                      f"{per_vector} |")
            if r.get("operating_points"):
                notes.setdefault(label(r), vector_bytes_note(r, sz))
            rows.append({"engine": r["engine"], "threads": r["threads"], "version": r.get("version"),
                         "best_qps_at_recall": {t: (best.get(t) or {}).get("qps") for t in ("0.90", "0.95", "0.99")},
                         "max_recall@10": mr, **sz})
        md.append("\nBuild rows/s: vectors / build seconds (LakeSeek: the streaming append until its commit, index "
                  "included; the peers: loading the vectors and building the index, as each JSON's notes say). "
                  "¹ Index bytes / vectors, where the bytes are:\n")
        md.extend(f"- {name}: {text}." for name, text in notes.items())
        md.extend(budget_notes(rs))
        summary.setdefault("vector", {})[dataset] = rows
        png = f"recall_qps_{dataset}.png"
        with redirect_stdout(io.StringIO()):
            plot_vectors.main([str(out / "peers" / r["_file"]) for r in rs] + ["--out", str(out / png),
                              "--title", f"recall@10 vs QPS, {dataset}"])
        md.append(f"\n![recall vs QPS {dataset}]({png})\n")


def hybrid_section(runs, out, md, summary):
    rows = []
    ev = out / "eval_scifact.json"
    if ev.exists():
        for e in json.loads(ev.read_text()):
            if e["config"] == "default":
                rows.append({"engine": "lakeseek", "mode": e["mode"], "ndcg@10": e["ndcg_at_10"],
                             "p50_ms": e["latency_p50_ms"], "source": "lakeseek eval (eval_scifact.json)"})
    for r in runs:
        if r["section"] == "hybrid" and ok(r):
            for name, q in r.get("query_types", {}).items():
                rows.append({"engine": r["engine"], "mode": "hybrid", "ndcg@10": (q.get("quality") or {}).get("ndcg@10"),
                             "p50_ms": q["latency_ms"]["p50"], "source": r["_file"]})
    if not rows:
        return
    md.append("\n### Hybrid, SciFact test (300 queries)\n")
    md.append("| engine | mode | nDCG@10 | p50 ms | from |")
    md.append("|---|---|---|---|---|")
    for row in rows:
        md.append(f"| {row['engine']} | {row['mode']} | {fmt(row['ndcg@10'], 4)} | {fmt(row['p50_ms'], 3)} | "
                  f"{row['source']} |")
    summary["hybrid"] = rows


def ingest_section(runs, out, md, summary):
    rs = [r for r in runs if r["section"] == "ingest"]
    if not rs:
        return
    md.append("\n### Ingest: Parquet file to a durable table with its indexes built\n")
    md.append("| engine | version | dataset | rows | indexes | threads | seconds | rows/s | on disk MiB |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for r in sorted(rs, key=lambda r: (r["dataset"], r["engine"] != "lakeseek", r["engine"], r["threads"])):
        if not ok(r):
            why = r.get("error") or r.get("reason") or "unsupported"
            md.append(f"| {label(r)} | {r.get('version', '–')} | {r['dataset']} | | | {r['threads']} | "
                      f"{why[:70]} | | |")
            continue
        md.append(f"| {label(r)} | {r.get('version', '–')} | {r['dataset']} | {r['rows']:,} | "
                  f"{', '.join(r.get('indexes', []))} | {r['threads']} | {fmt(r['build_seconds'])} | "
                  f"{r['rows_per_second']:,.0f} | {fmt(r['index_bytes'] / 2**20 if r.get('index_bytes') else None, 1)} |")
        rows.append({k: r.get(k) for k in ("engine", "version", "dataset", "rows", "threads", "build_seconds",
                                           "rows_per_second", "index_bytes")})
    summary["ingest"] = rows
    datasets = sorted({r["dataset"] for r in rows})
    engines = list(dict.fromkeys(r["engine"] for r in sorted(rows, key=lambda r: r["engine"] != "lakeseek")))
    series = {e: [next((r["rows_per_second"] for r in rows if r["engine"] == e and r["dataset"] == d), None)
                  for d in datasets] for e in engines}
    bars(datasets, series, "rows per second (log)", "Ingest rate until durable, indexes built", out / "ingest_rates.png")
    md.append("\n![ingest rates](ingest_rates.png)\n")


def sql_section(runs, out, md, summary):
    for dataset in ("scifact", "generated"):
        rs = [r for r in runs if r["section"] == "sql" and r["dataset"] == dataset and ok(r)]
        if not rs:
            continue
        qtypes = list(section_sql.QUERIES)
        size = next((r.get("size") for r in rs if r.get("size")), None)
        md.append(f"\n### SQL over the same Parquet, {dataset}" + (f" ({size:,} rows)" if size else "") + "\n")
        md.append("| engine | version | threads | " + " | ".join(f"{q} p50 ms" for q in qtypes) + " | results agree |")
        md.append("|" + "---|" * (4 + len(qtypes)))
        digests = {}
        for r in rs:
            for q, e in r.get("query_types", {}).items():
                if "result_rows" in e:  # LakeSeek writes the rows; hash them as the peers do
                    e["result_digest"] = section_sql.digest([tuple(x) for x in e["result_rows"]])
                digests.setdefault(q, set()).add(e.get("result_digest"))
        rows = []
        for r in sorted(rs, key=lambda r: (r["engine"] != "lakeseek", r["engine"], r["threads"])):
            qt = r.get("query_types", {})
            ref = [r2 for r2 in rs if r2["engine"] == "duckdb"] or rs
            agree = all(qt.get(q, {}).get("result_digest") == ref[0]["query_types"].get(q, {}).get("result_digest")
                        for q in qtypes)
            md.append(f"| {label(r)} | {r.get('version', '–')} | {r['threads']} | "
                      + " | ".join(fmt((qt.get(q) or {}).get("latency_ms", {}).get("p50"), 2) for q in qtypes)
                      + f" | {'yes' if agree else 'NO'} |")
            rows.append({"engine": r["engine"], "threads": r["threads"], "agree_with_duckdb": agree,
                         "p50_ms": {q: (qt.get(q) or {}).get("latency_ms", {}).get("p50") for q in qtypes}})
        summary.setdefault("sql", {})[dataset] = rows
        png = f"sql_latency_{dataset}.png"
        t1 = [r for r in rows if r["threads"] == 1]
        bars(qtypes, {r["engine"]: [r["p50_ms"][q] for q in qtypes] for r in t1}, "p50 latency, ms (log)",
             f"SQL p50 latency, {dataset}, one thread", out / png)
        md.append(f"\n![sql latency {dataset}]({png})\n")


def include(out: Path, name: str, md: list, summary: dict, title: str):
    j = out / f"{name}.json"
    if not j.exists():
        return
    data = json.loads(j.read_text())
    summary[name] = {k: v for k, v in data.items() if not isinstance(v, list) or len(v) < 50}
    text = (out / f"{name}.md").read_text() if (out / f"{name}.md").exists() else ""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("# "))
    md.append(f"\n### {title}\n\n{body.strip()}\n")


def main(argv=None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    runs = load(out)
    m = machine()
    timings = []
    if (out / "timings.tsv").exists():
        for line in (out / "timings.tsv").read_text().splitlines():
            cells = line.split("\t")
            if len(cells) >= 2:
                timings.append((cells[0], int(cells[1]), cells[2] if len(cells) > 2 else None))
    versions = {r["engine"]: r.get("version") for r in runs if r.get("version")}
    if "tantivy_rs" in versions or (out / "peers").glob("tantivy_rs-*"):
        versions["tantivy_rs"] = tantivy_crate_version()
    failed = [r["_file"] for r in runs if r.get("error") or not r.get("available", True)]
    summary = {"machine": m, "versions": versions, "timings_seconds": {n: s for n, s, _ in timings},
               "build_profile": (out / "build_profile.txt").read_text().strip()
               if (out / "build_profile.txt").exists() else None,
               "load_average_after": {n: la for n, _, la in timings}, "failed_runs": failed}
    md = [f"# LakeSeek and its peers: {out}", ""]
    md.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}; {m['rustc']}; "
              f"Python {m['python']}; LakeSeek at git {m['git_commit']}.")
    profile_file = out / "build_profile.txt"
    profile = profile_file.read_text().strip() if profile_file.exists() else None
    if profile == "bench-quick":
        md.append("\nBuilt with the `bench-quick` profile (reduced run, see bench/README.md): the crates "
                  "timed against peers fully optimised, the SQL layer (DataFusion, its SQL parser, "
                  "lakeseek-sql, the CLI crate) and the rest unoptimised. LakeSeek's SQL "
                  "latencies here are not comparable with a `--full` run's.")
    elif profile:
        md.append(f"\nBuilt with the `{profile}` profile.")
    if timings:
        total = sum(s for _, s, _ in timings)
        md.append(f"\nWall time of the steps below (`timings.tsv`), together: **{total // 60} min {total % 60} s**.\n")
        md.append("| step | wall s | 1-min load average after |\n|---|---|---|")
        md.extend(f"| {n} | {s} | {la or '–'} |" for n, s, la in timings)
    md.append("\nOne thread per engine unless a row says t=2; LakeSeek and tantivy (Rust) run in-process "
              "(`bench/src`), the other peers through their Python packages (`bench/peers`), on the same data. "
              "Each JSON in `peers/` has the settings, notes and thread pools of its run; every row: "
              "[all_runs.md](all_runs.md).")
    md.append("\n| engine | version |\n|---|---|")
    for e, v in sorted(versions.items()):
        md.append(f"| {e} | {v} |")
    if failed:
        md.append("\nFailed or unavailable runs: " + ", ".join(failed))
    fts_section(runs, out, md, summary)
    vector_section(runs, out, md, summary)
    hybrid_section(runs, out, md, summary)
    ingest_section(runs, out, md, summary)
    sql_section(runs, out, md, summary)
    include(out, "storage", md, summary, "Storage: requests per cold query on S3 (moto on loopback), SciFact")
    include(out, "commit_cost", md, summary, "Commit cost")
    include(out, "import_memory", md, summary, "Import memory")
    (out / "report.md").write_text("\n".join(md) + "\n")
    (out / "report.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    with redirect_stdout(io.StringIO()) as buf:
        summarize.main([str(out / "peers" / r["_file"]) for r in runs if r["section"] != "ingest"])
    (out / "all_runs.md").write_text(buf.getvalue())
    print(out / "report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
