"""Turns a finished subnet simulation into a :class:`~mesh_sim.records.MeshResult`.

Energy is booked over the traffic period (``days``): activity in the drain
period is included, so the mean currents are slightly conservative. Listen
time of the periodic channel samples is computed in closed form; overhearing
is spread from each transmitter's expected preamble overhearing to every
neighbour that hears it above sensitivity.
"""

from __future__ import annotations

import numpy as np

from mesh_sim.energy import StateTimes, average_current_ua, battery_life_years
from mesh_sim.records import MeshResult, NodeRecord


def _energy(net) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    cfg, mac = net.cfg, net.mac
    duration_s = max(net.stop_s, 1.0)
    modules = ~np.asarray(net.is_conc)
    listen = mac.listen_time_s(duration_s, cfg.energy.currents.wakeup_overhead_s)
    hears = net.link.margin_db >= 0.0
    np.fill_diagonal(hears, False)
    overhear = np.asarray(mac.overhear_src_s) @ hears.astype(float) + np.asarray(mac.overhear_own_s)
    times = StateTimes(tx_s=np.asarray(mac.tx_s), rx_s=np.asarray(mac.rx_s),
                       listen_s=np.where(modules, listen, 0.0), overhear_s=np.where(modules, overhear, 0.0),
                       mcu_active_s=np.asarray(mac.packets_handled) * cfg.energy.currents.mcu_active_per_packet_s,
                       duration_s=duration_s)
    total, parts = average_current_ua(times, net.link.tx_power_dbm, cfg.energy.currents)
    life = np.asarray(battery_life_years(total, cfg.energy.battery), dtype=float)
    return total, parts, life


def _status(net, i: int) -> str:
    if not net.alive[i]:
        return "down"
    if net.is_conc[i] or net.routes.root[i] >= 0:
        return "ok"
    if i in net.routes.left_out:
        return "left_out"
    return "unreachable"


def collect(net, wall_s: float) -> MeshResult:
    """Collects per-node records and traffic samples of the finished subnet ``net``."""
    routes, ids, nodes = net.routes, net.nodes.node_ids, net.nodes
    current, parts, life = _energy(net)
    days = max(net.stop_s / 86_400.0, 1e-9)
    records = []
    for i in range(net.n):
        conc = net.is_conc[i]
        p = int(routes.parent[i])
        root = int(routes.root[i])
        margin = float(net.link.margin_db[i, p]) if p >= 0 else float(routes.best_margin_db[i])
        gen = net.generated[i]
        records.append(NodeRecord(
            node_id=ids[i], kind="concentrator" if conc else "module",
            x_m=float(nodes.x_m[i]), y_m=float(nodes.y_m[i]), floor=int(nodes.floor[i]),
            building=int(nodes.building[i]), meters=net.meters[i], status=_status(net, i),
            concentrator_id=ids[root] if root >= 0 and not conc else "",
            parent_id=ids[p] if p >= 0 else "", hops=int(routes.hops[i]), link_margin_db=margin,
            path_etx=float(routes.path_etx[i]), readings_generated=gen,
            readings_delivered=net.delivered[i], readings_dropped=net.dropped[i],
            delivery=net.delivered[i] / gen if gen else float("nan"),
            relayed_per_day=net.relayed[i] / days, tx_packets=net.mac.attempts[i],
            avg_current_ua=float("nan") if conc else float(current[i]),
            battery_life_years=float("nan") if conc else float(life[i]),
            current_breakdown_ua={} if conc else {k: float(v[i]) for k, v in parts.items()},
        ))
    bl = np.vstack(net.broadcast_latency) if net.broadcast_latency else np.zeros((0, len(net.modules)))
    return MeshResult(
        nodes=records,
        reading_latency_s=np.asarray(net.latency_s, dtype=float),
        reading_meters=np.asarray(net.latency_meters, dtype=int),
        first_attempt_readings=net.first_attempt,
        readings_generated=sum(net.generated),
        readings_delivered=sum(net.delivered),
        readings_dropped=sum(net.dropped),
        broadcast_latency_s=bl,
        downlink_latency_s=np.asarray(net.downlink_latency, dtype=float),
        downlink_sent=net.downlink_sent,
        clock_error_ms=np.asarray(net.clock_error_s, dtype=float) * 1000.0,
        events=net.env.events,
        wall_s=wall_s,
        duration_s=net.env.now,
        reroutes=net.reroutes,
        extra={"transmissions": net.channel.transmissions, "mac_scheme": net.mac.scheme,
               "initial_max_hops": int(np.max(net.initial_routes.hops, initial=0))},
    )
