"""Reading metering points (CSV or GeoJSON) into a site to plan.

A metering point is one meter with a pulse output in a flat:
``point_id, building, floor, flat, kind, x_m, y_m`` and optionally ``phase``
(A, B, C or ABC for electricity points), ``dr`` (true: the point gets an
AD220 + contactor) and ``pulse_weight``. CSV files carry these as columns
(comma- or semicolon-separated, header row first, extra columns ignored);
GeoJSON files are a ``FeatureCollection`` of ``Point`` features with the same
names as properties and the position in the geometry. GeoJSON coordinates that
look like lon/lat degrees are projected to local metres around their
centroid (:mod:`analytics.planning.geojson`); otherwise they are taken as
metres.

Positions that cannot be metres of one site (lon/lat typed as metres, GeoJSON
in ``[lat, lon]`` order, a point thousands of km away) are an error too
(:mod:`analytics.planning.spacing`).

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
OPTIONAL = ("phase", "dr", "pulse_weight")
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
        points: The points in file order.
    """

    site: Site
    dr_meter_ids: Optional[list[str]]
    source: str
    origin_lonlat: Optional[tuple[float, float]] = None
    points: tuple[Point, ...] = ()


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


def parse_point(raw: Mapping[str, Any], loc: Loc, x_m: float, y_m: float, has_dr: bool) -> Point:
    """Checks and converts one point's fields (``raw`` maps names to file values)."""
    point_id = _text(raw.get("point_id"), loc, "point_id")
    building = _text(raw.get("building"), loc, "building")
    floor = _floor(raw.get("floor"), loc)
    flat = _text(raw.get("flat"), loc, "flat")
    kind_text = "" if raw.get("kind") is None else str(raw.get("kind")).strip().lower()
    kinds = [k.value for k in MeterKind]
    if kind_text not in kinds:
        raise InputError(f"{loc('kind')}: unknown kind {raw.get('kind')!r} (expected {', '.join(kinds)})")
    kind = MeterKind(kind_text)
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
    return Point(point_id, building, floor, flat, kind, x_m, y_m, phase, dr, weight)


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
    from analytics.planning.spacing import check_spacing

    p = Path(path)
    suffix = p.suffix.lower()
    origin = None
    if suffix == ".csv":
        points, wheres = read_points_csv(p)
    elif suffix in (".geojson", ".json"):
        points, wheres, origin = read_points_geojson(p)
    else:
        raise InputError(f"{p}: unknown points file type {suffix or '(none)'!r} (expected .csv, .geojson or .json)")
    check_spacing([pt.x_m for pt in points], [pt.y_m for pt in points], [pt.building for pt in points], wheres,
                  str(p))
    site = build_site(points, wheres, str(p), name or p.stem)
    has_dr = any(pt.dr is not None for pt in points)
    dr_ids = [pt.point_id for pt in points if pt.dr] if has_dr else None
    return MeteringPoints(site, dr_ids, str(p), origin, tuple(points))
