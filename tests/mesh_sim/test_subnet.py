"""Whole-subnet runs on small purpose-built scenarios, checked against hand arithmetic.

Scenarios are outdoor nodes (building -1) with shadowing and fading off (``checks.quiet``), so
every link is the log-distance budget and distances can be sized from the link margin as in
``checks.battery_life_claim``: 10 dBm TX, -104 dBm sensitivity, 114 dB budget, exponent 3.
"""

import math
from dataclasses import replace

import numpy as np
import pytest

from mesh_sim.checks import _distance_for_loss, _nodes, _ring, quiet
from mesh_sim.config import FaultConfig, MeshConfig
from mesh_sim.control import FLOOD_MARGIN_MIN_DB
from mesh_sim.propagation import fspl_db
from mesh_sim.subnet import Subnet
from mesh_sim.summary import summarize

BUDGET_DB = 10.0 + 104.0
T_W = 30.0
DATA_AIR = 40 * 8 / 38_400.0
# Links here are sized 2.5 dB above sensitivity to exercise retries and fading, so the
# routing fade margin (mesh.topology.fade_margin_db, 6 dB by default) is switched off, and
# routing uses exact ETX (the scenarios tell links apart by small PRR differences).
BASE = quiet(MeshConfig(days=1.0))
BASE = replace(BASE, topology=replace(BASE.topology, fade_margin_db=None, etx_resolution=0.0))
#: The LPL scheme whose long preambles several scenarios below are sized for.
WISEMAC = replace(BASE, mac=replace(BASE.mac, scheme="wisemac"))
#: Figures that depend on the wall clock.
WALL = ("wall_s", "events_per_s")


def hop_m(margin_db: float) -> float:
    """Outdoor distance at which a link has ``margin_db`` above sensitivity."""
    return _distance_for_loss(BUDGET_DB - margin_db, BASE)


def chain(n: int = 5, margin_db: float = 2.5):
    """``M0 .. M{n-1}`` on a line towards ``J0``: M{n-1} next to J0, M0 farthest.

    With 2.5 dB on each hop, two hops are 30 log10(2) = 9.0 dB weaker: -6.5 dB, below the
    flood margin (-6 dB) and far below the 0.5 PRR routing threshold.
    """
    d = hop_m(margin_db)
    ids = [f"M{k}" for k in range(n)] + ["J0"]
    x = [d * (n - k) for k in range(n)] + [0.0]
    return _nodes(ids, x, [0.0] * (n + 1)), [3] * n + [0], [False] * n + [True]


def star(n: int, radius_m: float = 20.0, extra=()):
    """``n`` modules on a ring around ``J0``, plus ``extra`` modules at given (x, y)."""
    ids, x, y = _ring(n, radius_m)
    for k, (ex, ey) in enumerate(extra):
        ids.append(f"X{k:04d}")
        x.append(ex)
        y.append(ey)
    m = len(ids)
    return _nodes(ids + ["J0"], x + [0.0], y + [0.0]), [3] * m + [0], [False] * m + [True]


def run(scenario, cfg, seed=1):
    nodes, meters, conc = scenario
    return Subnet(nodes, meters, conc, cfg, seed).run()


def by_id(res):
    return {n.node_id: n for n in res.nodes}


def stable(summary):
    return {k: v for k, v in summary.items() if k not in WALL}


# -- (1) reproducibility ---------------------------------------------------------------------------
def _building(n=10):
    """One block of flats: ``n`` modules over 4 floors, the concentrator on the ground floor."""
    ids = [f"M{k:02d}" for k in range(n)] + ["J0"]
    x = np.array([12.0 * (k % 3) for k in range(n)] + [6.0])
    y = np.array([9.0 * ((k // 3) % 2) for k in range(n)] + [0.0])
    floor = np.array([k % 4 for k in range(n)] + [0])
    from mesh_sim.propagation import Nodes
    return (Nodes(tuple(ids), x, y, floor, np.zeros(n + 1, np.int64)), [3] * n + [0],
            [False] * n + [True])


def test_same_seed_same_result_different_seed_different():
    # Everything on: shadowing, fading epochs, route refresh, floods, downlink commands.
    cfg = MeshConfig(days=0.25, drain_h=1.0)
    cfg = replace(cfg, radio=replace(cfg.radio, fade_period_h=1.0), topology=replace(cfg.topology, refresh_h=2.0),
                  traffic=replace(cfg.traffic, broadcasts_per_day=24.0, downlink_per_day=48.0))
    scen = _building()
    a, b, c = run(scen, cfg, 11), run(scen, cfg, 11), run(scen, cfg, 12)
    sa, sb, sc = summarize(a), summarize(b), summarize(c)
    assert stable(sa) == stable(sb)
    np.testing.assert_array_equal(a.reading_latency_s, b.reading_latency_s)
    np.testing.assert_array_equal(a.broadcast_latency_s, b.broadcast_latency_s)
    np.testing.assert_array_equal(a.clock_error_ms, b.clock_error_ms)
    np.testing.assert_array_equal([n.avg_current_ua for n in a.nodes], [n.avg_current_ua for n in b.nodes])
    assert a.events == b.events
    assert stable(sa) != stable(sc)
    assert not np.array_equal(a.reading_latency_s, c.reading_latency_s)
    assert sa["broadcast_coverage"] is not None and sa["downlink_delivery"] is not None


# -- (2) a chain -------------------------------------------------------------------------------------
def test_chain_hops_delivery_and_relaying():
    scen = chain()
    net = Subnet(*scen, BASE, 1)
    m = net.link.margin_db
    assert all(m[k, k + 1] == pytest.approx(2.5) for k in range(5))
    assert all(m[k, k + 2] == pytest.approx(2.5 - 30 * math.log10(2)) for k in range(4))
    assert all(m[k, k + 2] < FLOOD_MARGIN_MIN_DB for k in range(4))
    res = net.run()
    s = summarize(res)
    nodes = by_id(res)
    assert [nodes[f"M{k}"].hops for k in range(5)] == [5, 4, 3, 2, 1]
    assert [nodes[f"M{k}"].parent_id for k in range(5)] == ["M1", "M2", "M3", "M4", "J0"]
    assert all(nodes[f"M{k}"].concentrator_id == "J0" for k in range(5))
    assert s["max_hops"] == 5
    # Hourly reports for one day: 24 per module, 3 meters each.
    assert s["readings_generated"] == 5 * 24 * 3
    assert s["pdr_final"] == 1.0 and s["dropped_readings"] == 0
    # A relay forwards every report of the modules behind it: k * 24 a day.
    assert [nodes[f"M{k}"].relayed_per_day for k in range(5)] == [0.0, 24.0, 48.0, 72.0, 96.0]
    assert s["relayed_per_day_max"] == 96.0
    assert all(nodes[f"M{k}"].link_margin_db == pytest.approx(2.5) for k in range(5))
    assert all(nodes[f"M{k}"].status == "ok" for k in range(5))
    # tx_packets: own 24 plus relayed, each at least one attempt.
    assert [nodes[f"M{k}"].tx_packets >= 24 * (k + 1) for k in range(5)] == [True] * 5
    assert nodes["M4"].tx_packets == 120          # to the always-on J0, no collisions there


def test_chain_latency_is_at_most_a_wake_interval_per_hop_when_idle():
    # With learned wake-ups a hop waits for the receiver's next wake-up (< T_W) plus the
    # preamble (< 0.6 s for hourly contact); the last hop to the always-on J0 is immediate.
    res = run(chain(), BASE)
    lat = res.reading_latency_s
    assert lat.size == 5 * 24
    assert lat.min() >= 0.0
    assert lat.max() < 4 * (T_W + 1.0) + 3.0 * T_W   # 4 module hops, slack for a retry or two
    assert np.median(lat) < 4 * (T_W + 1.0)


# -- (3) store and forward ---------------------------------------------------------------------------
def test_concentrator_outage_is_bridged_by_store_and_forward():
    cfg = replace(BASE, faults=[FaultConfig(kind="node_down", node_id="J0", at_h=8.0, duration_h=3.0)])
    res = run(chain(), cfg)
    s = summarize(res)
    assert s["pdr_final"] == 1.0 and s["dropped_readings"] == 0
    lat = res.reading_latency_s
    # Reports of the first outage hour wait more than 2 h; none waits much longer than the
    # outage plus one hold (600 s * U(0.5, 1.5)) and the trip down the chain.
    assert lat.max() >= 2.0 * 3600.0
    assert np.sum(lat >= 3600.0) >= 2 * 5          # at least two hours' reports of 5 modules
    assert lat.max() <= 3 * 3600.0 + 900.0 + 600.0
    assert s["reroutes"] > 0
    assert by_id(res)["J0"].status == "ok" and s["down_modules"] == 0
    # pdr_first_attempt counts only readings that never needed a retry or re-route.
    assert s["pdr_first_attempt"] < 1.0


# -- (4) queue overflow --------------------------------------------------------------------------------
def test_queue_overflow_drops_are_counted():
    # One-packet queues and a 6 h concentrator outage; hourly route refresh forgets the links
    # that failed because a parent's queue was full. Afterwards everything held is delivered,
    # so every reading is either delivered or dropped.
    cfg = replace(BASE, days=0.5, drain_h=3.0, topology=replace(BASE.topology, refresh_h=1.0),
                  mac=replace(BASE.mac, queue_capacity_packets=1),
                  faults=[FaultConfig(kind="node_down", node_id="J0", at_h=1.0, duration_h=6.0)])
    # Seeds 3 and 4 include a relay whose queue fills while a child's packet is on its way
    # (the receiver must judge its room on arrival, else the reading vanishes uncounted).
    for seed in (1, 3, 4):
        res = run(chain(), cfg, seed)
        s = summarize(res)
        assert s["readings_generated"] == 5 * 12 * 3
        assert s["dropped_readings"] == s["readings_generated"] - s["readings_delivered"]
        for n in res.nodes[:5]:
            assert n.readings_dropped == n.readings_generated - n.readings_delivered
        # 6 outage reports x 5 modules = 30 packets, but the 5 queues store 5 of them at most.
        assert s["dropped_readings"] >= (30 - 5) * 3
        assert s["pdr_final"] < 1.0


def test_no_overflow_with_big_queues():
    cfg = replace(BASE, days=0.5, drain_h=3.0, topology=replace(BASE.topology, refresh_h=1.0),
                  faults=[FaultConfig(kind="node_down", node_id="J0", at_h=1.0, duration_h=6.0)])
    s = summarize(run(chain(), cfg))
    assert s["dropped_readings"] == 0 and s["pdr_final"] == 1.0


def test_packet_refused_by_a_full_relay_queue_is_counted_as_dropped():
    # The MAC without ACK cannot refuse a packet: a relay with a full queue loses it.
    from mesh_sim.packets import Packet

    cfg = replace(BASE, mac=replace(BASE.mac, queue_capacity_packets=2, ack=False))
    net = Subnet(*chain(3), cfg, 1)
    for seq in range(2):
        net.arrive(Packet(0, seq, 0.0, 3), 1)
    assert len(net.queues[1]) == 2 and net.relayed[1] == 2 and net.dropped == [0, 0, 0, 0]
    late = Packet(0, 2, 0.0, 3)
    net.arrive(late, 1)
    assert len(net.queues[1]) == 2
    assert net.dropped[0] == 3                   # booked to the origin's readings
    assert net.relayed[1] == 2                   # not forwarded
    net.arrive(Packet(0, 3, 0.0, 2), 3)          # the concentrator never refuses
    assert net.delivered[0] == 2


# -- (5) re-routing around a dead relay -----------------------------------------------------------------
def diamond():
    """J0 <- relays M0, M1 (5 dB hops) <- leaves M2 (near M0), M3 (near M1); leaves do not reach J0."""
    d = hop_m(5.0)
    return _nodes(["M0", "M1", "M2", "M3", "J0"], [d, d, 2 * d, 2 * d, 0.0],
                  [60.0, -60.0, 20.0, -20.0, 0.0]), [3] * 4 + [0], [False] * 4 + [True]


def test_children_of_a_dead_relay_reroute_through_the_other_relay():
    scen = diamond()
    net = Subnet(*scen, BASE, 1)
    assert net.parent[:4] == [4, 4, 0, 1]
    assert net.link.prr[2, 4] < BASE.topology.min_link_prr       # no direct way to J0
    cfg = replace(BASE, faults=[FaultConfig(kind="node_down", node_id="M0", at_h=3.0, duration_h=4.0)])
    res = run(scen, cfg)
    s = summarize(res)
    nodes = by_id(res)
    assert s["reroutes"] >= 2                    # M2 away from M0, and back after the repair
    assert nodes["M2"].delivery == 1.0 and nodes["M3"].delivery == 1.0
    assert s["pdr_final"] == 1.0                 # M0's own readings waited in its queue
    # Every leaf report is relayed exactly once: 2 x 24; the 4 reports M2 made during the
    # 4 h outage went through M1.
    assert nodes["M0"].relayed_per_day + nodes["M1"].relayed_per_day == 48.0
    assert nodes["M1"].relayed_per_day == pytest.approx(24.0 + 4.0, abs=1.0)
    assert nodes["M0"].status == "ok" and nodes["M2"].parent_id == "M0"


def test_children_of_a_dead_relay_without_alternative_wait():
    cfg = replace(BASE, faults=[FaultConfig(kind="node_down", node_id="M4", at_h=3.0, duration_h=None)])
    res = run(chain(), cfg)
    nodes = by_id(res)
    assert nodes["M4"].status == "down"
    # Its child's failed link told the mesh it is dead: it no longer counts as routed.
    assert nodes["M4"].parent_id == "" and nodes["M4"].hops == -1
    assert summarize(res)["down_modules"] == 1
    for k in range(4):
        assert nodes[f"M{k}"].parent_id == "" and nodes[f"M{k}"].hops == -1
        # Only the reports of the first 3 hours arrive.
        assert nodes[f"M{k}"].readings_delivered == 3 * 3


# -- (6) over-full subnet ------------------------------------------------------------------------------
def test_over_full_subnet_leaves_modules_out():
    cfg = replace(BASE, days=0.25, topology=replace(BASE.topology, modules_per_concentrator_max=10))
    res = run(star(12, 30.0), cfg)
    s = summarize(res)
    mods = [n for n in res.nodes if n.kind == "module"]
    left = [n for n in mods if n.status == "left_out"]
    assert len(left) == 2 and s["left_out_modules"] == 2
    # Equal ETX everywhere: admission by index, the last two are refused.
    assert [n.node_id for n in left] == ["M0010", "M0011"]
    for n in left:
        assert n.parent_id == "" and n.hops == -1 and n.concentrator_id == ""
        assert n.readings_generated > 0 and n.readings_delivered == 0
        assert math.isfinite(n.battery_life_years)
    assert sum(n.status == "ok" for n in mods) == 10
    assert s["pdr_final"] == pytest.approx(10 / 12)
    assert s["unreachable_modules"] == 0


# -- (7) unreachable module ------------------------------------------------------------------------------
def test_far_module_is_unreachable_with_its_best_margin():
    res = run(star(3, 30.0, extra=[(5000.0, 0.0)]), replace(BASE, days=0.25))
    nodes = by_id(res)
    far = nodes["X0000"]
    assert far.status == "unreachable" and far.hops == -1 and far.parent_id == ""
    # Best link: to the ring module at (30, 0), 4970 m away.
    loss = fspl_db(1.0, 433.92) + 30.0 * math.log10(4970.0)
    assert far.link_margin_db == pytest.approx(BUDGET_DB - loss, abs=1e-6)
    assert far.link_margin_db < -20.0
    assert far.readings_delivered == 0 and far.readings_generated > 0
    s = summarize(res)
    assert s["unreachable_modules"] == 1 and s["left_out_modules"] == 0


# -- (8) broadcasts ----------------------------------------------------------------------------------------
def test_broadcast_covers_a_dense_network_after_one_wake_interval():
    cfg = replace(WISEMAC, days=0.5, traffic=replace(BASE.traffic, broadcasts_per_day=24.0))
    res = run(star(6, 20.0), cfg)
    s = summarize(res)
    bl = res.broadcast_latency_s
    assert bl.shape == (12, 6)
    assert s["broadcast_coverage"] == 1.0
    # Everyone hears the concentrator's own flood: one full-wake-interval preamble + packet.
    assert bl.min() >= T_W
    assert np.median(bl) == pytest.approx(T_W + DATA_AIR, abs=0.5)


def test_broadcast_latency_grows_with_hop_count():
    cfg = replace(WISEMAC, traffic=replace(BASE.traffic, broadcasts_per_day=8.0))
    res = run(chain(), cfg, 2)
    s = summarize(res)
    assert s["broadcast_coverage"] == 1.0
    bl = res.broadcast_latency_s                  # columns M0..M4 = hops 5..1
    hops = np.array([5, 4, 3, 2, 1])
    jitter = cfg.traffic.broadcast_jitter_s
    for row in bl:
        assert np.all(np.diff(row) < 0)           # farther module, later
        assert np.all(row >= hops * (T_W + DATA_AIR) - 1e-6)
        assert np.all(row <= hops * (T_W + DATA_AIR + jitter) + 2.0)


def test_sync_broadcast_wave_descends_one_slot_per_hop():
    cfg = replace(BASE, traffic=replace(BASE.traffic, broadcasts_per_day=8.0))
    assert cfg.mac.scheme == "sync"
    res = run(chain(), cfg, 2)
    assert summarize(res)["broadcast_coverage"] == 1.0
    slot = cfg.mac.broadcast_slot_s
    for row in res.broadcast_latency_s:            # columns M0..M4 = hops 5..1
        depth_first = row[::-1]
        # Hop 1 hears the J100UC in slot 1 of the next wake interval ...
        assert depth_first[0] <= T_W + slot
        # ... and each further hop one slot later, in the same interval.
        steps = np.diff(depth_first)
        assert np.all(steps > 0) and np.all(steps <= 2 * slot)


# -- (9) interference --------------------------------------------------------------------------------------
def test_foreign_traffic_lowers_first_attempt_delivery():
    def first(rate, power_dbm=-60.0):
        cfg = replace(WISEMAC, days=0.25, interference=replace(BASE.interference, rate_per_s=rate,
                                                           power_dbm=power_dbm))
        return summarize(run(chain(), cfg, 4))["pdr_first_attempt"]

    clean = first(0.0)
    assert clean == 1.0
    # A receiver needs only the last wake-up frame and the data (about 11 ms) clean, plus the
    # sender's carrier sense: 10 ms foreign packets at 2/s and 10/s hit a few and many attempts.
    some, more = first(2.0), first(10.0)
    assert some < clean - 0.03
    assert more < some - 0.1
    # Foreign packets 10 dB below the noise floor neither trip carrier sense nor destroy.
    assert first(10.0, power_dbm=-127.0) == clean


# -- (10) battery -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["wisemac", "sync"])
def test_relaying_costs_battery_life(scheme):
    res = run(chain(), replace(BASE, mac=replace(BASE.mac, scheme=scheme)))
    nodes = by_id(res)
    leaf = nodes["M0"].battery_life_years
    # M1..M3 forward 24, 48, 72 reports a day to a duty-cycled parent.
    lives = [nodes[f"M{k}"].battery_life_years for k in (1, 2, 3)]
    assert all(life < leaf for life in lives)
    assert lives[0] > lives[1] > lives[2]
    factor = 10 if scheme == "wisemac" else 3    # drift-covering preambles vs short guards
    assert all(nodes[f"M{k}"].current_breakdown_ua["rx"] > factor * nodes["M0"].current_breakdown_ua["rx"]
               for k in (1, 2, 3))


def test_relay_of_a_cluster_dies_first():
    # battery_life_claim's shape, smaller: 8 modules reach J0 only through M0000.
    d = hop_m(5.0)
    ids, x, y = _ring(8, 5.0, (2.0 * d, 0.0), start=1)
    scen = (_nodes(["M0000"] + ids + ["J0"], [d] + x + [0.0], [0.0] + y + [0.0]),
            [3] * 9 + [0], [False] * 9 + [True])
    res = run(scen, BASE)
    relay = res.nodes[0]
    assert relay.relayed_per_day == 8 * 24
    assert relay.hops == 1 and all(n.hops == 2 for n in res.nodes[1:9])
    assert relay.battery_life_years < min(n.battery_life_years for n in res.nodes[1:9])
    assert summarize(res)["battery_life_years_min"] == relay.battery_life_years


# -- (11) bad input ---------------------------------------------------------------------------------------
def test_unknown_fault_node_names_the_setting():
    cfg = replace(BASE, days=0.1, faults=[FaultConfig(kind="node_down", node_id="NOPE")])
    with pytest.raises(ValueError, match=r"mesh\.faults.*NOPE"):
        run(star(3), cfg)
