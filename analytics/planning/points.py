"""Reading metering points (CSV or GeoJSON) into a site to plan.

A metering point is one meter with a pulse output in a flat or house:
``point_id, building, floor, flat, kind, x_m, y_m`` and optionally ``phase``
(A, B, C or ABC for electricity points), ``dr`` (true: the point gets an
AD220 + contactor), ``pulse_weight``, ``dwelling`` (``flat`` or ``house``)
and ``building_type`` (radio preset of the building). Rows of ``kind``
``j100uc`` (an existing concentrator) and ``mains`` (mains power available)
are not meters; they need ``point_id``, ``floor`` and the position. CSV files carry these as columns
(comma- or semicolon-separated, header row first, extra columns ignored);
GeoJSON files are a ``FeatureCollection`` of ``Point`` features with the same
names as properties and the position in the geometry. GeoJSON coordinates that
look like lon/lat degrees are projected to local metres around their
centroid (:mod:`analytics.planning.geojson`); otherwise they are taken as
metres.

Every problem raises :class:`InputError` with one line naming the file, the
row (``row 5``, the header is row 1) or feature (``features[3]``) and the
column or property, e.g. ``points.csv: row 5, column 'kind': unknown kind
'steam' (expected electricity, water, gas, heat)``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from scenarios.errors import InputError
from scenarios.site import PHASES, MeterKind, Site

#: Columns every point needs (besides the coordinates).
REQUIRED = ("point_id", "building", "floor", "flat", "kind")
#: Coordinate columns of a CSV file, metres in the site frame.
COORDS = ("x_m", "y_m")
#: Optional columns.
OPTIONAL = ("phase", "dr", "pulse_weight", "dwelling", "building_type")
#: ``kind`` values of rows that are not meters: an existing J100UC, a place with mains power.
INFRASTRUCTURE_KINDS = ("j100uc", "mains")
#: ``dwelling`` values (the consumer kind of a point's flat or house).
DWELLINGS = ("flat", "house")
#: Radio building types a ``building_type`` cell may name (mesh_sim.building_types).
BUILDING_TYPES = ("panel_concrete", "brick", "timber_house")
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0", "")

#: ``loc(column)`` → the message prefix naming file, row/feature and column.
Loc = Callable[[str], str]


@dataclass(frozen=True)
class Point:
    """One metering point as read from the file.

    Attributes:
        point_id: Unique id; becomes the meter id.
        building: Building name; becomes a BUILDING balance group.
        floor: Storey, 0 for the ground floor.
        flat: Flat name within the building; one consumer per building + flat.
        kind: What the meter measures.
        x_m: Easting in the site frame, m.
        y_m: Northing in the site frame, m.
        phase: Phase of an electricity point (``None``: allocated in turn).
        dr: The point gets DR equipment; ``None`` when the file has no ``dr`` column.
        pulse_weight: Pulses per unit; ``None`` takes the default of its kind.
        dwelling: ``flat`` (default) or ``house`` (a detached house).
        building_type: Radio building-type preset of the point's building, if given.
        role: ``meter``, or ``j100uc`` (an existing concentrator here) or
            ``mains`` (mains power available here) for rows that are not meters.
    """

    point_id: str
    building: str
    floor: int
    flat: str
    kind: MeterKind
    x_m: float
    y_m: float
    phase: Optional[str] = None
    dr: Optional[bool] = None
    pulse_weight: Optional[float] = None
    dwelling: str = "flat"
    building_type: Optional[str] = None
    role: str = "meter"


@dataclass
class MeteringPoints:
    """A points file turned into a site.

    Attributes:
        site: Groups (one district over one group per building), one consumer
            per flat, one meter per point; no modules or concentrators yet.
        dr_meter_ids: Points with ``dr`` true, or ``None`` when the file has no
            ``dr`` column (the planner then draws ``plan.dr_share`` of the flats).
        source: The file name.
        origin_lonlat: ``(lon, lat)`` of the local frame's origin when GeoJSON
            degrees were projected, else ``None``.
        points: The points in file order (meters, existing J100UC and mains rows).
        existing_concentrators: J100UC already installed (``kind`` j100uc rows), kept by the planner.
        mains: Positions with mains power (``kind`` mains rows); when any are
            given, new J100UC are mounted only there.
    """

    site: Site
    dr_meter_ids: Optional[list[str]]
    source: str
    origin_lonlat: Optional[tuple[float, float]] = None
    points: tuple[Point, ...] = ()
    existing_concentrators: tuple = ()
    mains: tuple = ()


def _text(value: Any, loc: Loc, col: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if value is None else str(value).strip()
    if not text:
        raise InputError(f"{loc(col)}: empty")
    return text


def _floor(value: Any, loc: Loc) -> int:
    if isinstance(value, bool):
        raise InputError(f"{loc('floor')}: expected an integer floor, got {value!r}")
    if isinstance(value, int):
        return value
    text = "" if value is None else str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"{loc('floor')}: not a number: {text!r} (expected an integer floor)") from None
    if not number.is_integer():
        raise InputError(f"{loc('floor')}: expected an integer floor, got {text!r}")
    return int(number)


def _number(value: Any, loc: Loc, col: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{loc(col)}: not a number: {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = "" if value is None else str(value).strip()
        if not text:
            raise InputError(f"{loc(col)}: empty")
        try:
            number = float(text)
        except ValueError:
            raise InputError(f"{loc(col)}: not a number: {text!r}") from None
    if not math.isfinite(number):
        raise InputError(f"{loc(col)}: not a finite number: {value!r}")
    return number


def _dr(value: Any, loc: Loc) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{loc('dr')}: expected true or false, got {value!r}")


def _choice(value: Any, loc: Loc, col: str, allowed: tuple[str, ...]) -> Optional[str]:
    """An optional cell that must be one of ``allowed`` (case-insensitive); ``None`` if empty."""
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return None
    if text not in allowed:
        raise InputError(f"{loc(col)}: unknown {col} {value!r} (expected {', '.join(allowed)})")
    return text


def parse_point(raw: Mapping[str, Any], loc: Loc, x_m: float, y_m: float, has_dr: bool) -> Point:
    """Checks and converts one point's fields (``raw`` maps names to file values)."""
    point_id = _text(raw.get("point_id"), loc, "point_id")
    kind_text = "" if raw.get("kind") is None else str(raw.get("kind")).strip().lower()
    kinds = [k.value for k in MeterKind]
    if kind_text not in kinds + list(INFRASTRUCTURE_KINDS):
        raise InputError(f"{loc('kind')}: unknown kind {raw.get('kind')!r} "
                         f"(expected {', '.join(kinds + list(INFRASTRUCTURE_KINDS))})")
    floor = _floor(raw.get("floor"), loc)
    btype = _choice(raw.get("building_type"), loc, "building_type", BUILDING_TYPES)
    if kind_text in INFRASTRUCTURE_KINDS:
        building = "" if raw.get("building") is None else str(raw.get("building")).strip()
        return Point(point_id, building, floor, "", MeterKind.ELECTRICITY, x_m, y_m, None, None, None, "flat",
                     btype, kind_text)
    building = _text(raw.get("building"), loc, "building")
    flat = _text(raw.get("flat"), loc, "flat")
    kind = MeterKind(kind_text)
    dwelling = _choice(raw.get("dwelling"), loc, "dwelling", DWELLINGS) or "flat"
    phase = None
    phase_text = "" if raw.get("phase") is None else str(raw.get("phase")).strip().upper()
    if kind == MeterKind.ELECTRICITY and phase_text:
        if phase_text not in PHASES:
            raise InputError(f"{loc('phase')}: unknown phase {raw.get('phase')!r} (expected {', '.join(PHASES)})")
        phase = phase_text
    dr = _dr(raw.get("dr"), loc) if has_dr else None
    if dr and kind != MeterKind.ELECTRICITY:
        raise InputError(f"{loc('dr')}: a {kind.value} point cannot carry DR equipment "
                         "(the AD220 drives a contactor on the electricity supply)")
    weight = None
    if raw.get("pulse_weight") not in (None, ""):
        weight = _number(raw.get("pulse_weight"), loc, "pulse_weight")
        if weight <= 0:
            raise InputError(f"{loc('pulse_weight')}: must be > 0, got {weight:g}")
    return Point(point_id, building, floor, flat, kind, x_m, y_m, phase, dr, weight, dwelling, btype)


def _read_text(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{p}: points file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the points file ({exc})") from None


def read_points_csv(path: str | Path) -> tuple[list[Point], list[str]]:
    """Reads a points CSV; returns the points and the location of each (``row N``)."""
    p = Path(path)
    text = _read_text(p)
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise InputError(f"{p}: row 1: empty file, expected a header row")
    reader = csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [h.strip().lower() for h in next(reader)]
    for j, h in enumerate(header):
        if h and h in header[:j]:
            raise InputError(f"{p}: row 1, column '{h}': duplicate column")
    for col in REQUIRED + COORDS:
        if col not in header:
            why = "; metering points need coordinates (x_m, y_m in metres)" if col in COORDS else ""
            raise InputError(f"{p}: row 1, column '{col}': missing{why}")
    points, wheres = [], []
    for i, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{p}: row {i}: {len(row)} fields, the header has {len(header)}")
        raw = dict(zip(header, row))

        def loc(col: str, i: int = i) -> str:
            return f"{p}: row {i}, column '{col}'"

        xy = []
        for col in COORDS:
            if not raw[col].strip():
                raise InputError(f"{loc(col)}: empty; every metering point needs coordinates")
            xy.append(_number(raw[col], loc, col))
        points.append(parse_point(raw, loc, xy[0], xy[1], "dr" in header))
        wheres.append(f"row {i}")
    if not points:
        raise InputError(f"{p}: row 2: no metering points after the header")
    return points, wheres


def load_points(path: str | Path, name: str | None = None) -> MeteringPoints:
    """Reads a CSV (``.csv``) or GeoJSON (``.geojson``/``.json``) points file into a site.

    Args:
        path: The file.
        name: Site name; the file stem by default.

    Raises:
        InputError: One line naming the file, the row or feature and the column.
    """
    from analytics.planning.geojson import read_points_geojson
    from analytics.planning.sitebuild import build_site

    p = Path(path)
    suffix = p.suffix.lower()
    origin = None
    if suffix == ".csv":
        points, wheres = read_points_csv(p)
    elif suffix in (".geojson", ".json"):
        points, wheres, origin = read_points_geojson(p)
    else:
        raise InputError(f"{p}: unknown points file type {suffix or '(none)'!r} (expected .csv, .geojson or .json)")
    from scenarios.site import Concentrator, Position

    meters = [(pt, w) for pt, w in zip(points, wheres) if pt.role == "meter"]
    if not meters:
        raise InputError(f"{p}: no metering points (only j100uc / mains rows)")
    site = build_site([m for m, _ in meters], [w for _, w in meters], str(p), name or p.stem)
    has_dr = any(pt.dr is not None for pt in points)
    dr_ids = [pt.point_id for pt in points if pt.dr] if has_dr else None
    existing = tuple(Concentrator(pt.point_id, Position(pt.x_m, pt.y_m, pt.floor))
                     for pt in points if pt.role == "j100uc")
    mains = tuple(Position(pt.x_m, pt.y_m, pt.floor) for pt in points if pt.role == "mains")
    return MeteringPoints(site, dr_ids, str(p), origin, tuple(points), existing, mains)
