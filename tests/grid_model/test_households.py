"""Behaviour of the steppable household fleet under control and without it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from grid_model.households import APPLIANCE_CLASS, HouseholdConfig, HouseholdFleet, simulate_households
from grid_model.households.cycles import DISHWASHER_P_KW, WASHING_P_KW
from grid_model.weather import generate_weather
from scenarios.errors import InputError
from scenarios.site import Consumer, Position

N_HOMES = 40


def homes(n: int = N_HOMES) -> list[Consumer]:
    return [Consumer(f"h{i:03d}", "g", "house", Position(0.0, 0.0), "b1", "A", 1 + i % 5, 50.0 + 15.0 * (i % 5))
            for i in range(n)]


def full_cfg(**kw) -> HouseholdConfig:
    """Every controllable appliance present, so every behaviour is exercised."""
    base = dict(share_electric_water_heater=1.0, share_ev=0.5, share_pv=0.5, share_dishwasher=1.0,
                share_washing_machine=1.0, washing_cycles_per_person_day=0.4, dishwasher_cycles_per_person_day=0.4)
    base.update(kw)
    return dataclasses.replace(HouseholdConfig(region="uk_ieee"), **base)


def run(fleet: HouseholdFleet, allow_fn=None) -> HouseholdFleet:
    for t in range(fleet.minutes):
        fleet.step(t, None if allow_fn is None else allow_fn(t, fleet.n))
    return fleet


def shed(cls: int, start: int, stop: int, everything_off: bool = False):
    def allow(t: int, n: int) -> np.ndarray:
        a = np.ones((n, 3), dtype=bool)
        if start <= t < stop:
            a[:, cls] = False
            if everything_off:
                a[:, :] = False
        return a
    return allow


@pytest.fixture(scope="module")
def winter():
    return generate_weather(15, seed=7)


def test_same_seed_is_identical_and_other_seed_differs(winter):
    cfg = full_cfg()
    a = simulate_households(homes(), cfg, winter, seed=3)
    b = simulate_households(homes(), cfg, winter, seed=3)
    c = simulate_households(homes(), cfg, winter, seed=4)
    assert np.array_equal(a.p_kw, b.p_kw) and np.array_equal(a.q_kvar, b.q_kvar)
    assert not np.allclose(a.p_kw, c.p_kw)


def test_a_home_does_not_depend_on_the_other_homes(winter):
    cfg = full_cfg()
    big = simulate_households(homes(), cfg, winter, seed=3)
    small = simulate_households(homes()[5:12], cfg, winter, seed=3)
    assert np.array_equal(big.p_kw[5:12], small.p_kw)


def test_class_and_appliance_split_add_up(winter):
    r = simulate_households(homes(), full_cfg(share_electric_space_heating=0.5), winter, seed=1,
                            record_appliances=True)
    classes = r.p_kw_by_class["RED"] + r.p_kw_by_class["YELLOW"] + r.p_kw_by_class["GREEN"]
    assert np.allclose(classes - r.pv_kw, r.p_kw)
    for cls in ("RED", "YELLOW", "GREEN"):
        parts = sum(v for k, v in r.p_kw_by_appliance.items() if APPLIANCE_CLASS[k] == cls)
        assert np.allclose(parts, r.p_kw_by_class[cls])
    for name in ("fridge", "kettle", "lighting", "water_heater", "washing_machine", "ev", "space_heating"):
        assert r.p_kw_by_appliance[name].sum() > 0, name
    consumption = classes
    assert np.all(r.q_kvar >= -1e-12)
    assert np.all(r.q_kvar <= consumption * np.tan(np.arccos(0.8)) + 1e-9)
    assert 0.0 < r.q_kvar.sum() / consumption.sum() < np.tan(np.arccos(0.9))


def test_pv_generates_by_day_only(winter):
    r = simulate_households(homes(), full_cfg(share_pv=1.0), winter, seed=1)
    assert r.pv_kw[:, :6 * 60].max() == 0.0 and r.pv_kw[:, 22 * 60:].max() == 0.0
    assert r.pv_kw[:, 11 * 60:13 * 60].min() > 0.0


def test_red_is_never_switched_off(winter):
    cfg = full_cfg()
    free = run(HouseholdFleet(homes(), cfg, winter, seed=2))
    ctl = run(HouseholdFleet(homes(), cfg, winter, seed=2), shed(0, 17 * 60, 20 * 60, everything_off=True))
    assert np.array_equal(free.p_kw_by_class["RED"], ctl.p_kw_by_class["RED"])
    window = slice(17 * 60, 20 * 60)
    assert ctl.p_kw_by_class["RED"][:, window].min() > 0.0
    assert np.all(ctl.p_kw_by_class["YELLOW"][:, window] == 0.0)
    assert np.all(ctl.p_kw_by_class["GREEN"][:, window] == 0.0)


def temperatures(fleet: HouseholdFleet, allow_fn=None) -> tuple[np.ndarray, np.ndarray]:
    fridge, tank = [], []
    for t in range(fleet.minutes):
        fleet.step(t, None if allow_fn is None else allow_fn(t, fleet.n))
        fridge.append(fleet.fridge.temp_c.copy())
        tank.append(fleet.tank.temp_c.copy())
    return np.array(fridge).T, np.array(tank).T


def test_fridge_and_tank_stay_in_band_without_control(winter):
    cfg = full_cfg(hot_water_litres_per_person_day=45.0)
    fleet = HouseholdFleet(homes(), cfg, winter, seed=5)
    fridge, tank = temperatures(fleet)
    low, high = cfg.fridge_setpoint_c - cfg.fridge_deadband_c / 2, cfg.fridge_setpoint_c + cfg.fridge_deadband_c / 2
    assert fridge.min() > low - 0.3 and fridge.max() < high + 0.3
    assert tank.min() > cfg.water_comfort_min_c
    assert tank.max() < cfg.water_setpoint_c + 3.0
    assert all(v.sum() == 0 for v in fleet.comfort_violation_min.values())
    duty = fleet.p_kw_by_class["YELLOW"].sum() / 60 / fleet.n
    assert 0.5 < duty < 3.0


def test_fridges_drift_and_rebound_after_a_yellow_shed(winter):
    cfg = full_cfg()
    start, stop = 14 * 60, 14 * 60 + 15
    free = HouseholdFleet(homes(), cfg, winter, seed=6)
    f_free, _ = temperatures(free)
    ctl = HouseholdFleet(homes(), cfg, winter, seed=6, record_appliances=True)
    f_ctl, _ = temperatures(ctl, shed(1, start, stop))
    high = cfg.fridge_setpoint_c + cfg.fridge_deadband_c / 2
    assert f_ctl[:, stop - 1].mean() > f_free[:, stop - 1].mean() + 0.5
    assert (f_ctl[:, stop - 1] > high + 0.2).any()
    assert ctl.p_kw_by_appliance["fridge"][:, start:stop].sum() == 0.0
    after = slice(stop, stop + 10)
    ten_minutes_before = ctl.p_kw_by_appliance["fridge"][:, start - 60:start].sum() / 6
    assert ctl.p_kw_by_appliance["fridge"][:, after].sum() > 1.5 * ten_minutes_before
    assert f_ctl[:, stop + 90].max() < high + 0.3
    assert ctl.comfort_violation_min["fridge"].sum() == 0


def test_water_heaters_rebound_after_a_green_shed(winter):
    cfg = full_cfg()
    start, stop = 16 * 60, 20 * 60
    free = HouseholdFleet(homes(), cfg, winter, seed=8, record_appliances=True)
    _, t_free = temperatures(free)
    ctl = HouseholdFleet(homes(), cfg, winter, seed=8, record_appliances=True)
    _, t_ctl = temperatures(ctl, shed(2, start, stop))
    assert t_ctl[:, stop - 1].mean() < t_free[:, stop - 1].mean() - 2.0
    after = slice(stop, stop + 30)
    assert ctl.p_kw_by_appliance["water_heater"][:, after].sum() > 1.5 * free.p_kw_by_appliance["water_heater"][:, after].sum()
    assert t_ctl[:, stop + 180].mean() == pytest.approx(t_free[:, stop + 180].mean(), abs=1.0)
    assert t_ctl.min() > cfg.resolved().cold_water_c


def test_deferred_green_cycles_and_ev_keep_their_energy(winter):
    cfg = full_cfg(share_ev=1.0)
    start, stop = 16 * 60, 19 * 60
    free = run(HouseholdFleet(homes(), cfg, winter, seed=9, record_appliances=True))
    ctl = run(HouseholdFleet(homes(), cfg, winter, seed=9, record_appliances=True), shed(2, start, stop))
    names = ("washing_machine", "dishwasher", "ev")
    served_free = sum(free.p_kw_by_appliance[k].sum() for k in names) / 60
    served_ctl = sum(ctl.p_kw_by_appliance[k].sum() for k in names) / 60
    assert ctl.deferred_kwh.sum() > 5.0
    assert served_ctl == pytest.approx(served_free, rel=0.01)
    total_free = served_free + free.pending_kwh().sum() + free.ev.unserved_kwh.sum()
    total_ctl = served_ctl + ctl.pending_kwh().sum() + ctl.ev.unserved_kwh.sum()
    assert total_ctl == pytest.approx(total_free, rel=1e-9)
    assert ctl.washer.completed.sum() + ctl.dishwasher.completed.sum() > 0
    for k in names:
        assert ctl.p_kw_by_appliance[k][:, start:stop].sum() == 0.0
    later = slice(stop, stop + 120)
    assert sum(ctl.p_kw_by_appliance[k][:, later].sum() for k in names) > \
        sum(free.p_kw_by_appliance[k][:, later].sum() for k in names)


def test_cycle_profiles_have_typical_energy():
    assert WASHING_P_KW.sum() / 60 == pytest.approx(0.74, abs=0.05)
    assert DISHWASHER_P_KW.sum() / 60 == pytest.approx(1.1, abs=0.05)


def test_yellow_shed_loses_kettle_uses_as_energy_not_served(winter):
    cfg = full_cfg(kettle_uses_per_person_day=6.0)
    ctl = run(HouseholdFleet(homes(), cfg, winter, seed=4, record_appliances=True), shed(1, 7 * 60, 10 * 60))
    free = run(HouseholdFleet(homes(), cfg, winter, seed=4, record_appliances=True))
    lost = (free.p_kw_by_appliance["kettle"] + free.p_kw_by_appliance["microwave"])[:, 7 * 60:10 * 60].sum() / 60
    assert lost > 0
    assert ctl.energy_not_served_kwh.sum() == pytest.approx(lost + ctl.ev.unserved_kwh.sum())


def test_space_heating_keeps_rooms_warm_and_responds_to_cold(winter):
    cfg = full_cfg(share_electric_space_heating=1.0)
    cold = simulate_households(homes(), cfg, winter, seed=1, record_appliances=True)
    mild = simulate_households(homes(), cfg, generate_weather(15, 7, cfg=_warmer(6.0)), seed=1, record_appliances=True)
    assert cold.p_kw_by_appliance["space_heating"].sum() > 1.1 * mild.p_kw_by_appliance["space_heating"].sum()
    fleet = HouseholdFleet(homes(), cfg, winter, seed=1)
    room = []
    for t in range(fleet.minutes):
        fleet.step(t)
        room.append(fleet.room.temp_c.copy())
    # Timers are shifted per home (routine offset, sd 45 min): judge the hours every home is in its day setpoint.
    assert np.abs(fleet._timer_shift_min).max() <= 150
    day = np.array(room)[11 * 60:20 * 60]
    assert fleet.comfort_violation_min["room"].sum() == 0
    assert day.min() > cfg.heating_setpoint_c - cfg.thermostat_deadband_c / 2 - 0.3


def test_heating_setbacks_end_at_different_minutes(winter):
    cfg = full_cfg(share_electric_space_heating=1.0)
    fleet = HouseholdFleet(homes(), cfg, winter, seed=1)
    ends = [next(t for t in range(300, 600) if fleet._heat_sp(t)[i] == cfg.heating_setpoint_c) for i in range(fleet.n)]
    assert len(set(ends)) >= 4 and min(ends) < 360 < max(ends)


def _warmer(offset_c: float):
    from grid_model.weather import WeatherConfig

    return WeatherConfig(temp_offset_c=offset_c)


def test_air_conditioning_runs_on_a_hot_day():
    hot = generate_weather(196, 2, cfg=_warmer(12.0))
    cfg = full_cfg(season="summer", share_ac=1.0)
    r = simulate_households(homes(), cfg, hot, seed=2, record_appliances=True)
    ac = r.p_kw_by_appliance["ac"]
    assert ac[:, 12 * 60:18 * 60].sum() > 2.0 * ac[:, :6 * 60].sum()
    assert ac[:, 12 * 60:18 * 60].sum() > 0


def test_step_checks_order_and_allow_shape(winter):
    fleet = HouseholdFleet(homes(3), HouseholdConfig(region="uk_ieee"), winter, seed=1, minutes=10)
    with pytest.raises(ValueError):
        fleet.step(1)
    with pytest.raises(ValueError):
        fleet.step(0, np.ones((2, 3), dtype=bool))
    fleet.step(0)
    assert fleet.result().p_kw.shape == (3, 1)


def test_bad_config_and_short_weather_are_input_errors(winter):
    with pytest.raises(InputError, match="share_ev"):
        HouseholdFleet(homes(2), dataclasses.replace(HouseholdConfig(region="uk_ieee"), share_ev=1.5), winter, seed=1)
    with pytest.raises(InputError, match="season"):
        HouseholdFleet(homes(2), dataclasses.replace(HouseholdConfig(region="uk_ieee"), season="monsoon"), winter, seed=1)
    with pytest.raises(InputError, match="minutes"):
        HouseholdFleet(homes(2), HouseholdConfig(), winter, seed=1, minutes=2000)
    with pytest.raises(InputError, match="seed"):
        HouseholdFleet(homes(2), HouseholdConfig(), winter, seed=-1)


def test_two_day_horizon_runs(winter):
    two_days = generate_weather(15, seed=7, minutes=2880)
    r = simulate_households(homes(10), full_cfg(share_ev=1.0), two_days, seed=1, minutes=2880)
    day1, day2 = r.p_kw[:, :1440].sum(), r.p_kw[:, 1440:].sum()
    assert r.n_steps == 2880 and 0.5 < day1 / day2 < 2.0
