"""Control-plane processes of a subnet: floods, downlink commands, link dynamics, faults.

* **Group broadcasts** (ripple control) start at a concentrator and are
  flooded: a module that decodes a flood for the first time waits a random
  jitter and re-broadcasts it unless it has meanwhile heard it
  ``broadcast_counter`` times (counter-based suppression); later copies are
  only counted (duplicate suppression). Latency is booked per module at its
  first reception.
* **Downlink commands** go from the concentrator hop by hop down the current
  route to one module, each hop with the unicast retries of the MAC.
* **Fading**: every ``fade_period_h`` the slow part of every link's shadowing
  is re-drawn; **route refresh**: every ``refresh_h`` the mesh is re-formed
  from current link quality and bans are forgotten.
* **Faults** (``node_down``, ``fade``) start and end at configured times.
* **Foreign interference**: Poisson transmissions of neighbouring subnets.
"""

from __future__ import annotations

import math

import numpy as np

from mesh_sim import wave
from mesh_sim.config import FAULT_KINDS, FaultConfig
from scenarios.errors import InputError

#: A flood is decoded only by modules within this margin of sensitivity.
FLOOD_MARGIN_MIN_DB = -6.0
#: Attempts to get the channel for one (re-)broadcast.
FLOOD_ACCESS_TRIES = 5


def start(net) -> None:
    """Starts every control process the config asks for on the subnet ``net``."""
    env, cfg = net.env, net.cfg
    m = len(net.modules)
    net.broadcast_latency = []
    net.downlink_latency = []
    net.downlink_sent = 0
    if cfg.traffic.broadcasts_per_day > 0 and m:
        env.process(_broadcasts(net))
    if cfg.traffic.downlink_per_day > 0 and m:
        env.process(_downlinks(net))
    if cfg.radio.fade_sigma_db > 0 and cfg.radio.fade_period_h > 0:
        env.process(_fading(net))
    if cfg.topology.refresh_h > 0:
        env.process(_refresh(net))
    for i, fault in resolve_faults(net.nodes.node_ids, cfg.faults):
        env.process(_fault(net, i, fault))
    if cfg.interference.rate_per_s > 0:
        env.process(_interference(net))


def ticker(net, progress):
    """Calls ``progress(hours)`` every simulated hour."""
    hours = 0
    while net.env.now + 3600.0 <= net.end_s:
        yield net.env.timeout(3600.0)
        hours += 1
        progress(hours)


def _times(net, per_day: float, jitter_s: float = 0.0) -> list[float]:
    """Evenly spaced times at ``per_day`` with a random offset, within the traffic period.

    ``jitter_s``: each time is moved later by a uniform draw in ``[0, jitter_s)``
    (commands arrive at any moment of a wake interval, not at one phase).
    """
    step = 86_400.0 / per_day
    t = net.rng.random() * step
    out = []
    while t < net.stop_s:
        out.append(t)
        t += step
    if jitter_s > 0.0:
        out = sorted(min(x + net.rng.random() * min(jitter_s, step), net.stop_s) for x in out)
    return out


def _origin(net) -> int | None:
    alive = [i for i in range(net.n) if net.is_conc[i] and net.alive[i]]
    return alive[0] if alive else None


# -- floods ------------------------------------------------------------------------------------
def _broadcasts(net):
    env = net.env
    col = {i: k for k, i in enumerate(net.modules)}
    for t in _times(net, net.cfg.traffic.broadcasts_per_day, jitter_s=net.mac.t_w):
        yield env.timeout(t - env.now)
        origin = _origin(net)
        lat = np.full(len(net.modules), np.nan)
        net.broadcast_latency.append(lat)
        if origin is None:
            continue
        hear = net.link.margin_db >= FLOOD_MARGIN_MIN_DB
        neighbours = [[j for j in np.flatnonzero(hear[i]).tolist() if not net.is_conc[j]]
                      for i in range(net.n)]
        state = {"heard": {}, "t0": env.now, "lat": lat, "col": col, "nb": neighbours}
        if net.mac.scheme == "sync":
            wave.start(net, origin, state)
        else:
            env.process(_flood_tx(net, origin, state))


def _flood_tx(net, i: int, state: dict):
    for _ in range(FLOOD_ACCESS_TRIES):
        tx = yield from net.mac.broadcast(i)
        if tx is not None:
            break
    else:
        return
    heard = state["heard"]
    for j in state["nb"][i]:
        if not net.alive[j] or not net.channel.received(tx, j, net.per_data, net.mac.decisive_from_s(tx)):
            continue
        net.mac.book_broadcast_rx(j, tx, first=j not in heard)
        if j in heard:
            heard[j] += 1
            continue
        heard[j] = 1
        state["lat"][state["col"][j]] = net.env.now - state["t0"]
        net.env.process(_flood_wait(net, j, state))


def _flood_wait(net, j: int, state: dict):
    yield net.env.timeout(net.rng.random() * net.cfg.traffic.broadcast_jitter_s)
    if state["heard"][j] >= net.cfg.traffic.broadcast_counter or not net.alive[j]:
        return
    yield from _flood_tx(net, j, state)


# -- downlink ----------------------------------------------------------------------------------
def _downlinks(net):
    env = net.env
    for t in _times(net, net.cfg.traffic.downlink_per_day):
        yield env.timeout(t - env.now)
        routed = [i for i in net.modules if net.routes.root[i] >= 0]
        if not routed:
            net.downlink_sent += 1
            continue
        target = routed[net.rng.randrange(len(routed))]
        net.downlink_sent += 1
        env.process(_command(net, net.routes.path(target)[::-1]))


def _command(net, path: list[int]):
    env, t0 = net.env, net.env.now
    for a, b in zip(path[:-1], path[1:]):
        for _ in range(net.cfg.mac.max_retries + 1):
            got, acked = yield from net.mac.unicast(a, b, net.alive)
            if got:
                break
            yield env.timeout(net.rng.random() * net.mac.t_w)
        else:
            return
    net.downlink_latency.append(env.now - t0)


# -- link dynamics and faults ------------------------------------------------------------------
def _fading(net):
    period = net.cfg.radio.fade_period_h * 3600.0
    epoch = 0
    while True:
        yield net.env.timeout(period)
        epoch += 1
        net.link.update(epoch)


def _refresh(net):
    period = net.cfg.topology.refresh_h * 3600.0
    while True:
        yield net.env.timeout(period)
        net.banned[:] = False
        net.alive_view[:] = np.asarray(net.alive)
        net.reroute()


def resolve_faults(node_ids: tuple[str, ...], faults: list[FaultConfig]) -> list[tuple[int, FaultConfig]]:
    """``(node index, fault)`` per fault, checked before the run starts.

    Raises:
        InputError: Naming ``mesh.faults[k]`` for an unknown kind or node id.
    """
    out = []
    for k, fault in enumerate(faults):
        if fault.kind not in FAULT_KINDS:
            raise InputError(f"mesh.faults[{k}].kind: {fault.kind!r} is not one of {', '.join(FAULT_KINDS)}")
        if fault.node_id not in node_ids:
            raise InputError(f"mesh.faults[{k}].node_id: unknown node {fault.node_id!r}")
        out.append((node_ids.index(fault.node_id), fault))
    return out


def _fault(net, i: int, fault: FaultConfig):
    yield net.env.timeout(fault.at_h * 3600.0)
    _apply(net, i, fault, on=True)
    if fault.duration_h is None or math.isinf(fault.duration_h):
        return
    yield net.env.timeout(fault.duration_h * 3600.0)
    _apply(net, i, fault, on=False)


def _apply(net, i: int, fault: FaultConfig, on: bool) -> None:
    if fault.kind == "node_down":
        net.alive[i] = not on
        if not on:
            net.alive_view[i] = True
            net.banned[i, :] = False
            net.banned[:, i] = False
            net.reroute()
            net.wake(i)
    else:
        net.link.set_node_loss(i, fault.loss_db if on else 0.0)


def _interference(net):
    env, cfg = net.env, net.cfg.interference
    power_mw = 10.0 ** (cfg.power_dbm / 10.0)
    while True:
        yield env.timeout(net.rng.expovariate(cfg.rate_per_s))
        net.channel.transmit(-1, env.now, env.now + cfg.duration_s, power_mw)
