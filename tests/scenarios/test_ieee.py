"""Tests of the IEEE European LV feeder site."""

from __future__ import annotations

import math

from scenarios import ieee_eu_lv
from scenarios.site_io import validate_site
from tests.scenarios.site_asserts import assert_metering_limits, assert_radial_connected


def test_55_houses_on_loads_txt_buses_and_phases(ieee_site):
    loads = ieee_eu_lv.load_loads()
    assert len(ieee_site.consumers) == 55
    for load, c in zip(loads, ieee_site.consumers):
        assert (c.consumer_id, c.bus, c.phase, c.kind) == (load.name, load.bus, load.phase, "house")
        assert c.profile == f"ieee:{load.shape}"
        m = ieee_site.electricity_meter_of(c.consumer_id)
        assert m.meter_id == f"M-{load.name}" and m.phase == load.phase


def test_positions_match_shifted_bus_coordinates(ieee_site):
    buses = {b.name: b for b in ieee_site.network.buses}
    lv = buses[ieee_site.network.transformer.lv_bus]
    assert (lv.x_m, lv.y_m) == (0.0, 0.0)
    raw = {b.name: b for b in ieee_eu_lv.load_network().buses}
    x0, y0 = raw["1"].x_m, raw["1"].y_m
    for c in ieee_site.consumers:
        assert (c.position.x_m, c.position.y_m) == (buses[c.bus].x_m, buses[c.bus].y_m)
        assert math.isclose(buses[c.bus].x_m, raw[c.bus].x_m - x0, abs_tol=1e-3)
        assert math.isclose(buses[c.bus].y_m, raw[c.bus].y_m - y0, abs_tol=1e-3)


def test_network_is_the_feeder(ieee_site):
    raw = ieee_eu_lv.load_network()
    assert ieee_site.network.lines == raw.lines
    assert ieee_site.network.transformer == raw.transformer
    assert_radial_connected(ieee_site)


def test_metering_and_one_concentrator_near_transformer(ieee_site):
    assert_metering_limits(ieee_site)
    assert len(ieee_site.concentrators) == 1
    pos = ieee_site.concentrators[0].position
    assert math.hypot(pos.x_m, pos.y_m) < 10.0
    district = next(g for g in ieee_site.groups if g.level.value == "district")
    meter = next(m for m in ieee_site.meters if m.meter_id == district.group_meter_id)
    assert (meter.position.x_m, meter.position.y_m) == (0.0, 0.0)
    validate_site(ieee_site)


def test_seed_changes_only_household_attributes():
    from scenarios.generators import make_ieee_eu_lv_site

    a, b = make_ieee_eu_lv_site(1), make_ieee_eu_lv_site(2)
    assert a == make_ieee_eu_lv_site(1)
    assert [c.occupants for c in a.consumers] != [c.occupants for c in b.consumers]
    assert a.network == b.network and a.modules == b.modules
