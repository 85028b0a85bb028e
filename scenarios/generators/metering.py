"""Wiring meters to D100FC modules.

A D100FC reads at most :data:`~scenarios.site.METERS_PER_MODULE_MAX` pulse meters
over cables of at most ``cable_length_max_m`` (10 m in the vendor's brochure,
see DOMAIN.md). Meters share a module only when they are in the same *zone*
(a mounting area the generator names: a stairwell landing, a house, the
substation), on the same floor, and within the cable length of the module.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from collections.abc import Mapping, Sequence

from scenarios.errors import InputError
from scenarios.site import METERS_PER_MODULE_MAX, Meter, Module, Position

#: Longest pulse cable from a meter to its module, m (DOMAIN.md, S1).
CABLE_LENGTH_MAX_M = 10.0
#: Storey height used to turn floors into metres.
FLOOR_HEIGHT_M = 3.0


def cable_length_m(a: Position, b: Position, floor_height_m: float = FLOOR_HEIGHT_M) -> float:
    """Returns the cable run between two points: horizontal distance plus the rise."""
    return math.hypot(a.x_m - b.x_m, a.y_m - b.y_m) + abs(a.floor - b.floor) * floor_height_m


def radio_distance_m(a: Position, b: Position, floor_height_m: float = FLOOR_HEIGHT_M) -> float:
    """Returns the straight-line 3-D distance between two points."""
    dz = (a.floor - b.floor) * floor_height_m
    return math.sqrt((a.x_m - b.x_m) ** 2 + (a.y_m - b.y_m) ** 2 + dz**2)


def _best_mount(members: list[Meter], floor_height_m: float) -> Position:
    """Returns the member position that minimises the longest cable (ties: first)."""
    best = min(
        range(len(members)),
        key=lambda i: max(cable_length_m(members[i].position, m.position, floor_height_m) for m in members),
    )
    return members[best].position


def assign_modules(
    meters: Sequence[Meter],
    zones: Mapping[str, str] | None = None,
    cable_length_max_m: float = CABLE_LENGTH_MAX_M,
    floor_height_m: float = FLOOR_HEIGHT_M,
    id_prefix: str = "MOD",
) -> tuple[list[Meter], list[Module]]:
    """Groups meters onto modules, at most three per module.

    Meters are handled zone by zone and floor by floor, in order of first
    appearance. Each module starts from the first unassigned meter (lowest x,
    then y, then id) and takes the nearest unassigned meters of the same zone and floor that are
    within ``cable_length_max_m`` of it. The module is mounted at the member
    meter that minimises the longest cable, so every cable is within the limit.

    Args:
        meters: Meters to wire (their ``module_id`` is ignored).
        zones: Meter id → zone name; meters of different zones never share a
            module, and a meter missing from the mapping shares with none.
            ``None`` puts all meters in one zone (distance and floor decide).
        cable_length_max_m: Longest allowed meter-to-module cable, m.
        floor_height_m: Storey height, m.
        id_prefix: Module ids are ``f"{id_prefix}{n:04d}"`` from 1.

    Returns:
        Copies of the meters with ``module_id`` set (same order), and the modules.
    """
    if cable_length_max_m < 0:
        raise InputError(f"cable_length_max_m: must be >= 0, got {cable_length_max_m}")
    buckets: dict[tuple[str, int], list[Meter]] = defaultdict(list)
    for m in meters:
        zone = "" if zones is None else zones.get(m.meter_id, f"meter:{m.meter_id}")
        buckets[(zone, m.position.floor)].append(m)
    module_of: dict[str, str] = {}
    modules: list[Module] = []
    for key in buckets:
        free = sorted(buckets[key], key=lambda m: (m.position.x_m, m.position.y_m, m.meter_id))
        while free:
            seed = free.pop(0)
            near = sorted(
                (cable_length_m(seed.position, m.position, floor_height_m), i) for i, m in enumerate(free)
            )
            take = [i for d, i in near if d <= cable_length_max_m][: METERS_PER_MODULE_MAX - 1]
            members = [seed] + [free[i] for i in take]
            taken = set(take)
            free = [m for i, m in enumerate(free) if i not in taken]
            module_id = f"{id_prefix}{len(modules) + 1:04d}"
            modules.append(Module(module_id, _best_mount(members, floor_height_m), [m.meter_id for m in members]))
            for m in members:
                module_of[m.meter_id] = module_id
    return [replace(m, module_id=module_of[m.meter_id]) for m in meters], modules
