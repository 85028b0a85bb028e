"""mesh/topology.geojson: parsed back, every node and route link where the run put them."""

from __future__ import annotations

import json
import math

import pytest

from mesh_sim.city import run_site
from mesh_sim.config import MeshConfig
from mesh_sim.geojson import mesh_feature_collection, write_topology_geojson
from scenarios.generators import RuralConfig, make_rural_street
from scenarios.site import Position

ORIGIN = (27.5667, 53.9)  # lon, lat


def haversine_m(a, b):
    """Great-circle distance between two (lon, lat) points, m (mean Earth radius)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def run():
    site = make_rural_street(RuralConfig(houses=40), seed=4)
    far = site.modules[-1]
    far.position = Position(far.position.x_m + 30_000.0, far.position.y_m, 0)  # 30 km away: no route
    cfg = MeshConfig()
    cfg.days = 1
    return site, run_site(site, cfg, seed=4)


def test_topology_geojson_parses_back_with_nodes_links_and_unreachable(tmp_path, run):
    site, result = run
    path = write_topology_geojson(tmp_path / "topology.geojson", result.nodes, ORIGIN)
    data = json.loads(path.read_text())
    assert data["type"] == "FeatureCollection" and data["crs_note"] == "WGS84 lon/lat"
    points = {f["id"]: f for f in data["features"] if f["geometry"]["type"] == "Point"}
    links = [f for f in data["features"] if f["geometry"]["type"] == "LineString"]
    assert set(points) == {n.node_id for n in result.nodes}
    unreachable = {i for i, f in points.items() if f["properties"]["unreachable"]}
    assert unreachable == {site.modules[-1].module_id}
    routed = [n for n in result.nodes if n.kind == "module" and n.status == "ok"]
    assert len(links) == len(routed) > 0
    assert max(f["properties"]["hop"] for f in links) >= 2  # relayed routes are drawn hop by hop
    by_id = {n.node_id: n for n in result.nodes}
    for f in links:
        p = f["properties"]
        node, parent = by_id[p["from"]], by_id[p["to"]]
        assert p["to"] == node.parent_id and p["hop"] == node.hops >= 1
        assert p["margin_db"] == pytest.approx(node.link_margin_db, abs=0.01)
        a, b = f["geometry"]["coordinates"]
        assert a == points[node.node_id]["geometry"]["coordinates"]
        assert b == points[parent.node_id]["geometry"]["coordinates"]
        local = math.hypot(node.x_m - parent.x_m, node.y_m - parent.y_m)
        assert haversine_m(a, b) == pytest.approx(local, rel=1e-3, abs=0.01)


def test_local_frame_without_origin_keeps_metres(run):
    _, result = run
    data = mesh_feature_collection(result.nodes, None)
    assert data["origin_lonlat"] is None and "metres" in data["crs_note"]
    n = result.nodes[0]
    first = next(f for f in data["features"] if f["id"] == n.node_id)
    assert first["geometry"]["coordinates"] == [round(n.x_m, 3), round(n.y_m, 3)]
