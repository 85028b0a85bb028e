"""Hourly values summed into local calendar days, and the forecasts' input helpers.

Days are local calendar days: the wall time of ``hours``' own time zone (the
caller converts the index to the site's local offset). Each column of
``values`` is the hour *starting* at that timestamp.

**Missing hours.** A meter-day with at least ``min_day_coverage_pct`` of its
hours observed counts as its observed sum scaled up by expected / observed
hours (the day's mean hour stands in for the gaps). A meter-day with less is
*unknown*: it is left out of the history means and, inside the month to date,
replaced by the day-of-week mean like a remaining day (and it widens the band
like one; :mod:`analytics.forecasts.month`). ``month_to_date`` is therefore an
estimate when data are missing; ``mtd_observed_share`` tells how much of it
was measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Meters per block when summing hours into days (bounds the temporary memory).
_CHUNK_ROWS = 4096


@dataclass
class DailyTotals:
    """Hourly values summed into local days.

    Attributes:
        dates: (D,) naive local midnights of the days that have columns.
        measured: (n, D) sum of the observed hours (0 where none).
        observed_hours: (n, D) number of non-missing hours.
        expected_hours: (D,) hours the local day has (23/25 on DST changes).
        full_day: (D,) every hour of the day has a column in ``hours``.
        total: (n, D) ``measured`` scaled to the full day, NaN where the
            coverage is below the minimum.
    """

    dates: pd.DatetimeIndex
    measured: np.ndarray
    observed_hours: np.ndarray
    expected_hours: np.ndarray
    full_day: np.ndarray
    total: np.ndarray


def sorted_hours(values: np.ndarray, hours: pd.DatetimeIndex) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Checks the shapes and returns ``values``/``hours`` in time order.

    Raises:
        ValueError: On a shape mismatch or duplicate hours.
    """
    values = np.asarray(values, dtype=float)
    hours = pd.DatetimeIndex(hours)
    if values.ndim != 2 or values.shape[1] != len(hours):
        raise ValueError(f"values must be (n_meters, {len(hours)}), got {values.shape}")
    if hours.has_duplicates:
        raise ValueError("hours has duplicate timestamps")
    if not hours.is_monotonic_increasing:
        order = np.argsort(hours.asi8, kind="stable")
        values, hours = values[:, order], hours[order]
    return values, hours


def local_wall_time(hours: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The naive local wall time of each hour (``hours`` itself when naive)."""
    return hours.tz_localize(None) if hours.tz is not None else hours


def _expected_hours(dates: pd.DatetimeIndex, tz) -> np.ndarray:
    """Length of each local day in hours (24 except on DST changes)."""
    if tz is None or len(dates) == 0:
        return np.full(len(dates), 24, dtype=int)
    start = dates.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    end = (dates + pd.Timedelta(days=1)).tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    length = ((end - start) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
    return np.where(np.isfinite(length), np.round(length), 24).astype(int)


def daily_totals(values: np.ndarray, hours: pd.DatetimeIndex, min_day_coverage_pct: float = 50.0) -> DailyTotals:
    """Sums hourly values into local days (see the module docstring for gaps).

    Args:
        values: (n, H) hourly values, NaN where missing, columns in time order.
        hours: (H,) start of each hour, increasing.
        min_day_coverage_pct: Minimum observed share of a day's hours for ``total``.
    """
    wall = local_wall_time(hours)
    day = wall.normalize()
    if len(day):
        starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    else:
        starts = np.zeros(0, dtype=int)
    dates = day[starts]
    present = np.diff(np.r_[starts, len(day)])
    expected = _expected_hours(dates, hours.tz)
    n = values.shape[0]
    measured = np.zeros((n, len(dates)))
    observed = np.zeros((n, len(dates)), dtype=int)
    if len(dates):
        for lo in range(0, n, _CHUNK_ROWS):
            block = values[lo:lo + _CHUNK_ROWS]
            ok = ~np.isnan(block)
            measured[lo:lo + _CHUNK_ROWS] = np.add.reduceat(np.where(ok, block, 0.0), starts, axis=1)
            observed[lo:lo + _CHUNK_ROWS] = np.add.reduceat(ok, starts, axis=1, dtype=int)
    share = observed / np.maximum(expected, 1)
    enough = (observed > 0) & (share * 100.0 >= min_day_coverage_pct)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = np.where(enough, measured * expected / np.maximum(observed, 1), np.nan)
    return DailyTotals(dates=pd.DatetimeIndex(dates), measured=measured, observed_hours=observed,
                       expected_hours=expected, full_day=present >= expected, total=total)


def per_meter(mapping, meter_ids, name: str) -> np.ndarray:
    """One label per meter from a dict / Series (keyed by meter id) or an aligned sequence.

    Meters a mapping lacks get ``None``.

    Raises:
        ValueError: When a sequence does not have one entry per meter.
    """
    ids = list(meter_ids)
    if isinstance(mapping, pd.Series):
        return mapping.reindex(ids).to_numpy(dtype=object)
    if isinstance(mapping, Mapping):
        return np.array([mapping.get(m) for m in ids], dtype=object)
    arr = np.asarray(mapping, dtype=object)
    if arr.shape != (len(ids),):
        raise ValueError(f"{name} must map meter ids or have one entry per meter ({len(ids)}), got shape {arr.shape}")
    return arr
