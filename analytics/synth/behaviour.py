"""What makes real meter data hard: heating seasons, look-alikes, faulty group meters, outages.

* **Electric heating.** A share of the consumers heats with electricity:
  ``k_i · HDD(d)`` kWh on local day ``d`` (heating degree-days below 18 °C,
  ``k_i`` lognormal around ``heating_kwh_per_kday``), spread over the day with
  morning and evening peaks. The daily mean temperature follows a seasonal
  cosine (coldest on 20 January, 10 ± 12 °C, a temperate continental climate
  such as Bucharest's) plus AR(1) weather (sd 3 K, 0.8 day to day). From
  January into spring the heating consumers' use falls by half or more
  without anybody stealing.
* **Look-alikes** (:data:`LOOKALIKES`): real changes of consumption that move
  a consumer's own registration but not the imbalance, since the group meter
  sees the same change: ``vacation`` (7–21 days at 10–20 % of the usual use),
  ``new_tenant`` (from a day on, 35–70 % or 150–200 % of the old level),
  ``night_heavy`` (a changed routine: 60 % of the evening use moves to the
  night, 0–6 h), ``balcony_solar`` (300–800 W peak PV behind the meter; the
  import-only meter registers the net import, the export flows to the
  neighbours).
* **Faulty group meters**: a group meter that registers ``(1 − f)`` of its
  input from a day on, ``f`` in ±(4–10) %.

All arrays are on the local wall-clock grid of the generator (24 columns a
day from the first local midnight; :mod:`analytics.synth` maps them to UTC).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The look-alikes.
LOOKALIKES: tuple[str, ...] = ("vacation", "new_tenant", "night_heavy", "balcony_solar")

#: Relative hourly weights of electric heating over the local day.
_HEAT_SHAPE = np.array([0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.4, 1.6, 1.4, 1.0, 0.8, 0.7,
                        0.7, 0.7, 0.7, 0.8, 1.0, 1.3, 1.5, 1.5, 1.4, 1.2, 1.0, 0.9])
_HEAT_SHAPE = _HEAT_SHAPE / _HEAT_SHAPE.sum()
#: Clear-sky PV shape over the local day (kW per kWp, hour starts 6..19).
_PV_SHAPE = np.zeros(24)
_PV_SHAPE[6:20] = np.sin(np.pi * (np.arange(6, 20) + 0.5 - 6) / 14.0) * 0.75


def daily_temperature_c(start: pd.Timestamp, n_days: int, rng: np.random.Generator) -> np.ndarray:
    """Daily mean outdoor temperature of local days 0..n_days-1, °C."""
    doy = (pd.Timestamp(start).dayofyear + np.arange(n_days)) % 365
    season = 10.0 - 12.0 * np.cos(2 * np.pi * (doy - 20) / 365.0)
    weather = np.zeros(n_days)
    eps = rng.normal(0.0, 3.0 * np.sqrt(1 - 0.8 ** 2), n_days)
    for d in range(n_days):
        weather[d] = (0.8 * weather[d - 1] if d else rng.normal(0.0, 3.0)) + (eps[d] if d else 0.0)
    return season + weather


def heating_kwh(n: int, share: float, kwh_per_kday: float, temp_c: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """(n, n_days·24) electric heating of each consumer (zero for those without)."""
    heats = rng.random(n) < share
    k = kwh_per_kday * np.exp(0.4 * rng.standard_normal(n) - 0.08) * heats
    hdd = np.maximum(18.0 - temp_c, 0.0)
    return (k[:, None, None] * hdd[None, :, None] * _HEAT_SHAPE[None, None, :]).reshape(n, -1)


@dataclass(frozen=True)
class LookAlike:
    """A real change of consumption (no theft).

    Attributes:
        meter_id: The consumer electricity meter.
        kind: One of :data:`LOOKALIKES`.
        start_day: First local day.
        severity: Level (vacation, new tenant: the factor), share moved
            (night-heavy) or PV peak kW (balcony solar).
        days: Length (vacation); 0: to the end.
    """

    meter_id: str
    kind: str
    start_day: int
    severity: float
    days: int = 0


def draw_lookalikes(meter_ids: list[str], n_days: int, share: float, rng: np.random.Generator,
                    exclude: set[str]) -> list[LookAlike]:
    """Look-alikes at ``round(share · n)`` meters not in ``exclude``, kinds spread evenly."""
    free = [m for m in meter_ids if m not in exclude]
    n = min(int(round(share * len(meter_ids))), len(free))
    if n == 0:
        return []
    picked = rng.choice(len(free), size=n, replace=False)
    kinds = np.resize(np.asarray(LOOKALIKES, dtype=object), n)[rng.permutation(n)]
    out = []
    for i, kind in zip(sorted(picked.tolist()), kinds):
        start = int(rng.integers(0, max(n_days - 10, 1)))
        if kind == "vacation":
            out.append(LookAlike(free[i], kind, start, round(float(rng.uniform(0.1, 0.2)), 3),
                                 int(rng.integers(7, 22))))
        elif kind == "new_tenant":
            level = rng.uniform(0.35, 0.7) if rng.random() < 0.6 else rng.uniform(1.5, 2.0)
            out.append(LookAlike(free[i], kind, start, round(float(level), 3)))
        elif kind == "night_heavy":
            out.append(LookAlike(free[i], kind, start, 0.6))
        else:
            out.append(LookAlike(free[i], kind, start, round(float(rng.uniform(0.3, 0.8)), 3)))
    return out


def apply_lookalike(true: np.ndarray, la: LookAlike, rng: np.random.Generator) -> np.ndarray:
    """The consumer's true (net) hourly consumption with look-alike ``la`` (wall grid, 24 a day)."""
    x = true.reshape(-1, 24).copy()
    d0 = la.start_day
    d1 = d0 + la.days if la.days else x.shape[0]
    if la.kind in ("vacation", "new_tenant"):
        x[d0:d1] *= la.severity
    elif la.kind == "night_heavy":
        evening = x[d0:d1, 17:23] * la.severity
        x[d0:d1, 17:23] -= evening
        x[d0:d1, 0:6] += evening.sum(axis=1, keepdims=True) / 6.0
    elif la.kind == "balcony_solar":
        clouds = rng.uniform(0.2, 1.0, size=(max(d1 - d0, 0), 1))
        x[d0:d1] -= la.severity * _PV_SHAPE[None, :] * clouds
    return x.reshape(-1)


@dataclass(frozen=True)
class GroupMeterFault:
    """A group meter that registers ``(1 − error)`` of its input from ``start_day`` on."""

    group_id: str
    meter_id: str
    start_day: int
    error: float


def draw_group_faults(candidates: list[tuple[str, str]], share: float, n_days: int,
                      rng: np.random.Generator) -> list[GroupMeterFault]:
    """Faults at ``round(share · n)`` of the ``(group id, meter id)`` candidates."""
    n = int(round(share * len(candidates)))
    if n == 0:
        return []
    picked = sorted(rng.choice(len(candidates), size=n, replace=False).tolist())
    out = []
    for i in picked:
        sign = 1.0 if rng.random() < 0.7 else -1.0
        out.append(GroupMeterFault(candidates[i][0], candidates[i][1], int(rng.integers(14, max(n_days - 14, 15))),
                                   round(sign * float(rng.uniform(0.04, 0.10)), 3)))
    return out


def lookalike_frame(items: list[LookAlike]) -> pd.DataFrame:
    """The look-alikes as a table (``meter_id, kind, start_day, severity, days``)."""
    return pd.DataFrame({"meter_id": [a.meter_id for a in items], "kind": [a.kind for a in items],
                         "start_day": [a.start_day for a in items], "severity": [a.severity for a in items],
                         "days": [a.days for a in items]})
