"""Consumer alerts: set consumption levels passed, and water leaks.

Each alert is one row ``meter_id, date, kind, value, limit, unit, message``;
the message is one readable sentence for the e-mail or SMS. Kinds:

* ``daily_over_limit``: a local day's *measured* consumption (the sum of the
  hours received; no gap filling, so a gap never causes an alert) is above the
  meter kind's daily limit. One row per meter and day.
* ``month_to_date_over_limit``: the measured consumption since the 1st of the
  month passed the month limit; one row per meter and month, dated the day it
  first did (a month the data start inside counts from the first day in the data).
* ``month_forecast_over_limit``: the month-end forecast of
  :func:`analytics.forecasts.month_forecast` is above the month limit while the
  month to date is not yet (once it is, the alert above says so). Dated
  ``as_of``.
* ``water_leak``: continuous night flow on a water meter. A night is *leaking*
  when every hour of the night window registered more than
  ``leak_min_m3_per_h``, *dry* when some hour registered that or less, and
  *unknown* when an hour of the window is missing (unknown nights neither
  extend nor break a run). After ``leak_min_nights`` leaking nights in a row one
  alert is raised, dated the night that completed the run, with ``value`` = the
  lowest hourly flow over the run's nights; the run must be broken by a dry night
  before the meter alerts again. The daily loss in the message assumes that
  lowest flow lasts all day (24 × value), a lower bound for a leak that also
  runs in the daytime.

Units: electricity in kWh, water and gas in m³ and heat meters in m³ (volume
output, as :mod:`scenarios.generators.district` configures them). A limit of 0
switches that check off; gas and heat limits are off by default.

Night window ``leak_night_hours = "a-b"``: the hours *starting* at ``a`` up to,
not including, ``b`` local time (``"2-5"`` is 02:00-05:00: the hours 2, 3 and
4). ``a > b`` wraps past midnight (``"23-4"``); such a night belongs to the
date it ends on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.forecasts import daily_totals, local_wall_time, per_meter, sorted_hours

KINDS = ("daily_over_limit", "month_forecast_over_limit", "month_to_date_over_limit", "water_leak")
_COLUMNS = ["meter_id", "date", "kind", "value", "limit", "unit", "message"]
_UNIT = {"electricity": "kWh", "water": "m³", "gas": "m³", "heat": "m³"}


@dataclass
class AlertConfig:
    """Alert levels and the water-leak rule.

    Attributes:
        daily_limit_kwh: Electricity per local day; 0 = off.
        month_limit_kwh: Electricity per calendar month; 0 = off.
        daily_limit_m3: Water per day; 0 = off.
        month_limit_m3: Water per month; 0 = off.
        daily_limit_gas_m3: Gas per day; 0 = off.
        month_limit_gas_m3: Gas per month; 0 = off.
        daily_limit_heat_m3: Heat-meter volume per day; 0 = off.
        month_limit_heat_m3: Heat-meter volume per month; 0 = off.
        leak_night_hours: Night window ``"a-b"``, local hours ``a <= h < b``.
        leak_min_m3_per_h: A night leaks when every hour of it is above this.
        leak_min_nights: Leaking nights in a row before the alert.
    """

    daily_limit_kwh: float = 30.0
    month_limit_kwh: float = 400.0
    daily_limit_m3: float = 1.0
    month_limit_m3: float = 15.0
    daily_limit_gas_m3: float = 0.0
    month_limit_gas_m3: float = 0.0
    daily_limit_heat_m3: float = 0.0
    month_limit_heat_m3: float = 0.0
    leak_night_hours: str = "2-5"
    leak_min_m3_per_h: float = 0.005
    leak_min_nights: int = 3


def limits(cfg: AlertConfig) -> dict[str, tuple[float, float]]:
    """Kind → ``(daily, month)`` limit."""
    return {"electricity": (cfg.daily_limit_kwh, cfg.month_limit_kwh),
            "water": (cfg.daily_limit_m3, cfg.month_limit_m3),
            "gas": (cfg.daily_limit_gas_m3, cfg.month_limit_gas_m3),
            "heat": (cfg.daily_limit_heat_m3, cfg.month_limit_heat_m3)}


def night_hours(spec: str) -> list[int]:
    """Local hours of the night window ``"a-b"`` (``a <= h < b``, wrapping past midnight).

    Raises:
        ValueError: On a malformed window.
    """
    try:
        a, b = (int(x) for x in spec.split("-"))
    except ValueError as exc:
        raise ValueError(f"leak_night_hours must look like '2-5', got {spec!r}") from exc
    if not (0 <= a <= 23 and 0 <= b <= 24) or a == b:
        raise ValueError(f"leak_night_hours {spec!r}: hours must be 0..24 and differ")
    return list(range(a, b)) if a < b else list(range(a, 24)) + list(range(0, b))


def _fmt(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def _frame(ids, dates, kind, value, limit, unit, messages) -> pd.DataFrame:
    return pd.DataFrame({"meter_id": ids, "date": dates, "kind": kind, "value": value, "limit": limit,
                         "unit": unit, "message": messages}, columns=_COLUMNS)


def _limit_alerts(values: np.ndarray, ids: np.ndarray, hours: pd.DatetimeIndex, kinds: np.ndarray,
                  cfg: AlertConfig) -> list[pd.DataFrame]:
    """``daily_over_limit`` and ``month_to_date_over_limit`` rows."""
    lim = limits(cfg)
    daily_lim = np.array([lim.get(k, (0.0, 0.0))[0] for k in kinds], dtype=float)
    month_lim = np.array([lim.get(k, (0.0, 0.0))[1] for k in kinds], dtype=float)
    units = np.array([_UNIT.get(k, "") for k in kinds], dtype=object)
    daily = daily_totals(values, hours)
    dates = np.array([d.date() for d in daily.dates], dtype=object)
    out = []
    over = (daily.measured > daily_lim[:, None]) & (daily_lim[:, None] > 0) & (daily.observed_hours > 0)
    r, c = np.nonzero(over)
    if len(r):
        v = daily.measured[r, c]
        msg = [f"Meter {m}: {_fmt(x)} {u} used on {d}, above your daily limit of {_fmt(lv)} {u}."
               for m, x, u, d, lv in zip(ids[r], v, units[r], dates[c], daily_lim[r])]
        out.append(_frame(ids[r], dates[c], "daily_over_limit", v, daily_lim[r], units[r], msg))
    month = daily.dates.to_period("M")
    for p in month.unique():
        cols = np.flatnonzero(month == p)
        cum = np.cumsum(daily.measured[:, cols], axis=1)
        hit = (cum > month_lim[:, None]) & (month_lim[:, None] > 0)
        rows = np.flatnonzero(hit.any(axis=1))
        if not len(rows):
            continue
        first = hit[rows].argmax(axis=1)
        v = cum[rows, first]
        d = dates[cols[first]]
        msg = [f"Meter {m}: {_fmt(x)} {u} used in {p.strftime('%B %Y')} up to {dd}, above your monthly "
               f"limit of {_fmt(lv)} {u}." for m, x, u, dd, lv in zip(ids[rows], v, units[rows], d, month_lim[rows])]
        out.append(_frame(ids[rows], d, "month_to_date_over_limit", v, month_lim[rows], units[rows], msg))
    return out


def _forecast_alerts(forecast: pd.DataFrame, kind_by_id: dict, cfg: AlertConfig) -> list[pd.DataFrame]:
    """``month_forecast_over_limit`` rows."""
    lim = limits(cfg)
    f = forecast[forecast["meter_id"].isin(kind_by_id.keys())]
    kinds = f["meter_id"].map(kind_by_id)
    month_lim = kinds.map(lambda k: lim.get(k, (0.0, 0.0))[1]).astype(float).to_numpy()
    fc = f["forecast_month_end"].to_numpy(dtype=float)
    mtd = f["month_to_date"].to_numpy(dtype=float)
    sel = (month_lim > 0) & (fc > month_lim) & ~(mtd > month_lim)
    if not sel.any():
        return []
    g = f[sel]
    units = kinds[sel].map(lambda k: _UNIT.get(k, "")).to_numpy(dtype=object)
    lo = g["low"].to_numpy(dtype=float) if "low" in g else np.full(len(g), np.nan)
    hi = g["high"].to_numpy(dtype=float) if "high" in g else np.full(len(g), np.nan)
    msg = []
    for m, x, u, lv, mt, a, b, mo in zip(g["meter_id"], fc[sel], units, month_lim[sel], mtd[sel], lo, hi, g["month"]):
        band = f" (likely {_fmt(a)}-{_fmt(b)} {u})" if np.isfinite(a) and np.isfinite(b) else ""
        name = pd.Period(mo, "M").strftime("%B %Y")
        msg.append(f"Meter {m}: at the current pace {name} will end at about {_fmt(x)} {u}{band}, above your "
                   f"monthly limit of {_fmt(lv)} {u}; {_fmt(mt)} {u} used so far.")
    return [_frame(g["meter_id"].to_numpy(dtype=object), g["as_of"].to_numpy(dtype=object),
                   "month_forecast_over_limit", fc[sel], month_lim[sel], units, msg)]


def night_minima(values: np.ndarray, hours: pd.DatetimeIndex, spec: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Lowest hourly value of each meter in each night window.

    Args:
        values: (n, H) hourly values in time order.
        hours: (H,) increasing hour starts.
        spec: Night window, see :func:`night_hours`.

    Returns:
        ``(nights, minima)``: the nights' dates and (n, N) minima, NaN when an
        hour of the window is missing (or the window is cut by the data's ends).
    """
    window = night_hours(spec)
    wall = local_wall_time(hours)
    hour = wall.hour.to_numpy()
    in_win = np.isin(hour, window)
    wraps = window[0] > window[-1]
    day = wall.normalize()
    night = np.where(wraps & (hour >= window[0]), day + pd.Timedelta(days=1), day)
    cols = np.flatnonzero(in_win)
    if not len(cols):
        return pd.DatetimeIndex([]), np.zeros((values.shape[0], 0))
    nd = pd.DatetimeIndex(night[cols])
    starts = np.flatnonzero(np.r_[True, nd[1:] != nd[:-1]])
    count = np.diff(np.r_[starts, len(cols)])
    minima = np.minimum.reduceat(values[:, cols], starts, axis=1)  # NaN propagates
    minima[:, count < len(window)] = np.nan
    return nd[starts], minima


def _leak_alerts(values: np.ndarray, ids: np.ndarray, hours: pd.DatetimeIndex, cfg: AlertConfig) -> list[pd.DataFrame]:
    """``water_leak`` rows for the water meters in ``values``."""
    if cfg.leak_min_nights < 1:
        raise ValueError("leak_min_nights must be >= 1")
    nights, minima = night_minima(values, hours, cfg.leak_night_hours)
    n = len(ids)
    run = np.zeros(n, dtype=int)
    run_min = np.full(n, np.inf)
    rows, cols, vals = [], [], []
    for j in range(minima.shape[1]):
        m = minima[:, j]
        known = np.isfinite(m)
        leak = known & (m > cfg.leak_min_m3_per_h)
        dry = known & ~leak
        run[dry], run_min[dry] = 0, np.inf
        run[leak] += 1
        run_min[leak] = np.minimum(run_min[leak], m[leak])
        fire = np.flatnonzero(leak & (run == cfg.leak_min_nights))
        rows.append(fire)
        cols.append(np.full(len(fire), j))
        vals.append(run_min[fire].copy())
    if not rows:  # the data holds no night window at all
        return []
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    if not len(r):
        return []
    window = night_hours(cfg.leak_night_hours)
    span = f"{window[0]:02d}:00 and {(window[-1] + 1) % 24:02d}:00"
    dates = np.array([nights[j].date() for j in c], dtype=object)
    msg = [f"Possible water leak at meter {m}: water ran every hour between {span} for {cfg.leak_min_nights} "
           f"nights in a row up to {d} (never below {x:.3f} m³/h); a leak that size wastes at least "
           f"{24 * x:.2f} m³ a day." for m, d, x in zip(ids[r], dates, v)]
    return [_frame(ids[r], dates, "water_leak", v, cfg.leak_min_m3_per_h, "m³/h", msg)]


def alerts(values: np.ndarray, meter_ids, hours: pd.DatetimeIndex, kind_of, forecast: pd.DataFrame | None,
           cfg: AlertConfig) -> pd.DataFrame:
    """All alerts over the data (and the forecast, when given).

    Args:
        values: (n_meters, H) hourly consumption, NaN = missing.
        meter_ids: (n_meters,) ids, rows of ``values``.
        hours: (H,) tz-aware start of each hour, in the site's local offset.
        kind_of: Meter id → ``electricity|water|gas|heat`` (dict / Series) or
            one kind per row. Meters of another kind get no limit alerts.
        forecast: Output of :func:`analytics.forecasts.month_forecast`, or ``None``.
        cfg: Levels and the leak rule.

    Returns:
        ``meter_id, date (datetime.date), kind, value, limit, unit, message``,
        ordered by date, meter and kind.
    """
    ids = np.asarray(list(meter_ids), dtype=object)
    values, hours = sorted_hours(values, hours)
    if len(ids) != values.shape[0]:
        raise ValueError(f"{len(ids)} meter ids for {values.shape[0]} rows of values")
    kinds = per_meter(kind_of, ids, "kind_of")
    kinds = np.array([str(k).lower() if k is not None else "" for k in kinds], dtype=object)
    frames = _limit_alerts(values, ids, hours, kinds, cfg)
    if forecast is not None and len(forecast):
        frames += _forecast_alerts(forecast, dict(zip(ids, kinds)), cfg)
    water = np.flatnonzero(kinds == "water")
    if len(water):
        frames += _leak_alerts(values[water], ids[water], hours, cfg)
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["date", "meter_id", "kind"], kind="stable").reset_index(drop=True)
