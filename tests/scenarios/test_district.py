"""Tests of the district-of-blocks generator."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest
from omegaconf import OmegaConf

from scenarios.errors import InputError
from scenarios.generators import DistrictConfig, make_district
from scenarios.generators.equipment import LINECODES
from scenarios.site import Level, MeterKind
from scenarios.site_io import validate_site
from tests.scenarios.site_asserts import assert_metering_limits, assert_radial_connected


def test_counts_match_config():
    cfg = DistrictConfig(buildings=2, streets=1, entrances=2, floors=5, flats_per_floor=3, water=True, gas=True)
    site = make_district(cfg, seed=1)
    n_flats = 2 * 2 * 5 * 3
    assert len(site.consumers) == n_flats
    kinds = Counter(m.kind for m in site.meters if m.consumer_id is not None)
    assert kinds == {MeterKind.ELECTRICITY: n_flats, MeterKind.WATER: n_flats, MeterKind.GAS: n_flats}
    levels = Counter(g.level for g in site.groups)
    assert levels == {Level.REGION: 1, Level.CITY: 1, Level.DISTRICT: 1, Level.STREET: 1,
                      Level.BUILDING: 2, Level.ENTRANCE: 4}
    group_meters = [m for m in site.meters if m.consumer_id is None]
    assert sorted(m.meter_id for m in group_meters) == sorted(g.group_meter_id for g in site.groups)
    validate_site(site)


def test_ids_are_readable_and_consistent(district_site):
    flat = next(c for c in district_site.consumers if c.consumer_id == "B01-E2-F05-01")
    assert flat.group_id == "B01-E2"
    assert flat.bus == "B01-E2-F05"
    assert flat.position.floor == 4
    assert district_site.group("B01-E2").parent_id == "B01"
    assert district_site.electricity_meter_of("B01-E2-F05-01").meter_id == "M-B01-E2-F05-01-E"


def test_default_district_needs_two_concentrators_and_respects_limits(district_site):
    assert len(district_site.concentrators) >= 2
    assert_metering_limits(district_site)
    validate_site(district_site)


def test_modules_stay_on_one_landing_and_are_packed(district_site):
    flats = {c.consumer_id: c for c in district_site.consumers}
    meters = {m.meter_id: m for m in district_site.meters}
    per_landing = defaultdict(int)
    for m in district_site.meters:
        if m.consumer_id is not None:
            per_landing[flats[m.consumer_id].bus] += 1
    landing_modules = defaultdict(int)
    for mod in district_site.modules:
        owners = {flats[meters[mid].consumer_id].bus for mid in mod.meter_ids if meters[mid].consumer_id}
        assert len(owners) <= 1, "a module never mixes flats of two landings"
        if owners and not any(meters[mid].consumer_id is None for mid in mod.meter_ids):
            landing_modules[owners.pop()] += 1
    upper = [bus for bus in per_landing if not bus.endswith("-F01")]
    assert upper
    for bus in upper:
        assert landing_modules[bus] == math.ceil(per_landing[bus] / 3)


def test_phases_balanced_per_entrance(district_site):
    by_entrance = defaultdict(Counter)
    for c in district_site.consumers:
        by_entrance[c.group_id][c.phase] += 1
    for counts in by_entrance.values():
        single = [counts[p] for p in "ABC"]
        assert max(single) - min(single) <= 1
    share = sum(c.phase == "ABC" for c in district_site.consumers) / len(district_site.consumers)
    assert share == pytest.approx(DistrictConfig().three_phase_share, abs=0.01)
    for c in district_site.consumers:
        assert district_site.electricity_meter_of(c.consumer_id).phase == c.phase


def test_network_radial_and_sized(district_site):
    assert_radial_connected(district_site)
    net = district_site.network
    assert net.transformer.sn_kva == 630.0  # 432 flats x 0.71 kW (SP 256) / 0.95 / 0.8 = 402 kVA > 400
    assert net.transformer.vector_group == "Dyn"
    riser = [ln for ln in net.lines if ln.linecode == "4c_70" and "-F" in ln.name]
    assert len(riser) == 4 * 3 * 8


def test_linecodes_match_ieee_file():
    from scenarios.ieee_eu_lv import load_network

    ieee = load_network().linecodes
    for name in ("4c_185", "4c_95_SAC_XC", "4c_70"):
        mine, ref = LINECODES[name], ieee[name]
        assert (mine.r1_ohm_per_km, mine.x1_ohm_per_km, mine.r0_ohm_per_km, mine.x0_ohm_per_km) == (
            ref.r1_ohm_per_km, ref.x1_ohm_per_km, ref.r0_ohm_per_km, ref.x0_ohm_per_km)


def test_same_seed_same_site_other_seed_differs():
    cfg = DistrictConfig(buildings=2, streets=1, floors=4, three_phase_share=0.2)
    assert make_district(cfg, 3) == make_district(cfg, 3)
    assert make_district(cfg, 3) != make_district(cfg, 4)


def test_large_district_splits_subnets():
    site = make_district(DistrictConfig(buildings=8, streets=2, floors=12, gas=True, sn_kva=1600.0,
                                        design="legacy"), seed=2)
    assert len(site.concentrators) >= 4
    assert_metering_limits(site)
    assert_radial_connected(site)


def test_bad_config_raises_input_error():
    with pytest.raises(InputError, match=r"district\.floors"):
        make_district(DistrictConfig(floors=0), 0)
    with pytest.raises(InputError, match=r"district\.three_phase_share"):
        make_district(DistrictConfig(three_phase_share=1.5), 0)
    with pytest.raises(InputError, match=r"district\.sn_kva: .* more than the largest"):
        make_district(DistrictConfig(buildings=20, design="legacy"), 0)


def test_config_is_a_structured_config():
    node = OmegaConf.structured(DistrictConfig)
    node.floors = 5
    cfg = OmegaConf.to_object(node)
    assert isinstance(cfg, DistrictConfig) and cfg.floors == 5 and cfg.sn_kva is None
