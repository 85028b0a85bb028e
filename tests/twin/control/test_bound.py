"""The perfect-foresight programme against hand-computed optima of small cases."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control.bound import PhaseFlex, solve_phase


def _flex(T: int, **kw) -> PhaseFlex:
    base = dict(fixed_kw=np.zeros(T), green_kw=np.zeros(T), thermal_kw=np.zeros(T), event_kw=np.zeros(T),
                cap_kw=np.full(T, 100.0), green_max_kw=0.0, thermal_max_kw=0.0, comfort_reserve_kwmin=1e9,
                reserve_per_home_kwmin=1.0)
    base.update(kw)
    return PhaseFlex(**base)


def test_without_flexibility_the_overload_is_the_excess_energy() -> None:
    fixed = np.full(60, 50.0)
    fixed[10:20] = 130.0  # 10 minutes 30 kW over
    s = solve_phase(_flex(60, fixed_kw=fixed), 15, 0.0)
    assert s.over_kw.sum() == pytest.approx(300.0, abs=1e-6)
    assert s.not_served_kwh == pytest.approx(0.0) and s.pending_kwh == pytest.approx(0.0)


def test_green_moves_out_of_the_overload_into_the_headroom_with_its_energy() -> None:
    T = 120
    fixed = np.full(T, 80.0)
    green = np.zeros(T)
    green[30:50] = 40.0  # 800 kW·min wanted while only 20 kW fit
    s = solve_phase(_flex(T, fixed_kw=fixed, green_kw=green, green_max_kw=40.0), 15, 0.0)
    assert s.over_kw.sum() == pytest.approx(0.0, abs=1e-6)
    assert s.pending_kwh == pytest.approx(0.0, abs=1e-6)
    assert s.load_kw.sum() == pytest.approx(fixed.sum() + green.sum(), rel=1e-9)  # energy kept, only moved
    assert s.load_kw.max() <= 100.0 + 1e-6


def test_yellow_guard_limits_a_long_shed_to_fifteen_of_every_sixteen_minutes() -> None:
    """20 minutes with no room for a 10 kW thermal load: at most 19 of them can be off (two 16-minute windows)."""
    T = 80
    cap = np.full(T, 100.0)
    fixed = np.full(T, 20.0)
    fixed[20:40] = 100.0
    thermal = np.full(T, 10.0)
    s = solve_phase(_flex(T, fixed_kw=fixed, thermal_kw=thermal, thermal_max_kw=40.0, cap_kw=cap), 15, 0.0)
    assert s.over_kw.sum() == pytest.approx(10.0, abs=1e-6)  # one minute of the 10 kW load, hand-computed
    s_free = solve_phase(_flex(T, fixed_kw=fixed, thermal_kw=thermal, thermal_max_kw=40.0, cap_kw=cap), 40, 0.0)
    assert s_free.over_kw.sum() == pytest.approx(0.0, abs=1e-6)  # a 40-minute limit covers the whole gap


def test_deficit_beyond_the_comfort_reserve_is_comfort_violation() -> None:
    T = 60
    fixed = np.full(T, 20.0)
    fixed[10:25] = 100.0
    thermal = np.full(T, 10.0)
    s = solve_phase(_flex(T, fixed_kw=fixed, thermal_kw=thermal, thermal_max_kw=10.0, comfort_reserve_kwmin=50.0,
                          reserve_per_home_kwmin=25.0), 15, 0.0)
    # 15 minutes × 10 kW shed, no payback room (rated = uncontrolled power): the deficit ends at 150 kW·min,
    # 100 beyond the reserve; summed over the minutes it is above the reserve, in home-minutes of 25 kW·min.
    assert s.over_kw.sum() == pytest.approx(0.0, abs=1e-6)
    excess = sum(max(0.0, 10.0 * k - 50.0) for k in range(1, 16)) + 100.0 * (T - 25)
    assert s.comfort_home_min == pytest.approx(excess / 25.0, rel=1e-6)
