"""Tests of the rural-street generator."""

from __future__ import annotations

from collections import Counter

import pytest

from scenarios.errors import InputError
from scenarios.generators import RuralConfig, make_rural_street
from scenarios.site import Level, MeterKind
from scenarios.site_io import validate_site
from tests.scenarios.site_asserts import assert_metering_limits, assert_radial_connected


def test_counts_and_hierarchy(rural_site):
    assert len(rural_site.consumers) == 40
    assert all(c.kind == "house" and c.group_id == "S1" for c in rural_site.consumers)
    kinds = Counter(m.kind for m in rural_site.meters if m.consumer_id)
    assert kinds == {MeterKind.ELECTRICITY: 40, MeterKind.WATER: 40, MeterKind.GAS: 40}
    assert [g.level for g in rural_site.groups] == [Level.REGION, Level.CITY, Level.DISTRICT, Level.STREET]
    assert all(g.group_meter_id for g in rural_site.groups)
    validate_site(rural_site)


def test_one_module_per_house(rural_site):
    meters = {m.meter_id: m for m in rural_site.meters}
    for mod in rural_site.modules:
        owners = {meters[mid].consumer_id for mid in mod.meter_ids}
        assert len(owners) == 1
    assert len(rural_site.modules) == 40 + 2  # 4 group meters at the pole fill two modules
    assert_metering_limits(rural_site)
    assert len(rural_site.concentrators) == 1


def test_network_overhead_and_radial(rural_site):
    assert_radial_connected(rural_site)
    net = rural_site.network
    assert net.transformer.sn_kva == 160.0
    assert {ln.linecode for ln in net.lines} == {"ABC_3x70_54.6", "ABC_4x16"}
    assert all(c.bus == c.consumer_id for c in rural_site.consumers)


def test_setback_jitter_from_seed():
    cfg = RuralConfig(houses=10, setback_m=12.0, setback_jitter_m=4.0)
    a, b = make_rural_street(cfg, 1), make_rural_street(cfg, 2)
    assert a == make_rural_street(cfg, 1)
    ya = [abs(c.position.y_m) for c in a.consumers]
    assert all(8.0 <= y <= 16.0 for y in ya)
    assert ya != [abs(c.position.y_m) for c in b.consumers]


def test_phases_and_three_phase_share():
    site = make_rural_street(RuralConfig(houses=60, three_phase_share=0.25), seed=5)
    counts = Counter(c.phase for c in site.consumers)
    assert counts["ABC"] == 15
    assert max(counts[p] for p in "ABC") - min(counts[p] for p in "ABC") <= 1


def test_one_side_street_and_options():
    site = make_rural_street(RuralConfig(houses=5, both_sides=False, water=False, gas=False), seed=0)
    assert all(c.position.y_m > 0 for c in site.consumers)
    assert len([b for b in site.network.buses if b.name.startswith("P")]) == 5
    assert all(m.kind == MeterKind.ELECTRICITY for m in site.meters)


def test_bad_config():
    with pytest.raises(InputError, match=r"rural\.houses"):
        make_rural_street(RuralConfig(houses=0), 0)
    with pytest.raises(InputError, match=r"rural\.setback_m"):
        make_rural_street(RuralConfig(setback_m=3.0, setback_jitter_m=4.0), 0)
