"""Metering points whose positions cannot be metres of one site: degrees, swapped lon/lat, far outliers."""

from __future__ import annotations

import json
import math

import pytest

from analytics.planning.points import load_points
from scenarios.errors import InputError

HEADER = "point_id,building,floor,flat,kind,x_m,y_m\n"


def _csv(tmp_path, rows: list[tuple[float, float]]):
    text = HEADER + "".join(f"P{i},B{i},0,1,electricity,{x},{y}\n" for i, (x, y) in enumerate(rows))
    path = tmp_path / "points.csv"
    path.write_text(text)
    return path


def _geojson(tmp_path, coords: list[tuple[float, float]]):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": list(c)},
                 "properties": {"point_id": f"P{i}", "building": f"B{i}", "floor": 0, "flat": "1",
                                "kind": "electricity"}} for i, c in enumerate(coords)]
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


# Five buildings about 40 m apart in Kyiv (lon 30.52, lat 50.45) and in Shanghai (lon 121.47, lat 31.23).
KYIV = [(30.5200 + 0.0006 * k, 50.4500 + 0.0002 * k) for k in range(5)]
SHANGHAI = [(121.4700 + 0.0004 * k, 31.2300 + 0.0003 * k) for k in range(5)]


def _message(path) -> str:
    with pytest.raises(InputError) as info:
        load_points(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(path))
    return msg


def test_lonlat_typed_as_metres_in_a_csv(tmp_path) -> None:
    msg = _message(_csv(tmp_path, KYIV))
    assert "the 5 buildings are a median" in msg and "implausible for coordinates in metres" in msg
    assert "look like lon/lat degrees" in msg


def test_swapped_geojson_east_of_90_degrees(tmp_path) -> None:
    msg = _message(_geojson(tmp_path, [(lat, lon) for lon, lat in SHANGHAI]))
    assert "[lat, lon] order" in msg and "GeoJSON wants [lon, lat]" in msg


def test_one_swapped_feature_among_good_ones(tmp_path) -> None:
    msg = _message(_geojson(tmp_path, KYIV + [(50.4504, 30.5206)]))
    assert "implausible" in msg


def test_a_point_thousands_of_km_away(tmp_path) -> None:
    rows = [(40.0 * k, 15.0 * k) for k in range(6)] + [(3_500_000.0, 5_600_000.0)]
    msg = _message(_csv(tmp_path, rows))
    km = math.hypot(3_500_000.0 - 120.0, 5_600_000.0 - 45.0) / 1000  # the median position is (120, 45)
    assert f"row 8: the point is {km:,.0f} km from the median position" in msg
    assert "x_m=3500000, y_m=5600000" in msg


@pytest.mark.parametrize("coords", [KYIV, SHANGHAI])
def test_correct_lonlat_and_metres_are_accepted(tmp_path, coords) -> None:
    pts = load_points(_geojson(tmp_path, coords))
    xs = sorted(m.position.x_m for m in pts.site.meters)
    assert 150 < xs[-1] - xs[0] < 250  # 4 steps of 0.0006° or 0.0004° of longitude, in metres
    load_points(_csv(tmp_path, [(40.0 * k, 15.0 * k) for k in range(5)]))
