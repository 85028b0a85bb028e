"""The meter-data interchange format: a directory of meters, groups and hourly readings.

Format (``docs/data-format.md``):

``meters.csv``
    ``meter_id, kind, group_id, phase, customer_id, pulse_weight``
``groups.csv``
    ``group_id, parent_id, level, group_meter_id``
``readings.csv`` or ``readings.parquet``
    ``meter_id, timestamp, value``: the consumption of one meter in the hour
    that starts at ``timestamp`` (ISO 8601 with its UTC offset), kWh or m³.

:func:`read_dir` checks everything. A bad row of ``meters.csv`` or
``groups.csv``, a bad column of any file, or a readings file with nothing
usable raises :class:`~scenarios.errors.InputError` with one line naming the
file, row and column. A bad reading is a *reject*: it is left out, listed in
:attr:`MeterData.rejects` with its row and reason, and the other readings are
used. Missing hours are gaps (NaN in :meth:`MeterData.hourly`), not rejects.

Readings are read with pyarrow: meter ids and timestamps as dictionaries (each
distinct timestamp string is parsed once), values as floats, with a slower
path taken only when the file holds values that are not numbers or rows with
the wrong number of fields. 22 million rows import in a few seconds.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from scenarios.errors import InputError
from scenarios.site import LEVEL_ORDER, PHASES, Level, MeterKind

METERS_FILE = "meters.csv"
GROUPS_FILE = "groups.csv"
READINGS_CSV = "readings.csv"
READINGS_PARQUET = "readings.parquet"

METER_COLUMNS = ("meter_id", "kind", "group_id", "phase", "customer_id", "pulse_weight")
GROUP_COLUMNS = ("group_id", "parent_id", "level", "group_meter_id")
READING_COLUMNS = ("meter_id", "timestamp", "value")
REJECT_COLUMNS = ("file", "row", "meter_id", "timestamp", "value", "column", "reason")

KINDS = tuple(k.value for k in MeterKind)
LEVELS = tuple(lv.value for lv in Level)

#: Reject reasons, in the order the checks run (a row gets the first that applies),
#: with the column each one concerns ("" for the whole row).
REASONS: dict[str, str] = {
    "bad_row": "",
    "unknown_meter": "meter_id",
    "bad_timestamp": "timestamp",
    "no_offset": "timestamp",
    "not_on_hour": "timestamp",
    "out_of_range": "timestamp",
    "bad_value": "value",
    "negative": "value",
    "absurd": "value",
    "duplicate": "timestamp",
    "duplicate_conflict": "timestamp",
    "counter_reset": "value",
}
_CODE = {reason: i + 1 for i, reason in enumerate(REASONS)}
_REASON_NAMES = np.array([""] + list(REASONS), dtype=object)
_REASON_COLUMNS = np.array([""] + list(REASONS.values()), dtype=object)

#: Readings further than this from the median timestamp of the file are rejected as ``out_of_range``.
MAX_DAYS_FROM_MEDIAN = 400
#: A group meter's absurd limit is the consumer limit times the larger of this
#: factor and the number of consumer meters of its kind below it.
GROUP_METER_FACTOR = 1000
#: Counter reset: a reading after a 0 or a gap that is above this many times the
#: meter's median positive reading ...
COUNTER_RESET_MEDIAN_FACTOR = 50.0
#: ... and above this fraction of the meter's absurd limit.
COUNTER_RESET_LIMIT_FRACTION = 0.1

_HOUR_NS = 3_600_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_HOUR = timedelta(hours=1)
# Per-timestamp status (of a distinct timestamp value).
_TS_OK, _TS_BAD, _TS_NO_OFFSET, _TS_NOT_ON_HOUR, _TS_OUT_OF_RANGE = 0, 1, 2, 3, 4
_NUMBER_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DICT = pa.dictionary(pa.int32(), pa.string())


@dataclass
class MeterData:
    """Meters, groups and accepted hourly readings, with the rejected readings.

    Attributes:
        meters: One row per meter: the columns of ``meters.csv``; text columns
            hold ``str`` or ``None`` (empty), ``pulse_weight`` is float64.
        groups: One row per group: the columns of ``groups.csv`` (``None`` for empty).
        readings: Accepted readings: ``meter_id`` (categorical, categories in
            the order of ``meters``), ``timestamp`` (datetime64[ns, UTC], the
            start of the hour), ``value`` (float64, kWh or m³ in that hour);
            sorted by meter (category order), then timestamp; one row per meter and hour.
        rejects: Rejected readings: ``file``, ``row`` (line in the file, the
            header is 1), ``meter_id``, ``timestamp`` and ``value`` as text as
            in the file (a value read as a number is shown in its shortest
            form), ``column`` and ``reason``; sorted by row.
        tz: Time zone or UTC offset to write the timestamps in (``"+02:00"``,
            ``"Europe/Kyiv"``); ``None`` writes them in the zone of the
            ``timestamp`` column itself. :func:`read_dir` sets it to the
            file's zone when the file used one offset (or a Parquet column
            zone) throughout, else to ``None`` (the column is UTC).
    """

    meters: pd.DataFrame
    groups: pd.DataFrame
    readings: pd.DataFrame
    rejects: pd.DataFrame = field(default_factory=lambda: _empty_rejects())
    tz: Any = None

    def _hours(self) -> np.ndarray:
        """Hours since 1970-01-01 UTC of the readings (int64)."""
        ns = self.readings["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
        return ns // _HOUR_NS

    def _meter_codes(self) -> np.ndarray:
        """Row in ``meters`` of each reading."""
        col = self.readings["meter_id"]
        ids = self.meters["meter_id"]
        if isinstance(col.dtype, pd.CategoricalDtype) and list(col.cat.categories) == list(ids):
            return col.cat.codes.to_numpy()
        return pd.Index(ids).get_indexer(col.astype(str))  # -1: a meter not in ``meters``

    def _range(self, hours: np.ndarray) -> tuple[int, int]:
        """First and one-past-last hour of all readings."""
        if hours.size == 0:
            return 0, 0
        return int(hours.min()), int(hours.max()) + 1

    def hourly(self, meter_ids: list[str] | None = None, start: Any = None,
               end: Any = None) -> tuple[list[str], pd.DatetimeIndex, np.ndarray]:
        """The readings as a dense meter × hour matrix.

        Args:
            meter_ids: Meters (rows), all meters of ``meters`` in its order by default.
            start: First hour (tz-aware timestamp or ISO string with offset),
                the hour of the earliest reading of any meter by default.
            end: End of the range, exclusive; one hour after the latest reading by default.

        Returns:
            The meter ids, the hours (UTC, hourly) and an ``(n, H)`` float64
            matrix with NaN where a meter has no accepted reading.

        Raises:
            KeyError: A meter id not in ``meters``.
            ValueError: A naive ``start`` or ``end``.
        """
        hours = self._hours()
        h0, h1 = self._range(hours)
        if start is not None:
            h0 = _hour_of(start, "start")
        if end is not None:
            h1 = _hour_of(end, "end", ceil=True)
        h1 = max(h1, h0)
        ids = list(self.meters["meter_id"]) if meter_ids is None else list(meter_ids)
        pos = pd.Index(self.meters["meter_id"]).get_indexer(ids)
        if (pos < 0).any():
            raise KeyError(f"unknown meter {ids[int(np.flatnonzero(pos < 0)[0])]!r}")
        row_of = np.full(len(self.meters), -1, dtype=np.int64)
        row_of[pos] = np.arange(len(ids))
        codes = self._meter_codes()
        rows = np.where(codes >= 0, row_of[codes], -1)
        keep = (rows >= 0) & (hours >= h0) & (hours < h1)
        out = np.full((len(ids), h1 - h0), np.nan)
        out[rows[keep], hours[keep] - h0] = self.readings["value"].to_numpy(dtype=np.float64)[keep]
        index = pd.DatetimeIndex(np.arange(h0, h1, dtype=np.int64) * _HOUR_NS, tz="UTC")
        index.freq = "h" if len(index) > 1 else None
        return ids, index, out

    def gaps(self) -> pd.DataFrame:
        """Runs of missing hours of every meter over the range of all readings.

        These are exactly the NaN runs of :meth:`hourly` with default
        arguments: a meter that reports later than the others starts with a
        gap, a meter without any accepted reading is one gap over the whole range.

        Returns:
            ``meter_id``, ``first_missing``, ``last_missing`` (UTC hour starts)
            and ``hours``, sorted by meter (order of ``meters``) and time.
        """
        hours = self._hours()
        h0, h1 = self._range(hours)
        codes = self._meter_codes().astype(np.int64)
        known = codes >= 0
        if not known.all():
            codes, hours = codes[known], hours[known]
        n = len(self.meters)
        if h1 == h0:
            return _gap_frame([], np.empty(0, np.int64), np.empty(0, np.int64))
        key = codes * (h1 - h0) + (hours - h0)
        if key.size > 1 and not bool((key[1:] >= key[:-1]).all()):
            order = np.argsort(key, kind="stable")
            codes, hours = codes[order], hours[order]
        del key
        # Inside each meter's run of readings, then before its first and after its last reading.
        inner = np.flatnonzero((codes[1:] == codes[:-1]) & (hours[1:] - hours[:-1] > 1))
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if codes.size else np.empty(0, np.int64)
        ends = np.r_[starts[1:] - 1, codes.size - 1] if codes.size else np.empty(0, np.int64)
        lead = starts[hours[starts] > h0]
        trail = ends[hours[ends] < h1 - 1]
        absent = np.setdiff1d(np.arange(n), codes[starts])
        meter = np.concatenate([codes[inner], codes[lead], codes[trail], absent])
        first = np.concatenate([hours[inner] + 1, np.full(lead.size, h0), hours[trail] + 1, np.full(absent.size, h0)])
        last = np.concatenate([hours[inner + 1] - 1, hours[lead] - 1, np.full(trail.size, h1 - 1),
                               np.full(absent.size, h1 - 1)])
        order = np.lexsort((first, meter))
        return _gap_frame(self.meters["meter_id"].to_numpy()[meter[order]], first[order], last[order])

    def summary(self) -> pd.DataFrame:
        """Rejected readings per reason (``reason``, ``rows``), most frequent first."""
        counts = self.rejects["reason"].value_counts()
        return pd.DataFrame({"reason": counts.index.astype(str), "rows": counts.to_numpy()})


def _gap_frame(ids: Any, first: np.ndarray, last: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "meter_id": pd.Series(ids, dtype=object),
        "first_missing": pd.DatetimeIndex(first * _HOUR_NS, tz="UTC"),
        "last_missing": pd.DatetimeIndex(last * _HOUR_NS, tz="UTC"),
        "hours": (last - first + 1).astype(np.int64),
    })


def _hour_of(value: Any, what: str, ceil: bool = False) -> int:
    """Hours since the epoch of a tz-aware time, rounded down (or up)."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise ValueError(f"{what} must have a time zone or UTC offset, got {value!r}")
    return -((-ts.value) // _HOUR_NS) if ceil else ts.value // _HOUR_NS


def _empty_rejects() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})
    frame["row"] = frame["row"].astype(np.int64)
    return frame


# ---------------------------------------------------------------------------
# meters.csv and groups.csv


def _read_small(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Reads a small CSV with exactly ``columns``; returns ``(line, record)`` per non-empty row."""
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    out: list[tuple[int, dict[str, str]]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file; expected columns {', '.join(columns)}")
            _check_header(path, header, columns)
            for rec in reader:
                if not any(rec):
                    continue
                if len(rec) != len(header):
                    raise InputError(f"{path}: row {reader.line_num}: expected {len(header)} fields "
                                     f"({', '.join(header)}), got {len(rec)}")
                out.append((reader.line_num, dict(zip(header, rec))))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InputError(f"{path}: cannot parse as CSV ({exc})") from None
    return out


def _check_header(path: Path | str, header: list[str], columns: tuple[str, ...]) -> None:
    expected = ", ".join(columns)
    seen: set[str] = set()
    for name in header:
        if name not in columns:
            raise InputError(f"{path}: column {name!r} is not allowed; expected {expected}")
        if name in seen:
            raise InputError(f"{path}: column {name!r} appears twice; expected {expected}")
        seen.add(name)
    for name in columns:
        if name not in seen:
            raise InputError(f"{path}: column {name!r} is missing; expected {expected}")


def _bad(path: Path, line: int, column: str, msg: str) -> InputError:
    return InputError(f"{path}: row {line}: column {column}: {msg}")


def _read_groups(path: Path) -> tuple[pd.DataFrame, list[int]]:
    rows = _read_small(path, GROUP_COLUMNS)
    line_of: dict[str, int] = {}
    for line, r in rows:
        gid = r["group_id"]
        if gid == "":
            raise _bad(path, line, "group_id", "empty group_id")
        if gid in line_of:
            raise _bad(path, line, "group_id", f"duplicate group_id {gid!r} (first on row {line_of[gid]})")
        line_of[gid] = line
        if r["level"] not in LEVELS:
            raise _bad(path, line, "level", f"unknown level {r['level']!r} (expected one of {', '.join(LEVELS)})")
    parent = {r["group_id"]: r["parent_id"] for _, r in rows}
    for line, r in rows:
        if r["parent_id"] != "" and r["parent_id"] not in parent:
            raise _bad(path, line, "parent_id", f"unknown parent group {r['parent_id']!r} (not in {path.name})")
    for line, r in rows:
        chain = [r["group_id"]]
        while parent[chain[-1]] != "":
            chain.append(parent[chain[-1]])
            if chain[-1] in chain[:-1]:
                loop = chain[chain.index(chain[-1]):]
                if loop[0] == r["group_id"]:
                    raise _bad(path, line, "parent_id", f"cycle in the hierarchy: {' -> '.join(loop)}")
                break
    rank = {lv: i for i, lv in enumerate(lv.value for lv in LEVEL_ORDER)}
    level = {r["group_id"]: r["level"] for _, r in rows}
    for line, r in rows:
        p = r["parent_id"]
        if p != "" and rank[r["level"]] <= rank[level[p]]:
            raise _bad(path, line, "level", f"level {r['level']!r} is not below the level "
                                            f"{level[p]!r} of its parent {p!r}")
    frame = pd.DataFrame({c: pd.Series([r[c] or None for _, r in rows], dtype=object) for c in GROUP_COLUMNS})
    frame["group_id"] = frame["group_id"].astype(object)
    return frame, [line for line, _ in rows]


def _read_meters(path: Path, groups: pd.DataFrame) -> pd.DataFrame:
    rows = _read_small(path, METER_COLUMNS)
    known_groups = set(groups["group_id"])
    line_of: dict[str, int] = {}
    weights = []
    for line, r in rows:
        mid = r["meter_id"]
        if mid == "":
            raise _bad(path, line, "meter_id", "empty meter_id")
        if mid in line_of:
            raise _bad(path, line, "meter_id", f"duplicate meter_id {mid!r} (first on row {line_of[mid]})")
        line_of[mid] = line
        if r["kind"] not in KINDS:
            raise _bad(path, line, "kind", f"unknown kind {r['kind']!r} (expected one of {', '.join(KINDS)})")
        if r["phase"] not in PHASES and r["phase"] != "":
            raise _bad(path, line, "phase", f"unknown phase {r['phase']!r} (expected one of {', '.join(PHASES)} "
                                            "or empty)")
        if r["group_id"] not in known_groups:
            what = "group_id is empty" if r["group_id"] == "" else f"group {r['group_id']!r} is not in {GROUPS_FILE}"
            raise _bad(path, line, "group_id", f"meter in no group ({what})")
        try:
            w = float(r["pulse_weight"])
        except ValueError:
            w = math.nan
        if not (math.isfinite(w) and w > 0):
            raise _bad(path, line, "pulse_weight", f"pulse_weight must be a number > 0, got {r['pulse_weight']!r}")
        weights.append(w)
    frame = pd.DataFrame({c: pd.Series([r[c] or None for _, r in rows], dtype=object)
                          for c in METER_COLUMNS if c != "pulse_weight"})
    frame["pulse_weight"] = np.array(weights, dtype=np.float64)
    return frame[list(METER_COLUMNS)]


def _check_group_meters(path: Path, groups: pd.DataFrame, lines: list[int], meters: pd.DataFrame) -> None:
    by_id = meters.set_index("meter_id")
    for line, gid, mid in zip(lines, groups["group_id"], groups["group_meter_id"]):
        if mid is None:
            continue
        if mid not in by_id.index:
            raise _bad(path, line, "group_meter_id", f"meter {mid!r} is not in {METERS_FILE}")
        m = by_id.loc[mid]
        if m["group_id"] != gid:
            raise _bad(path, line, "group_meter_id", f"meter {mid!r} is not a group meter of {gid!r} "
                                                     f"(its group_id is {m['group_id']!r})")
        if m["customer_id"] is not None:
            raise _bad(path, line, "group_meter_id", f"meter {mid!r} is not a group meter of {gid!r} "
                                                     f"(it has customer_id {m['customer_id']!r})")


def absurd_limits(meters: pd.DataFrame, groups: pd.DataFrame, kwh_per_hour: float = 100.0,
                  m3_per_hour: float = 10.0) -> np.ndarray:
    """Largest plausible hourly value of each meter (order of ``meters``).

    A consumer meter gets ``kwh_per_hour`` (electricity) or ``m3_per_hour``
    (water, gas, heat). A group meter (empty ``customer_id``) gets that times
    the larger of :data:`GROUP_METER_FACTOR` and the number of consumer meters
    of its kind in its group and the groups below it.
    """
    base = np.where(meters["kind"].to_numpy() == MeterKind.ELECTRICITY.value, kwh_per_hour, m3_per_hour)
    parent = dict(zip(groups["group_id"], groups["parent_id"]))
    below: dict[tuple[str, str], int] = {}
    is_group_meter = meters["customer_id"].isna().to_numpy()
    for kind, gid, grp in zip(meters["kind"], meters["group_id"], is_group_meter):
        if grp:
            continue
        seen: set[str] = set()
        while gid is not None and gid not in seen:
            seen.add(gid)
            below[(kind, gid)] = below.get((kind, gid), 0) + 1
            gid = parent.get(gid)
    factor = np.array([max(GROUP_METER_FACTOR, below.get((k, g), 0)) if grp else 1
                       for k, g, grp in zip(meters["kind"], meters["group_id"], is_group_meter)], dtype=np.float64)
    return (base * factor).astype(np.float64)


# ---------------------------------------------------------------------------
# readings: the raw columns


@dataclass
class _Raw:
    """The readings file as columns before checking.

    Meter ids and timestamps are dictionary-coded: ``*_names`` are the
    distinct values, ``*_idx`` the index of each row's value in them.
    """

    n: int
    meter_names: np.ndarray
    meter_idx: np.ndarray
    ts_names: np.ndarray          # distinct timestamps (str, or pd.Timestamp for Parquet columns)
    ts_idx: np.ndarray
    values: np.ndarray            # float64, NaN where not a finite number
    value_text: Any = None        # pa.Array of the values as text (text path), else None
    value_null: np.ndarray | None = None  # empty cells (number path)
    bad_lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    bad_texts: list[str] = field(default_factory=list)
    tz_hint: Any = None           # the column's time zone (Parquet timestamp columns)

    def lines(self, rows: np.ndarray) -> np.ndarray:
        """File line of data rows ``rows`` (header is line 1; skipped bad rows counted)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.bad_lines.size == 0:
            return rows + 2
        steps = self.bad_lines - 2 - np.arange(self.bad_lines.size)
        return rows + 2 + np.searchsorted(steps, rows, side="right")

    def texts(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Meter id, timestamp and value of rows as text."""
        ts = self.ts_names[self.ts_idx[rows]]
        ts = np.array([t.isoformat() if isinstance(t, pd.Timestamp) else t for t in ts], dtype=object)
        if self.value_text is not None:
            vt = np.array(self.value_text.take(pa.array(rows)).to_pylist(), dtype=object)
            vt[pd.isna(vt)] = ""
        else:
            vt = self.values[rows].astype(str).astype(object)
            if self.value_null is not None:
                vt[self.value_null[rows]] = ""
        return self.meter_names[self.meter_idx[rows]], ts, vt


def _dict_column(col: pa.ChunkedArray, empty: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and per-row indices of a (dictionary or plain) column; nulls map to ``empty``."""
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    if col.num_chunks == 0:
        col = pa.chunked_array([pa.array([], type=col.type.value_type).dictionary_encode()])
    col = pa.Table.from_arrays([col], ["c"]).unify_dictionaries().column("c")
    names = col.chunk(0).dictionary
    parts = []
    has_null = False
    for chunk in col.chunks:
        ind = chunk.indices
        if ind.null_count:
            has_null = True
            ind = pc.fill_null(ind, len(names))
        parts.append(ind.to_numpy(zero_copy_only=False).astype(np.int32, copy=False))
    idx = np.concatenate(parts) if parts else np.empty(0, np.int32)
    if pa.types.is_timestamp(names.type):
        values = np.array(list(names.to_pandas()), dtype=object)
    else:
        values = np.array(names.to_pylist(), dtype=object)
    if has_null:
        values = np.append(values, np.array([empty], dtype=object))
    return values, idx


def _numbers_from_text(text: pa.ChunkedArray) -> np.ndarray:
    """Float64 of a text column, NaN where the text is not a number (surrounding blanks allowed)."""
    parts = []
    for chunk in text.chunks:
        try:
            parts.append(pc.cast(chunk, pa.float64()))
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        trimmed = pc.utf8_trim_whitespace(chunk)
        ok = pc.fill_null(pc.match_substring_regex(trimmed, _NUMBER_RE), False)
        cleaned = pc.if_else(ok, trimmed, pa.scalar(None, chunk.type))
        try:
            parts.append(pc.cast(cleaned, pa.float64()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # e.g. an exponent out of range
            parts.append(pa.array(pd.to_numeric(pd.Series(cleaned.to_pylist(), dtype=object), errors="coerce"),
                                  type=pa.float64()))
    if not parts:
        return np.empty(0, np.float64)
    return np.concatenate([p.to_numpy(zero_copy_only=False) for p in parts]).astype(np.float64, copy=False)


def _values(col: pa.ChunkedArray, path: Path) -> tuple[np.ndarray, Any, np.ndarray | None]:
    """Values as float64 (NaN where not a number), the text (for a text column) and the null mask."""
    if pa.types.is_dictionary(col.type):
        col = pc.cast(col, col.type.value_type)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return _numbers_from_text(col), col, None
    if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type) or pa.types.is_decimal(col.type)):
        raise InputError(f"{path}: column 'value' must hold numbers or text, got {col.type}")
    col = col.combine_chunks()
    null = col.is_null().to_numpy(zero_copy_only=False) if col.null_count else None
    values = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    return values, None, null


def _read_csv_raw(path: Path) -> _Raw:
    """Reads ``readings.csv``: the fast path, or the text/row-by-row paths when it fails."""
    with path.open("rb") as f:
        first = f.readline()
    try:
        header = next(csv.reader([first.decode("utf-8-sig")]), None)
    except UnicodeDecodeError:
        raise InputError(f"{path}: row 1: the header is not UTF-8 text") from None
    except csv.Error as exc:
        raise InputError(f"{path}: row 1: cannot parse the header as CSV ({exc})") from None
    if not header:
        raise InputError(f"{path}: empty file; expected columns {', '.join(READING_COLUMNS)}")
    _check_header(path, header, READING_COLUMNS)

    value_text = False
    one_thread = False
    bad: list[tuple[int | None, str]] = []

    def on_bad_row(row: pacsv.InvalidRow) -> str:
        if not one_thread:
            return "error"
        bad.append((row.number, row.text))
        return "skip"

    while True:
        bad.clear()
        types = {"meter_id": _DICT, "timestamp": _DICT, "value": pa.string() if value_text else pa.float64()}
        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(use_threads=not one_thread, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=on_bad_row),
                convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(READING_COLUMNS),
                                                     null_values=[""], strings_can_be_null=False,
                                                     quoted_strings_can_be_null=False))
            break
        except pa.ArrowInvalid as exc:
            msg = str(exc)
            # A value that is not a number or a row with the wrong number of fields: read once more,
            # values as text and row by row (to know the lines of the bad rows).
            if ("conversion error to double" in msg or msg.startswith("CSV parse error")) and not one_thread:
                value_text = one_thread = True
                continue
            if "invalid UTF8" in msg:
                raise InputError(f"{path}: not UTF-8 text ({msg.splitlines()[0]})") from None
            raise InputError(f"{path}: cannot read: {msg.splitlines()[0]}") from None
    meter_names, meter_idx = _dict_column(table.column("meter_id"), "")
    ts_names, ts_idx = _dict_column(table.column("timestamp"), "")
    values, text, null = _values(table.column("value"), path)
    del table
    raw = _Raw(n=len(values), meter_names=meter_names, meter_idx=meter_idx, ts_names=ts_names, ts_idx=ts_idx,
               values=values, value_text=text, value_null=null)
    if bad:
        raw.bad_lines = np.array([b[0] for b in bad], dtype=np.int64)
        raw.bad_texts = [b[1] for b in bad]
    return raw


def _read_parquet_raw(path: Path) -> _Raw:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: cannot read as Parquet ({str(exc).splitlines()[0]})") from None
    _check_header(path, table.column_names, READING_COLUMNS)
    mcol = table.column("meter_id")
    if not (pa.types.is_dictionary(mcol.type) or pa.types.is_string(mcol.type) or pa.types.is_large_string(mcol.type)):
        if not pa.types.is_integer(mcol.type):
            raise InputError(f"{path}: column 'meter_id' must hold text, got {mcol.type}")
        mcol = pc.cast(mcol, pa.string())
    tcol = table.column("timestamp")
    tz_hint = None
    if pa.types.is_timestamp(tcol.type):
        tz_hint = tcol.type.tz
        try:
            tcol = pc.cast(tcol, pa.timestamp("ns", tz=tcol.type.tz))
        except pa.ArrowInvalid as exc:
            raise InputError(f"{path}: column 'timestamp': {str(exc).splitlines()[0]}") from None
    elif pa.types.is_date(tcol.type):
        tcol = pc.cast(pc.cast(tcol, pa.timestamp("s")), pa.timestamp("ns"))
    elif not (pa.types.is_dictionary(tcol.type) or pa.types.is_string(tcol.type)
              or pa.types.is_large_string(tcol.type)):
        raise InputError(f"{path}: column 'timestamp' must hold timestamps or ISO-8601 text, got {tcol.type}")
    meter_names, meter_idx = _dict_column(mcol, "")
    ts_names, ts_idx = _dict_column(tcol, "")
    values, text, null = _values(table.column("value"), path)
    return _Raw(n=len(values), meter_names=meter_names, meter_idx=meter_idx, ts_names=ts_names, ts_idx=ts_idx,
                values=values, value_text=text, value_null=null, tz_hint=tz_hint)


# ---------------------------------------------------------------------------
# readings: the checks


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


def read_dir(path: str | Path, absurd_kwh_per_hour: float = 100.0, absurd_m3_per_hour: float = 10.0) -> MeterData:
    """Reads and checks a meter-data directory.

    Args:
        path: The directory with ``meters.csv``, ``groups.csv`` and
            ``readings.csv`` or ``readings.parquet``.
        absurd_kwh_per_hour: Largest plausible hourly value of a consumer's
            electricity meter; above it a reading is rejected as ``absurd``.
        absurd_m3_per_hour: The same for water, gas and heat meters (m³).

    Returns:
        The data with the accepted readings and the rejects.

    Raises:
        InputError: One line naming the file, row and column of the first
            problem in ``meters.csv``/``groups.csv``, a bad column of the
            readings, or a readings file without any usable reading.
    """
    d = Path(path)
    if not d.is_dir():
        raise InputError(f"{d}: not a directory")
    groups_path, meters_path = d / GROUPS_FILE, d / METERS_FILE
    groups, group_lines = _read_groups(groups_path)
    meters = _read_meters(meters_path, groups)
    _check_group_meters(groups_path, groups, group_lines, meters)

    csv_path, pq_path = d / READINGS_CSV, d / READINGS_PARQUET
    if csv_path.exists() and pq_path.exists():
        raise InputError(f"{d}: both {READINGS_CSV} and {READINGS_PARQUET} exist; keep one")
    if pq_path.exists():
        rpath, raw = pq_path, _read_parquet_raw(pq_path)
    elif csv_path.exists():
        rpath, raw = csv_path, _read_csv_raw(csv_path)
    else:
        raise InputError(f"{d}: no {READINGS_CSV} or {READINGS_PARQUET}")
    limits = absurd_limits(meters, groups, absurd_kwh_per_hour, absurd_m3_per_hour)
    readings, rejects, tz = _check_readings(rpath, raw, meters, limits)
    return MeterData(meters=meters, groups=groups, readings=readings, rejects=rejects, tz=tz)


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


def _check_readings(path: Path, raw: _Raw, meters: pd.DataFrame,
                    limits: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """Applies the reject rules; returns the accepted readings, the rejects and the time zone."""
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
    if good.any():
        # A clock far from the rest (a meter reset to 2000) would stretch the hourly grid over decades.
        row_hours = hour_of[raw.ts_idx]
        center = float(np.median(row_hours[good[raw.ts_idx]])) if n else 0.0
        far = good & (np.abs(hour_of - center) > MAX_DAYS_FROM_MEDIAN * 24)
        status_of[far] = _TS_OUT_OF_RANGE
        good &= ~far
        del row_hours
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
        fields = [(s.split(",", 2) + ["", "", ""])[:3] for s in raw.bad_texts]
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


# ---------------------------------------------------------------------------
# writing


def write_dir(path: str | Path, data: MeterData, parquet: bool = False) -> None:
    """Writes ``data`` as a meter-data directory (created if needed).

    Writes ``meters.csv``, ``groups.csv`` and ``readings.csv`` (or
    ``readings.parquet``) with the timestamps in ``data.tz`` (if None, in the
    zone of the ``timestamp`` column, e.g. the zone of the ``start`` given to
    :func:`analytics.export.readings_frame`); removes a readings file of the
    other format left in the directory. Rejects are not written.
    """
    from analytics.export import readings_table, write_readings_csv

    d = Path(path)
    d.mkdir(parents=True, exist_ok=True)
    data.meters[list(METER_COLUMNS)].to_csv(d / METERS_FILE, index=False)
    data.groups[list(GROUP_COLUMNS)].to_csv(d / GROUPS_FILE, index=False)
    frame = data.readings[list(READING_COLUMNS)]
    if data.tz is not None:
        frame = frame.assign(timestamp=frame["timestamp"].dt.tz_convert(data.tz))
    stale = d / (READINGS_CSV if parquet else READINGS_PARQUET)
    if stale.exists():
        stale.unlink()
    if parquet:
        pq.write_table(readings_table(frame), d / READINGS_PARQUET)
    else:
        write_readings_csv(d / READINGS_CSV, frame)
