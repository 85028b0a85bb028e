"""True electricity consumption of the consumers, from the IEEE daily shapes.

Each consumer has its habits: a subset of ``shapes_per_consumer`` of the IEEE
European LV feeder's 100 measured daily shapes (a consumer whose ``profile``
is ``"ieee:N"`` always has shape N in its subset; other ``profile`` values are
ignored). Every local day it lives one shape of its subset, drawn uniformly;
the shape's 1-minute kW are averaged per hour (kWh per hour). The day is
scaled by the consumer's level (lognormal, ``scale_sigma``, mean 1: the IEEE
shapes' own level, 8.4 kWh a day on average) and by ``weekend_factor`` on
Saturdays and Sundays.

The 100 shapes are read once per process (:func:`hourly_shapes`).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from analytics.synth.config import _S_HABITS, SynthConfig
from grid_model.profiles import parse_ieee_profile
from scenarios import ieee_eu_lv
from scenarios.site import Site


@functools.lru_cache(maxsize=1)
def hourly_shapes() -> np.ndarray:
    """The 100 IEEE daily shapes as hourly energy, (100, 24) kWh per hour (read-only)."""
    table = ieee_eu_lv.all_shapes().reshape(100, 24, 60).mean(axis=2)
    table.setflags(write=False)
    return table


def _local_days(start: pd.Timestamp, n_days: int) -> np.ndarray:
    """Day of week (Mon=0) of local days 0..n_days-1."""
    return (start.dayofweek + np.arange(n_days)) % 7


def _consumer_electricity(site: Site, meters, cfg: SynthConfig, seed: int, start: pd.Timestamp,
                          n_days: int, h0: int, n_hours: int) -> np.ndarray:
    """(n, H) true hourly kWh behind the consumer electricity meters."""
    table = hourly_shapes()
    rng = np.random.default_rng([seed, _S_HABITS])
    n = len(meters)
    k = cfg.shapes_per_consumer
    subsets = np.argsort(rng.random((n, 100)), axis=1)[:, :k]
    consumers = {c.consumer_id: c for c in site.consumers if c.profile and c.profile.lower().startswith("ieee:")}
    for i, m in enumerate(meters):
        c = consumers.get(m.consumer_id)
        if c is not None:
            own = parse_ieee_profile(c.profile, c.consumer_id) - 1
            row = subsets[i]
            hit = np.flatnonzero(row == own)
            if hit.size:
                row[hit[0]] = row[0]
            row[0] = own
    pick = rng.integers(0, k, size=(n, n_days))
    idx = np.take_along_axis(subsets, pick, axis=1)
    sigma = cfg.scale_sigma
    scale = np.exp(sigma * rng.standard_normal(n) - sigma * sigma / 2.0)
    dow = _local_days(start, n_days)
    day_factor = np.where(dow >= 5, cfg.weekend_factor, 1.0)
    true = table[idx]
    true *= (scale[:, None] * day_factor[None, :])[:, :, None]
    true = true.reshape(n, n_days * 24)
    return true if h0 == 0 and n_days * 24 == n_hours else np.ascontiguousarray(true[:, h0:h0 + n_hours])
