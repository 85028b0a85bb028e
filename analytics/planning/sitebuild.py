"""Metering points ⇄ sites: the site a points file describes, and the points of a generated site.

:func:`build_site` turns points into a :class:`~scenarios.site.Site`: one
DISTRICT group on top, one BUILDING group per building, one consumer (a flat)
per building + flat, one meter per point, no group meters, no modules or
concentrators (the planner adds those). :func:`points_from_site` goes the
other way, so that a generated district can be planned like a real points
file (``write_points_csv``).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from scenarios.errors import InputError
from scenarios.generators.phasing import SINGLE_PHASES
from scenarios.site import Consumer, Group, Level, Meter, MeterKind, Position, Site
from scenarios.site_io import validate_site

from analytics.planning.points import COORDS, OPTIONAL, REQUIRED, Point

#: Default pulse weights: Mercury electricity meters 3200 imp/kWh (DOMAIN.md);
#: water, gas and heat 100 imp/m³ (the district generator's defaults).
PULSE_WEIGHT_DEFAULT = {MeterKind.ELECTRICITY: 3200.0, MeterKind.WATER: 100.0, MeterKind.GAS: 100.0,
                        MeterKind.HEAT: 100.0}
#: Id of the district group on top of the buildings (suffixed if a building has this name).
DISTRICT_ID = "DISTRICT"


def consumer_id(building: str, flat: str) -> str:
    """The consumer id of a flat: ``"<building>/<flat>"``."""
    return f"{building}/{flat}"


def _centroid(points: Sequence[Point]) -> Position:
    return Position(sum(p.x_m for p in points) / len(points), sum(p.y_m for p in points) / len(points), 0)


def _flat_phases(points: Sequence[Point], wheres: Sequence[str], source: str) -> dict[tuple[str, str], str]:
    """Phase of each flat: its electricity points' phase, or A, B, C in turn per building."""
    given: dict[tuple[str, str], tuple[str, str]] = {}
    for p, where in zip(points, wheres):
        if p.kind != MeterKind.ELECTRICITY or p.phase is None:
            continue
        key = (p.building, p.flat)
        if key in given and given[key][0] != p.phase:
            raise InputError(f"{source}: {where}, column 'phase': {p.phase!r} differs from phase "
                             f"{given[key][0]!r} of flat {p.flat!r} at {given[key][1]}")
        given.setdefault(key, (p.phase, where))
    phases = {k: v[0] for k, v in given.items()}
    turn: dict[str, int] = {}
    for p in points:
        key = (p.building, p.flat)
        if key not in phases:
            k = turn.get(p.building, 0)
            phases[key] = SINGLE_PHASES[k % 3]
            turn[p.building] = k + 1
    return phases


def build_site(points: Sequence[Point], wheres: Sequence[str], source: str, name: str) -> Site:
    """The site of a list of points.

    Args:
        points: The points, in file order.
        wheres: Location of each point in the file (``row 5``, ``features[3]``).
        source: The file name (for messages).
        name: Site name.

    Raises:
        InputError: A duplicate point id, or electricity points of one flat on
            different phases.
    """
    first: dict[str, str] = {}
    for p, where in zip(points, wheres):
        if p.point_id in first:
            column = "column 'point_id'" if where.startswith("row") else "properties.point_id"
            sep = ", " if where.startswith("row") else "."
            raise InputError(f"{source}: {where}{sep}{column}: duplicate point_id {p.point_id!r} "
                             f"(first at {first[p.point_id]})")
        first[p.point_id] = where
    buildings: dict[str, list[Point]] = {}
    for p in points:
        buildings.setdefault(p.building, []).append(p)
    top = DISTRICT_ID
    while top in buildings:
        top += "_"
    groups = [Group(top, Level.DISTRICT, None, name, None, _centroid(points))]
    btypes = _building_types(points, wheres, source)
    groups += [Group(b, Level.BUILDING, top, f"Building {b}", None, _centroid(pts), btypes.get(b))
               for b, pts in buildings.items()]
    phases = _flat_phases(points, wheres, source)
    flats: dict[tuple[str, str], list[Point]] = {}
    for p in points:
        flats.setdefault((p.building, p.flat), []).append(p)
    consumers = []
    for key, pts in flats.items():
        # The flat sits where its (first) electricity meter is, else its first meter.
        at = next((p for p in pts if p.kind == MeterKind.ELECTRICITY), pts[0])
        dwelling = "house" if any(p.dwelling == "house" for p in pts) else "flat"
        consumers.append(Consumer(consumer_id(*key), key[0], dwelling, _where(at), key[0], phases[key]))
    meters = [Meter(p.point_id, p.kind, p.building, consumer_id(p.building, p.flat),
                    phases[(p.building, p.flat)] if p.kind == MeterKind.ELECTRICITY else None,
                    p.pulse_weight or PULSE_WEIGHT_DEFAULT[p.kind], _where(p)) for p in points]
    site = Site(name, groups, consumers, meters, [], [])
    validate_site(site, source)
    return site


def _building_types(points: Sequence[Point], wheres: Sequence[str], source: str) -> dict[str, str]:
    """The ``building_type`` of each building that names one (all its rows must agree)."""
    given: dict[str, tuple[str, str]] = {}
    for p, where in zip(points, wheres):
        if p.building_type is None:
            continue
        if p.building in given and given[p.building][0] != p.building_type:
            col = "column 'building_type'" if where.startswith("row") else "properties.building_type"
            sep = ", " if where.startswith("row") else "."
            raise InputError(f"{source}: {where}{sep}{col}: {p.building_type!r} differs from "
                             f"{given[p.building][0]!r} of building {p.building!r} at {given[p.building][1]}")
        given.setdefault(p.building, (p.building_type, where))
    return {b: v[0] for b, v in given.items()}


def _where(p: Point) -> Position:
    return Position(p.x_m, p.y_m, p.floor)


def building_of(site: Site, group_id: str | None) -> str | None:
    """The BUILDING-level ancestor (or self) of a group, ``None`` if there is none."""
    groups = {g.group_id: g for g in site.groups}
    while group_id is not None and group_id in groups:
        g = groups[group_id]
        if g.level == Level.BUILDING:
            return g.group_id
        group_id = g.parent_id
    return None


def points_from_site(site: Site) -> list[Point]:
    """The consumer meters of a site as metering points (group meters are left out).

    The flat is the consumer id, the building its BUILDING ancestor group
    (the meter's own group if it has none).
    """
    out = []
    consumers = {c.consumer_id: c for c in site.consumers}
    groups = {g.group_id: g for g in site.groups}
    for m in site.meters:
        if m.consumer_id is None:
            continue
        building = building_of(site, m.group_id)
        c = consumers.get(m.consumer_id)
        house = c is not None and c.kind == "house"
        if building is not None:
            btype = groups[building].building_type
        else:
            # A house without a BUILDING group is a building of its own in the points format.
            building = m.consumer_id if house else m.group_id
            btype = c.building_type if house else None
        out.append(Point(m.meter_id, building, m.position.floor, m.consumer_id, m.kind, m.position.x_m,
                         m.position.y_m, m.phase, None, m.pulse_weight, "house" if house else "flat", btype))
    return out


def write_points_csv(path: str | Path, points: Sequence[Point], dr_ids: Sequence[str] | None = None) -> None:
    """Writes points in the CSV format :func:`~analytics.planning.points.load_points` reads.

    ``dr_ids``: points to mark ``dr=true``; ``None`` writes no ``dr`` column.
    """
    cols = list(REQUIRED + COORDS) + [c for c in OPTIONAL if c != "dr" or dr_ids is not None]
    dr = set(dr_ids or ())
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for p in points:
            row = {"point_id": p.point_id, "building": p.building, "floor": p.floor, "flat": p.flat,
                   "kind": p.kind.value, "x_m": f"{p.x_m:.3f}", "y_m": f"{p.y_m:.3f}", "phase": p.phase or "",
                   "dr": "true" if p.point_id in dr else "false",
                   "pulse_weight": "" if p.pulse_weight is None else f"{p.pulse_weight:g}",
                   "dwelling": p.dwelling, "building_type": p.building_type or ""}
            w.writerow([row[c] for c in cols])
