"""What the consumer meters register: accuracy error, anomalies, communication gaps.

Consumer electricity meters register ``true × (1 + e)``, ``e`` the meter's
constant accuracy error (normal, ``meter_error_sd_pct`` %), except where an
anomaly (:mod:`analytics.inject`) changes it. Communication gaps (NaN) are
short runs (geometric lengths, mean :data:`GAP_RUN_MEAN_H` h) covering
``gap_share`` of the consumer readings (every kind). Group meters are exact
and complete.
"""

from __future__ import annotations

import numpy as np

from analytics.inject import Anomaly, apply
from analytics.synth.config import _S_ERROR, SynthConfig
from scenarios.errors import InputError

#: Mean length of a run of missing readings, hours.
GAP_RUN_MEAN_H = 2.5


def _registered(true: np.ndarray, meter_ids: list[str], cfg: SynthConfig, seed: int,
                anomalies: list[Anomaly] | None, h0: int, dow0: int = 0) -> tuple[np.ndarray, np.ndarray, list[Anomaly]]:
    """What the consumer electricity meters register (before gaps).

    Args:
        true: (n, H) true hourly kWh, rows ``meter_ids``.
        meter_ids: The consumer electricity meters.
        cfg: Settings.
        seed: Seed of every draw.
        anomalies: Anomalies to inject, or ``None``.
        h0: Local hour of column 0.
        dow0: Day of week of local day 0.

    Returns:
        ``(registered, meter_error, anomalies)``: (n, H) registered kWh, (n,)
        relative accuracy errors, the anomalies as a list.

    Raises:
        InputError: An anomaly at a meter not in ``meter_ids``.
    """
    err = np.random.default_rng([seed, _S_ERROR]).normal(0.0, cfg.meter_error_sd_pct / 100.0, size=len(meter_ids))
    # An import-only meter registers the net import (balcony PV can make the net negative).
    registered = np.maximum(true, 0.0) * (1.0 + err[:, None])
    anomalies = list(anomalies or [])
    row_of = {mid: i for i, mid in enumerate(meter_ids)}
    for a in anomalies:
        if a.meter_id not in row_of:
            raise InputError(f"anomaly at {a.meter_id}: not a consumer electricity meter of the site")
        i = row_of[a.meter_id]
        registered[i] = apply(registered[i], true[i], a, 24, h0, dow0)
    return registered, err, anomalies


def _gap_mask(rng, n: int, n_hours: int, share: float) -> np.ndarray:
    """(n, H) boolean mask of missing readings: short runs covering about ``share`` of the cells."""
    mask = np.zeros((n, n_hours), dtype=bool)
    runs = int(round(share * n * n_hours / GAP_RUN_MEAN_H))
    if runs == 0 or n == 0:
        return mask
    rows = rng.integers(0, n, size=runs)
    cols = rng.integers(0, n_hours, size=runs)
    length = rng.geometric(1.0 / GAP_RUN_MEAN_H, size=runs)
    offset = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    r = np.repeat(rows, length)
    c = np.repeat(cols, length) + offset
    keep = c < n_hours
    mask[r[keep], c[keep]] = True
    return mask
