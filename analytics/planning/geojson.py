"""GeoJSON metering points, and the lon/lat ⇄ local metres projection.

A points GeoJSON is a ``FeatureCollection`` of ``Point`` features whose
properties are the CSV columns (:mod:`analytics.planning.points`). Coordinates
that look like lon/lat degrees (inside ±180/±90 and spanning at most
:data:`LONLAT_SPAN_MAX_DEG` in both axes: a site in metres spans more than a
metre) are projected to local metres with an equirectangular projection
around their centroid: ``x = R·Δlon·cos(lat0)``, ``y = R·Δlat`` (error under
0.1 % over a few km). Other coordinates are taken as metres in the site frame.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional

from scenarios.errors import InputError
from scenarios.sources.geo import (LONLAT_SPAN_MAX_DEG, looks_like_lonlat,  # noqa: F401  (re-exported)
                                   project_lonlat, unproject_xy)

from analytics.planning.points import Point, _read_text, parse_point


def _feature_xy(p: Path, i: int, feature: Any) -> tuple[float, float]:
    loc = f"{p}: features[{i}]"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InputError(f"{loc}: expected a GeoJSON Feature object")
    geom = feature.get("geometry")
    if geom is None:
        raise InputError(f"{loc}.geometry: missing; every metering point needs coordinates")
    if not isinstance(geom, dict) or geom.get("type") != "Point":
        got = geom.get("type") if isinstance(geom, dict) else type(geom).__name__
        raise InputError(f"{loc}.geometry.type: expected 'Point', got {got!r}")
    coords = geom.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise InputError(f"{loc}.geometry.coordinates: missing; every metering point needs coordinates")
    out = []
    for j in (0, 1):
        value = coords[j]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"{loc}.geometry.coordinates[{j}]: not a finite number: {value!r}")
        out.append(float(value))
    return out[0], out[1]


def read_points_geojson(path: str | Path) -> tuple[list[Point], list[str], Optional[tuple[float, float]]]:
    """Reads a points GeoJSON; returns the points, their locations
    (``features[i]``) and the projection origin (``None`` for metres)."""
    p = Path(path)
    try:
        data = json.loads(_read_text(p))
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: line {exc.lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        got = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise InputError(f"{p}: type: expected 'FeatureCollection', got {got!r}")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise InputError(f"{p}: features: no metering points")
    xy = [_feature_xy(p, i, f) for i, f in enumerate(features)]
    origin = None
    if looks_like_lonlat([x for x, _ in xy], [y for _, y in xy]):
        origin = (sum(x for x, _ in xy) / len(xy), sum(y for _, y in xy) / len(xy))
        xy = [project_lonlat(x, y, origin) for x, y in xy]
    has_dr = any(isinstance(f.get("properties"), dict) and "dr" in {str(k).lower() for k in f["properties"]}
                 for f in features)
    points, wheres = [], []
    for i, f in enumerate(features):
        props = f.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            raise InputError(f"{p}: features[{i}].properties: expected an object")

        def loc(col: str, i: int = i) -> str:
            return f"{p}: features[{i}].properties.{col}"

        points.append(parse_point({k.lower(): v for k, v in props.items()}, loc, xy[i][0], xy[i][1], has_dr))
        wheres.append(f"features[{i}]")
    return points, wheres, origin
