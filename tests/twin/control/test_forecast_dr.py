"""The forecast controller sheds just enough, releases against the headroom, and repairs lost commands."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control.config import CentralDRConfig, GuardConfig
from twin.control.forecast import LoadForecast, block_mean, build_forecast, forecast_error, phase_weights
from twin.control.forecast_dr import ForecastDR
from twin.control.latency import fixed_latency

N, T = 10, 120


def _controller(participants=None, delivery: float = 1.0, **cfg) -> ForecastDR:
    weights = np.zeros((N, 3))
    weights[:, 0] = 1.0
    fc = LoadForecast(phase_kw=np.vstack([np.full(T, 100.0), np.full(T, 50.0), np.full(T, 50.0)]),
                      loading_per_kw=np.ones(3), home_green_kw=np.full((N, T), 2.0),
                      home_yellow_kw=np.full((N, T), 1.0), phase_weight=weights)
    part = np.ones(N, dtype=bool) if participants is None else participants
    rank = np.arange(N)[::-1].copy()  # home 9 joins first
    return ForecastDR(CentralDRConfig(target_loading_pct=90.0, release_margin_pct=5.0, refresh_min=15, **cfg),
                      GuardConfig(), part, np.ones(N, dtype=int), fixed_latency(0.0, delivery), fc,
                      np.full(N, 4.0), np.random.default_rng(1), rank)


def test_sheds_just_enough_homes_first_in_participation_order() -> None:
    c = _controller()
    c.decide(1, np.array([100.0, 50.0, 50.0]))  # 10 points over the 90 % target = 10 kW = 5 homes of 2 kW
    c.receive(1)
    assert c.green_off.sum() == 5 and set(np.flatnonzero(c.green_off)) == {5, 6, 7, 8, 9}
    assert not c.yellow_off.any()  # GREEN covered it
    c.decide(2, np.array([90.0, 50.0, 50.0]))  # the shed is measured: nothing more to do
    assert c.c_green.sum() == 5


def test_no_excess_no_command() -> None:
    c = _controller()
    for t in range(1, 30):
        c.decide(t, np.array([85.0, 50.0, 50.0]))
        c.receive(t)
    assert c.commands_sent == 0 and not c.green_off.any()


def test_release_is_staggered_against_the_headroom() -> None:
    c = _controller()
    c.decide(1, np.array([100.0, 50.0, 50.0]))
    c.receive(1)
    # 20 points under the target, less the 5-point margin: 15 kW for rebounds of 4 kW each -> 3 homes.
    c.decide(2, np.array([70.0, 50.0, 50.0]))
    c.receive(2)
    assert c.green_off.sum() == 2


def test_a_larger_participation_uses_the_same_first_homes() -> None:
    small = np.zeros(N, dtype=bool)
    small[[6, 7, 8, 9]] = True  # the first four by rank
    a, b = _controller(small), _controller()
    for c in (a, b):
        c.decide(1, np.array([96.0, 50.0, 50.0]))  # 6 kW: three homes
    assert np.array_equal(a.c_green, b.c_green)


def test_a_lost_command_is_repaired_by_the_refresh() -> None:
    c = _controller(delivery=0.3)
    c.decide(1, np.array([100.0, 50.0, 50.0]))
    c.receive(1)
    for t in range(2, 46):
        c.decide(t, np.array([90.0, 50.0, 50.0]))
        c.receive(t)
    assert np.array_equal(c.green_off, c.c_green)  # three refreshes later every module has the state


def test_forecast_keeps_block_means_and_reports_its_error() -> None:
    x = np.arange(30, dtype=float)[None, :]
    assert np.allclose(block_mean(x, 15)[0, :15], 7.0) and np.allclose(block_mean(x, 15)[0, 15:], 22.0)
    w = phase_weights(["A", "B", "ABC"])
    assert np.allclose(w.sum(axis=1), 1.0) and w[2, 0] == pytest.approx(1 / 3)
    rng = np.random.default_rng(0)
    p = rng.random((3, 60)) * 4
    loading = np.vstack([w[:, k] @ p for k in range(3)]) * 10.0  # 10 % per kW on every phase
    fc = build_forecast(type("C", (), {"block_min": 1, "error_pct": 0.0, "error_tau_min": 60.0})(),
                        p, p * 0.2, p * 0.3, loading, w, rng)
    assert np.allclose(fc.loading_pct, loading)  # 1-minute blocks, no error: the forecast is the run
    assert forecast_error(fc, loading)["forecast_mape_pct"] == pytest.approx(0.0, abs=1e-9)


def test_monotone_violations_flag_rises_beyond_the_tolerance() -> None:
    from twin.control.comparison import monotone_violations

    rows = [{"participation": p, "minutes_over_rating": m, "energy_not_served_kwh": 0.0,
             "comfort_violation_minutes": 0} for p, m in ((0.0, 100), (0.5, 10), (0.7, 14), (1.0, 16))]
    v = monotone_violations(rows)
    assert [(x["figure"], x["participation"], x["rise"]) for x in v] == [("minutes_over_rating", 1.0, 6.0)]
