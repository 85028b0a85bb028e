"""After-diversity maximum demand (ADMD) of synthetic flats and the design-code curve.

ADMD of ``n`` flats: the largest 30-minute mean of their summed demand over the
day, divided by ``n`` (the "half-hour maximum" the Russian design codes use),
averaged over disjoint groups of ``n`` flats.

Reference (a check, not used to set any parameter): SP 256.1325800.2016
"Electrical installations of residential and public buildings", table 7.1,
specific design load of flats with natural-gas stoves, kW per flat, by the
number of flats; intermediate numbers by linear interpolation, as the code's
note prescribes. The same row appears in SP 31-110-2003, table 6.1.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from grid_model.households.config import HouseholdConfig
from grid_model.households.fleet import simulate_households
from grid_model.weather import WeatherConfig, generate_weather
from scenarios.generators.design import SP256_GAS_STOVE_KW, design_kw_per_flat  # noqa: F401 (re-exported)
from scenarios.site import Consumer, Position

#: Averaging window of the design maximum, minutes.
WINDOW_MIN = 30


def flats(n: int, seed: int, occupants_max: int = 4) -> list[Consumer]:
    """``n`` flats as the district generator draws them (occupants 1..max, 35-90 m²)."""
    rng = np.random.default_rng([seed, 0xAD3D])
    occ = rng.integers(1, occupants_max + 1, size=n)
    area = rng.uniform(35.0, 90.0, size=n)
    phases = ("A", "B", "C")
    return [Consumer(f"flat{seed}-{i:04d}", "g", "flat", Position(0.0, 0.0), "b", phases[i % 3], int(occ[i]),
                     float(area[i])) for i in range(n)]


def simulate_flats(n: int, seed: int, cfg: HouseholdConfig | None = None) -> np.ndarray:
    """One day of ``n`` flats, (n, 1440) kW, with the weather of the config's region and seed."""
    cfg = (cfg or HouseholdConfig()).resolved()
    weather = generate_weather(cfg.resolved_day_of_year(), seed, cfg=WeatherConfig(region=cfg.region))
    return simulate_households(flats(n, seed), cfg, weather, seed).p_kw


def admd_kw(p_kw: np.ndarray, group: int) -> float:
    """Mean over disjoint groups of ``group`` flats of the largest 30-min mean demand per flat."""
    n = (p_kw.shape[0] // group) * group
    if n == 0:
        raise ValueError(f"need at least {group} flats, got {p_kw.shape[0]}")
    sums = p_kw[:n].reshape(-1, group, p_kw.shape[1]).sum(axis=1)
    c = np.cumsum(np.concatenate([np.zeros((sums.shape[0], 1)), sums], axis=1), axis=1)
    window = (c[:, WINDOW_MIN:] - c[:, :-WINDOW_MIN]) / WINDOW_MIN
    return float(window.max(axis=1).mean() / group)


def admd_curve(sizes: tuple[int, ...], n_flats: int, seeds: tuple[int, ...],
               cfg: HouseholdConfig | None = None) -> dict[int, float]:
    """ADMD per flat for each group size, pooled over ``seeds`` (each ``n_flats`` flats)."""
    days = [simulate_flats(n_flats, s, cfg) for s in seeds]
    return {g: float(np.mean([admd_kw(d, g) for d in days])) for g in sizes}


def daily_kwh(p_kw: np.ndarray) -> float:
    """Mean energy per flat over the simulated day, kWh."""
    return float(p_kw.sum(axis=1).mean() / 60.0)


def season_config(cfg: HouseholdConfig, season: str) -> HouseholdConfig:
    """The config for another season (day of year from the season)."""
    return replace(cfg, season=season, day_of_year=0)
