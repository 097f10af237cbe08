"""Unit tests of the harness logic and dataset generators, on tiny data (no timing assertions)."""

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "datasets"))

import data  # noqa: E402
import engines  # noqa: E402
import section_fts  # noqa: E402
import section_sql  # noqa: E402
import section_vector  # noqa: E402
import text_corpus  # noqa: E402
import timing  # noqa: E402
import vector_set  # noqa: E402
import words  # noqa: E402


# -- vocabulary

def test_vocabulary_is_deterministic_unique_and_shaped():
    v = words.make_vocabulary(3000, 7)
    assert v == words.make_vocabulary(3000, 7)
    assert v != words.make_vocabulary(3000, 8)
    assert len(set(v)) == 3000
    assert all(w.isascii() and w.isalpha() and w.islower() and w[-1] in "aou" for w in v)
    assert [len(w) for w in v] == sorted(len(w) for w in v)


def test_vocabulary_is_stable_under_english_stemming():
    tantivy = pytest.importorskip("tantivy")
    an = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
          .filter(tantivy.Filter.stemmer("english")).build())
    v = words.make_vocabulary(5000, 42)
    assert [an.analyze(w) for w in v] == [[w] for w in v]


# -- text corpus

@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return root, text_corpus.ensure(3000, 5, root)


def test_text_corpus_files_and_schema(tiny_corpus):
    _, d = tiny_corpus
    docs = pq.read_table(d / "docs.parquet")
    assert docs.schema.field("id").type == pa.int64() and docs.schema.field("body").type == pa.string()
    assert docs["id"].to_pylist() == list(range(3000))
    n_tok = pc.list_value_length(pc.split_pattern(docs["body"], " ")).to_numpy()
    assert n_tok.min() >= 50 and n_tok.max() <= 150
    q = pq.read_table(d / "queries.parquet")
    assert q.column_names == ["qid", "text", "n_terms", "band", "dfs"]
    ph = pq.read_table(d / "phrases.parquet")
    assert ph.num_rows == 200 and set(ph["n_terms"].to_pylist()) == {2, 3}


def test_text_corpus_query_dfs_match_the_corpus_and_bands(tiny_corpus):
    _, d = tiny_corpus
    docs = pq.read_table(d / "docs.parquet")["body"].to_pylist()
    doc_sets = [set(b.split()) for b in docs]
    limits = text_corpus.band_limits(3000)
    rows = pq.read_table(d / "queries.parquet").to_pylist()
    assert len(rows) == 900
    for r in rows[::37]:  # a sample across cells
        terms = r["text"].split()
        assert len(terms) == r["n_terms"] == len(set(terms))
        for t, df in zip(terms, r["dfs"]):
            assert sum(t in s for s in doc_sets) == df
            lo, hi = limits[r["band"]]
            assert lo <= df <= hi


def test_text_corpus_phrases_occur_in_their_documents(tiny_corpus):
    _, d = tiny_corpus
    docs = pq.read_table(d / "docs.parquet")["body"].to_pylist()
    for r in pq.read_table(d / "phrases.parquet").to_pylist():
        assert f" {r['text']} " in f" {docs[r['doc_id']]} "


def test_text_corpus_is_deterministic_and_cached(tiny_corpus, tmp_path):
    root, d = tiny_corpus
    again = text_corpus.ensure(3000, 5, tmp_path)
    for f in ("docs.parquet", "queries.parquet", "phrases.parquet"):
        assert pq.read_table(d / f).equals(pq.read_table(again / f))
    mtime = (d / "docs.parquet").stat().st_mtime_ns
    assert text_corpus.ensure(3000, 5, root) == d
    assert (d / "docs.parquet").stat().st_mtime_ns == mtime


# -- vector set

def test_merge_topk_matches_a_full_sort():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((4, 50)).astype(np.float32)
    k = 7
    best_s = np.full((4, k), -np.inf, dtype=np.float32)
    best_i = np.full((4, k), -1, dtype=np.int64)
    for start in range(0, 50, 12):  # uneven chunks, one smaller than k
        ids = np.arange(start, min(start + 12, 50))
        best_s, best_i = vector_set.merge_topk(best_s, best_i, scores[:, ids], ids, k)
    _, best_i = vector_set.sort_topk(best_s, best_i)
    assert (best_i == np.argsort(-scores, axis=1)[:, :k]).all()


def test_vector_set_ground_truth_is_exact(tmp_path):
    d = vector_set.ensure(2000, 16, 8, 25, 3, tmp_path)
    base = data.matrix(pq.read_table(d / "base.parquet")["emb"])
    q = data.matrix(pq.read_table(d / "queries.parquet")["emb"])
    gt = np.array(pq.read_table(d / "groundtruth.parquet")["neighbors"].to_pylist())
    assert base.shape == (2000, 16) and q.shape == (25, 16) and gt.shape == (25, 100)
    assert np.allclose(np.linalg.norm(base, axis=1), 1, atol=1e-5)
    exact = np.argsort(-(q @ base.T), axis=1, kind="stable")[:, :100]
    assert (gt[:, :10] == exact[:, :10]).mean() > 0.99  # float ties aside
    again = vector_set.ensure(2000, 16, 8, 25, 3, tmp_path / "again")
    assert pq.read_table(d / "base.parquet").equals(pq.read_table(again / "base.parquet"))


# -- harness pieces

def test_subsample_spreads_evenly():
    assert data.subsample(5, None) == [0, 1, 2, 3, 4]
    assert data.subsample(5, 9) == [0, 1, 2, 3, 4]
    assert data.subsample(900, 3) == [0, 450, 899]
    assert data.subsample(10, 1) == [0]
    assert len(data.subsample(600, 150)) == 150


def test_query_budget_keeps_an_even_spread_sized_by_probed_latency():
    now = [0.0]

    def clock():
        return now[0]

    def search(q):  # every query takes 0.5 s on the fake clock
        now[0] += 0.5
        return []

    queries = list(range(1000))
    kept, note = timing.within_budget(search, queries, budget_s=60.0, clock=clock)
    assert len(kept) == 120 and kept == [queries[i] for i in data.subsample(1000, 120)]
    assert note == {"query_budget_s": 60.0, "queries_in_set": 1000, "probe_latency_ms": 500.0}
    # Never below the floor, and untouched without a budget or when they fit.
    kept, _ = timing.within_budget(search, queries, budget_s=1.0, clock=clock)
    assert len(kept) == timing.MIN_BUDGET_QUERIES
    assert timing.within_budget(search, queries, None, clock=clock) == (queries, {})
    assert timing.within_budget(search, queries, 1e6, clock=clock) == (queries, {})


def test_plain_query_strips_syntax_and_lowercases():
    assert data.plain_query('"COVID-19" AND (ACE2)+ β-cells: 50%') == "covid 19 and ace2 β cells 50"


def test_should_stop_rules():
    assert section_vector.should_stop([0.5, 0.9995], started=float("inf"))
    assert section_vector.should_stop([0.5, 0.7, 0.7005], started=float("inf"))
    assert not section_vector.should_stop([0.5, 0.7, 0.8], started=float("inf"))
    assert not section_vector.should_stop([0.5, 0.5001], started=float("inf"))  # needs three points


def test_slices_cover_all_queries_once():
    for n, parts in [(10, 3), (2, 4), (7, 1), (1, 2)]:
        s = timing._slices(n, parts)
        assert sorted(i for r in s for i in r) == list(range(n)) and len(s) <= parts


def test_run_queries_collects_results_in_order_with_concurrency_and_batch():
    calls = []

    def search(q):
        calls.append(q)
        return [] if q % 3 == 0 else [q, q + 1]

    m = timing.run_queries(search, list(range(10)), clients=2, warmup=2, batch=lambda qs: [[x] for x in qs])
    assert m["results"][4] == [4, 5] and m["results"][3] == []
    assert m["empty_results"] == 4  # 0, 3, 6, 9
    assert len(calls) == 2 + 10 + 10  # warm-up, latency pass, concurrent pass
    assert m["qps_mode"] == "2 concurrent clients" and "qps_sequential" in m
    assert m["batch_results"] == [[x] for x in range(10)]
    assert set(m["latency_ms"]) == {"p50", "p99", "mean"}


def test_sql_digest_normalises_numbers():
    assert section_sql.digest([(1, 2.0, "a")]) == section_sql.digest([(1.0, 2, "a")])
    assert section_sql.digest([(0.1 + 0.2,)]) == section_sql.digest([(0.3,)])
    assert section_sql.digest([(1,)]) != section_sql.digest([(2,)])


def test_sql_queries_fill_in_for_both_datasets():
    for cols in ({"id": "id", "body": "body", "needle": "x"},
                 {"id": "CAST(id AS BIGINT)", "body": "text", "needle": "protein"}):
        for t in section_sql.QUERIES.values():
            assert "{" not in t.format(**cols)


def test_unknown_engine_module_is_reported_unavailable(monkeypatch):
    monkeypatch.setitem(engines.ENGINES, "nope", "no_such_adapter_module")
    with pytest.raises(engines.Unavailable):
        engines.load("nope")


class FakePeer:
    """Returns a fixed ranking per query text; supports OR only."""
    fts_modes = {"or"}
    index_includes_data = False

    def __init__(self, rankings):
        self.rankings = rankings

    def fts_build(self, ids, bodies, english, positions):
        self.positions = positions

    def index_bytes(self):
        return 123

    def fts_search(self, text, mode, k):
        return self.rankings[text][:k]


def test_fts_section_scores_quality_and_marks_unsupported_modes():
    qs = [data.Query("q1", "alpha", band="low"), data.Query("q2", "beta", band="high")]
    ts = data.TextSet("t", np.arange(3), pa.array(["a", "b", "c"]),
                      [data.QuerySet("main", "or", qs), data.QuerySet("phr", "phrase", qs)],
                      english=False, qrels={"q1": {0: 1}, "q2": {2: 1}})
    peer = FakePeer({"alpha": [0, 1], "beta": [1, 2]})
    out = section_fts.run(peer, ts, clients=1, warmup=0, max_queries=None)
    assert peer.positions is True
    assert out["index_bytes"] == 123
    main = out["query_types"]["main"]
    assert main["quality"]["ndcg@10"] == pytest.approx((1 + 1 / np.log2(3)) / 2)
    assert main["quality"]["mrr@10"] == pytest.approx(0.75)
    assert set(main["by_band"]) == {"low", "high"} and main["mean_hits"] == 2
    assert out["query_types"]["phr"] == {"supported": False, "mode": "phrase"}
    assert "results" not in main and "latencies_s" not in main


def test_plot_curves_group_points_by_engine_index_and_fixed_params():
    import plot_vectors
    r = {"engine": "faiss", "threads": 1, "operating_points": [
        {"index": "IVF-PQ", "params": {"nprobe": 1, "k_factor": 1}, "recall@10": 0.5, "qps": 100},
        {"index": "IVF-PQ", "params": {"nprobe": 2, "k_factor": 1}, "recall@10": 0.6, "qps": 50},
        {"index": "IVF-PQ", "params": {"nprobe": 1, "k_factor": 4}, "recall@10": 0.7, "qps": 40},
        {"index": "Flat", "params": {}, "recall@10": 1.0, "qps": 5, "qps_batch": None}]}
    c = plot_vectors.curves([r], "qps", "recall@10")
    assert c == {"faiss IVF-PQ {'k_factor': 1} t=1": [(0.5, 100), (0.6, 50)],
                 "faiss IVF-PQ {'k_factor': 4} t=1": [(0.7, 40)], "faiss Flat t=1": [(1.0, 5)]}
    assert plot_vectors.curves([r], "qps_batch", "recall@10") == {}


def test_thread_observations_flag_ignored_settings():
    import runner
    one = {"threads": 1, "query_types": {"a": {"cpu_util": 1.9}}}
    assert any("does not fully honour" in n for n in runner.thread_observations(one))
    two = {"threads": 2, "operating_points": [{"cpu_util": 0.9}, {"cpu_util": 1.0}]}
    assert any("serialises" in n for n in runner.thread_observations(two))
    fine = {"threads": 2, "query_types": {"a": {"cpu_util": 1.9}}}
    assert len(runner.thread_observations(fine)) == 1
    assert runner.thread_observations({"threads": 1}) == []


def test_summarize_rows_have_one_cell_per_column():
    import summarize
    base = {"engine": "e", "section": "fts", "dataset": "scifact", "threads": 1}
    cases = [dict(base, available=False, reason="x"), dict(base, error="boom"), dict(base, supported=False),
             dict(base, version="1", build_seconds=1.0, index_bytes=2**20, query_types={
                 "q": {"latency_ms": {"p50": 1.0, "p99": 2.0}, "qps": 3.0, "quality": {"ndcg@10": 0.5}},
                 "p": {"supported": False}}),
             dict(base, section="vector", version="1", build_seconds=1.0, index_bytes=None,
                  best_qps_at_recall={"0.95": None}, quality={"max_recall@10": 0.9})]
    for r in cases:
        for row in summarize.rows(r):
            assert len(row) == 12


def test_ingest_section_builds_from_the_file_and_counts_rows(tiny_corpus, monkeypatch):
    import section_ingest
    _, d = tiny_corpus
    monkeypatch.setattr(section_ingest.data.text_corpus, "ensure", lambda docs, seed: d)

    class Fake:
        name, index_includes_data = "fake", True

        def fts_build(self, ids, bodies, english, positions):
            self.built = (len(ids), len(bodies), english, positions)

        def index_bytes(self):
            return 123

    peer = Fake()
    out = section_ingest.run(peer, "generated", 3000, 5)
    assert peer.built == (3000, 3000, False, True)
    assert out["rows"] == 3000 and out["index_bytes"] == 123 and out["indexes"] == ["fts(body)"]
    assert out["rows_per_second"] > 0
    assert section_ingest.run(Fake(), "scifact", 0, 5)["supported"] is False


def test_vector_reference_index_and_bytes_per_vector():
    def idx(name, recall, qps, nbytes, build):
        return {"index": name, "build_seconds": build, "index_bytes": nbytes,
                "points": [{"index": name, "recall@10": recall, "qps": qps}]}
    one = [idx("HNSW", 0.9, 10.0, 1000, 2.0)]
    assert section_vector.reference_index(one, {})["index"] == "HNSW"
    several = [idx("Flat", 1.0, 5.0, 1536, 0.1), idx("IVF-PQ", 0.96, 50.0, 1600, 3.0), idx("IVF", 0.9, 90.0, 1540, 1.0)]
    best = {"0.95": several[1]["points"][0]}
    ref = section_vector.reference_index(several, best)
    assert ref == {"index": "IVF-PQ", "basis": "best QPS at recall@10 >= 0.95", "build_seconds": 3.0,
                   "index_bytes": 1600}
    assert section_vector.reference_index(several[2:], {"0.95": None})["index"] == "IVF"  # the only one
    low = [idx("A", 0.5, 9.0, 1, 1.0), idx("B", 0.8, 1.0, 2, 1.0)]
    assert section_vector.reference_index(low, {"0.95": None})["index"] == "B"  # highest recall instead
    assert section_vector.reference_index([], {}) is None
    assert section_vector.per_vector(1600, 4) == 400.0
    assert section_vector.per_vector(None, 4) is None and section_vector.per_vector(1600, None) is None


def test_report_vector_sizes_per_vector_and_build_rate():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import report
    point = {"index": "IVF-PQ", "recall@10": 0.96, "qps": 50.0}
    faiss_old = {"engine": "faiss", "size": 1000, "index_bytes": None, "build_seconds": 5.0,
                 "best_qps_at_recall": {"0.95": point},
                 "indexes": [{"index": "Flat", "build_seconds": 1.0, "index_bytes": 1_536_000, "points": []},
                             {"index": "IVF-PQ", "build_seconds": 4.0, "index_bytes": 1_600_000,
                              "params": {"base_index_bytes": 60_000}, "points": [point]}]}
    s = report.vector_sizes(faiss_old)
    assert (s["index"], s["index_bytes_per_vector"], s["build_seconds"], s["build_rows_per_second"]) == \
        ("IVF-PQ", 1600.0, 4.0, 250.0)
    assert "60 B/vector" in report.vector_bytes_note(faiss_old, s)
    scifact = {"engine": "hnswlib", "size": None, "data": {"n": 500}, "index_bytes": 850_000, "build_seconds": 2.0,
               "indexes": [{"index": "HNSW", "build_seconds": 2.0, "index_bytes": 850_000, "points": []}]}
    s = report.vector_sizes(scifact)
    assert (s["vectors"], s["index_bytes_per_vector"], s["build_rows_per_second"], s["index"]) == \
        (500, 1700.0, 250.0, None)
    unsized = {"engine": "duckdb", "size": 10, "index_bytes": None, "build_seconds": None, "indexes": []}
    s = report.vector_sizes(unsized)
    assert s["index_bytes_per_vector"] is None and s["build_rows_per_second"] is None
    assert report.fmt(s["index_bytes_per_vector"], 0) == "–"


def test_report_notes_fts_passes_cut_by_a_query_budget(tmp_path, monkeypatch):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import report
    monkeypatch.setattr(report, "bars", lambda *a, **k: None)  # no plot needed here
    lat = {"p50": 900.0, "p99": 1500.0}
    cut = {"engine": "duckdb", "section": "fts", "dataset": "generated", "size": 1000, "threads": 1,
           "build_seconds": 2.0, "index_bytes": 10,
           "query_types": {"one_term": {"latency_ms": lat, "queries": 133, "queries_in_set": 300,
                                        "query_budget_s": 120.0},
                           "phrase": {"supported": False}}}
    whole = {**cut, "engine": "lancedb", "query_types": {"one_term": {"latency_ms": lat, "queries": 300}}}
    md, summary = [], {}
    report.fts_section([cut, whole], tmp_path, md, summary)
    notes = [line for line in md if "budget" in line]
    assert notes == ["- duckdb: timed over an evenly spread subsample (one_term 133 of 300 queries) "
                     "under a 120 s budget a pass."]


# -- the vector section's budget (deadline.py)

SLOW_PEER_SCRIPT = '''
import sys, time, types
sys.path.insert(0, {peers!r})
import numpy as np
import data, deadline, engines, run_peer
from engines.base import Peer as Base, VectorVariant

deadline.GRACE_S, deadline.MIN_BUILD_S = 0.5, 1.0

class Peer(Base):
    name, package, sections = "slow", "numpy", {{"vector"}}

    def vector_variants(self, n, dim):
        state = {{}}
        def search(q, k, sp):
            return np.argsort(-(state["base"] @ q))[:k].tolist()
        return [VectorVariant("fast", {{}}, lambda base: state.update(base=base), [{{}}], search),
                VectorVariant("slow", {{}}, lambda base: time.sleep(60), [{{}}], search)]

mod = types.ModuleType("engines.slow_peer")
mod.Peer = Peer
sys.modules["engines.slow_peer"] = mod
engines.ENGINES["slow"] = "slow_peer"
run_peer.ENGINES.append("slow")
rng = np.random.default_rng(1)
base = rng.standard_normal((200, 8)).astype(np.float32)
queries = base[:20]
truth = np.argsort(-(queries @ base.T), axis=1)[:, :100]
data.generated_vectors = lambda *a, **k: data.VectorSet("tiny", base, queries, truth, {{"n": 200}})
sys.exit(run_peer.main(["--engine", "slow", "--section", "vector", "--dataset", "generated", "--size", "200",
                        "--warmup", "2", "--out", {out!r}]))
'''


def run_slow_peer(tmp_path, deadline_in_s: float) -> tuple[dict, float]:
    import json
    import os
    import subprocess
    import time
    out = tmp_path / "slow.json"
    script = tmp_path / "slow_peer.py"
    script.write_text(SLOW_PEER_SCRIPT.format(peers=str(Path(__file__).resolve().parent), out=str(out)))
    env = {**os.environ, "BENCH_SECTION_DEADLINE": str(time.time() + deadline_in_s)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=50)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text()), time.perf_counter() - t0


def test_a_run_still_building_at_the_deadline_writes_what_it_measured(tmp_path):
    r, wall = run_slow_peer(tmp_path, deadline_in_s=4.0)
    assert wall < 30  # the watchdog ended the 60 s build
    assert r["cut_by_section_budget"]["phase"] == "building slow"
    assert [i["index"] for i in r["indexes"]] == ["fast"]  # the unfinished build is not an index
    assert r["operating_points"][0]["recall@10"] == 1.0 and r["queries"] == 20
    assert r["best_qps_at_recall"]["0.99"]["index"] == "fast"
    assert r["data"] == {"n": 200} and r["version"]


def test_a_run_starting_past_the_deadline_is_recorded_as_not_run(tmp_path):
    r, _ = run_slow_peer(tmp_path, deadline_in_s=-1.0)
    assert r["cut_by_section_budget"]["phase"].startswith("not started")
    assert "indexes" not in r and r["supported"] is True
    import runner
    assert runner.one_line(r).endswith("stopped by the section's budget (not started: the section's budget "
                                       "was spent), nothing measured")


def test_no_build_starts_too_close_to_the_deadline_and_sweeps_end_at_it(monkeypatch):
    import time
    import deadline
    from engines.base import VectorVariant
    built = []
    variants = [VectorVariant(name, {}, lambda b, name=name: built.append(name), [{}], lambda q, k, sp: [0])
                for name in ("a", "b")]
    peer = type("P", (), {"vector_variants": lambda self, n, dim: variants})()
    vs = data.VectorSet("v", np.zeros((5, 2), np.float32), np.zeros((3, 2), np.float32), np.zeros((3, 100), int))
    monkeypatch.setenv(deadline.ENV, str(time.time() + deadline.MIN_BUILD_S / 2))
    out = section_vector.run(peer, vs, clients=1, warmup=0, max_queries=None)
    assert built == [] and [s["index"] for s in out["skipped_indexes"]] == ["a", "b"]
    assert not section_vector.should_stop([0.5], started=time.perf_counter())
    monkeypatch.setenv(deadline.ENV, str(time.time() - 1))
    assert section_vector.should_stop([0.5], started=time.perf_counter())
    monkeypatch.delenv(deadline.ENV)
    out = section_vector.run(peer, vs, clients=1, warmup=0, max_queries=None)
    assert built == ["a", "b"] and "skipped_indexes" not in out


def test_report_lists_vector_runs_the_budget_cut_short():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import report
    whole = {"engine": "faiss", "threads": 1, "indexes": [{"index": "IVF-Flat"}]}
    stopped = {"engine": "hnswlib", "threads": 2, "indexes": [{"index": "HNSW"}],
               "cut_by_section_budget": {"phase": "sweeping HNSW", "stopped_after_seconds": 1234.4}}
    not_run = {"engine": "duckdb", "threads": 1,
               "cut_by_section_budget": {"phase": "not started: the section's budget was spent"}}
    skipped = {"engine": "lancedb", "threads": 1, "indexes": [{"index": "IVF-PQ"}],
               "skipped_indexes": [{"index": "IVF-HNSW"}]}
    lines = report.budget_notes([whole, stopped, not_run, skipped])
    assert lines[0].startswith("\n† At full size")
    assert lines[1:] == [
        "- † hnswlib t=2: stopped by the section's time budget (sweeping HNSW, after 1,234 s); "
        "measured before the stop: HNSW.",
        "- † duckdb: not run: the section's time budget was spent before its turn.",
        "- † lancedb: finished within the section's time budget; not built, the budget being nearly spent: IVF-HNSW."]
    assert report.budget_notes([whole]) == []
