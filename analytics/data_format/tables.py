"""Reading and checking ``meters.csv`` and ``groups.csv``, and the absurd limit of each meter.

A bad row of either file raises :class:`~scenarios.errors.InputError` with
one line naming the file, row and column.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data_format.schema import (GROUP_COLUMNS, GROUP_METER_FACTOR, GROUPS_FILE, KINDS, LEVELS,
                                          METER_COLUMNS, METERS_FILE, REJECT_COLUMNS)
from scenarios.errors import InputError
from scenarios.site import LEVEL_ORDER, PHASES, MeterKind


def delimiter_of(header_line: str) -> str:
    """``;`` for a semicolon-separated header (a spreadsheet's CSV in many locales), else ``,``."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def number(text: str) -> float:
    """A number written with a decimal point or a decimal comma (``0,5``); ValueError otherwise."""
    try:
        return float(text)
    except ValueError:
        if re.fullmatch(r"\s*[+-]?[0-9]*,[0-9]+\s*", text):
            return float(text.replace(",", "."))
        raise


def _read_small(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Reads a small CSV with exactly ``columns`` (comma- or semicolon-separated);
    returns ``(line, record)`` per non-empty row."""
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    out: list[tuple[int, dict[str, str]]] = []
    start = 1  # first line of the record being read
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            delimiter = delimiter_of(f.readline())
            f.seek(0)
            reader = csv.reader(f, delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file; expected columns {', '.join(columns)}")
            _check_header(path, header, columns)
            while True:
                start = reader.line_num + 1
                rec = next(reader, None)
                if rec is None:
                    break
                if not any(rec):
                    continue
                if len(rec) != len(header):
                    raise InputError(f"{path}: row {reader.line_num}: expected {len(header)} fields "
                                     f"({', '.join(header)}), got {len(rec)}")
                out.append((reader.line_num, dict(zip(header, rec))))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        where = f"row {start}: "
        if "field larger" in str(exc):
            raise InputError(f"{path}: {where}a field is longer than {csv.field_size_limit():,} characters "
                             "(an unclosed quote, or not a meter table)") from None
        raise InputError(f"{path}: {where}cannot parse as CSV ({exc})") from None
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


def _read_meters(path: Path, groups: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The meters, and the meters in no group (set aside as rejects, not an error).

    Returns:
        ``(meters, rejected)``; ``rejected`` has the columns of the rejects table
        with reason ``meter_in_no_group``. Every other problem is an InputError.

    Raises:
        InputError: One line naming the file, row and column; also when no
            meter is left.
    """
    rows = _read_small(path, METER_COLUMNS)
    known_groups = set(groups["group_id"])
    line_of: dict[str, int] = {}
    weights = []
    kept, rejected = [], []
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
            rejected.append({"file": path.name, "row": line, "meter_id": mid, "timestamp": None,
                             "value": r["group_id"] or None, "column": "group_id", "reason": "meter_in_no_group"})
            continue
        try:
            w = number(r["pulse_weight"])
        except ValueError:
            w = math.nan
        if not (math.isfinite(w) and w > 0):
            raise _bad(path, line, "pulse_weight", f"pulse_weight must be a number > 0, got {r['pulse_weight']!r}")
        weights.append(w)
        kept.append(r)
    if rows and not kept:
        line, r = rows[0]
        what = "group_id is empty" if r["group_id"] == "" else f"group {r['group_id']!r} is not in {GROUPS_FILE}"
        raise _bad(path, line, "group_id", f"meter in no group ({what}), and no meter is in a group")
    frame = pd.DataFrame({c: pd.Series([r[c] or None for r in kept], dtype=object)
                          for c in METER_COLUMNS if c != "pulse_weight"})
    frame["pulse_weight"] = np.array(weights, dtype=np.float64)
    bad = pd.DataFrame(rejected, columns=list(REJECT_COLUMNS)) if rejected else None
    return frame[list(METER_COLUMNS)], bad


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
