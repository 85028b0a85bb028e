"""Evaluation harness: inject known anomalies, run the detector day by day, score it.

The detector is run on the data up to each day (as it would run every
night in operation) to find the first day each meter is flagged; the
detection delay is that day minus the true start day. Precision, recall and
AUC are taken from the run on all the data (:func:`analytics.evaluation.evaluate`).
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from analytics.evaluation import evaluate
from analytics.pipeline import Prepared, detect
from analytics.suspects import suspects_frame
from analytics.theft import TheftConfig


def first_flag_days(prep: Prepared, theft: TheftConfig, equipment_w_by_group: dict[str, float], first_day: int,
                    progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Meter → first cut-off day (data of days ``< day + 1``) on which the detector flags it."""
    first: dict[str, int] = {}
    for day in range(first_day, prep.days):
        suspects, _, _ = detect(prep, theft, equipment_w_by_group, cutoff_day=day + 1)
        for s in suspects:
            first.setdefault(s.meter_id, day)
        if progress is not None:
            progress(day)
    return first


def score(prep: Prepared, truth: pd.DataFrame, theft: TheftConfig, equipment_w_by_group: dict[str, float],
          with_delays: bool = True, progress: Callable[[int], None] | None = None) -> tuple[dict[str, Any],
                                                                                           pd.DataFrame]:
    """Precision, recall, AUC, start error and detection delay against ``truth``.

    Returns:
        ``(metrics, suspects frame of the full run)``.
    """
    suspects, scores, _ = detect(prep, theft, equipment_w_by_group)
    frame = suspects_frame(suspects, prep.day_dates())
    flagged = pd.DataFrame({"meter_id": [s.meter_id for s in suspects], "score": [s.score for s in suspects],
                            "anomaly_start": [s.anomaly_start_day for s in suspects]})
    consumers = [m for m, c in zip(prep.meters["meter_id"].astype(str), prep.meters["customer_id"].fillna(""))
                 if str(c).strip() and m in scores]
    all_scores = pd.Series({m: scores.get(m, 0.0) for m in consumers})
    first = first_flag_days(prep, theft, equipment_w_by_group, theft.clean_days, progress) if with_delays else None
    return evaluate(flagged, all_scores, truth, first), frame
