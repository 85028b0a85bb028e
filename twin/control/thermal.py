"""IEC 60076-7 thermal model of an oil-immersed distribution transformer.

The difference-equation method of IEC 60076-7 (clause 8.2.3 and Annex on
its solution, edition 2018): from the load factor ``K`` (current / rated)
and the ambient temperature ``θa`` each minute it gives the top-oil
temperature ``θo`` and the winding hot-spot temperature ``θh``::

    dθo  = Dt / (k11 τo) · [((1 + K² R) / (1 + R))^x · Δθor − (θo − θa)]
    dΔθh1 = Dt / (k22 τw) · [k21 · Hgr · K^y − Δθh1]
    dΔθh2 = Dt / (τo / k22) · [(k21 − 1) · Hgr · K^y − Δθh2]
    θh   = θo + Δθh1 − Δθh2

Relative ageing of non-thermally-upgraded paper ``V = 2^((θh − 98) / 6)``
(IEC 60076-7 eq. 2); the loss of life over the run is ``Σ V · Dt``, reported
in days of ageing at the 98 °C reference (``ageing_days``). Thermally
upgraded paper: ``V = exp(15000 / 383 − 15000 / (θh + 273))`` (eq. 3).

Defaults are the standard's "distribution transformer, ONAN" thermal
characteristics (Table 5: x = 0.8, y = 1.6, k11 = 1.0, k21 = 1.0,
k22 = 2.0, τo = 180 min, τw = 4 min) with a rated top-oil rise of 55 K and
a hot-spot-to-top-oil gradient of 23 K, so the rated hot spot is 98 °C at a
20 °C ambient (the standard's design point, V = 1). ``R`` (load losses over
no-load losses) is 6 by default, between older (C0/Ck, about 5) and
EN 50588-1 Tier-1 630 kVA units (A0/Ak, about 10).

Unbalanced three-phase load: the oil is common, so the top oil is driven by
the total load losses, ``K_oil² = mean over phases of K²``; the hot spot is
the winding of the most loaded phase (``K`` of the worst phase in the
gradient terms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ThermalConfig:
    """Thermal characteristics of the transformer (IEC 60076-7 symbols).

    Attributes:
        top_oil_rise_k: Δθor, top-oil rise over ambient at rated load.
        hot_spot_gradient_k: Hgr, hot-spot to top-oil gradient at rated load.
        load_loss_ratio: R, load losses at rated current over no-load losses.
        oil_exponent: x.
        winding_exponent: y.
        k11, k21, k22: Thermal model constants.
        oil_time_constant_min: τo.
        winding_time_constant_min: τw.
        hot_spot_limit_c: Hot-spot limit counted in ``hot_spot_minutes_over_limit``
            (IEC 60076-7 Table 4, distribution transformers, normal cyclic loading: 120 °C).
        upgraded_paper: Thermally upgraded paper (ageing reference 110 °C).
    """

    top_oil_rise_k: float = 55.0
    hot_spot_gradient_k: float = 23.0
    load_loss_ratio: float = 6.0
    oil_exponent: float = 0.8
    winding_exponent: float = 1.6
    k11: float = 1.0
    k21: float = 1.0
    k22: float = 2.0
    oil_time_constant_min: float = 180.0
    winding_time_constant_min: float = 4.0
    hot_spot_limit_c: float = 120.0
    upgraded_paper: bool = False


@dataclass
class ThermalResult:
    """Temperatures and ageing of one run, per minute.

    Attributes:
        top_oil_c: (T,) θo.
        hot_spot_c: (T,) θh.
        ageing_rate: (T,) relative ageing rate V.
        ageing_days: Loss of life over the run, days at the reference hot spot.
        minutes_over_limit: Minutes with θh above ``hot_spot_limit_c``.
    """

    top_oil_c: np.ndarray
    hot_spot_c: np.ndarray
    ageing_rate: np.ndarray
    ageing_days: float
    minutes_over_limit: int


def steady_state(cfg: ThermalConfig, k_oil: float, k_wind: float, ambient_c: float) -> tuple[float, float]:
    """(θo, θh) after a long time at constant load and ambient (IEC 60076-7 eq. for steady state)."""
    r = cfg.load_loss_ratio
    oil = ambient_c + ((1 + k_oil ** 2 * r) / (1 + r)) ** cfg.oil_exponent * cfg.top_oil_rise_k
    return oil, oil + cfg.hot_spot_gradient_k * k_wind ** cfg.winding_exponent


def ageing_rate(cfg: ThermalConfig, hot_spot_c: np.ndarray) -> np.ndarray:
    """Relative ageing rate V of the paper at ``hot_spot_c`` (1 at 98 °C, or 110 °C upgraded)."""
    h = np.asarray(hot_spot_c, dtype=float)
    if cfg.upgraded_paper:
        return np.exp(15000.0 / 383.0 - 15000.0 / (h + 273.0))
    return np.power(2.0, (h - 98.0) / 6.0)


def simulate(cfg: ThermalConfig, phase_loading_pct: np.ndarray, ambient_c: np.ndarray,
             dt_min: float = 1.0) -> ThermalResult:
    """Runs the difference equations over a per-phase loading series.

    Args:
        cfg: Thermal characteristics.
        phase_loading_pct: (phases, T) loading of each phase, % of rated current
            (a (T,) series is one balanced load).
        ambient_c: (T,) ambient temperature.
        dt_min: Time step; must be below half the smallest time constant
            (k22·τw and τo/k22) for the explicit scheme to be stable.

    Starts from the steady state of the first minute's load and ambient.
    """
    k = np.atleast_2d(np.asarray(phase_loading_pct, dtype=float)) / 100.0
    amb = np.asarray(ambient_c, dtype=float)
    steps = k.shape[1]
    if amb.shape[0] < steps:
        raise ValueError(f"thermal: ambient has {amb.shape[0]} values, loading {steps}")
    if dt_min > 0.5 * min(cfg.k22 * cfg.winding_time_constant_min, cfg.oil_time_constant_min / cfg.k22):
        raise ValueError(f"thermal: time step {dt_min} min too long for the time constants")
    k_oil2 = np.mean(k ** 2, axis=0)
    k_wind = np.max(k, axis=0)
    r, x, y = cfg.load_loss_ratio, cfg.oil_exponent, cfg.winding_exponent
    oil_target = ((1 + k_oil2 * r) / (1 + r)) ** x * cfg.top_oil_rise_k
    grad = cfg.hot_spot_gradient_k * k_wind ** y
    a_oil = dt_min / (cfg.k11 * cfg.oil_time_constant_min)
    a_h1 = dt_min / (cfg.k22 * cfg.winding_time_constant_min)
    a_h2 = dt_min / (cfg.oil_time_constant_min / cfg.k22)
    oil = np.empty(steps)
    hot = np.empty(steps)
    theta_o = amb[0] + oil_target[0]
    h1, h2 = cfg.k21 * grad[0], (cfg.k21 - 1) * grad[0]
    for t in range(steps):
        if t:
            theta_o += a_oil * (oil_target[t] - (theta_o - amb[t]))
            h1 += a_h1 * (cfg.k21 * grad[t] - h1)
            h2 += a_h2 * ((cfg.k21 - 1) * grad[t] - h2)
        oil[t] = theta_o
        hot[t] = theta_o + h1 - h2
    v = ageing_rate(cfg, hot)
    return ThermalResult(top_oil_c=oil, hot_spot_c=hot, ageing_rate=v,
                         ageing_days=float(v.sum() * dt_min / 1440.0),
                         minutes_over_limit=int((hot > cfg.hot_spot_limit_c).sum() * dt_min))
