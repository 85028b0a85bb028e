"""Placing J100UC concentrators and joining modules to their subnets.

One J100UC serves at most :data:`~scenarios.site.MODULES_PER_CONCENTRATOR_MAX`
modules and :data:`~scenarios.site.METERS_PER_CONCENTRATOR_MAX` meters. The
modules are split into that many compact regions by recursive bisection along
the wider axis; each concentrator is mounted at its region's medoid module
(the module with the smallest total distance to the others). Every module then
joins the nearest concentrator that still has capacity.
"""

from __future__ import annotations

import math
from dataclasses import replace
from collections.abc import Sequence

from scenarios.site import (
    METERS_PER_CONCENTRATOR_MAX,
    MODULES_PER_CONCENTRATOR_MAX,
    Concentrator,
    Module,
    Position,
)
from scenarios.generators.metering import FLOOR_HEIGHT_M, radio_distance_m


def _bisect(mods: list[Module], k: int) -> list[list[Module]]:
    """Splits ``mods`` into ``k`` spatially compact parts of near-equal size."""
    if k <= 1 or len(mods) <= 1:
        return [mods]
    xs = [m.position.x_m for m in mods]
    ys = [m.position.y_m for m in mods]
    axis = 0 if max(xs) - min(xs) >= max(ys) - min(ys) else 1
    ordered = sorted(mods, key=lambda m: ((m.position.x_m, m.position.y_m)[axis], m.position.floor, m.module_id))
    k_left = k // 2
    cut = round(len(ordered) * k_left / k)
    return _bisect(ordered[:cut], k_left) + _bisect(ordered[cut:], k - k_left)


def _medoid(mods: list[Module], floor_height_m: float) -> Position:
    def total_m(a: Module) -> float:
        return sum(radio_distance_m(a.position, b.position, floor_height_m) for b in mods)

    best = min(mods, key=lambda a: (total_m(a), a.module_id))
    return best.position


def _assign(mods: Sequence[Module], hubs: list[Concentrator], floor_height_m: float) -> dict[str, str] | None:
    """Nearest-with-capacity assignment; ``None`` when some module finds no room."""
    pairs = sorted(
        (radio_distance_m(m.position, c.position, floor_height_m), mi, ci)
        for mi, m in enumerate(mods)
        for ci, c in enumerate(hubs)
    )
    n_mod = [0] * len(hubs)
    n_met = [0] * len(hubs)
    out: dict[str, str] = {}
    for _, mi, ci in pairs:
        m = mods[mi]
        if m.module_id in out:
            continue
        room = n_mod[ci] < MODULES_PER_CONCENTRATOR_MAX
        if room and n_met[ci] + len(m.meter_ids) <= METERS_PER_CONCENTRATOR_MAX:
            out[m.module_id] = hubs[ci].concentrator_id
            n_mod[ci] += 1
            n_met[ci] += len(m.meter_ids)
    return out if len(out) == len(mods) else None


def place_concentrators(
    modules: Sequence[Module],
    anchor: Position | None = None,
    floor_height_m: float = FLOOR_HEIGHT_M,
    id_prefix: str = "J",
) -> tuple[list[Module], list[Concentrator]]:
    """Places as few concentrators as the subnet limits allow and joins the modules.

    Args:
        modules: The modules (their ``concentrator_id`` is ignored).
        anchor: Where to mount the concentrator when one is enough (e.g. at
            the substation); ignored when several are needed.
        floor_height_m: Storey height, m.
        id_prefix: Concentrator ids are ``f"{id_prefix}{n:02d}"`` from 1.

    Returns:
        Copies of the modules with ``concentrator_id`` set (same order), and the
        concentrators.
    """
    if not modules:
        return [], []
    n_meters = sum(len(m.meter_ids) for m in modules)
    k = max(math.ceil(len(modules) / MODULES_PER_CONCENTRATOR_MAX),
            math.ceil(n_meters / METERS_PER_CONCENTRATOR_MAX), 1)
    while True:
        if k == 1 and anchor is not None:
            hubs = [Concentrator(f"{id_prefix}01", anchor)]
        else:
            parts = [p for p in _bisect(list(modules), k) if p]
            hubs = [Concentrator(f"{id_prefix}{i + 1:02d}", _medoid(p, floor_height_m)) for i, p in enumerate(parts)]
        joined = _assign(modules, hubs, floor_height_m)
        if joined is not None:
            return [replace(m, concentrator_id=joined[m.module_id]) for m in modules], hubs
        k += 1
