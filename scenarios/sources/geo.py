"""WGS84 degrees ⇄ local metres for imported feeders (equirectangular around an origin).

``x = R·Δlon·cos(lat0)``, ``y = R·Δlat`` with the mean Earth radius; the error
stays under 0.1 % over a few km, far below the accuracy of feeder maps. The
planner's points reader (:mod:`analytics.planning.geojson`) uses these same
functions; they live here so that the site layer does not import the analytics
layer.
"""

from __future__ import annotations

import math

#: Mean Earth radius (IUGG), m.
EARTH_RADIUS_M = 6_371_008.8
#: Coordinates spanning more than this (degrees) are taken as metres.
LONLAT_SPAN_MAX_DEG = 1.0


def looks_like_lonlat(lons: list[float], lats: list[float]) -> bool:
    """Whether coordinates are lon/lat degrees: in range and spanning at most
    :data:`LONLAT_SPAN_MAX_DEG` (a feeder in metres spans more than a metre)."""
    if not lons:
        return False
    in_range = all(-180.0 <= x <= 180.0 for x in lons) and all(-90.0 <= y <= 90.0 for y in lats)
    return in_range and max(lons) - min(lons) <= LONLAT_SPAN_MAX_DEG and max(lats) - min(lats) <= LONLAT_SPAN_MAX_DEG


def project_lonlat(lon: float, lat: float, origin: tuple[float, float]) -> tuple[float, float]:
    """Metres east and north of ``origin`` (lon, lat) of the point ``(lon, lat)``."""
    lon0, lat0 = origin
    return (EARTH_RADIUS_M * math.radians(lon - lon0) * math.cos(math.radians(lat0)),
            EARTH_RADIUS_M * math.radians(lat - lat0))


def unproject_xy(x_m: float, y_m: float, origin: tuple[float, float]) -> tuple[float, float]:
    """Inverse of :func:`project_lonlat`: ``(lon, lat)`` of a local point."""
    lon0, lat0 = origin
    return (lon0 + math.degrees(x_m / (EARTH_RADIUS_M * math.cos(math.radians(lat0)))),
            lat0 + math.degrees(y_m / EARTH_RADIUS_M))


def fill_missing(xy: dict, root, edges: list[tuple[object, object, float]]) -> dict:
    """Places buses without coordinates along their lines, spreading out from placed ones.

    Args:
        xy: Bus → ``(x, y)`` in metres, or ``None`` where unknown.
        root: The transformer's LV bus (put at the origin if unknown).
        edges: ``(bus_a, bus_b, length_m)`` of each line.

    Returns:
        Bus → ``(x, y)`` for every bus; a bus that no line reaches stays at (0, 0).
    """
    out = dict(xy)
    if out.get(root) is None:
        out[root] = (0.0, 0.0)
    rank, pending = 0, True
    while pending:
        pending = False
        for a, b, length_m in edges:
            for u, v in ((a, b), (b, a)):
                if out.get(u) is not None and out.get(v) is None:
                    rank += 1
                    angle = 2.0 * math.pi * ((rank * 0.618034) % 1.0)  # golden-ratio spread of directions
                    out[v] = (out[u][0] + length_m * math.cos(angle), out[u][1] + length_m * math.sin(angle))
                    pending = True
    return {k: (v if v is not None else (0.0, 0.0)) for k, v in out.items()}
