"""The operator's forecast of the transformer load, per phase, from the twin's own simulation.

The twin simulates the uncontrolled day of the same homes (the ``none`` run:
the appliance models, the weather, the homes' routines). The operator does not
know when each kettle boils or each car plugs in, so the forecast keeps only
``block_min`` (15-minute) averages of that simulation, per phase and per home
(GREEN and YELLOW power each home could shed), and a multiplicative AR(1)
error of ``error_pct`` standard deviation (correlation time ``error_tau_min``)
is applied to the phase forecast, standing for the weather-forecast and
behaviour errors of a day-ahead run. :func:`forecast_error` reports how far
the forecast is from the minute-by-minute uncontrolled load.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Column of each phase letter.
PHASES = {"A": 0, "B": 1, "C": 2}


@dataclass
class ForecastConfig:
    """Settings of the operator's load forecast.

    Attributes:
        block_min: Resolution of the forecast (averaging block).
        error_pct: Standard deviation of the multiplicative forecast error, %.
        error_tau_min: Correlation time of that error.
    """

    block_min: int = 15
    error_pct: float = 5.0
    error_tau_min: float = 120.0


@dataclass
class LoadForecast:
    """What the operator expects without control.

    Attributes:
        phase_kw: (3, T) forecast demand of the homes on each phase, kW.
        loading_per_kw: (3,) loading percentage points per kW on each phase
            (from the twin's power flow of the uncontrolled day).
        home_green_kw: (n, T) forecast GREEN power of each home.
        home_yellow_kw: (n, T) forecast YELLOW power of each home.
        phase_weight: (n, 3) share of each home's load on each phase.
    """

    phase_kw: np.ndarray
    loading_per_kw: np.ndarray
    home_green_kw: np.ndarray
    home_yellow_kw: np.ndarray
    phase_weight: np.ndarray

    @property
    def loading_pct(self) -> np.ndarray:
        """(3, T) forecast loading of each phase, %."""
        return self.phase_kw * self.loading_per_kw[:, None]


def phase_weights(phases: list[str]) -> np.ndarray:
    """(n, 3) share of each home on phases A, B, C (a three-phase home: a third on each)."""
    w = np.zeros((len(phases), 3))
    for i, ph in enumerate(phases):
        if ph in PHASES:
            w[i, PHASES[ph]] = 1.0
        else:
            w[i, :] = 1.0 / 3.0
    return w


def block_mean(x: np.ndarray, block_min: int) -> np.ndarray:
    """Average of ``x`` over consecutive blocks of its last axis, repeated back to full length."""
    t = x.shape[-1]
    b = max(1, int(block_min))
    pad = (-t) % b
    xp = np.concatenate([x, np.repeat(x[..., -1:], pad, axis=-1)], axis=-1) if pad else x
    m = xp.reshape(*x.shape[:-1], -1, b).mean(axis=-1)
    return np.repeat(m, b, axis=-1)[..., :t]


def _ar1(rng: np.random.Generator, n: int, tau_min: float, sd: float) -> np.ndarray:
    a = float(np.exp(-1.0 / max(tau_min, 1e-9)))
    e = rng.standard_normal(n) * sd * np.sqrt(1 - a * a)
    out = np.empty(n)
    prev = rng.standard_normal() * sd
    for t in range(n):
        prev = a * prev + e[t]
        out[t] = prev
    return out


def build_forecast(cfg: ForecastConfig, p_kw: np.ndarray, green_kw: np.ndarray, yellow_kw: np.ndarray,
                   phase_loading_pct: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> LoadForecast:
    """The forecast from the twin's uncontrolled run.

    Args:
        cfg: Forecast settings.
        p_kw: (n, T) each home's uncontrolled demand.
        green_kw, yellow_kw: (n, T) its GREEN and YELLOW parts.
        phase_loading_pct: (3, T) transformer phase loading of that run.
        weights: (n, 3) phase shares of the homes.
        rng: Stream of the forecast error.
    """
    phase_kw = weights.T @ p_kw
    per_kw = phase_loading_pct.sum(axis=1) / np.maximum(np.abs(phase_kw).sum(axis=1), 1e-9)
    t = p_kw.shape[1]
    err = np.stack([_ar1(rng, t, cfg.error_tau_min, cfg.error_pct / 100.0) for _ in range(3)])
    return LoadForecast(phase_kw=block_mean(phase_kw, cfg.block_min) * (1.0 + err), loading_per_kw=per_kw,
                        home_green_kw=block_mean(green_kw, cfg.block_min),
                        home_yellow_kw=block_mean(yellow_kw, cfg.block_min), phase_weight=weights)


def forecast_error(forecast: LoadForecast, phase_loading_pct: np.ndarray) -> dict[str, float]:
    """Error of the forecast against the uncontrolled 1-minute phase loading.

    Returns:
        ``forecast_mape_pct`` (mean absolute error / mean loading),
        ``forecast_rmse_pct_points``, ``forecast_peak_error_pct_points``
        (forecast minus actual at the worst phase's actual peak minute).
    """
    f = forecast.loading_pct
    a = np.asarray(phase_loading_pct, dtype=float)
    err = f - a
    worst = int(np.argmax(a.max(axis=0)))
    ph = int(np.argmax(a[:, worst]))
    return {"forecast_mape_pct": float(100.0 * np.abs(err).mean() / max(np.abs(a).mean(), 1e-9)),
            "forecast_rmse_pct_points": float(np.sqrt((err ** 2).mean())),
            "forecast_peak_error_pct_points": float(err[ph, worst])}
