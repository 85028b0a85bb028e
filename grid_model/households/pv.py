"""Rooftop PV generation (a negative load, not switched by socket control).

``P = kWp · G / 1000 · PR · f`` with the weather's global horizontal
irradiance ``G`` (clear sky × cloud attenuation, :mod:`grid_model.weather`),
the performance ratio ``PR`` (0.8 default, the usual range for residential
systems is 0.75-0.85) and a per-home orientation factor ``f`` in 0.75-1.05
(roof tilt and azimuth against a horizontal plane). The inverter runs at unity
power factor (Q = 0).
"""

from __future__ import annotations

import numpy as np

from grid_model.households.config import HouseholdConfig


def pv_power_kw(cfg: HouseholdConfig, has_pv: np.ndarray, size_factor: np.ndarray,
                orientation: np.ndarray, irradiance_w_m2: np.ndarray) -> np.ndarray:
    """Returns PV output (n, T) kW, positive numbers.

    Args:
        cfg: Household configuration (``pv_kwp``, ``pv_performance_ratio``).
        has_pv: PV ownership (n,).
        size_factor: Per-home multiplier of ``pv_kwp`` (n,).
        orientation: Per-home orientation factor (n,).
        irradiance_w_m2: Global horizontal irradiance per minute (T,).
    """
    kwp = np.where(has_pv, cfg.pv_kwp * size_factor, 0.0)
    return (kwp * orientation * cfg.pv_performance_ratio)[:, None] * (irradiance_w_m2[None, :] / 1000.0)
