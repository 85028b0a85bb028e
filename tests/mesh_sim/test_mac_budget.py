"""Closed-form relay budgets (mesh_sim.mac_budget) against whole-subnet simulations.

The closed forms are arithmetic on air times; the simulator books radio time event by event
(mesh_sim.mac, mesh_sim.mac_schemes). A cluster of 25 modules reporting hourly (Poisson) reaches
the J100UC only through one relay, so the relay forwards 600 packets a day.
"""

from dataclasses import replace

import numpy as np
import pytest

from mesh_sim.checks import _distance_for_loss, _nodes, _ring, cluster_hop_margin_db, quiet
from mesh_sim.config import MeshConfig
from mesh_sim.mac_budget import mean_strobes, relay_budget
from mesh_sim.subnet import Subnet

CHILDREN = 25


def cluster_run(cfg: MeshConfig, seed: int = 3):
    hop = _distance_for_loss(114.0 - cluster_hop_margin_db(cfg), cfg)
    ids, x, y = _ring(CHILDREN, 5.0, (2.0 * hop, 0.0), start=1)
    nodes = _nodes(["M0000"] + ids + ["J0001"], [hop] + x + [0.0], [0.0] + y + [0.0])
    run_cfg = replace(quiet(cfg), traffic=replace(cfg.traffic, poisson=True, broadcasts_per_day=0.0,
                                                  downlink_per_day=0.0))
    return Subnet(nodes, [3] * (CHILDREN + 1) + [0], [False] * (CHILDREN + 1) + [True], run_cfg, seed).run()


def test_mean_strobes_closed_form():
    # Integer number of periods: E[ceil(u/p)] = (m + 1) / 2.
    assert mean_strobes(1.0, 0.25) == pytest.approx(1.0 + 2.5)
    rng = np.random.default_rng(0)
    u = rng.uniform(0.0, 1.0, 400_000)
    assert mean_strobes(1.0, 0.3) == pytest.approx(np.mean(np.ceil(u / 0.3)) + 1.0, rel=2e-3)


@pytest.mark.parametrize("scheme, wake_s", [("wisemac", 30.0), ("sync", 30.0), ("xmac", 1.0)])
def test_relay_of_600_packets_matches_closed_form(scheme, wake_s):
    base = MeshConfig(days=3.0)
    cfg = replace(base, mac=replace(base.mac, scheme=scheme, wake_interval_s=wake_s))
    res = cluster_run(cfg)
    relay = res.nodes[0]
    expected = relay_budget(cfg, scheme, relay.relayed_per_day, own_per_day=24.0, child_interval_s=3600.0,
                            parent_always_on=True)
    assert relay.relayed_per_day == pytest.approx(600.0, rel=0.05)
    assert relay.avg_current_ua == pytest.approx(expected["total_ua"], rel=0.05), (
        relay.current_breakdown_ua, expected)
    assert relay.battery_life_years == pytest.approx(expected["battery_years"], rel=0.05)


@pytest.mark.parametrize("scheme, wake_s", [("wisemac", 30.0), ("sync", 30.0), ("xmac", 1.0), ("xmac", 4.0)])
def test_leaf_sending_to_a_sleeping_relay_matches_closed_form(scheme, wake_s):
    base = MeshConfig(days=3.0)
    cfg = replace(base, mac=replace(base.mac, scheme=scheme, wake_interval_s=wake_s))
    res = cluster_run(cfg)
    leaves = res.nodes[1:CHILDREN + 1]
    relay_gap_s = 86_400.0 / (res.nodes[0].relayed_per_day + 24.0)
    expected = relay_budget(cfg, scheme, 0.0, own_per_day=24.0, parent_always_on=False,
                            parent_age_s=relay_gap_s)
    simulated = float(np.mean([m.avg_current_ua for m in leaves]))
    assert simulated == pytest.approx(expected["total_ua"], rel=0.05), (leaves[0].current_breakdown_ua, expected)
