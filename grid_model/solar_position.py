"""True solar position for PV (pvlib): the sun where the site is, on its local clock.

The generated weather's clear-sky irradiance (:mod:`grid_model.weather`) takes
the sun's elevation from this module when the site's longitude is known
(``loads.weather.longitude_deg``, or the site's own coordinates for
geo-referenced sites such as SimBench): ``pvlib.solarposition.get_solarposition``
(NREL SPA) at the site's latitude and longitude for every minute of the local
day in the site's time zone (DST included), then pvlib's Haurwitz clear-sky
model on the apparent zenith. Solar noon thus falls at the local clock time it
really has (about 13:06 in Chisinau in June under summer time, 12:03 in
December) instead of at 12:00.

Without a time zone the clock is the longitude's whole-hour offset from UTC
(``Etc/GMT-1`` for 11° E), i.e. standard time without DST.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

#: Year of the simulated days (the sun's path differs between years by far less than a minute).
YEAR = 2026


def zone_of(longitude_deg: float, timezone: str = "") -> str:
    """The time zone to use: ``timezone`` if given, else the longitude's standard offset."""
    if timezone:
        return timezone
    hours = int(round(longitude_deg / 15.0))
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"  # Etc/GMT-1 is UTC+1


def local_minutes(day_of_year: int, minutes: int, longitude_deg: float, timezone: str = "",
                  year: int = YEAR) -> pd.DatetimeIndex:
    """Physical minutes from local midnight of ``day_of_year``, tz-aware in the site's zone."""
    start = datetime(year, 1, 1) + timedelta(days=day_of_year - 1)
    return pd.date_range(pd.Timestamp(start).tz_localize(zone_of(longitude_deg, timezone)), periods=minutes,
                         freq="min")


def solar_position(times: pd.DatetimeIndex, latitude_deg: float, longitude_deg: float) -> pd.DataFrame:
    """pvlib's solar position (``apparent_elevation``, ``apparent_zenith``, ``azimuth``, ...), degrees."""
    from pvlib.solarposition import get_solarposition

    return get_solarposition(times, latitude_deg, longitude_deg)


def clear_sky_true_sun(day_of_year: int, minutes: int, latitude_deg: float, longitude_deg: float,
                       timezone: str = "", year: int = YEAR) -> np.ndarray:
    """Clear-sky global horizontal irradiance per minute, W/m² (Haurwitz on the true sun).

    Args:
        day_of_year: Day of minute 0 (local midnight), 1..366.
        minutes: Length of the series.
        latitude_deg: Site latitude.
        longitude_deg: Site longitude (east positive).
        timezone: IANA zone of the local clock; empty: the longitude's standard offset.
        year: Calendar year of the days.
    """
    from pvlib.clearsky import haurwitz

    pos = solar_position(local_minutes(day_of_year, minutes, longitude_deg, timezone, year), latitude_deg,
                         longitude_deg)
    return haurwitz(pos["apparent_zenith"])["ghi"].to_numpy(dtype=float)
