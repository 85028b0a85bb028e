"""Plausibility of metering-point positions: degrees read as metres, swapped lon/lat, far outliers.

Coordinates are metres by the time they are checked (GeoJSON degrees are
projected first). Two mistakes survive the per-row checks and give a plan
that looks valid but is nonsense:

* **Degrees as metres**: lon/lat typed into ``x_m``/``y_m``, or GeoJSON
  ``[lat, lon]`` for a site east of 90° E, whose second value is then no
  latitude, so the file is taken as metres. The buildings end up
  millimetres apart. Rule: with two or more buildings, the median distance
  from a building to its nearest neighbour is below
  :data:`MIN_BUILDING_SPACING_M`; no real site has most of its buildings
  touching.
* **A point far from the rest** (one feature with swapped coordinates, a
  typo): a point further than :data:`MAX_DISTANCE_M` from the median position.
  A DMesh site spans a few kilometres (10 km at most by relaying).

Not detectable: a whole GeoJSON file in ``[lat, lon]`` order where both
values are valid lon/lat (|lat| and |lon| below 90°, e.g. Europe). It is
projected around the wrong latitude, which only scales and mirrors the
plan; a warning in the docs is the only defence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree

from scenarios.errors import InputError

#: Median nearest-neighbour distance between buildings below which positions cannot be metres, m.
MIN_BUILDING_SPACING_M = 2.0
#: A point further than this from the median position is not part of the site, m.
MAX_DISTANCE_M = 50_000.0


def _degrees_hint(xs: np.ndarray, ys: np.ndarray) -> str:
    """What the coordinates look like when they cannot be metres."""
    if not ((np.abs(xs) <= 180).all() and (np.abs(ys) <= 180).all()):
        return ""
    if (np.abs(xs) <= 90).all() and (np.abs(ys) > 90).any():
        return ("; they look like degrees in [lat, lon] order (the second value is over 90, so it is no "
                "latitude): GeoJSON wants [lon, lat]")
    return "; they look like lon/lat degrees: give x_m, y_m in metres (CSV) or GeoJSON [lon, lat]"


def check_spacing(xs_m: Sequence[float], ys_m: Sequence[float], buildings: Sequence[str],
                  wheres: Sequence[str], source: str) -> None:
    """Raises InputError when the positions are implausible for one site (module docstring).

    Args:
        xs_m: Easting of each point, m.
        ys_m: Northing of each point, m.
        buildings: Building of each point.
        wheres: Location of each point in the file (``row 5``, ``features[3]``).
        source: The file, named first in the message.
    """
    xs, ys = np.asarray(xs_m, dtype=float), np.asarray(ys_m, dtype=float)
    if xs.size == 0:
        return
    cx, cy = float(np.median(xs)), float(np.median(ys))
    far = np.hypot(xs - cx, ys - cy)
    worst = int(np.argmax(far))
    if far[worst] > MAX_DISTANCE_M:
        raise InputError(f"{source}: {wheres[worst]}: the point is {far[worst] / 1000:,.0f} km from the median "
                         f"position of the others, implausible for one site (swapped lon/lat or a typo in "
                         f"x_m={xs[worst]:.10g}, y_m={ys[worst]:.10g}?)")
    names = sorted(set(buildings))
    if len(names) < 2:
        return
    index = {b: i for i, b in enumerate(names)}
    which = np.array([index[b] for b in buildings])
    count = np.bincount(which, minlength=len(names))
    centre = np.stack([np.bincount(which, xs, len(names)) / count, np.bincount(which, ys, len(names)) / count], 1)
    nearest_m, _ = cKDTree(centre).query(centre, k=2)
    median_m = float(np.median(nearest_m[:, 1]))
    if median_m < MIN_BUILDING_SPACING_M:
        raise InputError(f"{source}: the {len(names)} buildings are a median {median_m:.3g} m from their nearest "
                         f"neighbour: implausible for coordinates in metres{_degrees_hint(xs, ys)}")
