"""Laying out the hardware of a plan: DR points, modules, concentrators.

* **DR points**: the electricity meters that get an AD220 + contactor, from
  the points file or drawn as ``plan.dr_share`` of the flats.
* **Modules** (:func:`wire_modules`): :func:`~scenarios.generators.metering.assign_modules`
  with one zone per balance group (a building for a points file), so meters
  share a module only on the same building's floor landing and within the
  cable length. A D100FC with an AD220 has only 2 pulse inputs (DOMAIN.md)
  and drives one contactor, so a DR point gets its own module, mounted at
  its meter, with at most one more meter (its flat's nearest, else the
  nearest in its zone and floor within the cable length).
* **Concentrators** (:func:`place_k`): the same recursive bisection and medoid
  mounting as :func:`~scenarios.generators.concentrators.place_concentrators`,
  but for a given number of J100UC, so the planner can add one at a time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from scenarios.errors import InputError
from scenarios.generators.concentrators import _assign, _bisect, _medoid
from scenarios.generators.metering import assign_modules, cable_length_m
from scenarios.site import (
    METERS_PER_CONCENTRATOR_MAX,
    MODULES_PER_CONCENTRATOR_MAX,
    Concentrator,
    Meter,
    MeterKind,
    Module,
    Site,
)

#: Pulse inputs of a D100FC with an AD220 fitted (DOMAIN.md).
METERS_PER_DR_MODULE_MAX = 2


def choose_dr_meters(site: Site, dr_share: float, seed: int) -> list[str]:
    """``round(dr_share × flats)`` flats with an electricity meter, drawn with ``seed``;
    returns the first electricity meter of each (in site order)."""
    first: dict[str, str] = {}
    for m in site.meters:
        if m.kind == MeterKind.ELECTRICITY and m.consumer_id is not None:
            first.setdefault(m.consumer_id, m.meter_id)
    n = int(round(dr_share * len(first)))
    if n == 0:
        return []
    pick = set(np.random.default_rng(seed).choice(len(first), size=n, replace=False).tolist())
    return [mid for i, mid in enumerate(first.values()) if i in pick]


def check_dr_meters(site: Site, dr_ids: Sequence[str]) -> None:
    """Raises InputError when a DR point is not an electricity meter of the site."""
    kinds = {m.meter_id: m.kind for m in site.meters}
    for mid in dr_ids:
        if mid not in kinds:
            raise InputError(f"plan: DR point {mid!r} is not a meter of site {site.name!r}")
        if kinds[mid] != MeterKind.ELECTRICITY:
            raise InputError(f"plan: DR point {mid!r} is a {kinds[mid].value} meter; only electricity points take DR")


def _dr_modules(dr: list[Meter], free: list[Meter], zone: dict[str, str], cable_max_m: float,
                floor_height_m: float) -> tuple[list[Module], set[str]]:
    """One module per DR meter, with at most one partner; returns the modules and the partners taken."""
    taken: set[str] = set()
    modules = []
    for m in dr:
        near = [
            (o.consumer_id != m.consumer_id, cable_length_m(m.position, o.position, floor_height_m), o.meter_id, o)
            for o in free
            if o.meter_id not in taken and zone[o.meter_id] == zone[m.meter_id]
            and o.position.floor == m.position.floor
        ]
        near = [t for t in near if t[1] <= cable_max_m]
        members = [m.meter_id]
        if near:
            partner = min(near, key=lambda t: t[:3])[3]
            members.append(partner.meter_id)
            taken.add(partner.meter_id)
        modules.append(Module("", m.position, members))
    return modules, taken


def wire_modules(site: Site, dr_ids: Sequence[str], cable_length_max_m: float,
                 floor_height_m: float) -> tuple[list[Meter], list[Module]]:
    """Wires the site's meters to modules (ids ``MOD0001``... in meter order).

    Returns:
        Copies of the meters with ``module_id`` set (site order), and the modules.
    """
    zone = {m.meter_id: m.group_id for m in site.meters}
    meters = [replace(m, module_id=None) for m in site.meters]
    if not dr_ids:
        return assign_modules(meters, zone, cable_length_max_m, floor_height_m)
    dr_set = set(dr_ids)
    dr = [m for m in meters if m.meter_id in dr_set]
    others = [m for m in meters if m.meter_id not in dr_set]
    dr_mods, taken = _dr_modules(dr, others, zone, cable_length_max_m, floor_height_m)
    _, rest = assign_modules([m for m in others if m.meter_id not in taken], zone, cable_length_max_m,
                             floor_height_m)
    # Number the modules in the order of their first meter in the site.
    order = {m.meter_id: i for i, m in enumerate(meters)}
    mods = sorted(dr_mods + rest, key=lambda mod: min(order[x] for x in mod.meter_ids))
    mods = [replace(mod, module_id=f"MOD{i + 1:04d}") for i, mod in enumerate(mods)]
    owner = {x: mod.module_id for mod in mods for x in mod.meter_ids}
    return [replace(m, module_id=owner[m.meter_id]) for m in meters], mods


def min_concentrators(modules: Sequence[Module]) -> int:
    """The fewest J100UC the subnet limits allow (240 modules, 720 meters each)."""
    n_meters = sum(len(m.meter_ids) for m in modules)
    return max(math.ceil(len(modules) / MODULES_PER_CONCENTRATOR_MAX),
               math.ceil(n_meters / METERS_PER_CONCENTRATOR_MAX), 1)


def place_k(modules: Sequence[Module], k: int, floor_height_m: float,
            id_prefix: str = "J") -> tuple[list[Module], list[Concentrator]]:
    """Places ``k`` concentrators (more if the limits need them) and joins the modules.

    The modules are split into ``k`` compact parts by recursive bisection; each
    J100UC is mounted at its part's medoid module and every module joins the
    nearest J100UC with room. With ``k`` = :func:`min_concentrators` this is
    :func:`~scenarios.generators.concentrators.place_concentrators`.

    Returns:
        Copies of the modules with ``concentrator_id`` set, and the concentrators
        (fewer than ``k`` only when there are fewer modules than ``k``).
    """
    if not modules:
        return [], []
    k = max(k, min_concentrators(modules))
    while True:
        parts = [p for p in _bisect(list(modules), k) if p]
        hubs = [Concentrator(f"{id_prefix}{i + 1:02d}", _medoid(p, floor_height_m)) for i, p in enumerate(parts)]
        joined = _assign(modules, hubs, floor_height_m)
        if joined is not None:
            return [replace(m, concentrator_id=joined[m.module_id]) for m in modules], hubs
        k += 1


def place_with_constraints(modules: Sequence[Module], k: int, floor_height_m: float,
                           existing: Sequence[Concentrator] = (), mains: Sequence = (),
                           id_prefix: str = "J") -> tuple[list[Module], list[Concentrator]]:
    """Places ``k`` J100UC in all, keeping the ``existing`` ones and mounting new ones at mains points.

    The new concentrators (``k - len(existing)``, at least enough for the subnet
    limits) are placed by :func:`place_k`; when ``mains`` positions are given,
    each is then moved to the nearest mains point not yet taken (3-D distance),
    so a J100UC is only planned where mains power is. Modules join the nearest
    concentrator with room, existing or new.

    Raises:
        InputError: More concentrators are needed than there are free mains points.
    """
    if not existing and not mains:
        return place_k(modules, k, floor_height_m, id_prefix)
    existing = list(existing)
    taken = {c.concentrator_id for c in existing}
    n_new = max(k - len(existing), 0)
    while True:
        hubs = list(existing)
        if n_new:
            _, new = place_k(modules, n_new, floor_height_m, id_prefix)
            free = list(mains)
            for c in new:
                if mains:
                    if not free:
                        raise InputError(f"plan: {n_new} new J100UC needed but only {len(mains)} mains "
                                         f"point(s) given (plus {len(existing)} existing J100UC)")
                    d = [math.dist((c.position.x_m, c.position.y_m, c.position.floor * floor_height_m),
                                   (p.x_m, p.y_m, p.floor * floor_height_m)) for p in free]
                    c = replace(c, position=free.pop(int(np.argmin(d))))
                cid, n = c.concentrator_id, 1
                while cid in taken:
                    cid, n = f"{id_prefix}N{len(hubs) + n:02d}", n + 1
                taken.add(cid)
                hubs.append(replace(c, concentrator_id=cid))
        joined = _assign(modules, hubs, floor_height_m) if hubs else None
        if joined is not None:
            return [replace(m, concentrator_id=joined[m.module_id]) for m in modules], hubs
        n_new += 1
