"""Depth: a 30-hop chain of houses, and the mesh_deep site under the default building types."""

from dataclasses import replace

import numpy as np
import pytest

from mesh_sim.bands import band
from mesh_sim.building_types import building_type
from mesh_sim.checks import quiet
from mesh_sim.config import MeshConfig
from mesh_sim.linkstate import LinkState
from mesh_sim.propagation import Nodes, fspl_db
from mesh_sim.subnet import Subnet
from mesh_sim.summary import summarize
from mesh_sim.topology import admissible_links
from scenarios.generators.deep import DeepConfig, make_block_and_street
from mesh_sim.city import split_site


def house_chain(n: int, hop_margin_db: float):
    """``n`` brick houses on a line towards a J100UC in the last house, each hop ``hop_margin_db`` above sensitivity."""
    b = band("433")
    brick = building_type("brick")
    budget = b.tx_power_dbm - b.sensitivity_dbm
    # budget - margin = FSPL(1 m) + 10 n log10 d + two entry losses.
    d = 10 ** ((budget - hop_margin_db - fspl_db(1.0, b.frequency_mhz) - 2 * brick.entry_loss_db)
               / (10 * b.outdoor_exponent))
    ids = [f"M{k:02d}" for k in range(n)] + ["J0"]
    x = np.array([d * (n - k) for k in range(n)] + [0.0])
    nodes = Nodes(tuple(ids), x, np.zeros(n + 1), np.zeros(n + 1, np.int64),
                  np.arange(n + 1, dtype=np.int64), ("brick",) * (n + 1))
    return nodes, [3] * n + [0], [False] * n + [True]


def test_thirty_hop_chain_routes_every_module_and_delivers():
    cfg = quiet(MeshConfig(days=0.25, drain_h=2.0))
    nodes, meters, conc = house_chain(30, hop_margin_db=12.0)
    net = Subnet(nodes, meters, conc, cfg, seed=1)
    # Two houses apart is 30 log10 2 = 9 dB weaker: 3 dB, below the 6 dB fade margin.
    ok = admissible_links(net.link.static_margin_db, net.link.mean_margin_db, cfg.topology)
    assert ok[0, 1] and not ok[0, 2]
    res = net.run()
    hops = {r.node_id: r.hops for r in res.nodes}
    assert [hops[f"M{k:02d}"] for k in range(30)] == list(range(30, 0, -1))
    s = summarize(res)
    assert s["max_hops"] == 30
    assert s["pdr_final"] == pytest.approx(1.0)


def test_a_31st_hop_is_refused_by_the_protocol_limit():
    cfg = quiet(MeshConfig(days=0.05, drain_h=0.5))
    nodes, meters, conc = house_chain(31, hop_margin_db=12.0)
    net = Subnet(nodes, meters, conc, cfg, seed=1)
    assert net.routes.hops[0] == -1 and net.routes.hops[1] == 30
    assert 0 in net.routes.unreachable


def test_deep_site_size_and_depth_come_from_the_building_types():
    site = make_block_and_street(DeepConfig(), seed=42)
    assert len(site.modules) >= 240 and sum(len(m.meter_ids) for m in site.modules) >= 720
    assert len(site.modules) <= 240 and sum(len(m.meter_ids) for m in site.modules) <= 720
    assert site.concentrators[0].position.floor == -1
    spec = split_site(site, 42, MeshConfig().radio)[0]
    assert set(spec.nodes.building_type) == {"panel_concrete", "brick"}
    conc = np.flatnonzero(spec.is_concentrator)[0]
    assert spec.nodes.building[conc] == spec.nodes.building[0]   # the J100UC is in the block
    depth = {case: fewest_hops(spec, case).max() for case in ("optimistic", "nominal", "harsh")}
    assert depth["nominal"] >= 10
    assert depth["optimistic"] < depth["nominal"] < depth["harsh"]


def fewest_hops(spec, case: str) -> np.ndarray:
    """Fewest hops to the J100UC over the links the router may use (mean loss, fade margin)."""
    radio = replace(MeshConfig().radio, shadowing=False, case=case)
    link = LinkState(spec.nodes, radio, spec.seed)
    ok = admissible_links(link.static_margin_db, link.mean_margin_db, MeshConfig().topology)
    conc = int(np.flatnonzero(spec.is_concentrator)[0])
    hops = np.full(len(ok), -1)
    hops[conc], frontier, h = 0, [conc], 0
    while frontier:
        h += 1
        nxt = np.flatnonzero(ok[frontier].any(axis=0) & (hops < 0))
        hops[nxt] = h
        frontier = list(nxt)
    assert (hops >= 0).all(), f"{case}: a module has no route"
    return hops


def test_rejoining_a_former_parent_relearns_its_phase():
    # A module that goes back to a parent it last heard days ago joins it again (handshake):
    # without this the stale contact forced a full-interval preamble on every later packet,
    # which snowballed into congestion on the deep site after about two weeks.
    cfg = quiet(MeshConfig(days=0.05))
    cfg = replace(cfg, mac=replace(cfg.mac, scheme="wisemac"))    # phases are learnt per contact
    nodes, meters, conc = house_chain(3, hop_margin_db=12.0)
    net = Subnet(nodes, meters, conc, cfg, seed=1)
    i, p = 0, net.parent[0]
    now = 5 * 86_400.0
    net.mac.last_contact[i][p] = 0.0
    assert net.mac.preamble_s(i, p, now) == pytest.approx(cfg.mac.wake_interval_s)
    net._learn_parent_phases(now, old=list(net.parent))          # no change: nothing learnt
    assert net.mac.last_contact[i][p] == 0.0
    old = list(net.parent)
    old[i] = -1                                                  # i had another parent before
    net._learn_parent_phases(now, old=old)
    assert net.mac.preamble_s(i, p, now) == pytest.approx(cfg.mac.guard_s)


def test_deep_site_is_a_pure_function_of_its_config_and_seed():
    from scenarios.site_io import validate_site

    a = make_block_and_street(DeepConfig(floors=6, houses=10), seed=3)
    assert a == make_block_and_street(DeepConfig(floors=6, houses=10), seed=3)
    assert a != make_block_and_street(DeepConfig(floors=6, houses=10), seed=4)
    validate_site(a)
    assert {g.group_id for g in a.groups if g.level.value == "street"} == {"S1", "S2"}
