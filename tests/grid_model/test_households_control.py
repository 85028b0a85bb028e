"""Per-circuit YELLOW switching, energy conservation of deferral and EV urgency of the fleet."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from grid_model.households import HouseholdConfig, HouseholdFleet
from grid_model.households.config import GREEN, YELLOW, YELLOW_DEVICES
from grid_model.weather import generate_weather
from scenarios.site import Consumer, Position

N = 30
#: Appliances of each YELLOW_DEVICES column.
COLUMN_APPLIANCES = {"hvac": ("space_heating", "ac"), "fridge": ("fridge",), "kettle": ("kettle",),
                     "microwave": ("microwave",)}
APPLIANCES = ("lighting", "electronics", "cooking", "kettle", "microwave", "fridge", "space_heating", "ac",
              "water_heater", "washing_machine", "dishwasher", "ev")


def homes(n: int = N) -> list[Consumer]:
    return [Consumer(f"h{i:03d}", "g", "house", Position(0.0, 0.0), "b1", "A", 1 + i % 5, 50.0 + 15.0 * (i % 5))
            for i in range(n)]


def cfg(**kw) -> HouseholdConfig:
    base = dict(share_electric_water_heater=1.0, share_electric_space_heating=1.0, share_ev=1.0,
                share_dishwasher=1.0, share_washing_machine=1.0, washing_cycles_per_person_day=0.5,
                dishwasher_cycles_per_person_day=0.5, kettle_uses_per_person_day=6.0,
                microwave_uses_per_home_day=4.0)
    base.update(kw)
    return dataclasses.replace(HouseholdConfig(region="uk_ieee"), **base)


@pytest.fixture(scope="module")
def winter():
    return generate_weather(15, seed=7)


def fleet(winter, minutes: int = 1440, **kw) -> HouseholdFleet:
    return HouseholdFleet(homes(), cfg(**kw), winter, seed=5, minutes=minutes, record_appliances=True)


def test_yellow_allow_none_and_all_true_are_the_same(winter) -> None:
    a, b = fleet(winter, 240), fleet(winter, 240)
    for t in range(240):
        pa, qa = a.step(t)
        pb, qb = b.step(t, np.ones((N, 3), bool), np.ones((N, 4), bool))
        assert np.array_equal(pa, pb) and np.array_equal(qa, qb)


@pytest.mark.parametrize("column", range(len(YELLOW_DEVICES)))
def test_one_column_off_changes_only_that_circuit(winter, column: int) -> None:
    """Every minute of the day, one circuit off in every home: the others draw as without control."""
    minutes = 1440
    free, ctl = fleet(winter, minutes), fleet(winter, minutes)
    block = np.ones((N, 4), bool)
    block[:, column] = False
    for t in range(minutes):
        free.step(t)
        ctl.step(t, None, block if (t // 10) % 2 else None)  # 10 minutes off, 10 on
    touched = COLUMN_APPLIANCES[YELLOW_DEVICES[column]]
    off = (np.arange(minutes) // 10) % 2 == 1
    assert sum(free.p_kw_by_appliance[k][:, off].sum() for k in touched) > 0.0  # something to switch off
    for name in APPLIANCES:
        pf, pc = free.p_kw_by_appliance[name], ctl.p_kw_by_appliance[name]
        if name in touched:
            assert pc[:, off].sum() == 0.0, name
        else:
            np.testing.assert_array_equal(pc, pf, err_msg=name)
    # YELLOW power of the columns the fleet reports: the switched column only differs.
    assert free.yellow_kw.shape == (N, 4)


def test_fridge_column_off_for_one_minute(winter) -> None:
    m = 600
    free, ctl = fleet(winter, m + 1), fleet(winter, m + 1)
    for t in range(m):
        free.step(t)
        ctl.step(t)
    only_fridge = np.ones((N, 4), bool)
    only_fridge[:, 1] = False
    free.step(m)
    ctl.step(m, np.ones((N, 3), bool), only_fridge)
    assert free.p_kw_by_appliance["fridge"][:, m].sum() > 0
    assert ctl.p_kw_by_appliance["fridge"][:, m].sum() == 0
    assert ctl.yellow_kw[:, 1].sum() == 0 and free.yellow_kw[:, 1].sum() > 0
    for k in (0, 2, 3):
        np.testing.assert_array_equal(ctl.yellow_kw[:, k], free.yellow_kw[:, k])
    for name in ("kettle", "space_heating", "microwave", "water_heater", "ev"):
        np.testing.assert_array_equal(ctl.p_kw_by_appliance[name][:, m], free.p_kw_by_appliance[name][:, m])
    drop = free.p_kw[:, m] - ctl.p_kw[:, m]
    np.testing.assert_allclose(drop, free.p_kw_by_appliance["fridge"][:, m], atol=1e-12)
    # The fridge was warmer-than-free only where its compressor was stopped.
    warmer = ctl.fridge.temp_c > free.fridge.temp_c + 1e-12
    np.testing.assert_array_equal(warmer, free.p_kw_by_appliance["fridge"][:, m] > 0)


def test_class_column_off_overrides_yellow_allow(winter) -> None:
    f = fleet(winter, 30)
    allow = np.ones((N, 3), bool)
    allow[:, YELLOW] = False
    for t in range(30):
        f.step(t, allow, np.ones((N, 4), bool))
    assert f.p_kw_by_class["YELLOW"].sum() == 0.0 and not f.yellow_kw.any()


def test_kettle_off_is_energy_not_served_fridge_off_is_not(winter) -> None:
    minutes = 1440
    ref = fleet(winter, minutes)
    kettle_off, fridge_off = fleet(winter, minutes), fleet(winter, minutes)
    no_kettle, no_fridge = np.ones((N, 4), bool), np.ones((N, 4), bool)
    no_kettle[:, 2] = False
    no_fridge[:, 1] = False
    for t in range(minutes):
        ref.step(t)
        kettle_off.step(t, None, no_kettle)
        fridge_off.step(t, None, no_fridge)
    lost = ref.p_kw_by_appliance["kettle"].sum(axis=1) / 60.0
    assert lost.sum() > 0
    np.testing.assert_allclose(kettle_off.energy_not_served_kwh - kettle_off.ev.unserved_kwh, lost)
    np.testing.assert_array_equal(fridge_off.energy_not_served_kwh, ref.energy_not_served_kwh)


@pytest.mark.parametrize("shape", [(N, 3), (N - 1, 4), (N,), (N, 5), (4, N)])
def test_yellow_allow_of_wrong_shape_is_rejected(winter, shape) -> None:
    f = fleet(winter, 5)
    with pytest.raises(ValueError, match="yellow_allow"):
        f.step(0, None, np.ones(shape, bool))
    assert f.minute == 0  # nothing was stepped
    f.step(0, None, np.ones((N, 4), bool))
    assert f.minute == 1


def test_yellow_rating_columns(winter) -> None:
    c = cfg(share_ac=0.5)
    f = HouseholdFleet(homes(), c, winter, seed=5, minutes=10)
    r = f.yellow_rating_kw
    assert r.shape == (N, 4)
    np.testing.assert_allclose(r[:, 0], f.room.heater_kw + f.room.ac_kw)
    np.testing.assert_allclose(r[:, 1], f.homes.fridge_kw)
    c = c.resolved()
    assert (r[:, 2] == c.kettle_kw).all() and (r[:, 3] == c.microwave_kw).all()
    # Stepped power never exceeds the rating of the circuit.
    for t in range(10):
        f.step(t)
        assert (f.yellow_kw <= r * (1 + 1e-6)).all()  # event powers are stored as float32


def test_deferrable_energy_is_conserved_per_home_when_green_is_blocked(winter) -> None:
    minutes = 1440
    free, ctl = fleet(winter, minutes), fleet(winter, minutes)
    blocked = np.zeros(minutes, bool)
    blocked[7 * 60:9 * 60] = True
    blocked[16 * 60:21 * 60] = True
    allow = np.ones((N, 3), bool)
    allow_off = allow.copy()
    allow_off[:, GREEN] = False
    for t in range(minutes):
        free.step(t)
        ctl.step(t, allow_off if blocked[t] else allow)
        if t in (8 * 60, 18 * 60, 21 * 60, 23 * 60):
            total_f = free.deferrable_served_kwh + free.pending_kwh() + free.ev.unserved_kwh
            total_c = ctl.deferrable_served_kwh + ctl.pending_kwh() + ctl.ev.unserved_kwh
            np.testing.assert_allclose(total_c, total_f, rtol=0, atol=1e-9, err_msg=f"minute {t}")
    assert ctl.deferred_kwh.sum() > 5.0
    # Deferral is real: less drawn by the end of the block than without control.
    assert (ctl.deferrable_served_kwh < free.deferrable_served_kwh - 1e-9).any() or \
        (ctl.ev.unserved_kwh > free.ev.unserved_kwh + 1e-9).any()
    # deferrable_served_kwh is the machines' and chargers' metered energy.
    for f in (free, ctl):
        drawn = sum(f.p_kw_by_appliance[k].sum(axis=1) for k in ("washing_machine", "dishwasher", "ev")) / 60.0
        np.testing.assert_allclose(f.deferrable_served_kwh, drawn, rtol=1e-12, atol=1e-12)


def test_ev_urgent_is_exactly_the_deadline_condition(winter) -> None:
    f = HouseholdFleet(homes(4), cfg(ev_charger_kw=6.0), winter, seed=5, minutes=600)
    ev = f.ev
    ev.session[:] = 0
    ev.arrive[:, 0] = [10, 10, 10, 300]
    ev.depart[:, 0] = [200, 200, 200, 500]
    ev.remaining_kwh[:] = [3.0, 0.0, 0.0, 3.0]  # 3 kWh at 6 kW: 30 minutes
    ev.kw[2] = 0.0  # a home without a car: no charger, nothing needed
    margin = 30

    def urgent(t: int) -> list[bool]:
        return ev.urgent(t, margin).tolist()

    # Home 0: 30 min of charging + 30 min margin >= 200 - t  <=>  t >= 140.
    assert urgent(139)[0] is False and urgent(140)[0] is True and urgent(199)[0] is True
    assert urgent(200)[0] is False  # departed
    assert urgent(5)[0] is False    # not plugged in yet
    # Home 1 has nothing left to charge, home 2 no car: never urgent.
    assert not any(urgent(t)[1] or urgent(t)[2] for t in range(0, 600, 7))
    # Home 3: urgent from t >= 440, not before arrival even when the deadline is close.
    assert urgent(439)[3] is False and urgent(440)[3] is True
    # Before arrival with too little dwell time: still not urgent (not plugged in).
    ev.depart[3, 0] = 320
    assert urgent(299)[3] is False and urgent(300)[3] is True
    # Margin 0: the exact equality counts as urgent.
    assert ev.urgent(170, 0)[0] and not ev.urgent(169, 0)[0]


def test_charging_only_when_urgent_serves_as_much_as_free_charging(winter) -> None:
    """GREEN blocked all day except when a car becomes urgent: every car still gets its energy."""
    minutes = 1440
    free, ctl = fleet(winter, minutes), fleet(winter, minutes)
    allow = np.ones((N, 3), bool)
    urgent_minutes = 0
    for t in range(minutes):
        free.step(t)
        u = ctl.ev.urgent(t, 1)
        urgent_minutes += int(u.sum())
        allow[:, GREEN] = u
        ctl.step(t, allow)
    assert urgent_minutes > 0
    assert ctl.deferred_kwh.sum() > 10.0
    np.testing.assert_allclose(ctl.ev.unserved_kwh, free.ev.unserved_kwh, atol=1e-9)


def test_charging_only_when_urgent_with_zero_margin_still_serves_everything(winter) -> None:
    minutes = 1440
    free, ctl = fleet(winter, minutes), fleet(winter, minutes)
    allow = np.ones((N, 3), bool)
    for t in range(minutes):
        free.step(t)
        allow[:, GREEN] = ctl.ev.urgent(t, 0)
        ctl.step(t, allow)
    np.testing.assert_allclose(ctl.ev.unserved_kwh, free.ev.unserved_kwh, atol=1e-9)
