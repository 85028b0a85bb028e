"""Meter data → calendar, gap filling, balances, suspects: the shared steps of ``task=analytics``.

:func:`prepare` turns imported :class:`~analytics.data_format.MeterData` into
dense hourly arrays on the local calendar; :func:`detect` runs the balances
and the theft/faulty-meter detector on the data up to a cut-off day (the
evaluation harness runs it day after day to measure detection delays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.attribution import WINDOWS, attribute_group, day_matrix, drop_t, season_fit
from analytics.balances import GroupBalance, fill_gaps_rows, group_balances
from analytics.group_faults import find_group_faults
from analytics.calendar import local_calendar, zone_of
from analytics.hierarchy import BalanceUnit, balance_units
from analytics.steps import step_search
from analytics.suspects import Suspect, tamper_suspects
from analytics.theft import TheftConfig, detect_group


@dataclass
class Prepared:
    """Imported data on a dense hourly grid and the local calendar.

    Attributes:
        meters, groups: The interchange tables.
        meter_ids: Row order of the arrays.
        row_of: Meter id → row.
        hours_utc: (H,) start of each hour, UTC.
        local: (H,) the same hours in the site's zone (tz-aware, DST applied).
        raw: (n, H) registered values, NaN where missing.
        filled: (n, H) with consumer gaps filled and negative readings set to 0.
        was_filled: (n, H) bool.
        day: (H,) local day index from the first local day.
        local_hour: (H,) local hour of the day.
        weekend: (H,) bool.
        local_date: (H,) local date (``YYYY-MM-DD`` strings).
        units: Balance units of the groups with a meter.
        negatives: Readings rejected as negative: ``meter_id``, ``timestamp`` (UTC), ``day`` (local day index).
        zone: The site's time zone (:mod:`analytics.calendar`).
        hours_in_day: (D,) hours of each local day (23/25 on clock changes).
    """

    meters: pd.DataFrame
    groups: pd.DataFrame
    meter_ids: list[str]
    row_of: dict[str, int]
    hours_utc: pd.DatetimeIndex
    local: pd.DatetimeIndex
    raw: np.ndarray
    filled: np.ndarray
    was_filled: np.ndarray
    day: np.ndarray
    local_hour: np.ndarray
    weekend: np.ndarray
    local_date: np.ndarray
    units: list[BalanceUnit]
    negatives: pd.DataFrame
    zone: object = None
    hours_in_day: np.ndarray | None = None

    @property
    def days(self) -> int:
        """Local days covered."""
        return int(self.day.max()) + 1 if len(self.day) else 0

    def day_dates(self) -> list[str]:
        """Local date of each day index."""
        first = pd.Timestamp(self.local[0].tz_localize(None).date()) if self.local.tz is not None else \
            pd.Timestamp(self.local[0].date())
        return [(first + pd.Timedelta(days=d)).strftime("%Y-%m-%d") for d in range(self.days)]


_HOUR_NS = 3_600_000_000_000
_CHUNK = 2_000_000


def dense_hourly(data, ids: list[str]) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The readings as an (n, H) matrix over the hours of all readings, NaN where missing.

    The same as ``data.hourly()``, built chunk by chunk so that no temporary
    as long as the readings (22 million for 10,000 meters × 90 days) is made:
    the matrix itself is the only large allocation.
    """
    readings = data.readings
    col = readings["meter_id"]
    if isinstance(col.dtype, pd.CategoricalDtype) and [str(c) for c in col.cat.categories] == ids:
        codes = col.cat.codes.to_numpy()
    else:
        codes = pd.Index(ids).get_indexer(col.astype(str))
    ns = readings["timestamp"].array.asi8 if len(readings) else np.zeros(0, dtype=np.int64)
    values = readings["value"].to_numpy(dtype=np.float64)
    if len(ns) == 0:
        return pd.DatetimeIndex([], tz="UTC"), np.full((len(ids), 0), np.nan)
    h0, h1 = int(ns.min()) // _HOUR_NS, int(ns.max()) // _HOUR_NS + 1
    out = np.full((len(ids), h1 - h0), np.nan)
    for lo in range(0, len(ns), _CHUNK):
        c = codes[lo:lo + _CHUNK]
        h = ns[lo:lo + _CHUNK] // _HOUR_NS - h0
        ok = c >= 0
        out[c[ok], h[ok]] = values[lo:lo + _CHUNK][ok]
    index = pd.DatetimeIndex(np.arange(h0, h1, dtype=np.int64) * _HOUR_NS, tz="UTC")
    return index, out


def prepare(data, zone) -> Prepared:
    """Dense hourly arrays of every meter on the local calendar.

    Args:
        data: Imported :class:`~analytics.data_format.MeterData`.
        zone: The site's time zone: an IANA name (``"Europe/Bucharest"``,
            DST applied), a tzinfo, or a fixed offset in hours.
    """
    meters = data.meters.copy()
    ids = [str(m) for m in meters["meter_id"]]
    hours, raw = dense_hourly(data, ids)
    zone = zone_of(zone)
    cal = local_calendar(hours, zone)
    local, day, local_hour, weekend, local_date = cal.local, cal.day, cal.local_hour, cal.weekend, cal.local_date
    first = local[0].tz_localize(None).normalize() if len(local) else pd.Timestamp(0)
    row_of = {m: k for k, m in enumerate(ids)}
    rej = data.rejects
    neg = rej[rej["reason"] == "negative"][["meter_id", "timestamp"]].copy() if len(rej) else \
        pd.DataFrame(columns=["meter_id", "timestamp"])
    neg["timestamp"] = pd.to_datetime(neg["timestamp"], utc=True, errors="coerce")
    neg = neg.dropna()
    neg["day"] = (neg["timestamp"].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize() - first).dt.days.astype(int)
    zero = np.zeros(raw.shape, dtype=bool)
    if len(neg):
        col = hours.get_indexer(neg["timestamp"])
        row = np.array([row_of.get(str(m), -1) for m in neg["meter_id"]])
        ok = (col >= 0) & (row >= 0)
        zero[row[ok], col[ok]] = True
    consumer = meters["customer_id"].fillna("").astype(str).str.strip() != ""
    filled = raw.copy()
    was = fill_gaps_rows(filled, np.flatnonzero(consumer.to_numpy()), local_hour, zero) & ~zero
    del zero
    units = balance_units(meters, data.groups)
    return Prepared(meters=meters, groups=data.groups, meter_ids=ids, row_of=row_of, hours_utc=hours,
                    local=pd.DatetimeIndex(local), raw=raw, filled=filled, was_filled=was, day=day,
                    local_hour=local_hour, weekend=weekend, local_date=local_date, units=units, negatives=neg,
                    zone=zone, hours_in_day=cal.hours_in_day)


def balances(prep: Prepared, theft: TheftConfig, equipment_w_by_group: dict[str, float],
             hours: slice = slice(None)) -> list[GroupBalance]:
    """Hourly balances of every metered group (technical losses fitted on the clean days)."""
    clean = prep.day[hours] < theft.clean_days
    equipment = {g: w / 1000.0 for g, w in equipment_w_by_group.items()}
    return group_balances(prep.units, prep.row_of, prep.filled[:, hours], prep.raw[:, hours],
                          prep.was_filled[:, hours], clean, equipment)


def detect(prep: Prepared, theft: TheftConfig, equipment_w_by_group: dict[str, float],
           cutoff_day: int | None = None) -> tuple[list[Suspect], dict[str, float], list[GroupBalance]]:
    """Suspects, a score per consumer meter and the balances, on the days before ``cutoff_day``.

    Consumer meters are examined in the lowest metered group they belong to
    (their balance unit); tamper evidence (negative readings) is added.
    """
    hours = slice(None) if cutoff_day is None else slice(0, int(np.searchsorted(prep.day, cutoff_day)))
    bal = balances(prep, theft, equipment_w_by_group, hours)
    day, lh, wk = prep.day[hours], prep.local_hour[hours], prep.weekend[hours]
    suspects: list[Suspect] = find_group_faults(bal, day, day_dates=prep.day_dates()) if theft.group_faults else []
    scores: dict[str, float] = {}
    windows = _window_data(prep, bal, hours) if theft.method == "attribution" else None
    for b in bal:
        members = [m for m in b.unit.consumer_meter_ids if m in prep.row_of]
        if not members:
            continue
        rows = [prep.row_of[m] for m in members]
        if windows is None:
            found, sc = detect_group(b, prep.filled[rows, hours], members, day, lh, wk, theft)
        else:  # attribution first; the hourly proportional search then explains what is left
            # A faulty group meter named in this balance (its own or a child group's) leaves no precise excess.
            fault_days = [s.anomaly_start_day for s in suspects if s.kind == "group_meter_fault"
                          and (s.group_id == b.unit.group_id or s.group_id in b.unit.child_group_ids)]
            found, sc, z, ok = _attribute(b, rows, members, windows, theft, fault_days)
            if theft.forward_families:
                pos = {m: k for k, m in enumerate(members)}
                # An attributed member may hide more than the window it was seen in: one column per part of the day.
                known = [(pos[s.meter_id], s.anomaly_start_day, part) for s in found for part in _DAY_PARTS]
                more, sc2 = detect_group(b, prep.filled[rows, hours], members, day, lh, wk, theft, known)
                # A meter hiding a share of what passes registers less than its season model says: its own drop
                # must be significant too, or the hourly fit has only found somebody to absorb a leftover.
                found += [s for s in more if max(drop_t(z[w][pos[s.meter_id]], ok, s.anomaly_start_day)
                                                 for w in z) >= theft.drop_t_min]
                sc = np.maximum(sc, sc2)
        suspects += found
        for m, s in zip(members, sc):
            scores[m] = max(scores.get(m, 0.0), float(s))
    neg = prep.negatives
    if cutoff_day is not None:
        neg = neg[neg["day"] < cutoff_day]
    group_of = {m: b.unit.group_id for b in bal for m in b.unit.consumer_meter_ids}
    by_meter = {s.meter_id: s for s in suspects}
    for s in tamper_suspects(neg, group_of, theft.negative_readings_min):
        if s.meter_id in by_meter:  # found by the balance too: one suspect, both pieces of evidence
            known = by_meter[s.meter_id]
            known.score = max(known.score, s.score)
            known.anomaly_start_day = min(known.anomaly_start_day, s.anomaly_start_day)
            known.evidence = f"{known.evidence}; {s.evidence}"
        else:
            suspects.append(s)
        scores[s.meter_id] = max(scores.get(s.meter_id, 0.0), s.score)
    return suspects, scores, bal


#: Parts of the local day an attributed member's hidden energy is fitted in (hour windows).
_DAY_PARTS: tuple[tuple[int, int], ...] = ((0, 6), (6, 17), (17, 24))


def _window_data(prep: Prepared, bal: list[GroupBalance], hours: slice) -> dict:
    """Per local window: the day-summing matrix, every meter's window sums and the site's season index."""
    day, lh = prep.day[hours], prep.local_hour[hours]
    n_days = int(day.max()) + 1 if len(day) else 0
    consumers = sorted({prep.row_of[m] for b in bal for m in b.unit.consumer_meter_ids if m in prep.row_of})
    out = {"n_days": n_days, "windows": {}}
    values, was = prep.filled[:, hours], prep.was_filled[:, hours]
    bounds = np.searchsorted(day, np.arange(n_days + 1))
    for w, span in WINDOWS.items():
        mat = day_matrix(day, lh, span, n_days)
        sums = np.zeros((values.shape[0], n_days))
        filled = np.zeros((values.shape[0], n_days))
        for d in range(n_days):  # day by day: no full-size temporary
            cols = bounds[d] + np.flatnonzero((lh[bounds[d]:bounds[d + 1]] >= span[0])
                                              & (lh[bounds[d]:bounds[d + 1]] < span[1]))
            if len(cols):
                sums[:, d] = values[:, cols[0]:cols[-1] + 1].sum(axis=1) if np.all(np.diff(cols) == 1) \
                    else values[:, cols].sum(axis=1)
                filled[:, d] = was[:, cols].sum(axis=1)
        count = np.asarray(mat.sum(axis=0)).ravel()
        index = sums[consumers].mean(axis=0) if consumers else np.zeros(n_days)
        out["windows"][w] = {"mat": mat, "sums": sums, "filled": filled, "count": count, "index": index}
    return out


def _attribute(b: GroupBalance, rows: list[int], members: list[str], data: dict, theft: TheftConfig,
               fault_days: list[int] = ()):
    """Attribution inputs of one group (:mod:`analytics.attribution`), then the attribution and the step search."""
    u = b.unexplained_kwh
    y, z = {}, {}
    ok = np.ones(data["n_days"], dtype=bool)
    for w, d in data["windows"].items():
        have = d["mat"].T @ np.isfinite(u).astype(float)
        y[w] = (d["mat"].T @ np.where(np.isfinite(u), u, 0.0)) * d["count"] / np.maximum(have, 1.0)
        ok &= have >= 0.9 * d["count"]
        ok &= d["filled"][rows].sum(axis=0) <= theft.bad_day_filled_share * len(rows) * np.maximum(d["count"], 1)
    for w, d in data["windows"].items():
        z[w] = season_fit(d["sums"][rows], d["index"], ok)
    found, scores = attribute_group(b.unit.group_id, y, z, ok, members, theft)
    if theft.step_search:
        more = step_search(b.unit.group_id, y, z, ok, members, found, theft,
                           {w: d["sums"][rows] for w, d in data["windows"].items()},
                           {w: d["index"] for w, d in data["windows"].items()}, fault_days)
        for s in more:
            scores[members.index(s.meter_id)] = max(scores[members.index(s.meter_id)], s.score)
        found = found + more
    return found, scores, z, ok
