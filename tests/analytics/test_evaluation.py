"""Detector metrics against the ground truth: AUC from ranks, precision/recall, start error, delay."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.evaluation import evaluate, roc_auc
from analytics.inject import Anomaly, truth_frame


def _brute_auc(s, y):
    pos, neg = s[y], s[~y]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (len(pos) * len(neg))


def test_auc_hand_examples():
    y = np.array([1, 1, 0, 0, 0], bool)
    assert roc_auc(np.array([5, 4, 3, 2, 1.0]), y) == 1.0
    assert roc_auc(np.array([1, 2, 3, 4, 5.0]), y) == 0.0
    assert roc_auc(np.zeros(5), y) == 0.5
    assert roc_auc(np.array([0.9, 0.5, 0.5, 0.1]), np.array([1, 1, 0, 0], bool)) == pytest.approx(3.5 / 4)
    assert math.isnan(roc_auc(np.ones(3), np.ones(3, bool)))


def test_auc_matches_pairwise_count_with_ties():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 6, size=200).astype(float)
    y = rng.random(200) < 0.2
    assert roc_auc(s, y) == pytest.approx(_brute_auc(s, y), abs=1e-12)


@pytest.fixture()
def truth():
    a = [Anomaly("A", "stopped", 20, 1.0), Anomaly("B", "reverse", 15, 0.5),
         Anomaly("C", "drift", 30, 0.3), Anomaly("D", "drift", 25, 0.4)]
    return truth_frame(a, "2026-01-05T00:00:00+02:00")


def _scores(flagged_scores):
    ids = list("ABCDEFGHIJ")
    return pd.Series({m: flagged_scores.get(m, 0.0) for m in ids})


def test_precision_recall_f1_and_per_pattern(truth):
    flagged = pd.DataFrame({"meter_id": ["A", "B", "E"], "score": [3.0, 2.0, 1.0], "anomaly_start": [22, 15, 40]})
    r = evaluate(flagged, _scores({"A": 3.0, "B": 2.0, "E": 1.0}), truth, {"A": 24, "B": 16, "E": 41})
    assert (r["tp"], r["fp"], r["fn"]) == (2, 1, 2)
    assert r["precision"] == pytest.approx(2 / 3)
    assert r["recall"] == pytest.approx(0.5)
    assert r["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert r["recall_by_pattern"] == {"drift": 0.0, "reverse": 1.0, "stopped": 1.0}
    assert r["start_error_days"] == pytest.approx(1.0)  # |22-20|, |15-15| → median 1
    assert r["detection_delay_days_median"] == pytest.approx(2.5)  # 4 and 1
    assert r["detection_delay_days_max"] == pytest.approx(4.0)
    # Scores: positives A 3, B 2, C 0, D 0; negatives E 1, six at 0.
    s = _scores({"A": 3.0, "B": 2.0, "E": 1.0})
    y = s.index.isin(["A", "B", "C", "D"])
    assert r["auc"] == pytest.approx(_brute_auc(s.to_numpy(), y))
    assert r["n_flagged"] == 3 and r["n_truth"] == 4 and r["n_scored"] == 10


def test_start_error_from_timestamps_and_duplicates(truth):
    flagged = pd.DataFrame({
        "meter_id": ["C", "C", "D"],
        "score": [1.0, 5.0, 2.0],
        "anomaly_start": pd.to_datetime(["2026-02-20T00:00:00+02:00", "2026-02-06T12:00:00+02:00",
                                         "2026-01-30T00:00:00+02:00"]),
    })
    r = evaluate(flagged, _scores({"C": 5.0, "D": 2.0}), truth)
    # C: highest-scored row, 2026-02-06 12:00 vs day 30 = 2026-02-04 → 2.5 d; D: 01-30 = day 25 → 0.
    assert r["tp"] == 2 and r["n_flagged"] == 2
    assert r["start_error_days"] == pytest.approx(1.25)
    assert math.isnan(r["detection_delay_days_median"])


def test_perfect_and_empty_detectors(truth):
    perfect = pd.DataFrame({"meter_id": list("ABCD"), "score": [4.0, 3, 2, 1]})
    r = evaluate(perfect, _scores({"A": 4.0, "B": 3.0, "C": 2.0, "D": 1.0}), truth)
    assert r["precision"] == r["recall"] == r["f1"] == r["auc"] == 1.0
    assert math.isnan(r["start_error_days"])
    none = evaluate(pd.DataFrame(columns=["meter_id", "score", "anomaly_start"]), _scores({}), truth)
    assert math.isnan(none["precision"]) and none["recall"] == 0.0 and none["f1"] == 0.0
    assert none["auc"] == 0.5


def test_truth_meters_missing_from_scores_count_as_zero(truth):
    scores = pd.Series({"A": 2.0, "B": 1.0, "E": 0.5, "F": 0.0})  # C, D unscored
    r = evaluate(pd.DataFrame({"meter_id": ["A", "B"], "score": [2.0, 1.0]}), scores, truth)
    assert r["truth_unscored"] == 2 and r["n_scored"] == 6
    # positives 2, 1, 0, 0 vs negatives 0.5, 0: A,B win both (4); C,D lose to E, tie F (0.5 each) → 5/8
    assert r["auc"] == pytest.approx(5 / 8)


def test_start_given_for_some_meters_only(truth):
    flagged = pd.DataFrame({"meter_id": ["A", "B"], "score": [2.0, 1.0], "anomaly_start": [23, None]})
    r = evaluate(flagged, _scores({"A": 2.0, "B": 1.0}), truth)
    assert r["start_error_days"] == pytest.approx(3.0)
