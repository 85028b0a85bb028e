"""Deployment planner: points import, module wiring, concentrator iteration, BoM, schedule, outputs."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from analytics.planning import PlanConfig, PriceList, bom, install_shifts, load_points, plan_site, write_plan
from analytics.planning.bom import battery_schedule, capex, replacements_by_year
from analytics.planning.config import check_plan_config
from analytics.planning.layout import (choose_dr_meters, min_concentrators, place_k, place_with_constraints,
                                      wire_modules)
from analytics.planning.margins import widest_path_margins
from analytics.planning.planner import Plan
from analytics.planning.geojson import project_lonlat, unproject_xy
from analytics.planning.points import Point
from analytics.planning.sitebuild import build_site, points_from_site, write_points_csv
from mesh_sim.config import MeshConfig
from mesh_sim.records import NodeRecord
from scenarios.errors import InputError
from scenarios.generators.concentrators import place_concentrators
from scenarios.generators.district import DistrictConfig, make_district
from scenarios.generators.metering import cable_length_m
from scenarios.site import (
    METERS_PER_CONCENTRATOR_MAX,
    METERS_PER_MODULE_MAX,
    MODULES_PER_CONCENTRATOR_MAX,
    Level,
    MeterKind,
    Module,
    Position,
)
from scenarios.site_io import validate_site

#: Short verification runs without broadcasts or commands keep the tests fast.
MESH = MeshConfig(drain_h=0.5)
MESH = replace(MESH, traffic=replace(MESH.traffic, broadcasts_per_day=0.0, downlink_per_day=0.0))
FAST = PlanConfig(verify_days=0.1, battery_days=0.0)
#: The radio model and routing rules before issue 14 (P.1238, independent shadowing, no fade
#: margin, exact ETX): the tests of the route-margin criterion need links below the
#: sensitivity that the router may still use, in geometries sized for that model.
WEAK_OK = replace(MESH, topology=replace(MESH.topology, fade_margin_db=None, mean_margin_min_db=None,
                                         etx_resolution=0.0),
                  radio=replace(MESH.radio, building_type="p1238", shadow_decorrelation_m=0.0))
PRICES = PriceList(currency="EUR", d100fc=40.0, j100uc=500.0, pulse_sensor_gas=12.5, pulse_sensor_water=8.0,
                   battery_er18505=7.0, ad220=20.0, contactor=15.0, installation_per_point=5.0)

HEADER = "point_id,building,floor,flat,kind,x_m,y_m,phase,dr\n"
CSV_OK = HEADER + (
    "P1,B1,0,1,electricity,0,0,B,true\n"
    "P2,B1,0,1,water,4,1,,false\n"
    "P3,B1,0,2,electricity,0.3,0,,false\n"
    "P4,B1,1,3,gas,0,0,,\n"
    "P5,B2,0,1,heat,60,5,,false\n"
    "P6,B2,0,1,electricity,60,4,,false\n"
)


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _feature(props: dict, coords) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": None if coords is None else {"type": "Point", "coordinates": list(coords)}}


def _geojson(tmp_path, features, name="points.geojson"):
    return _write(tmp_path, name, json.dumps({"type": "FeatureCollection", "features": features}))


def _props(pid: str, kind: str = "electricity", floor=0, flat="1", building="B1") -> dict:
    return {"point_id": pid, "building": building, "floor": floor, "flat": flat, "kind": kind}


# --- import ---------------------------------------------------------------------------------


def test_csv_import_builds_groups_consumers_and_meters(tmp_path):
    pts = load_points(_write(tmp_path, "pts.csv", CSV_OK))
    site = pts.site
    assert [(g.group_id, g.level, g.parent_id) for g in site.groups] == [
        ("DISTRICT", Level.DISTRICT, None), ("B1", Level.BUILDING, "DISTRICT"), ("B2", Level.BUILDING, "DISTRICT")]
    assert [c.consumer_id for c in site.consumers] == ["B1/1", "B1/2", "B1/3", "B2/1"]
    assert [m.meter_id for m in site.meters] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    m = {x.meter_id: x for x in site.meters}
    assert m["P2"].kind == MeterKind.WATER and m["P2"].position == Position(4.0, 1.0, 0)
    assert m["P4"].position.floor == 1 and m["P4"].phase is None
    # The given phase is kept; flats without one get A, B, C in turn per building.
    assert (m["P1"].phase, m["P3"].phase, m["P6"].phase) == ("B", "A", "A")
    assert {c.consumer_id: c.phase for c in site.consumers}["B1/1"] == "B"
    assert m["P1"].pulse_weight == 3200.0 and m["P2"].pulse_weight == 100.0
    assert site.modules == [] and site.concentrators == []
    assert pts.dr_meter_ids == ["P1"] and pts.origin_lonlat is None
    validate_site(site)


def test_csv_without_dr_column_leaves_the_draw_to_the_planner(tmp_path):
    text = "point_id;building;floor;flat;kind;x_m;y_m\nP1;B1;0;1;electricity;0;0\n"
    pts = load_points(_write(tmp_path, "semi.csv", text))  # semicolon-separated works too
    assert pts.dr_meter_ids is None and len(pts.site.meters) == 1


def test_geojson_lonlat_is_projected_around_the_centroid(tmp_path):
    lon0, lat0 = 28.85, 47.02
    feats = [_feature(_props("P1", flat="1"), (lon0 - 0.0005, lat0)),
             _feature(_props("P2", flat="2"), (lon0 + 0.0005, lat0)),
             _feature(_props("P3", flat="3", floor=2), (lon0, lat0 + 0.001, 150.0))]
    pts = load_points(_geojson(tmp_path, feats))
    assert pts.origin_lonlat == pytest.approx((lon0, lat0 + 0.001 / 3))
    p = {m.meter_id: m.position for m in pts.site.meters}
    # 0.001 degrees of longitude at 47.02 N: 111.2 km x cos(47.02) = 75.8 m; of latitude: 111.2 m.
    assert p["P2"].x_m - p["P1"].x_m == pytest.approx(75.85, abs=0.05)
    assert p["P3"].y_m - p["P1"].y_m == pytest.approx(111.19, abs=0.05)
    assert p["P3"].floor == 2
    assert sum(q.x_m for q in p.values()) == pytest.approx(0.0, abs=1e-6)
    assert unproject_xy(*project_lonlat(lon0 + 0.01, lat0 - 0.01, (lon0, lat0)), (lon0, lat0)) == pytest.approx(
        (lon0 + 0.01, lat0 - 0.01))


def test_geojson_in_metres_is_kept(tmp_path):
    feats = [_feature(_props("P1"), (100.0, 2000.0)), _feature(_props("P2", "water"), (104.0, 2001.0))]
    pts = load_points(_geojson(tmp_path, feats))
    assert pts.origin_lonlat is None
    assert [m.position for m in pts.site.meters] == [Position(100.0, 2000.0, 0), Position(104.0, 2001.0, 0)]


CSV_BAD = [
    ("no coordinates", "point_id,building,floor,flat,kind\nP1,B1,0,1,water\n",
     "row 1, column 'x_m': missing; metering points need coordinates (x_m, y_m in metres)"),
    ("empty y", HEADER + "P1,B1,0,1,water,0,0,,\nP2,B1,0,1,water,1,,,\n",
     "row 3, column 'y_m': empty; every metering point needs coordinates"),
    ("x not a number", HEADER + "P1,B1,0,1,water,east,0,,\n", "row 2, column 'x_m': not a number: 'east'"),
    ("unknown kind", HEADER + "P1,B1,0,1,steam,0,0,,\n",
     "row 2, column 'kind': unknown kind 'steam' (expected electricity, water, gas, heat, j100uc, mains)"),
    ("duplicate id", HEADER + "P1,B1,0,1,water,0,0,,\nP1,B1,0,2,water,1,0,,\n",
     "row 3, column 'point_id': duplicate point_id 'P1' (first at row 2)"),
    ("floor", HEADER + "P1,B1,2a,1,water,0,0,,\n",
     "row 2, column 'floor': not a number: '2a' (expected an integer floor)"),
    ("fractional floor", HEADER + "P1,B1,1.5,1,water,0,0,,\n",
     "row 2, column 'floor': expected an integer floor, got '1.5'"),
    ("phase", HEADER + "P1,B1,0,1,electricity,0,0,D,\n",
     "row 2, column 'phase': unknown phase 'D' (expected A, B, C, ABC)"),
    ("phase conflict", HEADER + "P1,B1,0,1,electricity,0,0,A,\nP2,B1,0,1,electricity,0,0,B,\n",
     "row 3, column 'phase': 'B' differs from phase 'A' of flat '1' at row 2"),
    ("dr value", HEADER + "P1,B1,0,1,electricity,0,0,,maybe\n",
     "row 2, column 'dr': expected true or false, got 'maybe'"),
    ("dr on water", HEADER + "P1,B1,0,1,water,0,0,,true\n",
     "row 2, column 'dr': a water point cannot carry DR equipment (the AD220 drives a contactor on the electricity "
     "supply)"),
    ("empty flat", HEADER + "P1,B1,0,,water,0,0,,\n", "row 2, column 'flat': empty"),
    ("short row", HEADER + "P1,B1,0,1,water,0\n", "row 2: 6 fields, the header has 9"),
    ("header only", HEADER, "row 2: no metering points after the header"),
    ("empty file", "", "row 1: empty file, expected a header row"),
]


@pytest.mark.parametrize("text, message", [c[1:] for c in CSV_BAD], ids=[c[0] for c in CSV_BAD])
def test_bad_csv_is_one_line_naming_file_row_and_column(tmp_path, text, message):
    path = _write(tmp_path, "pts.csv", text)
    with pytest.raises(InputError) as exc:
        load_points(path)
    assert str(exc.value) == f"{path}: {message}"
    assert "\n" not in str(exc.value)


GEO_BAD = [
    ("no geometry", [_feature(_props("P1"), (0, 0)), _feature(_props("P2"), None)],
     "features[1].geometry: missing; every metering point needs coordinates"),
    ("no coordinates", [{"type": "Feature", "properties": _props("P1"), "geometry": {"type": "Point"}}],
     "features[0].geometry.coordinates: missing; every metering point needs coordinates"),
    ("polygon", [{"type": "Feature", "properties": _props("P1"), "geometry": {"type": "Polygon", "coordinates": []}}],
     "features[0].geometry.type: expected 'Point', got 'Polygon'"),
    ("unknown kind", [_feature(_props("P1", kind="oil"), (0, 0))],
     "features[0].properties.kind: unknown kind 'oil' (expected electricity, water, gas, heat, j100uc, mains)"),
    ("duplicate id", [_feature(_props("P1"), (0, 0)), _feature(_props("P1", flat="2"), (5, 0))],
     "features[1].properties.point_id: duplicate point_id 'P1' (first at features[0])"),
    ("floor", [_feature(_props("P1", floor="first"), (0, 0))],
     "features[0].properties.floor: not a number: 'first' (expected an integer floor)"),
    ("missing building", [_feature({"point_id": "P1", "floor": 0, "flat": "1", "kind": "gas"}, (0, 0))],
     "features[0].properties.building: empty"),
]


@pytest.mark.parametrize("features, message", [c[1:] for c in GEO_BAD], ids=[c[0] for c in GEO_BAD])
def test_bad_geojson_is_one_line_naming_file_feature_and_property(tmp_path, features, message):
    path = _geojson(tmp_path, features)
    with pytest.raises(InputError) as exc:
        load_points(path)
    assert str(exc.value) == f"{path}: {message}"


def test_bad_files_name_the_file(tmp_path):
    with pytest.raises(InputError, match=r"missing\.csv: points file not found$"):
        load_points(tmp_path / "missing.csv")
    with pytest.raises(InputError, match=r"pts\.txt: unknown points file type '\.txt'"):
        load_points(_write(tmp_path, "pts.txt", CSV_OK))
    with pytest.raises(InputError, match=r"fc\.geojson: type: expected 'FeatureCollection', got 'Feature'"):
        load_points(_write(tmp_path, "fc.geojson", json.dumps({"type": "Feature"})))


def test_generated_district_round_trips_through_points_csv(tmp_path):
    site = make_district(DistrictConfig(buildings=2, streets=1, entrances=1, floors=2, flats_per_floor=2), 3)
    pts = points_from_site(site)
    write_points_csv(tmp_path / "d.csv", pts)
    back = load_points(tmp_path / "d.csv").site
    flats = [m for m in site.meters if m.consumer_id is not None]  # group meters are not points
    assert [(m.meter_id, m.kind, m.position, m.phase) for m in back.meters] == [
        (m.meter_id, m.kind, m.position, m.phase) for m in flats]
    assert {g.group_id for g in back.groups} == {"DISTRICT", "B01", "B02"}


# --- layout ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def block():
    """One block, 2 entrances x 3 floors x 3 flats, electricity + water + gas: 54 points."""
    site = make_district(DistrictConfig(buildings=1, streets=1, entrances=2, floors=3, flats_per_floor=3, water=True,
                                        gas=True, group_meters=False), 5)
    pts = points_from_site(site)
    return build_site(pts, [f"row {i + 2}" for i in range(len(pts))], "block.csv", "block")


def _check_wiring(site, meters, modules, dr):
    assert sorted(x for m in modules for x in m.meter_ids) == sorted(m.meter_id for m in site.meters)
    where = {m.meter_id: m for m in meters}
    for mod in modules:
        limit = 2 if set(mod.meter_ids) & dr else METERS_PER_MODULE_MAX
        assert 1 <= len(mod.meter_ids) <= limit
        assert len(set(mod.meter_ids) & dr) <= 1
        for x in mod.meter_ids:
            assert where[x].module_id == mod.module_id
            assert cable_length_m(mod.position, where[x].position) <= 10.0 + 1e-9
            assert where[x].group_id == where[mod.meter_ids[0]].group_id
            assert where[x].position.floor == mod.position.floor
        if set(mod.meter_ids) & dr:
            assert mod.position == where[next(iter(set(mod.meter_ids) & dr))].position  # mounted at the DR meter


def test_modules_take_at_most_three_meters_within_the_cable(block):
    meters, modules = wire_modules(block, [], 10.0, 3.0)
    _check_wiring(block, meters, modules, set())
    assert len(modules) == 18  # 3 meters a flat, 3 flats a landing: full modules


def test_dr_points_get_a_module_with_at_most_two_meters(block):
    dr = choose_dr_meters(block, 0.5, seed=1)
    assert len(dr) == 9 and dr == choose_dr_meters(block, 0.5, seed=1)
    assert all(m.kind == MeterKind.ELECTRICITY for m in block.meters if m.meter_id in dr)
    meters, modules = wire_modules(block, dr, 10.0, 3.0)
    _check_wiring(block, meters, modules, set(dr))
    assert len(modules) > 18
    assert [m.module_id for m in modules] == [f"MOD{i + 1:04d}" for i in range(len(modules))]


def test_concentrator_limits():
    def mods(n, meters_each):
        return [Module(f"M{i}", Position(float(i), 0.0), [f"m{i}-{j}" for j in range(meters_each)])
                for i in range(n)]

    assert min_concentrators(mods(240, 3)) == 1
    assert min_concentrators(mods(241, 1)) == 2
    assert min_concentrators(mods(200, 3) + mods(1, 3)[:0] + [Module("X", Position(0, 0), ["a", "b", "c"])]) == 1
    assert min_concentrators(mods(239, 3) + [Module("Y", Position(0, 0), ["a", "b", "c", "d"])]) == 2  # 721 meters
    site = make_district(DistrictConfig(buildings=1, streets=1, entrances=3, floors=9, flats_per_floor=9, water=True,
                                        gas=True, group_meters=False), 1)
    assert len(site.modules) == 243
    k = min_concentrators(site.modules)
    assert k == 2
    assert place_k(site.modules, k, 3.0) == place_concentrators(site.modules)
    for n in (2, 3, 5):
        placed, hubs = place_k(site.modules, n, 3.0)
        assert len(hubs) == n
        for h in hubs:
            served = [m for m in placed if m.concentrator_id == h.concentrator_id]
            assert 0 < len(served) <= MODULES_PER_CONCENTRATOR_MAX
            assert sum(len(m.meter_ids) for m in served) <= METERS_PER_CONCENTRATOR_MAX


# --- the plan -------------------------------------------------------------------------------


def _far_site(gap_m: float):
    """Two small buildings ``gap_m`` apart, 6 electricity points each, 12 m apart (one module each)."""
    pts = [Point(f"{b}{f}{j}", b, f, f"{f}{j}", MeterKind.ELECTRICITY, x0 + 12.0 * j, 0.0)
           for b, x0 in (("A", 0.0), ("B", gap_m)) for f in range(2) for j in range(3)]
    return build_site(pts, [f"row {i + 2}" for i in range(len(pts))], "far.csv", "far")


def test_a_site_too_spread_for_one_concentrator_gets_a_second():
    seen = []
    plan = plan_site(_far_site(3000.0), FAST, MESH, seed=1, progress=seen.append)
    assert plan.delivering and plan.reason == ""
    assert [(it.concentrators, it.delivering) for it in plan.iterations] == [(1, False), (2, True)]
    first = plan.iterations[0]
    assert first.unreachable == 6 and first.pdr_final < 0.6 and "6 module(s) without a route" in first.reason
    assert seen == plan.iterations
    assert len(plan.site.concentrators) == 2 and plan.summary["pdr_final"] == 1.0
    assert {m.concentrator_id for m in plan.site.modules if m.position.x_m > 1000} == {"J02"}
    validate_site(plan.site)


def test_a_plan_that_runs_out_of_iterations_is_marked_not_delivering():
    plan = plan_site(_far_site(3000.0), replace(FAST, max_iterations=1), MESH, seed=1)
    assert not plan.delivering
    assert plan.reason.startswith("targets missed after 1 verification run(s): 6 module(s) without a route")
    tight = plan_site(_far_site(3000.0), replace(FAST, min_link_margin_db=500.0, max_iterations=20), MESH, seed=1)
    assert not tight.delivering and len(tight.site.concentrators) == len(tight.site.modules) == 12
    assert tight.reason.startswith("every module has its own concentrator: ")


def test_widest_path_margin_is_the_weakest_link_of_the_best_route():
    ninf = -np.inf
    # Node 3 is the concentrator; 0 reaches it directly at -2 dB or via 1 and 2 at >= 20 dB.
    m = np.array([[ninf, 30.0, ninf, -2.0],
                  [30.0, ninf, 20.0, ninf],
                  [ninf, 20.0, ninf, 40.0],
                  [-2.0, ninf, 40.0, ninf]])
    root = np.array([False, False, False, True])
    assert widest_path_margins(m, root, 30).tolist() == [20.0, 20.0, 40.0, np.inf]
    assert widest_path_margins(m, root, 2).tolist() == [-2.0, 20.0, 40.0, np.inf]  # 3 hops not allowed
    one_way = m.copy()
    one_way[1, 2] = 5.0  # the weaker direction of a link counts
    assert widest_path_margins(one_way, root, 30)[0] == 5.0


def test_a_reachable_but_weak_site_gets_a_concentrator_for_its_route_margin():
    plan = plan_site(_far_site(800.0), FAST, WEAK_OK, seed=1)
    first = plan.iterations[0]
    assert first.unreachable == 0 and first.pdr_final == 1.0
    assert first.min_route_margin_db < 0 and first.reason.startswith("6 module(s) with route margin < 0 dB")
    assert plan.delivering and len(plan.site.concentrators) == 2 and plan.iterations[1].min_route_margin_db > 0


def test_margin_basis_parent_judges_the_link_the_router_chose(block):
    weak_radio = replace(WEAK_OK, radio=replace(WEAK_OK.radio, tx_power_dbm=-30.0))
    by_route = plan_site(block, FAST, weak_radio, seed=3)
    it = by_route.iterations[0]
    # The ETX router takes a direct link below the sensitivity although a route of strong links exists.
    assert it.min_link_margin_db < 0 < it.min_route_margin_db
    assert by_route.delivering and len(by_route.iterations) == 1
    by_parent = plan_site(block, replace(FAST, margin_basis="parent"), weak_radio, seed=3)
    assert "parent link margin < 0 dB" in by_parent.iterations[0].reason
    with pytest.raises(InputError, match=r"^plan\.margin_basis: 'best' is not allowed; allowed: route, parent$"):
        check_plan_config(replace(FAST, margin_basis="best"))


def test_plan_rejects_bad_settings_and_dr_points(block):
    with pytest.raises(InputError, match=r"^plan\.verify_days: must be > 0, got 0$"):
        plan_site(block, replace(FAST, verify_days=0), MESH, 1)
    with pytest.raises(InputError, match=r"^plan\.max_hops: must be within 1\.\.30, got 31$"):
        check_plan_config(replace(FAST, max_hops=31))
    with pytest.raises(InputError, match=r"^plan\.install_date: expected an ISO date YYYY-MM-DD, got '1/2/27'$"):
        check_plan_config(replace(FAST, install_date="1/2/27"))
    water = next(m.meter_id for m in block.meters if m.kind == MeterKind.WATER)
    with pytest.raises(InputError, match=f"^plan: DR point '{water}' is a water meter"):
        plan_site(block, FAST, MESH, 1, dr_meter_ids=[water])


def test_plan_config_is_a_structured_config():
    cfg = OmegaConf.structured(PlanConfig)
    cfg.prices.ad220 = 20
    obj = OmegaConf.to_object(cfg)
    assert isinstance(obj, PlanConfig) and obj.prices.ad220 == 20 and obj.points_per_shift == 145


@pytest.fixture(scope="module")
def block_plan(block):
    return plan_site(block, replace(FAST, dr_share=0.5, battery_days=0.2), MESH, seed=3)


def test_block_plan_delivers_with_dr_modules(block_plan):
    plan = block_plan
    assert plan.delivering and len(plan.dr_meter_ids) == 9
    assert len(plan.site.concentrators) == 1
    _check_wiring(plan.site, plan.site.meters, plan.site.modules, set(plan.dr_meter_ids))
    assert plan.battery_summary["simulated_days"] == pytest.approx(0.2 + 0.5 / 24)
    assert plan.summary["simulated_days"] == pytest.approx(0.1 + 0.5 / 24)


# --- BoM, shifts, schedule, outputs -----------------------------------------------------------


def test_install_shifts():
    assert [install_shifts(n, 145) for n in (0, 1, 145, 146, 290, 864)] == [0, 1, 1, 2, 2, 6]
    assert install_shifts(150, 150) == 1


def _hand_plan():
    """20 points: 8 electricity (2 DR), 6 water, 4 gas, 2 heat; modules wired, one J100UC, no mesh run."""
    kinds = ["electricity"] * 8 + ["water"] * 6 + ["gas"] * 4 + ["heat"] * 2
    pts = [Point(f"P{i:02d}", "B1", 0, f"{i}", MeterKind(k), 20.0 * i, 0.0) for i, k in enumerate(kinds)]
    site = build_site(pts, [f"row {i + 2}" for i in range(len(pts))], "hand.csv", "hand")
    meters, modules = wire_modules(site, ["P00", "P01"], 10.0, 3.0)
    modules, hubs = place_k(modules, 1, 3.0)
    site = replace(site, meters=meters, modules=modules, concentrators=hubs)
    return Plan(site, {}, [], [], True, "", ["P00", "P01"])


def test_bom_arithmetic_by_hand():
    plan = _hand_plan()
    assert len(plan.site.modules) == 20  # 20 m apart: one module per point
    cfg = replace(FAST, spare_batteries_pct=5.0, points_per_shift=145)
    df = bom(plan, PRICES, cfg)
    assert list(df.columns) == ["item", "description", "quantity", "unit_price", "total", "currency"]
    got = {r.item: (r.quantity, r.unit_price, r.total) for r in df.itertuples()}
    assert got == {
        "d100fc": (20, 40.0, 800.0),
        "j100uc": (1, 500.0, 500.0),
        "pulse_sensor_gas": (4, 12.5, 50.0),
        "pulse_sensor_water": (6, 8.0, 48.0),
        "battery_er18505": (21, 7.0, 147.0),  # 20 fitted + ceil(5 % of 20) = 1 spare
        "ad220": (2, 20.0, 40.0),
        "contactor": (2, 15.0, 30.0),
        "installation_per_point": (20, 5.0, 100.0),
    }
    assert capex(df) == 800 + 500 + 50 + 48 + 147 + 40 + 30 + 100
    assert set(df["currency"]) == {"EUR"}
    spares = {r.item: r.quantity for r in bom(plan, PRICES, replace(cfg, spare_batteries_pct=12.0)).itertuples()}
    assert spares["battery_er18505"] == 20 + 3  # ceil(2.4)


def test_bom_price_errors_name_the_key():
    plan = _hand_plan()
    with pytest.raises(InputError) as exc:
        bom(plan, replace(PRICES, ad220=None), FAST)
    assert str(exc.value) == "plan.prices.ad220: missing, needed for 2 DR points"
    with pytest.raises(InputError, match=r"^plan\.prices\.j100uc: must be >= 0, got -1$"):
        bom(plan, replace(PRICES, j100uc=-1.0), FAST)
    # An item the plan does not need needs no price and gets no row.
    no_dr = replace(plan, dr_meter_ids=[])
    df = bom(no_dr, replace(PRICES, ad220=None, contactor=None), FAST)
    assert "ad220" not in set(df["item"]) and "contactor" not in set(df["item"])


def _node(node_id: str, life: float, hops: int = 1) -> NodeRecord:
    return NodeRecord(node_id, "module", 0.0, 0.0, 0, 0, 1, "ok", "J01", "J01", hops, 10.0, 1.0,
                      relayed_per_day=2.0 * hops, battery_life_years=life)


def test_battery_schedule_is_sorted_by_date_with_yearly_counts():
    nodes = [_node("M1", 5.0), _node("M2", float("nan")), _node("M3", 2.0, hops=2), _node("M0", 5.0),
             _node("M4", 2.4), NodeRecord("J01", "concentrator", 0, 0, 0, 0, 0, "ok", "J01", "", 0, 0.0, 0.0)]
    plan = Plan(_hand_plan().site, {}, nodes, [], True, "", [])
    sched = battery_schedule(plan, "2027-01-01")
    assert list(sched.columns) == ["module_id", "concentrator_id", "hops", "relayed_per_day", "battery_life_years",
                                   "replace_by"]
    assert list(sched["module_id"]) == ["M3", "M4", "M0", "M1", "M2"]
    start = dt.date(2027, 1, 1)
    assert sched["replace_by"][0] == start + dt.timedelta(days=2 * 365.25)
    assert sched["replace_by"][2] == start + dt.timedelta(days=5 * 365.25) == dt.date(2032, 1, 1)
    assert sched["replace_by"][4] is None and math.isnan(sched["battery_life_years"][4])
    years = replacements_by_year(sched)
    assert years.to_dict("list") == {"year": [2028, 2029, 2032], "replacements": [1, 1, 2], "cumulative": [1, 2, 4]}


def test_write_plan_files(tmp_path, block_plan):
    cfg = replace(FAST, prices=PRICES, dr_share=0.5)
    df = bom(block_plan, cfg.prices, cfg)
    summary = write_plan(tmp_path, block_plan, df, cfg, origin_lonlat=(28.85, 47.02))
    for name in ("bom.csv", "summary.json", "battery_schedule.csv", "battery_by_year.csv", "map.png", "modules.csv",
                 "concentrators.csv", "site.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == summary
    for key in ("meters", "modules", "concentrators", "max_hops", "pdr_final", "install_shifts", "capex", "currency",
                "iterations", "battery_life_years_min", "delivering"):
        assert key in summary, key
    assert summary["meters"] == 54 and summary["install_shifts"] == 1 and summary["dr_points"] == 9
    assert summary["capex"] == pytest.approx(capex(df))
    mods = pd.read_csv(tmp_path / "modules.csv")
    assert list(mods.columns[:7]) == ["module_id", "concentrator_id", "x_m", "y_m", "floor", "building", "meter_ids"]
    assert len(mods) == len(block_plan.site.modules) and (mods["max_cable_m"] <= 10.0).all()
    assert mods["ad220_meter_id"].notna().sum() == 9 and {"lon", "lat"} <= set(mods.columns)
    sched = pd.read_csv(tmp_path / "battery_schedule.csv")
    assert list(sched["replace_by"]) == sorted(sched["replace_by"])
    assert json.loads((tmp_path / "site.json").read_text())["modules"]


def test_points_name_houses_building_types_existing_concentrators_and_mains(tmp_path):
    header = "point_id,building,floor,flat,kind,x_m,y_m,dwelling,building_type\n"
    rows = [f"H{h}E,H{h},0,1,electricity,{60.0 * h},0,house,timber_house\n" for h in range(4)]
    rows += ["B1E,B1,3,12,electricity,300,0,flat,\n", "B1W,B1,3,12,water,302,0,,panel_concrete\n",
             "J_OLD,,0,,j100uc,0,5,,\n", "MAINS1,,-1,,mains,300,5,,\n", "MAINS2,,0,,mains,150,5,,\n"]
    path = tmp_path / "p.csv"
    path.write_text(header + "".join(rows))
    pts = load_points(path)
    assert [c.concentrator_id for c in pts.existing_concentrators] == ["J_OLD"]
    assert [(m.x_m, m.floor) for m in pts.mains] == [(300.0, -1), (150.0, 0)]
    kinds = {c.consumer_id: c.kind for c in pts.site.consumers}
    assert kinds["H0/1"] == "house" and kinds["B1/12"] == "flat"
    types = {g.group_id: g.building_type for g in pts.site.groups if g.level.value == "building"}
    assert types == {"H0": "timber_house", "H1": "timber_house", "H2": "timber_house", "H3": "timber_house",
                     "B1": "panel_concrete"}
    assert len(pts.site.meters) == 6
    # Two J100UC in all: the existing one is kept, the new one goes to a mains point.
    mods, hubs = place_with_constraints(wire_modules(pts.site, [], 10.0, 3.0)[1], 2, 3.0,
                                        pts.existing_concentrators, pts.mains)
    assert hubs[0].concentrator_id == "J_OLD" and hubs[1].position in pts.mains
    with pytest.raises(InputError, match=r"3 new J100UC needed but only 2 mains point\(s\) given \(plus 1 existing"):
        place_with_constraints(mods, 4, 3.0, pts.existing_concentrators, pts.mains)


def test_points_with_conflicting_building_types_name_the_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("point_id,building,floor,flat,kind,x_m,y_m,building_type\n"
                    "A,B1,0,1,electricity,0,0,brick\nB,B1,0,2,electricity,3,0,panel_concrete\n")
    with pytest.raises(InputError, match=r"row 3, column 'building_type': 'panel_concrete' differs from 'brick'"):
        load_points(path)
    path.write_text("point_id,building,floor,flat,kind,x_m,y_m,dwelling\nA,B1,0,1,electricity,0,0,villa\n")
    with pytest.raises(InputError, match=r"row 2, column 'dwelling': unknown dwelling 'villa'"):
        load_points(path)


def test_plan_keeps_existing_concentrators_and_adds_new_ones_only_at_mains(tmp_path):
    # Two groups of houses 2 km apart: the existing J100UC serves the first; the second
    # needs a new one, which must go to the only mains point (not to the houses' medoid).
    header = "point_id,building,floor,flat,kind,x_m,y_m,dwelling\n"
    rows = [f"A{h},A{h},0,1,electricity,{30.0 * h},0,house\n" for h in range(3)]
    rows += [f"B{h},B{h},0,1,electricity,{2000 + 30.0 * h},0,house\n" for h in range(3)]
    rows += ["J_OLD,,0,,j100uc,15,5,\n", "M1,,0,,mains,2080,0,\n"]
    path = tmp_path / "p.csv"
    path.write_text(header + "".join(rows))
    pts = load_points(path)
    plan = plan_site(pts.site, FAST, MESH, seed=1, existing=pts.existing_concentrators, mains=pts.mains)
    assert plan.delivering
    hubs = {c.concentrator_id: c.position for c in plan.site.concentrators}
    assert set(hubs) == {"J_OLD", next(k for k in hubs if k != "J_OLD")} and len(hubs) == 2
    new = [p for k, p in hubs.items() if k != "J_OLD"]
    assert new == [pts.mains[0]]


def test_plan_that_runs_out_of_mains_points_says_so(tmp_path):
    header = "point_id,building,floor,flat,kind,x_m,y_m,dwelling\n"
    rows = [f"A{h},A{h},0,1,electricity,{30.0 * h},0,house\n" for h in range(3)]
    rows += [f"B{h},B{h},0,1,electricity,{2000 + 30.0 * h},0,house\n" for h in range(3)]
    rows += ["M1,,0,,mains,10,0,\n"]
    path = tmp_path / "p.csv"
    path.write_text(header + "".join(rows))
    pts = load_points(path)
    plan = plan_site(pts.site, FAST, MESH, seed=1, mains=pts.mains)
    assert not plan.delivering and len(plan.iterations) == 1
    assert plan.reason.startswith("plan: 2 new J100UC needed but only 1 mains point(s) given (plus 0 existing J100UC): "
                                  "3 module(s) without a route")
    assert [c.position for c in plan.site.concentrators] == [pts.mains[0]]
