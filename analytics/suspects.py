"""Suspects: the flagged meters, tamper evidence from rejected readings, ``suspects.csv``."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Suspect:
    """One flagged meter.

    Attributes:
        group_id: The balance group it was found in.
        meter_id: The consumer meter.
        score: 0..1, higher is stronger evidence.
        anomaly_start_day: Estimated first day of the anomaly (day index).
        stolen_kwh_per_day: Energy it hides per day since then (NaN if unknown).
        evidence: One sentence for the analyst.
        kind: ``consumer`` (theft or a faulty consumer meter), ``tamper``
            (negative readings) or ``group_meter_fault`` (the group meter
            itself registers wrongly; ``meter_id`` is the group meter).
        window: Local window the anomaly was seen in (``day``, ``evening``, ``night``).
    """

    group_id: str
    meter_id: str
    score: float
    anomaly_start_day: int
    stolen_kwh_per_day: float
    evidence: str
    kind: str = "consumer"
    window: str = "day"


def tamper_suspects(negatives: pd.DataFrame, group_of: dict[str, str], min_negative: int) -> list[Suspect]:
    """Meters with at least ``negative_readings_min`` readings rejected as negative.

    Args:
        negatives: ``meter_id``, ``timestamp`` (UTC) and ``day`` (local day index) of the
            rejected negative readings.
        group_of: Meter → group.
        min_negative: Negative readings that flag a meter.
    """
    out = []
    if negatives.empty:
        return out
    for meter, rows in negatives.groupby("meter_id", observed=True):
        if len(rows) >= min_negative and meter in group_of:
            first = int(rows["day"].min())
            out.append(Suspect(group_of[meter], str(meter), 1.0, first, float("nan"),
                               f"{len(rows)} negative readings (meter running backwards)", kind="tamper"))
    return out


def suspects_frame(suspects: list[Suspect], start_dates: pd.DatetimeIndex | list) -> pd.DataFrame:
    """``suspects.csv``: group_id, meter_id, rank (within the group), score, anomaly_start, evidence, kind."""
    cols = ["group_id", "meter_id", "rank", "score", "anomaly_start", "stolen_kwh_per_day", "evidence", "kind"]
    if not suspects:
        return pd.DataFrame(columns=cols)
    best: dict[str, Suspect] = {}
    for s in suspects:
        if s.meter_id not in best or s.score > best[s.meter_id].score:
            best[s.meter_id] = s
    frame = pd.DataFrame([{"group_id": s.group_id, "meter_id": s.meter_id, "score": s.score,
                           "anomaly_start": str(start_dates[min(s.anomaly_start_day, len(start_dates) - 1)]),
                           "stolen_kwh_per_day": s.stolen_kwh_per_day, "evidence": s.evidence, "kind": s.kind}
                          for s in best.values()])
    frame = frame.sort_values(["group_id", "score"], ascending=[True, False])
    frame.insert(2, "rank", frame.groupby("group_id").cumcount() + 1)
    return frame[cols].reset_index(drop=True)
