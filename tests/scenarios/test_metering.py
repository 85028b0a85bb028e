"""Tests of the meter-to-module and concentrator layout."""

from __future__ import annotations

import pytest

from scenarios.errors import InputError
from scenarios.generators import make_site
from scenarios.generators.concentrators import place_concentrators
from scenarios.generators.metering import assign_modules, cable_length_m
from scenarios.site import Meter, MeterKind, Module, Position


def _meter(i: int, x: float, y: float = 0.0, floor: int = 0) -> Meter:
    return Meter(f"M{i}", MeterKind.WATER, "G", None, None, 100.0, Position(x, y, floor))


def test_cable_length_rises_with_floors():
    assert cable_length_m(Position(0, 0, 0), Position(3, 4, 2), floor_height_m=3.0) == pytest.approx(11.0)


def test_at_most_three_and_within_reach():
    meters = [_meter(i, x) for i, x in enumerate([0, 1, 2, 3, 4, 30, 31, 60])]
    wired, modules = assign_modules(meters, cable_length_max_m=10.0)
    assert [len(m.meter_ids) for m in modules] == [3, 2, 2, 1]
    by_id = {m.meter_id: m for m in wired}
    for mod in modules:
        for mid in mod.meter_ids:
            assert cable_length_m(mod.position, by_id[mid].position) <= 10.0
    assert meters[0].module_id is None, "inputs are not modified"


def test_zones_and_floors_separate_modules():
    meters = [_meter(0, 0), _meter(1, 1), _meter(2, 0, floor=1)]
    _, modules = assign_modules(meters, zones={"M0": "flat-a", "M1": "flat-b", "M2": "flat-a"})
    assert sorted(m.meter_ids for m in modules) == [["M0"], ["M1"], ["M2"]]


def test_cable_length_limit_is_configurable():
    meters = [_meter(i, 4.0 * i) for i in range(3)]
    assert len(assign_modules(meters, cable_length_max_m=10.0)[1]) == 1
    assert len(assign_modules(meters, cable_length_max_m=3.0)[1]) == 3
    with pytest.raises(InputError):
        assign_modules(meters, cable_length_max_m=-1.0)


def test_concentrator_capacity_by_meters():
    modules = [Module(f"D{i:03d}", Position(float(i), 0.0), [f"M{i}-{k}" for k in range(3)]) for i in range(300)]
    joined, hubs = place_concentrators(modules)
    assert len(hubs) == 2  # 900 meters > 720
    counts = {h.concentrator_id: sum(len(m.meter_ids) for m in joined if m.concentrator_id == h.concentrator_id)
              for h in hubs}
    assert max(counts.values()) <= 720
    assert all(m.concentrator_id is None for m in modules)


def test_concentrator_capacity_by_modules_and_anchor():
    modules = [Module(f"D{i:03d}", Position(float(i % 20), float(i // 20)), [f"M{i}"]) for i in range(500)]
    joined, hubs = place_concentrators(modules, anchor=Position(0, 0))
    assert len(hubs) == 3 and all(
        sum(m.concentrator_id == h.concentrator_id for m in joined) <= 240 for h in hubs)
    joined, hubs = place_concentrators(modules[:10], anchor=Position(-5.0, 0.0))
    assert hubs[0].position == Position(-5.0, 0.0) and {m.concentrator_id for m in joined} == {"J01"}


def test_make_site_dispatch():
    assert make_site("district", {"buildings": 1, "streets": 1, "floors": 2}, 0).consumers
    assert len(make_site("rural", {"kind": "rural", "houses": 3}, 0).consumers) == 3
    with pytest.raises(InputError, match="unknown"):
        make_site("city", None, 0)
    with pytest.raises(InputError, match=r"district\.flors"):
        make_site("district", {"flors": 3}, 0)
