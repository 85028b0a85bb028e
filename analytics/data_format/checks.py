"""The reject rules for readings: blank rows, meters, timestamps, values, duplicates and counter resets.

Each row gets the first reason of :data:`~analytics.data_format.schema.REASONS`
that applies; the rejected rows become the rejects table. Missing hours are
gaps, not rejects.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analytics.data_format.raw import _Raw
from analytics.data_format.schema import (_CODE, _HOUR_NS, _REASON_COLUMNS, _REASON_NAMES,
                                          COUNTER_RESET_LIMIT_FRACTION, COUNTER_RESET_MEDIAN_FACTOR,
                                          REJECT_COLUMNS, _empty_rejects)
from scenarios.errors import InputError

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_HOUR = timedelta(hours=1)
# Per-timestamp status (of a distinct timestamp value).
_TS_OK, _TS_BAD, _TS_NO_OFFSET, _TS_NOT_ON_HOUR, _TS_OUT_OF_RANGE = 0, 1, 2, 3, 4


def _stamp(value: Any) -> tuple[int, int, Any]:
    """``(status, hour since the epoch, UTC offset)`` of one distinct timestamp."""
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is None:
            return _TS_NO_OFFSET, 0, None
        ns = value.value
        return (_TS_OK if ns % _HOUR_NS == 0 else _TS_NOT_ON_HOUR), ns // _HOUR_NS, value.tzinfo
    if not isinstance(value, str) or not value:
        return _TS_BAD, 0, None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return _TS_BAD, 0, None
    if dt.tzinfo is None:
        return _TS_NO_OFFSET, 0, None
    if not 1678 <= dt.year <= 2261:  # outside datetime64[ns]
        return _TS_BAD, 0, None
    since = dt - _EPOCH
    return (_TS_OK if since % _ONE_HOUR == timedelta(0) else _TS_NOT_ON_HOUR), since // _ONE_HOUR, dt.utcoffset()


def _common_tz(offsets: set[Any], hint: Any) -> Any:
    """The time zone to write the data back in: the column's, the single offset, or None (UTC)."""
    if hint:
        return hint
    if len(offsets) == 1:
        off = next(iter(offsets))
        if off == timedelta(0):
            return "UTC"
        minutes = int(off.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return None

def _blank_rows(raw: _Raw) -> np.ndarray | None:
    """Rows with an empty meter id, timestamp and value (blank lines), or None if there are none."""
    empty_m = np.flatnonzero(raw.meter_names == "")
    empty_t = np.flatnonzero(np.array([x == "" for x in raw.ts_names], dtype=bool))
    if not (empty_m.size and empty_t.size) or (raw.value_text is None and raw.value_null is None):
        return None
    blank = (raw.meter_idx == empty_m[0]) & (raw.ts_idx == empty_t[0])
    if raw.value_text is not None:
        blank &= pc.equal(pc.fill_null(raw.value_text, ""), "").to_numpy(zero_copy_only=False)
    else:
        blank &= raw.value_null
    return blank if blank.any() else None


def plausible_hours(earliest: Any, latest: Any) -> tuple[int, int]:
    """First and last plausible hour since the epoch (inclusive) of ``[earliest, latest]`` (tz-aware times)."""
    lo, hi = pd.Timestamp(earliest), pd.Timestamp(latest)
    for name, t in (("earliest", lo), ("latest", hi)):
        if t.tzinfo is None:
            raise InputError(f"{name} timestamp {t.isoformat()} has no UTC offset")
    return -((-lo.value) // _HOUR_NS), hi.value // _HOUR_NS


def _check_readings(path: Path, raw: _Raw, meters: pd.DataFrame, limits: np.ndarray,
                    window_h: tuple[int, int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """Applies the reject rules; returns the accepted readings, the rejects and the time zone.

    ``window_h`` is the plausible range of hours since the epoch (inclusive,
    :func:`plausible_hours`); readings outside it are ``out_of_range``.
    """
    n = raw.n
    reason = np.zeros(n, dtype=np.int8)
    blank = _blank_rows(raw)
    if blank is not None:
        reason[blank] = -1  # neither a reading nor a reject

    # Timestamps: each distinct value is parsed once; hours are counted from the earliest one.
    info = [_stamp(v) for v in raw.ts_names]
    status_of = np.array([s for s, _, _ in info], dtype=np.int8).reshape(-1)
    hour_of = np.array([h for _, h, _ in info], dtype=np.int64).reshape(-1)
    good = status_of == _TS_OK
    if good.any() and window_h is not None:
        # An absurd date (a meter clock reset to 2000, or set to 2038) would stretch the hourly grid over decades.
        far = good & ((hour_of < window_h[0]) | (hour_of > window_h[1]))
        status_of[far] = _TS_OUT_OF_RANGE
        good &= ~far
    offsets = {off for s, _, off in info if s in (_TS_OK, _TS_NOT_ON_HOUR)}
    hmin = int(hour_of[good].min()) if good.any() else 0
    span = int(hour_of[good].max()) - hmin + 1 if good.any() else 1
    status = status_of[raw.ts_idx]
    if n and not offsets:
        no_offset = (status == _TS_NO_OFFSET) & (reason == 0)
        if no_offset.any():
            first = np.array([int(np.argmax(no_offset))])
            raise InputError(f"{path}: row {int(raw.lines(first)[0])}: column timestamp: "
                             f"{raw.texts(first)[1][0]!r} has no UTC offset, and no timestamp in the file has one "
                             "(write e.g. 2026-01-05T13:00:00+02:00)")

    def mark(mask: np.ndarray, name: str) -> None:
        np.putmask(reason, (reason == 0) & mask, _CODE[name])

    # Meters, via the distinct ids.
    code_of_name = pd.Index(meters["meter_id"]).get_indexer(raw.meter_names.astype(str)).astype(np.int32)
    code = code_of_name[raw.meter_idx]
    mark(code < 0, "unknown_meter")
    mark(status == _TS_BAD, "bad_timestamp")
    mark(status == _TS_NO_OFFSET, "no_offset")
    mark(status == _TS_NOT_ON_HOUR, "not_on_hour")
    mark(status == _TS_OUT_OF_RANGE, "out_of_range")
    del status
    values = raw.values
    mark(~np.isfinite(values), "bad_value")
    with np.errstate(invalid="ignore"):
        mark(values < 0, "negative")
        if len(limits):  # compare with each row's limit only where the lowest limit is exceeded
            high = np.flatnonzero(values > limits.min())
            high = high[(reason[high] == 0) & (values[high] > limits[np.maximum(code[high], 0)])]
            reason[high] = _CODE["absurd"]

    # The rows that passed, in file order (no copies when all did).
    ok = None if not reason.any() else np.flatnonzero(reason == 0)
    hrel_of = np.where(good, hour_of - hmin, 0).astype(np.int32)
    if ok is None:
        hrel, v = hrel_of[raw.ts_idx], values
    else:
        code, hrel, v = code[ok], hrel_of[raw.ts_idx[ok]], values[ok]
    code, hrel, v, ok = _drop_duplicates(code, hrel, v, ok, span, reason)
    code, hrel, v, ok = _drop_counter_resets(code, hrel, v, ok, limits, reason)
    del ok

    rejects = _rejects(path, raw, reason)
    if code.size == 0:
        if len(rejects):
            first_reject = rejects.iloc[0]
            detail = f"{len(rejects)} rejected; first: row {first_reject['row']} {first_reject['reason']}"
        else:
            detail = "the file has no data rows"
        raise InputError(f"{path}: no usable reading ({detail})")
    ns = hrel.astype(np.int64)
    ns += hmin
    ns *= _HOUR_NS
    readings = pd.DataFrame({
        "meter_id": pd.Categorical.from_codes(code, categories=pd.Index(meters["meter_id"], dtype=object),
                                              validate=False),
        "timestamp": pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC"),
        "value": v,
    }, copy=False)
    return readings, rejects, _common_tz(offsets, raw.tz_hint)


def _drop_duplicates(code: np.ndarray, hrel: np.ndarray, v: np.ndarray, ok: np.ndarray | None, span: int,
                     reason: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Sorts by (meter, hour); marks every repeat of a meter-hour after the first in file order.

    ``ok`` maps positions to file rows (None: the identity). Returns the sorted,
    deduplicated arrays.
    """
    key = code.astype(np.int64)
    key *= span
    key += hrel
    if key.size < 2 or bool((key[1:] > key[:-1]).all()):
        return code, hrel, v, ok  # sorted, no duplicates: the usual file
    order = np.argsort(key, kind="stable")
    key = key[order]
    dup = np.zeros(key.size, dtype=bool)
    dup[1:] = key[1:] == key[:-1]
    del key
    code, hrel, v = code[order], hrel[order], v[order]
    ok = order if ok is None else ok[order]
    del order
    if dup.any():
        first = np.maximum.accumulate(np.where(dup, 0, np.arange(dup.size)))
        conflict = dup & (v != v[first])
        reason[ok[dup & ~conflict]] = _CODE["duplicate"]
        reason[ok[conflict]] = _CODE["duplicate_conflict"]
        del first, conflict
        keep = ~dup
        code, hrel, v, ok = code[keep], hrel[keep], v[keep], ok[keep]
    return code, hrel, v, ok


def _drop_counter_resets(code: np.ndarray, hrel: np.ndarray, v: np.ndarray, ok: np.ndarray | None,
                         limits: np.ndarray, reason: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Marks counter resets in sorted, deduplicated readings and drops them.

    A reading is a counter reset when the meter's previous hour has no
    accepted reading or a reading of 0 (a gap or a restart; the meter's first
    reading counts as after a gap), and the value is above both
    ``COUNTER_RESET_LIMIT_FRACTION`` × the meter's absurd limit and
    ``COUNTER_RESET_MEDIAN_FACTOR`` × the median of the meter's positive readings.
    """
    if v.size == 0 or len(limits) == 0:
        return code, hrel, v, ok
    big = np.flatnonzero(v > COUNTER_RESET_LIMIT_FRACTION * float(limits.min()))
    big = big[v[big] > COUNTER_RESET_LIMIT_FRACTION * limits[code[big]]]
    prev = big - 1
    after_gap = (big == 0) | (code[np.maximum(prev, 0)] != code[big]) | (hrel[big] - hrel[np.maximum(prev, 0)] != 1)
    after_gap |= v[np.maximum(prev, 0)] == 0
    cand = big[after_gap]
    if cand.size == 0:
        return code, hrel, v, ok
    reset = []
    for m in np.unique(code[cand]):
        lo, hi = np.searchsorted(code, m, "left"), np.searchsorted(code, m, "right")
        mine = v[lo:hi]
        median = float(np.median(mine[mine > 0]))
        here = cand[code[cand] == m]
        reset.append(here[v[here] > COUNTER_RESET_MEDIAN_FACTOR * median])
    drop = np.concatenate(reset)
    if drop.size == 0:
        return code, hrel, v, ok
    reason[drop if ok is None else ok[drop]] = _CODE["counter_reset"]
    keep = np.ones(v.size, dtype=bool)
    keep[drop] = False
    ok = np.flatnonzero(keep) if ok is None else ok[keep]
    return code[keep], hrel[keep], v[keep], ok


def _rejects(path: Path, raw: _Raw, reason: np.ndarray) -> pd.DataFrame:
    rows = np.flatnonzero(reason > 0)
    if rows.size == 0 and not raw.bad_texts:
        return _empty_rejects()
    m, t, v = raw.texts(rows)
    codes = reason[rows]
    parts = [pd.DataFrame({
        "file": path.name,
        "row": raw.lines(rows),
        "meter_id": m, "timestamp": t, "value": v,
        "column": _REASON_COLUMNS[codes], "reason": _REASON_NAMES[codes],
    })]
    if raw.bad_texts:
        fields = [(s.split(raw.delimiter, 2) + ["", "", ""])[:3] for s in raw.bad_texts]
        parts.append(pd.DataFrame({
            "file": path.name, "row": raw.bad_lines,
            "meter_id": [f[0] for f in fields], "timestamp": [f[1] for f in fields],
            "value": [f[2] for f in fields], "column": "", "reason": "bad_row"}))
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame = frame.sort_values("row", kind="stable", ignore_index=True)
    frame["row"] = frame["row"].astype(np.int64)
    for c in REJECT_COLUMNS:
        if c != "row":
            frame[c] = frame[c].astype(object)
    return frame[list(REJECT_COLUMNS)]
