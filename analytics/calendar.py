"""The site's local calendar: days, hours of the day and weekends in local time with DST.

Readings are stored in UTC (:class:`~analytics.data_format.MeterData`); every
daily balance, evening window and weekday of the analysis is taken in the
site's time zone (``analytics.timezone``, an IANA name such as
``Europe/Bucharest``), whatever offsets the file was written with. A local day
has 23 hours on the spring clock change and 25 on the autumn one; its energy is
the sum of the hours it really has.

:func:`site_zone` picks the zone: the configured one; a fixed offset only when
``analytics.utc_offset_h`` is given (a site without DST); with neither, the
data's own zone (a Parquet column's zone, or the single offset of a CSV file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from scenarios.errors import InputError


def _fixed(offset_h: float) -> tzinfo:
    return timezone(timedelta(hours=float(offset_h)))


def zone_of(value: Any, key: str = "analytics.timezone") -> tzinfo:
    """A ``tzinfo`` from an IANA name, ``"+02:00"``, ``"UTC"``, a number of hours or a tzinfo.

    Raises:
        InputError: An unknown zone name, naming ``key``.
    """
    if isinstance(value, tzinfo):
        return value
    if isinstance(value, (int, float)):
        return _fixed(value)
    text = str(value).strip()
    if text.upper() in ("UTC", "Z"):
        return timezone.utc
    if text[:1] in "+-" and ":" in text:
        sign = -1.0 if text[0] == "-" else 1.0
        hh, mm = text[1:].split(":", 1)
        try:
            return _fixed(sign * (int(hh) + int(mm) / 60.0))
        except ValueError:
            raise InputError(f"{key}: {value!r} is not a UTC offset like +02:00") from None
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{key}: unknown time zone {value!r} (an IANA name such as Europe/Bucharest)") from None


def site_zone(timezone_name: str | None, utc_offset_h: float | None, data_tz: Any) -> tzinfo:
    """The zone the analysis runs in (module docstring for the order)."""
    if utc_offset_h is not None:
        return _fixed(utc_offset_h)
    if timezone_name:
        return zone_of(timezone_name)
    if data_tz:
        return zone_of(data_tz, "the data's time zone")
    return timezone.utc


@dataclass
class LocalCalendar:
    """Local clock of each hour of a UTC hourly index.

    Attributes:
        local: (H,) the hours in the site's zone (tz-aware).
        day: (H,) local day index from the first local day.
        local_hour: (H,) local clock hour (on the autumn change one hour appears twice).
        weekend: (H,) bool, Saturday or Sunday local.
        local_date: (H,) ``YYYY-MM-DD`` local date.
        hours_in_day: (D,) hours each local day has (23, 24 or 25).
    """

    local: pd.DatetimeIndex
    day: np.ndarray
    local_hour: np.ndarray
    weekend: np.ndarray
    local_date: np.ndarray
    hours_in_day: np.ndarray


def local_calendar(hours_utc: pd.DatetimeIndex, zone: tzinfo) -> LocalCalendar:
    """The local calendar of ``hours_utc`` (tz-aware, UTC) in ``zone``."""
    local = pd.DatetimeIndex(hours_utc).tz_convert(zone)
    if len(local) == 0:
        empty = np.zeros(0, dtype=int)
        return LocalCalendar(local, empty, empty, empty.astype(bool), np.zeros(0, dtype=object), empty)
    wall = local.tz_localize(None)
    dates = wall.normalize()
    day = np.asarray((dates - dates[0]).days).astype(int)
    first = dates[0]
    n_days = int(day.max()) + 1
    starts = pd.DatetimeIndex([first + pd.Timedelta(days=d) for d in range(n_days + 1)])
    bounds = starts.tz_localize(zone, ambiguous=np.zeros(len(starts), dtype=bool), nonexistent="shift_forward")
    hours_in_day = np.round(np.diff(bounds.asi8) / 3.6e12).astype(int)
    return LocalCalendar(local=local, day=day, local_hour=np.asarray(wall.hour).astype(int),
                         weekend=np.asarray(wall.dayofweek >= 5), local_date=np.asarray(wall.strftime("%Y-%m-%d")),
                         hours_in_day=hours_in_day)
