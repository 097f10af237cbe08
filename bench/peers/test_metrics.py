"""Unit tests of metrics.py against hand-computed values (no timing)."""

import math

import pytest

import metrics


def test_recall_at_k_counts_overlap_with_true_top_k():
    assert metrics.recall_at_k([1, 2, 3, 4], [2, 4, 6, 8], 4) == 0.5
    assert metrics.recall_at_k([8, 6, 4, 2], [2, 4, 6, 8], 4) == 1.0  # order inside the top k is irrelevant
    # Only the first k of each list count: 3 is in truth[:4] but retrieved at rank 5.
    assert metrics.recall_at_k([9, 9, 9, 9, 3], [1, 2, 3, 4, 5], 4) == 0.0
    assert metrics.recall_at_k([5, 1], [1, 2, 5], 2) == 0.5  # truth[:2] = {1, 2}


def test_recall_at_k_with_short_ground_truth_divides_by_its_length():
    assert metrics.recall_at_k([1, 7, 8], [1, 2], 10) == 0.5
    assert metrics.recall_at_k([1], [], 10) == 0.0


def test_mean_recall_at_k():
    assert metrics.mean_recall_at_k([[1, 2], [3, 4]], [[1, 2], [5, 6]], 2) == 0.5
    with pytest.raises(ValueError):
        metrics.mean_recall_at_k([[1]], [[1], [2]], 1)


def test_dcg_uses_log2_rank_plus_one():
    # 3/log2(2) + 2/log2(3) + 1/log2(4)
    assert metrics.dcg([3, 2, 1]) == pytest.approx(3 + 2 / math.log2(3) + 0.5)


def test_ndcg_hand_computed():
    rels = {"a": 1, "c": 2, "d": 1}
    # DCG: a at rank 1 -> 1/1; b -> 0; c at rank 3 -> 2/log2(4) = 1. Total 2.
    # IDCG: grades 2, 1, 1 -> 2 + 1/log2(3) + 1/2.
    expected = 2 / (2 + 1 / math.log2(3) + 0.5)
    assert metrics.ndcg_at_k(["a", "b", "c"], rels, 10) == pytest.approx(expected)
    assert expected == pytest.approx(0.638788, abs=1e-6)


def test_ndcg_perfect_and_empty_and_cutoff():
    rels = {"x": 2, "y": 1}
    assert metrics.ndcg_at_k(["x", "y", "z"], rels, 10) == pytest.approx(1.0)
    assert metrics.ndcg_at_k([], rels, 10) == 0.0
    # The only relevant document sits at rank 11: outside the cut.
    assert metrics.ndcg_at_k([f"n{i}" for i in range(10)] + ["x"], {"x": 1}, 10) == 0.0
    # Swapped order: DCG = 1 + 2/log2(3); IDCG = 2 + 1/log2(3).
    assert metrics.ndcg_at_k(["y", "x"], rels, 10) == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))


def test_ndcg_ideal_is_cut_at_k_and_ignores_non_positive_grades():
    rels = {"a": 1, "b": 1, "c": 1, "z": 0, "n": -1}
    # k = 2: DCG of [a, z] = 1; IDCG = 1 + 1/log2(3) (only two ideal slots).
    assert metrics.ndcg_at_k(["a", "z"], rels, 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert metrics.ndcg_at_k(["n", "a"], rels, 2) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert metrics.ndcg_at_k(["a"], {"z": 0}, 10) == 0.0  # no relevant document at all


def test_mrr():
    rels = {"r": 1}
    assert metrics.mrr_at_k(["a", "b", "r"], rels, 10) == pytest.approx(1 / 3)
    assert metrics.mrr_at_k(["r"], rels, 10) == 1.0
    assert metrics.mrr_at_k(["a"] * 10 + ["r"], rels, 10) == 0.0
    assert metrics.mrr_at_k(["z", "r"], {"z": 0, "r": 2}, 10) == 0.5


def test_qrels_recall():
    rels = {"a": 1, "b": 1, "z": 0}
    assert metrics.qrels_recall_at_k(["a", "q", "z"], rels, 100) == 0.5
    assert metrics.qrels_recall_at_k(["q", "a"], rels, 1) == 0.0
    assert metrics.qrels_recall_at_k(["a"], {"z": 0}, 100) == 0.0


def test_evaluate_run_averages_over_judged_queries_and_scores_missing_as_zero():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1, "c": 1}, "q3": {"x": 0}}
    run = {"q1": ["a"], "q9": ["b"]}  # q2 absent from the run; q3 has no relevant doc, so is not averaged
    out = metrics.evaluate_run(run, qrels)
    assert out["queries"] == 2
    assert out["ndcg@10"] == pytest.approx(0.5)
    assert out["mrr@10"] == pytest.approx(0.5)
    assert out["recall@100"] == pytest.approx(0.5)
    assert metrics.evaluate_run({}, {})["queries"] == 0


def test_percentile_linear_interpolation():
    xs = [4, 1, 3, 2]  # sorted 1 2 3 4
    assert metrics.percentile(xs, 50) == 2.5
    assert metrics.percentile(xs, 0) == 1
    assert metrics.percentile(xs, 100) == 4
    assert metrics.percentile(xs, 99) == pytest.approx(3.97)  # pos 2.97 between 3 and 4
    assert metrics.percentile([7.0], 99) == 7.0
    assert math.isnan(metrics.percentile([], 50))
    with pytest.raises(ValueError):
        metrics.percentile(xs, 101)


def test_percentile_p99_of_hundred_values():
    xs = list(range(1, 101))  # pos 98.01 -> 99 + 0.01 * (100 - 99)
    assert metrics.percentile(xs, 99) == pytest.approx(99.01)
    assert metrics.percentile(xs, 50) == pytest.approx(50.5)


def test_latency_summary_converts_seconds_to_ms():
    s = metrics.latency_summary([0.001, 0.003, 0.002])
    assert s["p50"] == pytest.approx(2.0)
    assert s["mean"] == pytest.approx(2.0)
    assert s["p99"] == pytest.approx(2.98)
    assert metrics.latency_summary([]) == {"p50": None, "p99": None, "mean": None}


def test_qps():
    assert metrics.qps(100, 2.0) == 50.0
    assert metrics.qps(10, 0.0) == 0.0


def test_best_qps_at_recall_picks_fastest_point_reaching_each_threshold():
    points = [
        {"index": "A", "recall@10": 0.89, "qps": 9000},
        {"index": "B", "recall@10": 0.93, "qps": 5000},
        {"index": "C", "recall@10": 0.96, "qps": 6000},
        {"index": "D", "recall@10": 0.995, "qps": 100},
        {"index": "E", "recall@10": 0.95, "qps": 4000},
    ]
    best = metrics.best_qps_at_recall(points)
    assert best["0.90"]["index"] == "C"
    assert best["0.95"]["index"] == "C"
    assert best["0.99"]["index"] == "D"
    assert metrics.best_qps_at_recall(points[:1])["0.90"] is None
    # A point exactly at the threshold counts.
    assert metrics.best_qps_at_recall([{"recall@10": 0.9, "qps": 1}], (0.90,))["0.90"]["qps"] == 1
