"""Group meters: the hierarchy bottom up, technical losses, metering equipment.

**Group meters.** Group ``g`` delivers ``P_g(t)`` = the true consumption of
its own consumers' electricity meters + the equipment mounted in it + the
inputs of its child groups; its network loses ``L_g(t)``; its meter
registers the input ``P_g + L_g``. So a group meter registers the true
consumption of every consumer electricity meter below it, plus the losses and
equipment of its own group and of every group below it. The loss is
``L_g(t) = L̄_g·(f + (1 − f)·P_g(t)²/mean(P_g²))``: a fixed part ``f``
(``loss_fixed_share``: no-load transformer losses, meters' voltage coils,
leakage) and a load part ∝ P² (I²R), scaled so that over the simulated
period the losses are exactly ``loss_pct`` % of the energy entering the
group (``Σ L_g / Σ (P_g + L_g)``).

**Equipment.** Each J100UC concentrator draws ``equipment_w_per_concentrator``
W from the mains in the group of the module nearest to it (the module it is
mounted at; that module's most common meter group, the deepest on a tie).
D100FC modules are battery powered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from analytics.synth.config import SynthConfig
from scenarios.errors import InputError
from scenarios.site import Group, Level, Site


def _group_depths(groups: dict[str, Group]) -> dict[str, int]:
    """Depth of every group below the top of its hierarchy (0 = top), in ``groups`` order.

    Raises:
        InputError: An unknown parent or a cycle in the hierarchy.
    """
    depth: dict[str, int] = {}
    for gid in groups:
        seen, g, d = set(), groups[gid], 0
        while g.parent_id is not None:
            if g.parent_id not in groups:
                raise InputError(f"group {g.group_id}: unknown parent {g.parent_id!r}")
            if g.group_id in seen:
                raise InputError(f"group {gid}: cycle in the hierarchy")
            seen.add(g.group_id)
            g, d = groups[g.parent_id], d + 1
        depth[gid] = d
    return depth


def _per_group(setting, group_id: str, level: str, key: str, hi: float, hi_inclusive: bool) -> float:
    """A setting given as one number or by group id / level name (0 when absent)."""
    if isinstance(setting, Mapping):
        v = setting.get(group_id, setting.get(level, 0.0))
    else:
        v = setting
    v = float(v)
    if not (0.0 <= v <= hi if hi_inclusive else 0.0 <= v < hi):
        raise InputError(f"synth.{key}: {v} for group {group_id} must be in [0, {hi}{']' if hi_inclusive else ')'}")
    return v


def _concentrator_groups(site: Site, depth: dict[str, int]) -> list[str]:
    """Group id powering each concentrator (see the module docstring)."""
    meters = {m.meter_id: m for m in site.meters}
    out = []
    top = next((g.group_id for g in site.groups if g.parent_id is None), None)
    for c in site.concentrators:
        mods = [m for m in site.modules if m.concentrator_id == c.concentrator_id and m.meter_ids]
        if not mods:
            if top is not None:
                out.append(top)
            continue
        p = c.position

        def dist(m):
            q = m.position
            return (math.hypot(q.x_m - p.x_m, q.y_m - p.y_m) + 3.0 * abs(q.floor - p.floor), m.module_id)

        near = min(mods, key=dist)
        counts: dict[str, int] = {}
        for mid in near.meter_ids:
            if mid in meters:
                g = meters[mid].group_id
                counts[g] = counts.get(g, 0) + 1
        if not counts:
            if top is not None:
                out.append(top)
            continue
        out.append(max(counts, key=lambda g: (counts[g], depth.get(g, 0))))
    return out


def _group_inputs(site: Site, groups: dict[str, Group], depth: dict[str, int], elec, true: np.ndarray,
                  cfg: SynthConfig,
                  n_hours: int) -> tuple[dict[str, int], np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Every group's input energy, bottom up (see the module docstring).

    Args:
        site: The site.
        groups: Group id → group.
        depth: Group id → depth (:func:`_group_depths`).
        elec: The consumer electricity meters, rows of ``true``.
        true: (n, H) true hourly kWh behind ``elec``.
        cfg: Settings.
        n_hours: Hours simulated.

    Returns:
        ``(gindex, eq_w, inputs, losses)``: group id → row of ``eq_w`` and
        ``inputs``; equipment W per group; (n_groups, H) input kWh (what a
        group meter registers); group id → (H,) technical loss kWh.

    Raises:
        InputError: A bad ``loss_pct`` or ``loss_fixed_share`` of a group.
    """
    gids = sorted(groups, key=lambda g: -depth[g])
    gindex = {g: j for j, g in enumerate(gids)}
    children: dict[str, list[str]] = {}
    for g in site.groups:
        if g.parent_id is not None:
            children.setdefault(g.parent_id, []).append(g.group_id)
    eq_w = np.zeros(len(gids))
    for g in _concentrator_groups(site, depth):
        eq_w[gindex[g]] += cfg.equipment_w_per_concentrator
    member = sp.csr_matrix((np.ones(len(elec)), ([gindex[m.group_id] for m in elec], np.arange(len(elec)))),
                           shape=(len(gids), len(elec)))
    direct = np.asarray(member @ true) + (eq_w / 1000.0)[:, None]
    inputs = np.zeros((len(gids), n_hours))
    losses: dict[str, np.ndarray] = {}
    for j, gid in enumerate(gids):
        g = groups[gid]
        flow = direct[j].copy()
        for child in children.get(gid, []):
            flow += inputs[gindex[child]]
        level = g.level.value if isinstance(g.level, Level) else str(g.level)
        pct = _per_group(cfg.loss_pct, gid, level, "loss_pct", 100.0, False) / 100.0
        fixed = _per_group(cfg.loss_fixed_share, gid, level, "loss_fixed_share", 1.0, True)
        mean_p = flow.mean()
        mean_p2 = float(np.mean(flow * flow))
        if pct > 0 and mean_p2 > 0:
            lbar = pct / (1.0 - pct) * mean_p
            loss = lbar * (fixed + (1.0 - fixed) * flow * flow / mean_p2)
        else:
            loss = np.zeros(n_hours)
        losses[gid] = loss
        inputs[j] = flow + loss
    return gindex, eq_w, inputs, losses
