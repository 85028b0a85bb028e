"""A city of subnets: split a site per concentrator, run the subnets (in parallel), merge."""

import copy
from dataclasses import replace

import numpy as np
import pytest

from mesh_sim.city import merge, run_site, run_subnet, split_site
from mesh_sim.config import MeshConfig
from mesh_sim.summary import summarize
from scenarios.generators.district import DistrictConfig, make_district

#: One block, 3 entrances x 9 floors x 9 flats, 3 meters a flat: 243 modules, more than one
#: J100UC takes (240), so the generator places two.
SITE_CFG = DistrictConfig(buildings=1, streets=1, entrances=3, floors=9, flats_per_floor=9,
                          water=True, gas=True, group_meters=False)
CFG = MeshConfig(days=0.1, drain_h=0.5)
CFG = replace(CFG, traffic=replace(CFG.traffic, broadcasts_per_day=0.0, downlink_per_day=0.0))
WALL = ("wall_s", "events_per_s")


@pytest.fixture(scope="module")
def site():
    return make_district(SITE_CFG, 1)


def test_district_has_two_concentrators(site):
    assert len(site.modules) == 243
    assert len(site.concentrators) == 2


def test_split_site_covers_every_module_once(site):
    specs = split_site(site, 7)
    assert [s.name for s in specs] == [c.concentrator_id for c in site.concentrators]
    assert [s.seed for s in specs] == [7, 8]
    ids = [nid for s in specs for nid, c in zip(s.nodes.node_ids, s.is_concentrator) if not c]
    assert sorted(ids) == sorted(m.module_id for m in site.modules)
    assert len(ids) == len(set(ids))
    meters = {m.module_id: len(m.meter_ids) for m in site.modules}
    for s in specs:
        n = len(s.nodes)
        assert s.is_concentrator == (False,) * (n - 1) + (True,)
        assert s.nodes.node_ids[-1] == s.name
        assert s.meters[-1] == 0
        assert list(s.meters[:-1]) == [meters[i] for i in s.nodes.node_ids[:-1]]
        assert len(s.nodes.x_m) == len(s.nodes.building) == n
        # Each module sits with the concentrator the site assigns it to.
        owner = {m.module_id: m.concentrator_id for m in site.modules}
        assert all(owner[i] in (s.name, None) for i in s.nodes.node_ids[:-1])
    assert sum(len(s.nodes) for s in specs) == 243 + 2


def test_split_site_unassigned_module_joins_nearest_concentrator(site):
    site = copy.deepcopy(site)
    c0, c1 = site.concentrators
    m = site.modules[0]
    m.concentrator_id = None
    m.position = replace(m.position, x_m=c1.position.x_m + 1.0, y_m=c1.position.y_m)
    specs = split_site(site, 0)
    where = [s.name for s in specs if m.module_id in s.nodes.node_ids]
    assert where == [c1.concentrator_id]


def test_split_site_without_concentrator_is_one_subnet(site):
    site = copy.deepcopy(site)
    site.concentrators = []
    specs = split_site(site, 3)
    assert len(specs) == 1 and specs[0].name == "site" and not any(specs[0].is_concentrator)
    assert len(specs[0].nodes) == 243


def test_run_site_is_the_same_in_one_or_two_processes(site):
    one = run_site(site, CFG, 5, workers=1)
    two = run_site(site, CFG, 5, workers=2)
    s1, s2 = summarize(one), summarize(two)
    assert {k: v for k, v in s1.items() if k not in WALL} == {k: v for k, v in s2.items() if k not in WALL}
    np.testing.assert_array_equal(one.reading_latency_s, two.reading_latency_s)
    assert [n.node_id for n in one.nodes] == [n.node_id for n in two.nodes]
    assert s1["subnets"] == 2 and s1["concentrators"] == 2 and s1["modules"] == 243
    assert s1["meters"] == 729
    # 0.1 day = 2.4 h of hourly reports: 2 or 3 per module.
    assert 2 * 729 <= s1["readings_generated"] <= 3 * 729


def test_merge_concatenates(site):
    specs = split_site(site, 5)
    parts = [run_subnet(s, CFG) for s in specs]
    m = merge(parts)
    kinds = [n.kind for n in m.nodes]
    assert kinds == ["module"] * 243 + ["concentrator"] * 2
    assert [n.node_id for n in m.nodes[:243]] == [n.node_id for p in parts for n in p.nodes if n.kind == "module"]
    assert [n.node_id for n in m.nodes[243:]] == [s.name for s in specs]
    np.testing.assert_array_equal(m.reading_latency_s, np.concatenate([p.reading_latency_s for p in parts]))
    np.testing.assert_array_equal(m.reading_meters, np.concatenate([p.reading_meters for p in parts]))
    for key in ("readings_generated", "readings_delivered", "readings_dropped", "first_attempt_readings",
                "events", "reroutes", "downlink_sent"):
        assert getattr(m, key) == sum(getattr(p, key) for p in parts), key
    assert m.extra["transmissions"] == sum(p.extra["transmissions"] for p in parts)
    assert m.extra["subnets"] == 2
    assert m.broadcast_latency_s.shape == (0, 243)
    # The same as run_site with one worker.
    whole = run_site(site, CFG, 5, workers=1)
    assert summarize(whole)["readings_delivered"] == m.readings_delivered
    assert merge([parts[0]]) is parts[0]


def test_merge_pads_broadcast_rows():
    from mesh_sim.records import MeshResult

    def res(bl):
        bl = np.asarray(bl, float)
        return MeshResult(nodes=[], reading_latency_s=np.zeros(0), reading_meters=np.zeros(0, int),
                          first_attempt_readings=0, readings_generated=0, readings_delivered=0,
                          readings_dropped=0, broadcast_latency_s=bl, downlink_latency_s=np.zeros(0),
                          downlink_sent=0, clock_error_ms=np.zeros(0), events=0, wall_s=0.0,
                          duration_s=0.0)

    m = merge([res([[1.0, 2.0], [3.0, 4.0]]), res([[5.0]])])
    np.testing.assert_array_equal(m.broadcast_latency_s, [[1.0, 2.0, 5.0], [3.0, 4.0, np.nan]])


def test_fault_reaches_only_its_own_subnet(site):
    """A fault on the second J100UC stops that subnet alone; a fault on no node is bad input."""
    from mesh_sim.config import FaultConfig
    from scenarios.errors import InputError

    second = site.concentrators[1].concentrator_id
    down = replace(CFG, faults=[FaultConfig(kind="node_down", node_id=second, at_h=0.0)])
    res = run_site(site, down, 3, workers=1)
    by_conc = {r.node_id: r for r in res.nodes if r.kind == "concentrator"}
    assert by_conc[second].status == "down"
    assert by_conc[site.concentrators[0].concentrator_id].status == "ok"
    served = {r.concentrator_id for r in res.nodes if r.kind == "module" and r.readings_delivered > 0}
    assert served == {site.concentrators[0].concentrator_id}
    with pytest.raises(InputError, match=r"mesh\.faults\[0\]\.node_id"):
        run_site(site, replace(CFG, faults=[FaultConfig(node_id="NOPE")]), 3, workers=1)
