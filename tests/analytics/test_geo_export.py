"""plan/map.geojson and plan/map.kml parsed back: same nodes, links and unreachable modules."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from analytics.planning.geo_export import write_plan_geo
from analytics.planning.planner import Plan
from mesh_sim.city import run_site
from mesh_sim.config import MeshConfig
from scenarios.generators import RuralConfig, make_rural_street
from scenarios.site import Position

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def plan():
    site = make_rural_street(RuralConfig(houses=8), seed=5)
    far = site.modules[-1]
    far.position = Position(far.position.x_m, far.position.y_m + 40_000.0, 0)
    cfg = MeshConfig()
    cfg.days = 1
    result = run_site(site, cfg, seed=5)
    return Plan(site=site, summary={}, nodes=result.nodes, iterations=[], delivering=False, reason="test",
                result=result)


def _kml_placemarks(path):
    root = ET.parse(path).getroot()
    out = {}
    for folder in root.iter(f"{KML}Folder"):
        title = folder.find(f"{KML}name").text
        for mark in folder.findall(f"{KML}Placemark"):
            coords = mark.find(f".//{KML}coordinates").text.split()
            data = {d.get("name"): d.find(f"{KML}value").text for d in mark.iter(f"{KML}Data")}
            out[mark.find(f"{KML}name").text] = (title, [tuple(map(float, c.split(",")[:2])) for c in coords], data)
    return out


def test_plan_map_geojson_and_kml_agree(tmp_path, plan):
    origin = (28.8575, 47.0056)
    geo, kml = write_plan_geo(tmp_path, plan, origin)
    data = json.loads(geo.read_text())
    marks = _kml_placemarks(kml)
    assert len(marks) == len(data["features"])
    for f in data["features"]:
        title, coords, props = marks[f["id"]]
        g = f["geometry"]["coordinates"]
        expected = [tuple(g)] if f["geometry"]["type"] == "Point" else [tuple(c) for c in g]
        assert len(coords) == len(expected)
        for got, want in zip(coords, expected):
            assert got == pytest.approx(want, abs=1e-8)
        if f["properties"]["kind"] == "link":
            assert title == "Mesh links" and int(props["hop"]) == f["properties"]["hop"]
            assert float(props["margin_db"]) == pytest.approx(f["properties"]["margin_db"])
    far = plan.site.modules[-1].module_id
    assert marks[far][0] == "Unreachable modules"
    assert data["features"][[f["id"] for f in data["features"]].index(far)]["properties"]["unreachable"]
    modules = {f["id"]: f for f in data["features"] if f["properties"].get("kind") == "module"}
    for mod in plan.site.modules:
        assert modules[mod.module_id]["properties"]["meter_ids"] == mod.meter_ids
    assert {f["id"] for f in data["features"] if f["properties"].get("kind") == "concentrator"} == \
        {c.concentrator_id for c in plan.site.concentrators}


def test_plan_map_without_geo_reference_says_so(tmp_path, plan):
    geo, kml = write_plan_geo(tmp_path, plan, None)
    assert json.loads(geo.read_text())["origin_lonlat"] is None
    root = ET.parse(kml).getroot()
    assert "Not geo-referenced" in root.find(f"{KML}Document/{KML}description").text
