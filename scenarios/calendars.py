"""The site's calendar: public holidays and local clock time with daylight-saving shifts.

Configured once at the root (``calendar.country=RO calendar.subdivision=
calendar.timezone=Europe/Bucharest``) and shared by the tariff and the
forecasts (``conf/config.yaml`` points ``tariff.calendar`` and
``analytics.forecast.calendar`` at it).

* **Holidays** come from the ``holidays`` package (``country`` an ISO 3166
  code it knows, e.g. ``RO``, ``MD``, ``DE``, ``RU``; ``subdivision`` a state
  or region code such as ``BY`` for Bavaria). A public holiday is a day off:
  tariffs bill it as their ``weekend`` day type and forecasts count it with
  the weekend days.
* **Local time**: with a ``timezone`` (IANA name, read through ``zoneinfo``) a
  simulated horizon is a run of physical minutes starting at the given local
  wall-clock time; each minute is mapped to its local clock time, so the spring
  day has 23 hours (1380 minutes) and the autumn day 25 (1500), and the repeated
  autumn hour is two clock hours of its own. Without a timezone, times are
  naive clock time (every day 1440 minutes), as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from scenarios.errors import InputError


@dataclass
class CalendarConfig:
    """Where the site is, for holidays and clock time.

    Attributes:
        country: ISO 3166 country code of the public holidays (``holidays``
            package), e.g. ``RO``, ``MD``, ``DE``, ``RU``; empty: no holidays.
        subdivision: State / region code within the country (e.g. ``BY``); empty: national holidays.
        timezone: IANA time zone, e.g. ``Europe/Chisinau``; empty: naive clock time without DST.
    """

    country: str = ""
    subdivision: str = ""
    timezone: str = ""


def check_calendar(cfg: CalendarConfig, key: str = "calendar") -> None:
    """Raises InputError (one line naming the key) on an unknown country, subdivision or time zone."""
    if cfg.timezone:
        _zone(cfg.timezone, key)
    if cfg.country:
        _holiday_table(cfg.country.upper(), cfg.subdivision, key)
    elif cfg.subdivision:
        raise InputError(f"{key}.subdivision: '{cfg.subdivision}' needs {key}.country")


def _zone(name: str, key: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{key}.timezone: '{name}' is not an IANA time zone (e.g. Europe/Bucharest)") from None


@lru_cache(maxsize=16)
def _holiday_table(country: str, subdivision: str, key: str):
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise InputError(f"{key}.country: '{country}' is not a country the holidays package knows "
                         f"(ISO 3166 codes such as RO, MD, DE, RU)")
    if subdivision and subdivision not in supported[country]:
        raise InputError(f"{key}.subdivision: '{subdivision}' is not a subdivision of {country} "
                         f"(known: {', '.join(supported[country][:12])}{' ...' if len(supported[country]) > 12 else ''})")
    return holidays.country_holidays(country, subdiv=subdivision or None)


def holidays_between(cfg: CalendarConfig, first: date, last: date, key: str = "calendar") -> set[date]:
    """Public holidays from ``first`` to ``last`` (inclusive); empty without a country."""
    if not cfg.country:
        return set()
    table = _holiday_table(cfg.country.upper(), cfg.subdivision, key)
    for year in range(first.year, last.year + 1):
        table.get(date(year, 1, 1))  # makes the table fill the year
    return {d for d in table if first <= d <= last}


def days_off(days: np.ndarray, cfg: CalendarConfig, key: str = "calendar") -> np.ndarray:
    """Weekend (Saturday, Sunday) or public holiday, per ``datetime64[D]`` day."""
    days = np.asarray(days, dtype="datetime64[D]")
    weekend = (days.astype(np.int64) + 3) % 7 >= 5  # 1970-01-01 was a Thursday
    if not cfg.country or days.size == 0:
        return weekend
    first, last = (pd.Timestamp(d).date() for d in (days.min(), days.max()))
    hol = np.array(sorted(holidays_between(cfg, first, last, key)), dtype="datetime64[D]")
    return weekend | np.isin(days, hol)


@dataclass
class LocalClock:
    """Local clock of each physical minute of a horizon.

    Attributes:
        local: (T,) local wall-clock time, ``datetime64[m]``.
        hour_key: (T,) integer that changes exactly at each local clock hour
            (the repeated autumn hour gets a key of its own).
        day_fraction: (T,) share of its local day one minute is (1/1380 on the
            23-hour day, 1/1500 on the 25-hour day, else 1/1440).
    """

    local: np.ndarray
    hour_key: np.ndarray
    day_fraction: np.ndarray


def local_clock(start: datetime, minutes: int, timezone: str = "", key: str = "calendar") -> LocalClock:
    """The local clock of ``minutes`` physical minutes from ``start``.

    Args:
        start: Local wall-clock time of the first minute (naive; an aware
            datetime is converted to ``timezone`` first). A wall time that
            occurs twice is taken at its first occurrence.
        minutes: Length of the horizon.
        timezone: IANA time zone; empty: naive clock time.
        key: Config key named in messages.
    """
    n = np.arange(minutes)
    if not timezone:
        t = np.datetime64(start.replace(tzinfo=None), "m") + n
        return LocalClock(t, t.astype("datetime64[h]").astype(np.int64), np.full(minutes, 1.0 / 1440.0))
    tz = _zone(timezone, key)
    aware = start.astimezone(tz) if start.tzinfo else start.replace(tzinfo=tz, fold=0)
    utc0 = aware.astimezone(dt_timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
    idx = pd.date_range(utc0, periods=minutes, freq="min", tz="UTC").tz_convert(tz)
    local = idx.tz_localize(None).to_numpy().astype("datetime64[m]")
    offset_min = ((local - (np.datetime64(utc0, "m") + n)).astype(np.int64))
    hour_key = local.astype("datetime64[h]").astype(np.int64) * 4096 + (offset_min + 2048)
    days = local.astype("datetime64[D]")
    uniq, inverse = np.unique(days, return_inverse=True)
    length = np.array([_day_minutes(pd.Timestamp(d).date(), tz) for d in uniq], dtype=float)
    return LocalClock(local, hour_key, 1.0 / length[inverse])


def _day_minutes(day: date, tz: ZoneInfo) -> float:
    """Physical minutes of a local day (1380, 1440 or 1500 in most zones)."""
    a = datetime.combine(day, time(0), tzinfo=tz).astimezone(dt_timezone.utc)
    b = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(dt_timezone.utc)
    return (b - a).total_seconds() / 60.0
