"""Shared loads of entrances (lift, stairwell lighting, pump) in the household fleet."""

import numpy as np
import pytest

from grid_model.households.config import HouseholdConfig
from grid_model.households.fleet import simulate_households
from grid_model.households.shared import parse_shared
from grid_model.weather import WeatherConfig, make_weather
from scenarios.errors import InputError
from scenarios.generators import make_district
from scenarios.generators.district import DistrictConfig
from scenarios.generators.site_checks import site_problems


@pytest.fixture(scope="module")
def day():
    shape = dict(buildings=1, streets=1, entrances=2, floors=9)
    with_shared = make_district(DistrictConfig(**shape, shared_loads=True), 4)
    without = make_district(DistrictConfig(**shape), 4)
    cfg = HouseholdConfig()
    weather = make_weather(WeatherConfig(), cfg.resolved().resolved_day_of_year(), 4)
    return (with_shared, simulate_households(with_shared.consumers, cfg, weather, 4, record_appliances=True),
            without, simulate_households(without.consumers, cfg, weather, 4))


def test_one_unmetered_shared_consumer_per_entrance(day):
    site = day[0]
    shared = [c for c in site.consumers if c.kind == "shared"]
    assert [c.consumer_id for c in shared] == ["B01-E1-SH", "B01-E2-SH"]
    assert all(site.electricity_meter_of(c.consumer_id) is None and c.phase == "ABC" for c in shared)
    assert site_problems(site) == []


def test_shared_energy_is_lift_lighting_and_pump(day):
    site, res = day[0], day[1]
    rows = [i for i, c in enumerate(site.consumers) if c.kind == "shared"]
    kwh = res.p_kw[rows].sum(axis=1) / 60.0
    # Lift standby 6 kWh + trips, stairwell lighting ~2-3 kWh, pump on a winter day 13 kWh.
    assert np.all((15.0 < kwh) & (kwh < 40.0))
    assert res.p_kw[rows].max() >= 5.5  # a lift trip
    assert np.all(res.p_kw_by_appliance["fridge"][rows] == 0.0)


def test_flats_are_the_same_with_or_without_shared_loads(day):
    site, res, site0, res0 = day
    flats = [i for i, c in enumerate(site.consumers) if c.kind == "flat"]
    np.testing.assert_array_equal(res.p_kw[flats], res0.p_kw)


def test_bad_shared_profile_is_one_clear_error():
    with pytest.raises(InputError, match="consumer X: kind 'shared' needs profile"):
        parse_shared("shared:nine:36", "X")
