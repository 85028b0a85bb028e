"""IEC 60076-7 thermal model against the standard's closed forms and its ageing table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.control.thermal import ThermalConfig, ageing_rate, simulate


def test_rated_load_at_20c_gives_the_98c_design_hot_spot() -> None:
    cfg = ThermalConfig()
    res = simulate(cfg, np.full(3000, 100.0), np.full(3000, 20.0))
    assert res.hot_spot_c[-1] == pytest.approx(98.0, abs=1e-6)
    assert res.ageing_rate[-1] == pytest.approx(1.0, abs=1e-6)
    assert res.ageing_days == pytest.approx(3000 / 1440, rel=1e-6)


def test_top_oil_and_hot_spot_follow_the_exponential_step_response() -> None:
    """Difference equations against IEC 60076-7's exponential solution (k21 > 1: hot-spot overshoot)."""
    cfg = ThermalConfig(k11=0.5, k21=2.0, k22=2.0, oil_time_constant_min=210.0, winding_time_constant_min=10.0,
                        top_oil_rise_k=38.3, hot_spot_gradient_k=14.5 * 1.4, load_loss_ratio=1000.0,
                        oil_exponent=0.8, winding_exponent=1.3)
    steps, k0, k1, amb = 600, 1.0, 1.5, 25.6
    load = np.where(np.arange(steps) < 1, 100 * k0, 100 * k1)
    res = simulate(cfg, load, np.full(steps, amb))
    t = np.arange(steps, dtype=float)
    r = cfg.load_loss_ratio
    d_oil_i = ((1 + k0 ** 2 * r) / (1 + r)) ** 0.8 * 38.3
    d_oil_u = ((1 + k1 ** 2 * r) / (1 + r)) ** 0.8 * 38.3
    f1 = 1 - np.exp(-t / (0.5 * 210.0))
    oil = amb + d_oil_i + (d_oil_u - d_oil_i) * f1
    g_i, g_u = 20.3 * k0 ** 1.3, 20.3 * k1 ** 1.3
    f2 = 2.0 * (1 - np.exp(-t / (2.0 * 10.0))) - 1.0 * (1 - np.exp(-t / (210.0 / 2.0)))
    hot = oil + g_i + (g_u - g_i) * f2
    # Explicit 1-minute Euler against the exact exponentials: within 0.5 K over the whole response.
    assert np.max(np.abs(res.top_oil_c - oil)) < 0.5
    assert np.max(np.abs(res.hot_spot_c - hot)) < 0.5
    grad = res.hot_spot_c - res.top_oil_c
    assert grad.max() > grad[-1] + 3.0  # the gradient's overshoot of the k21 = 2 model


@pytest.mark.parametrize(("hot_c", "plain", "upgraded"), [(80, 0.125, 0.036), (92, 0.5, 0.145), (98, 1.0, 0.282),
                                                         (110, 4.0, 1.0), (122, 16.0, 3.29), (140, 128.0, 17.2)])
def test_ageing_rate_matches_the_standard_table(hot_c: float, plain: float, upgraded: float) -> None:
    """IEC 60076-7 Table 3 (relative ageing rates, rounded as printed)."""
    assert ageing_rate(ThermalConfig(), np.array([hot_c]))[0] == pytest.approx(plain, rel=0.01)
    assert ageing_rate(ThermalConfig(upgraded_paper=True), np.array([hot_c]))[0] == pytest.approx(upgraded, rel=0.03)


def test_unbalance_heats_the_worst_phase_winding_not_the_oil() -> None:
    cfg = ThermalConfig()
    bal = simulate(cfg, np.full((3, 2000), 110.0), np.zeros(2000))
    unb = simulate(cfg, np.vstack([np.full(2000, 90.0), np.full(2000, 140.0), np.full(2000, 100.0)]), np.zeros(2000))
    # Same three-phase average current; the oil sees the mean K², the hot spot the worst phase.
    k2 = (0.81 + 1.96 + 1.0) / 3
    assert unb.top_oil_c[-1] == pytest.approx(((1 + 6 * k2) / 7) ** 0.8 * 55, abs=1e-6)
    assert unb.hot_spot_c[-1] - unb.top_oil_c[-1] == pytest.approx(23 * 1.4 ** 1.6, abs=1e-6)
    assert unb.hot_spot_c[-1] > bal.hot_spot_c[-1]
    assert unb.minutes_over_limit == 0 and math.isfinite(unb.ageing_days)
