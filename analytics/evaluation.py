"""How well a theft / faulty-meter detector finds the injected anomalies.

Given the detector's flagged meters, its score for every consumer meter and
the ground truth (:func:`analytics.inject.truth_frame`), :func:`evaluate`
returns:

* ``precision``, ``recall``, ``f1`` of the flagged set (a meter counts once;
  a flagged meter is a true positive when it has an anomaly, whatever its
  pattern). Undefined ratios (nothing flagged, no truth) are NaN; ``f1`` is 0
  when nothing is found.
* ``auc``: ROC AUC of ``scores_all`` against the truth, from ranks (the
  Mann–Whitney statistic; tied scores get their average rank, so a tie
  between a positive and a negative counts one half). Meters missing from
  ``scores_all`` (e.g. a truth meter whose readings were all rejected) and NaN
  scores count as 0, the score of an unflagged meter. NaN without both classes.
* ``start_error_days``: median ``|estimated − true start|`` in days over the
  true positives whose ``anomaly_start`` is given. ``anomaly_start`` is either
  a day index (number, compared with the truth's ``start_day``) or a
  timestamp (compared with ``start_date``; both taken as UTC instants, naive
  ones as UTC).
* ``detection_delay_days_median`` / ``_max``: over the detected anomalies
  found in ``first_flag_day`` (meter → first day index on which the detector,
  run on the data up to that day, flagged it), ``first_flag_day − start_day``.
* ``recall_by_pattern``: pattern → share of its anomalies flagged.
* counts: ``n_flagged``, ``n_truth``, ``tp``, ``fp``, ``fn``, ``n_scored``,
  ``truth_unscored`` (truth meters absent from ``scores_all``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC from average ranks (ties count one half); NaN without both classes."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)                      # rank of the last member of each tie group (1-based)
    avg_rank = upper - (counts - 1) / 2.0
    ranks = avg_rank[inverse]
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _ratio(a: int, b: int) -> float:
    return a / b if b else math.nan


def _start_errors(found: pd.DataFrame) -> list[float]:
    """|estimated − true| start in days for rows with ``anomaly_start`` given."""
    given = found[found["anomaly_start"].notna()]
    if given.empty:
        return []
    est = given["anomaly_start"]
    numeric = pd.api.types.is_numeric_dtype(est) or all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in est)
    if numeric:
        diff = (est.astype(float) - given["start_day"].astype(float)).abs()
    else:
        e = pd.to_datetime(est, utc=True)
        t = pd.to_datetime(given["start_date"], utc=True)
        diff = ((e - t) / pd.Timedelta(days=1)).abs()
    return [float(v) for v in diff]


def evaluate(flagged: pd.DataFrame, scores_all: pd.Series, truth: pd.DataFrame,
             first_flag_day: dict[str, int] | None = None) -> dict:
    """Scores a detector against the truth (module docstring).

    Args:
        flagged: The detector's findings: ``meter_id``, ``score``, and
            optionally ``anomaly_start`` (day index or timestamp). A meter
            flagged twice counts once (its highest-scored row).
        scores_all: Meter id → score, for every consumer meter (0 when unflagged).
        truth: Ground truth: ``meter_id``, ``pattern``, ``start_day``,
            ``start_date``, ``severity``.
        first_flag_day: Meter id → first day index on which it was flagged.

    Returns:
        The metrics (module docstring).
    """
    truth = truth.drop_duplicates("meter_id")
    truth_ids = set(truth["meter_id"])
    f = flagged.copy()
    if "score" not in f.columns:
        f["score"] = 0.0
    if "anomaly_start" not in f.columns:
        f["anomaly_start"] = None
    f = f.sort_values("score", ascending=False, kind="stable").drop_duplicates("meter_id")
    flagged_ids = set(f["meter_id"])
    tp_ids = flagged_ids & truth_ids
    tp, fp, fn = len(tp_ids), len(flagged_ids - truth_ids), len(truth_ids - flagged_ids)
    precision = _ratio(tp, len(flagged_ids))
    recall = _ratio(tp, len(truth_ids))
    if tp == 0:
        f1 = 0.0 if flagged_ids or truth_ids else math.nan
    else:
        f1 = 2 * precision * recall / (precision + recall)

    scores = pd.Series(scores_all, dtype=float)
    scores = scores[~scores.index.duplicated(keep="first")]
    unscored = sorted(truth_ids - set(scores.index))
    if unscored:
        scores = pd.concat([scores, pd.Series(0.0, index=unscored)])
    scores = scores.fillna(0.0)
    auc = roc_auc(scores.to_numpy(), scores.index.isin(list(truth_ids)))

    found = f.loc[f["meter_id"].isin(tp_ids), ["meter_id", "anomaly_start"]].merge(
        truth.reindex(columns=["meter_id", "start_day", "start_date"]), on="meter_id",
        how="left") if tp_ids else None  # no hit (e.g. nothing injected): empty frames of other dtypes
    errors = _start_errors(found) if found is not None and len(found) else []
    start_error = float(np.median(errors)) if errors else math.nan

    delays = []
    if first_flag_day:
        starts = dict(zip(truth["meter_id"], truth["start_day"]))
        delays = [float(first_flag_day[m] - starts[m]) for m in sorted(tp_ids) if m in first_flag_day]
    by_pattern = {}
    for pattern, rows in truth.groupby("pattern", sort=True):
        by_pattern[str(pattern)] = _ratio(int(rows["meter_id"].isin(flagged_ids).sum()), len(rows))

    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "auc": auc,
        "start_error_days": start_error,
        "detection_delay_days_median": float(np.median(delays)) if delays else math.nan,
        "detection_delay_days_max": float(np.max(delays)) if delays else math.nan,
        "recall_by_pattern": by_pattern,
        "n_flagged": len(flagged_ids),
        "n_truth": len(truth_ids),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "n_scored": int(len(scores)),
        "truth_unscored": len(unscored),
    }
