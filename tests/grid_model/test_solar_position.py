"""True solar position (pvlib) against the Astronomical Almanac's solar noon and noon elevation."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

pytest.importorskip("pvlib")

from grid_model.solar_position import local_minutes, solar_position, zone_of  # noqa: E402
from grid_model.weather import WeatherConfig, generate_weather  # noqa: E402


def almanac_sun(year: int, day_of_year: int, utc_hour: float) -> tuple[float, float]:
    """Equation of time (min) and declination (deg): the Astronomical Almanac's low-precision
    formulas for the Sun (about 0.01 deg), independent of pvlib's SPA."""
    days = (datetime(year, 1, 1) - datetime(2000, 1, 1, 12)).total_seconds() / 86400 + day_of_year - 1 + utc_hour / 24
    mean_lon = (280.460 + 0.9856474 * days) % 360
    anomaly = math.radians((357.528 + 0.9856003 * days) % 360)
    ecl_lon = math.radians(mean_lon + 1.915 * math.sin(anomaly) + 0.020 * math.sin(2 * anomaly))
    obliquity = math.radians(23.439 - 0.0000004 * days)
    ra = math.degrees(math.atan2(math.cos(obliquity) * math.sin(ecl_lon), math.cos(ecl_lon))) % 360
    eot = 4 * (((mean_lon - ra) + 180) % 360 - 180)
    return eot, math.degrees(math.asin(math.sin(obliquity) * math.sin(ecl_lon)))


@pytest.mark.parametrize("lat, lon, zone, doy, utc_offset_h", [
    (47.0105, 28.8638, "Europe/Chisinau", 172, 3),   # Chisinau, 21 June, summer time
    (47.0105, 28.8638, "Europe/Chisinau", 355, 2),   # 21 December
    (53.651, 11.4118, "Europe/Berlin", 100, 2),      # a SimBench site, 10 April
    (55.7558, 37.6173, "Europe/Moscow", 200, 3),     # Moscow, no DST
])
def test_solar_noon_and_noon_elevation(lat, lon, zone, doy, utc_offset_h):
    pos = solar_position(local_minutes(doy, 1440, lon, zone), lat, lon)
    elevation = pos["apparent_elevation"].to_numpy()
    noon_min = int(np.argmax(elevation))
    eot, decl = almanac_sun(2026, doy, 12 - lon / 15)
    expected = 720 - 4 * (lon - 15 * utc_offset_h) - eot
    assert noon_min == pytest.approx(expected, abs=1.5)
    assert elevation.max() == pytest.approx(90 - abs(lat - decl), abs=0.05)  # + refraction (< 0.03 deg)


def test_generated_weather_peaks_at_the_true_local_noon():
    cfg = WeatherConfig(latitude_deg=47.0105, longitude_deg=28.8638, timezone="Europe/Chisinau", cloud_cover=0.0)
    w = generate_weather(172, seed=1, cfg=cfg)
    clock = generate_weather(172, seed=1, cfg=WeatherConfig(latitude_deg=47.0105, cloud_cover=0.0))
    assert int(np.argmax(w.irradiance_w_m2)) == pytest.approx(13 * 60 + 6, abs=20)  # 13:06 under summer time
    assert int(np.argmax(clock.irradiance_w_m2)) == pytest.approx(12 * 60, abs=20)  # clock time as solar time
    assert w.irradiance_w_m2[:4 * 60].max() == 0.0  # dark before 04:00 (sunrise about 05:28)


def test_zone_without_name_is_the_longitude_standard_offset():
    assert zone_of(11.4) == "Etc/GMT-1" and zone_of(-74.0) == "Etc/GMT+5" and zone_of(2.0) == "UTC"
    assert zone_of(11.4, "Europe/Berlin") == "Europe/Berlin"
