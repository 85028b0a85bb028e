"""Utility-designed districts: substations, cables, and voltages within EN 50160 at the evening peak."""

import numpy as np
import pytest

from grid_model.engine import GridEngine
from grid_model.households.config import HouseholdConfig
from grid_model.households.fleet import simulate_households
from grid_model.network import Connection, build_net
from grid_model.weather import WeatherConfig, make_weather
from scenarios.generators import make_district
from scenarios.generators.design import design_kw
from scenarios.generators.district import DistrictConfig
from scenarios.generators.site_checks import site_problems
from scenarios.site_io import site_from_dict, site_to_dict

EVENING = slice(17 * 60, 22 * 60)


def evening_voltages(site, seed=42):
    cfg = HouseholdConfig().resolved()
    weather = make_weather(WeatherConfig(), cfg.resolved_day_of_year(), seed)
    loads = simulate_households(site.consumers, cfg, weather, seed)
    conns = [Connection(c.consumer_id, c.bus, c.phase) for c in site.consumers]
    engine = GridEngine.from_net(build_net(site.network, conns), "constant_power")
    return engine.solve_day(loads.p_kw[:, EVENING], loads.q_kvar[:, EVENING], network_outputs=False)


SIZES = [dict(buildings=1, streets=1), dict(buildings=4),
         pytest.param(dict(buildings=6, floors=12, entrances=2), marks=pytest.mark.slow),
         pytest.param(dict(buildings=14, entrances=4, floors=9, flats_per_floor=4), marks=pytest.mark.slow)]


@pytest.mark.parametrize("shape", SIZES)
def test_generated_district_stays_within_en50160_at_the_evening_peak(shape):
    site = make_district(DistrictConfig(**shape), 42)
    assert len(site.consumers) <= 2016
    res = evening_voltages(site)
    assert 0.90 <= res.v_load_pu.min() and res.v_load_pu.max() <= 1.10


def test_a_substation_per_at_most_600_flats_loaded_60_to_80_percent_at_design_demand():
    cfg = DistrictConfig(buildings=14, entrances=4, floors=9, flats_per_floor=4)
    site = make_district(cfg, 1)
    trs = site.network.transformers
    assert len(trs) == 4
    flats_per_sub = len(site.consumers) / len(trs)
    assert 400 <= flats_per_sub <= 600
    for t in trs:
        loading = design_kw(round(flats_per_sub)) / 0.95 / t.sn_kva
        assert 0.55 <= loading <= 0.80
        assert t.no_load_loss_w > 0


def test_feeders_respect_the_length_limit_and_voltage_drop_budget():
    site = make_district(DistrictConfig(buildings=8, streets=2), 3)
    feeders = [ln for ln in site.network.lines if ln.name.count("-") == 1]
    assert max(ln.length_m for ln in feeders) <= 300.0
    assert site_problems(site) == []


def test_tight_drop_limit_picks_bigger_or_double_cables():
    loose = make_district(DistrictConfig(buildings=4, building_gap_m=80.0, voltage_drop_max_pct=8.0), 0)
    tight = make_district(DistrictConfig(buildings=4, building_gap_m=80.0, voltage_drop_max_pct=2.0), 0)
    r = {c.name: c.r1_ohm_per_km for c in tight.network.linecodes.values()}
    r_loose = {c.name: c.r1_ohm_per_km for c in loose.network.linecodes.values()}
    feeder = lambda s, rr: [rr[ln.linecode] for ln in s.network.lines if ln.name.count("-") == 1]  # noqa: E731
    assert sum(feeder(tight, r)) < sum(feeder(loose, r_loose))


def test_multi_substation_site_round_trips_through_the_site_file():
    site = make_district(DistrictConfig(buildings=14, entrances=4, floors=9, flats_per_floor=4), 1)
    back = site_from_dict(site_to_dict(site))
    assert [t.name for t in back.network.transformers] == [t.name for t in site.network.transformers]
    assert back.network.extra_transformers[0].no_load_loss_w == site.network.extra_transformers[0].no_load_loss_w


def test_legacy_design_is_the_solver_stress_case():
    site = make_district(DistrictConfig(buildings=14, streets=2, entrances=4, floors=9, flats_per_floor=4,
                                        sn_kva=2500.0, design="legacy"), 1)
    assert len(site.network.transformers) == 1 and site.network.transformer.sn_kva == 2500.0
    assert max(ln.length_m for ln in site.network.lines) > 700.0


def test_transformer_losses_include_no_load_losses():
    site = make_district(DistrictConfig(buildings=2), 5)
    res = evening_voltages(site)
    p0_kw = sum(t.no_load_loss_w for t in site.network.transformers) / 1e3
    load_loss = res.p_loss_trafo_kw_by_phase.sum(axis=0) - p0_kw
    assert res.p_loss_trafo_kw_by_phase.sum(axis=0).min() > 0.9 * p0_kw
    assert np.all(load_loss < res.p_loss_trafo_kw_by_phase.sum(axis=0))


def test_analytics_assigns_the_lines_of_every_substation():
    from analytics.export import site_tables
    from analytics.grid_losses import assign_lines
    from analytics.hierarchy import balance_units

    site = make_district(DistrictConfig(buildings=14, entrances=4, floors=9, flats_per_floor=4), 1)
    line_group, trafo_group = assign_lines(site, balance_units(*site_tables(site)))
    assert set(line_group) == {ln.name for ln in site.network.lines}
    assert trafo_group == "D1"
