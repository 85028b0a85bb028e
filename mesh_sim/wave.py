"""Broadcast wave of the synchronised MAC: a flood that descends one depth per slot.

Wake interval ``k`` starts at network time ``k * T_w``; inside it, slot ``h``
starts at ``k * T_w + h * broadcast_slot_s``, and the modules at depth ``h``
(hop count of their current route) listen in it. A node holding the flood
forwards it in slot ``depth + 1`` (its children's slot) at a random offset
inside the slot, if any neighbour sits at that depth, in
``broadcast_cycles`` wake intervals in a row (a later interval repairs a lost
reception); the J100UC starts in slot 1 of the next wake interval. Only
relays (modules that are some module's parent) transmit; every neighbour at
the next depth listens, so a module hears its parent and any other relay of
its parent's depth. So a flood reaches depth ``H`` after, on average, half a wake
interval plus ``H`` slots. Every reception also sets the receiver's clock.
"""

from __future__ import annotations

import math

#: Part of a slot kept free at its end so a transmission never spills into the next.
SLOT_TAIL_FRACTION = 0.2


def start(net, origin: int, state: dict) -> None:
    """Starts the wave of one flood from the concentrator ``origin`` now."""
    t_w = net.mac.t_w
    cycle_s = math.ceil(net.env.now / t_w) * t_w
    state["have"] = {origin}
    net.env.process(_forward(net, origin, 0, cycle_s, state))


def _tree(net, state: dict) -> tuple[list[int], set[int]]:
    """Hop counts (a list) and the set of relays of the current routes, cached per routing."""
    routes = net.routes
    if state.get("routes") is not routes:
        state["routes"] = routes
        state["hops"] = routes.hops.tolist()
        state["relays"] = {p for p in routes.parent.tolist() if p >= 0}
    return state["hops"], state["relays"]


def _forward(net, i: int, depth: int, cycle_s: float, state: dict):
    env, mac, cfg = net.env, net.mac, net.cfg.mac
    slot_s = cfg.broadcast_slot_s
    have = state["have"]
    for c in range(max(cfg.broadcast_cycles, 1)):
        start_s = cycle_s + c * mac.t_w + (depth + 1) * slot_s
        yield env.timeout(max(start_s - env.now, 0.0))
        if not net.alive[i]:
            return
        hops, relays = _tree(net, state)
        if i not in relays and not net.is_conc[i]:
            return
        alive = net.alive
        listeners = [j for j in state["nb"][i] if hops[j] == depth + 1 and alive[j]]
        if not listeners:
            if c == 0:
                return
            continue
        yield env.timeout(net.rng.random() * slot_s * (1.0 - SLOT_TAIL_FRACTION))
        tx = yield from mac.wave_broadcast(i, listeners)
        if tx is None:
            continue
        for j in listeners:
            if not net.alive[j] or not net.channel.received(tx, j, net.per_data):
                continue
            first = j not in have
            mac.book_broadcast_rx(j, tx, first)
            if not first:
                continue
            have.add(j)
            state["lat"][state["col"][j]] = env.now - state["t0"]
            net.sync(j, i)
            this_cycle_s = cycle_s + c * mac.t_w
            env.process(_forward(net, j, depth + 1, this_cycle_s, state))
