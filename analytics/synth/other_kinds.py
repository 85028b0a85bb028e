"""Water, gas and heat consumer meters (m³, simple, not the focus), and water leaks.

Water and gas are Poisson counts of 10 L (0.01 m³) draws with a morning and
evening diurnal weight (water 0.11 m³ per occupant and day; gas 0.35 m³ a day
for cooking in a flat, space heating in a house, 4 m³ per 100 m²); heat-meter
volume is a steady circulation flow of 0.13 m³/h per 60 m² (3 kW at ΔT 20 K)
with ±10 % noise. ``water_leak_share`` of the water meters get a constant leak
(4–20 L/h) from a random day: their night hours are never zero again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.synth.config import _S_GAS, _S_HEAT, _S_LEAKS, _S_WATER, SynthConfig
from scenarios.site import MeterKind, Site

#: Volume of one water or gas draw quantum, m³ (10 L; the meters' 100 imp/m³).
DRAW_M3 = 0.01
#: Water per occupant and day, m³.
WATER_M3_PER_OCCUPANT_DAY = 0.11
#: Cooking gas of a flat per day, m³.
GAS_COOKING_M3_DAY = 0.35
#: Heating gas of a house per 100 m² and day (winter), m³.
GAS_HEATING_M3_PER_100M2_DAY = 4.0
#: Heating circulation flow per 60 m², m³/h.
HEAT_M3_H_PER_60M2 = 0.13
#: Leak flow range of a leaking water meter, m³/h.
LEAK_M3_H = (0.004, 0.02)

#: Diurnal weights (local hours 0..23) of water draws and of cooking gas.
_WATER_W = np.array([0.4, 0.2, 0.1, 0.1, 0.2, 0.8, 4, 8, 7, 5, 4, 4, 4, 4, 3, 3, 4, 5, 6, 7, 8, 6, 4, 1.5])
_COOK_W = np.array([0, 0, 0, 0, 0, 0, 1, 4, 3, 1, 1, 2, 4, 3, 1, 1, 1, 2, 5, 6, 3, 1, 0.5, 0])
_HEAT_W = np.array([0.8] * 6 + [1.2, 1.3, 1.1] + [1.0] * 8 + [1.1, 1.2, 1.2, 1.1, 1.0, 0.9, 0.85])


def _poisson_draws(rng, level_m3_day: np.ndarray, weights: np.ndarray, n_days: int, h0: int, n_hours: int,
                   day_sd: float = 0.25) -> np.ndarray:
    """(n, H) m³: Poisson counts of DRAW_M3 draws with a diurnal weight and a daily level noise."""
    w = weights / weights.sum()
    n = len(level_m3_day)
    day = level_m3_day[:, None] * rng.lognormal(-day_sd ** 2 / 2, day_sd, size=(n, n_days))
    lam = (day[:, :, None] * (w / DRAW_M3)[None, None, :]).reshape(n, n_days * 24)[:, h0:h0 + n_hours]
    counts = rng.poisson(lam)
    return np.multiply(counts, DRAW_M3, out=lam if lam.flags.c_contiguous else None)


def _other_kinds(site: Site, meters, cfg: SynthConfig, seed: int, start: pd.Timestamp, n_days: int,
                 h0: int, n_hours: int) -> tuple[np.ndarray, pd.DataFrame]:
    """(n, H) m³ of the water, gas and heat consumer meters, and the water leaks."""
    consumers = {c.consumer_id: c for c in site.consumers}
    out = np.zeros((len(meters), n_hours))
    leaks = pd.DataFrame({"meter_id": pd.Series([], dtype=object), "start_day": pd.Series([], dtype="int64"),
                          "m3_per_h": pd.Series([], dtype=float)})
    by_kind: dict[MeterKind, list[int]] = {}
    for i, m in enumerate(meters):
        by_kind.setdefault(m.kind, []).append(i)

    def cons(i):
        c = consumers.get(meters[i].consumer_id)
        return (c.occupants, c.floor_area_m2, c.kind) if c is not None else (2, 60.0, "flat")

    if MeterKind.WATER in by_kind:
        rows = by_kind[MeterKind.WATER]
        rng = np.random.default_rng([seed, _S_WATER])
        level = np.array([cons(i)[0] for i in rows], float) * WATER_M3_PER_OCCUPANT_DAY
        level *= rng.lognormal(-0.3 ** 2 / 2, 0.3, size=len(rows))
        out[rows] = _poisson_draws(rng, level, _WATER_W, n_days, h0, n_hours)
        n_leak = int(round(cfg.water_leak_share * len(rows)))
        if n_leak:
            lr = np.random.default_rng([seed, _S_LEAKS])
            which = np.sort(lr.choice(len(rows), size=n_leak, replace=False))
            lo = min(cfg.leak_min_start_day, cfg.days - 1)
            day = lr.integers(lo, cfg.days, size=n_leak)
            flow = np.round(lr.uniform(*LEAK_M3_H, size=n_leak), 4)
            local_day = (h0 + np.arange(n_hours)) // 24
            for j, d, f in zip(which, day, flow):
                out[rows[j]] += np.where(local_day >= d, f, 0.0)
            leaks = pd.DataFrame({"meter_id": pd.Series([meters[rows[j]].meter_id for j in which], dtype=object),
                                  "start_day": day.astype("int64"), "m3_per_h": flow})
    if MeterKind.GAS in by_kind:
        rows = by_kind[MeterKind.GAS]
        rng = np.random.default_rng([seed, _S_GAS])
        info = [cons(i) for i in rows]
        house = np.array([k == "house" for _, _, k in info])
        area = np.array([a for _, a, _ in info], float)
        level = np.where(house, area / 100.0 * GAS_HEATING_M3_PER_100M2_DAY, GAS_COOKING_M3_DAY)
        level *= rng.lognormal(-0.3 ** 2 / 2, 0.3, size=len(rows))
        cook = _poisson_draws(rng, np.where(house, 0.0, level), _COOK_W, n_days, h0, n_hours)
        heat = _poisson_draws(rng, np.where(house, level, 0.0), _HEAT_W, n_days, h0, n_hours, day_sd=0.15)
        out[rows] = cook + heat
    if MeterKind.HEAT in by_kind:
        rows = by_kind[MeterKind.HEAT]
        rng = np.random.default_rng([seed, _S_HEAT])
        area = np.array([cons(i)[1] for i in rows], float)
        w = np.resize(_HEAT_W / _HEAT_W.mean(), n_days * 24)[h0:h0 + n_hours]
        base = HEAT_M3_H_PER_60M2 * area / 60.0 * rng.lognormal(-0.2 ** 2 / 2, 0.2, size=len(rows))
        noise = np.clip(1.0 + 0.1 * rng.standard_normal((len(rows), n_hours)), 0.5, 1.5)
        out[rows] = base[:, None] * w[None, :] * noise
    return out, leaks
