"""Replay of measured load profiles as :class:`~grid_model.load_result.LoadResult`.

Two sources:

* the IEEE European LV feeder's 100 daily 1-minute shapes, picked per consumer
  by its ``profile`` field ``"ieee:N"`` (:func:`ieee_profiles`);
* a per-meter CSV file (:func:`read_profile_csv`).

CSV format: a header row; column ``minute`` holding 1, 2, ..., T (one row per
minute, no gaps or duplicates); one column per consumer (or meter) id holding
the active power in kW (≥ 0; values down to ``−negative_tol_kw`` are read as
0); optionally a column ``<id>_kvar`` with that consumer's reactive power in
kvar. Without it, Q = P · tan(acos 0.95). Other columns are ignored. Row
numbers in error messages are file line numbers (the header is row 1).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

from grid_model.load_result import LoadResult
from scenarios import ieee_eu_lv
from scenarios.errors import InputError
from scenarios.site import Consumer

#: Power factor assumed for replayed profiles without reactive power.
REPLAY_POWER_FACTOR = 0.95
#: Q/P ratio at that power factor.
TAN_PHI = math.tan(math.acos(REPLAY_POWER_FACTOR))


def parse_ieee_profile(profile: str | None, consumer_id: str) -> int:
    """Returns N of a profile reference ``"ieee:N"``.

    Raises:
        InputError: Naming the consumer when the reference is missing or bad.
    """
    if not profile or not profile.lower().startswith("ieee:"):
        raise InputError(f"consumer {consumer_id}: profile {profile!r} is not of the form 'ieee:N'")
    try:
        shape = int(profile.split(":", 1)[1])
    except ValueError as exc:
        raise InputError(f"consumer {consumer_id}: profile {profile!r}: N is not an integer") from exc
    if not 1 <= shape <= 100:
        raise InputError(f"consumer {consumer_id}: profile {profile!r}: N must be 1..100")
    return shape


def ieee_profiles(consumers: list[Consumer], minutes: int = 1440) -> LoadResult:
    """Replays each consumer's IEEE feeder shape.

    Args:
        consumers: Consumers whose ``profile`` is ``"ieee:N"``.
        minutes: Length; the daily shape repeats for more than 1440 minutes.

    Returns:
        P from the shape in kW and Q = P · tan(acos 0.95); no class split.
    """
    cache: dict[int, np.ndarray] = {}
    rows = []
    for c in consumers:
        shape = parse_ieee_profile(c.profile, c.consumer_id)
        if shape not in cache:
            cache[shape] = ieee_eu_lv.load_shape(shape)
        rows.append(np.resize(cache[shape], minutes))
    p = np.vstack(rows) if rows else np.zeros((0, minutes))
    return LoadResult(consumer_ids=[c.consumer_id for c in consumers], p_kw=p, q_kvar=p * TAN_PHI)


def _header(path: Path) -> list[str]:
    with path.open(newline="") as fh:
        first = next(csv.reader(fh), None)
    if not first:
        raise InputError(f"{path}: row 1: empty file, expected a header row")
    header = [h.strip() for h in first]
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise InputError(f"{path}: row 1, column '{h}': duplicate column")
        seen.add(h)
    return header


def _numeric(path: Path, frame: pd.DataFrame, column: str) -> np.ndarray:
    """Converts a text column to floats, naming the first bad row on failure."""
    text = frame[column]
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raw = text.iloc[i]
        what = "empty value" if raw is None or (isinstance(raw, float) and math.isnan(raw)) or not str(raw).strip() \
            else f"not a finite number: {str(raw).strip()!r}"
        raise InputError(f"{path}: row {i + 2}, column '{column}': {what}")
    return values


def read_profile_csv(path: str | Path, consumer_ids: list[str], minutes: int = 1440,
                     negative_tol_kw: float = 1e-3) -> LoadResult:
    """Reads a per-meter CSV of 1-minute active (and optionally reactive) power.

    Args:
        path: CSV file (format in the module docstring).
        consumer_ids: Ids whose columns to read, in the order of the result rows.
        minutes: Number of data rows expected.
        negative_tol_kw: Negative values down to −tol are taken as 0.

    Returns:
        The profiles; no class split.

    Raises:
        InputError: One line naming the file, the row and the column: missing
            column, non-numeric or NaN value, negative value beyond the
            tolerance, wrong number of rows, duplicate or out-of-order minute.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: profile file not found")
    header = _header(path)
    if "minute" not in header:
        raise InputError(f"{path}: row 1, column 'minute': missing")
    for cid in consumer_ids:
        if cid not in header:
            raise InputError(f"{path}: row 1, column '{cid}': missing (no data for consumer {cid})")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = header
    minute = _numeric(path, frame, "minute")
    seen: dict[float, int] = {}
    for i, m in enumerate(minute):
        if m in seen:
            raise InputError(f"{path}: row {i + 2}, column 'minute': duplicate minute {m:g} (first at row {seen[m]})")
        seen[m] = i + 2
        if m != i + 1:
            raise InputError(f"{path}: row {i + 2}, column 'minute': expected {i + 1}, found {m:g}")
    if len(frame) != minutes:
        raise InputError(f"{path}: row {len(frame) + 2}, column 'minute': expected {minutes} data rows, found {len(frame)}")
    p = np.empty((len(consumer_ids), minutes))
    q = np.empty_like(p)
    for k, cid in enumerate(consumer_ids):
        values = _numeric(path, frame, cid)
        neg = values < -negative_tol_kw
        if neg.any():
            i = int(np.argmax(neg))
            raise InputError(f"{path}: row {i + 2}, column '{cid}': negative power {values[i]:g} kW")
        p[k] = np.maximum(values, 0.0)
        qcol = f"{cid}_kvar"
        q[k] = _numeric(path, frame, qcol) if qcol in header else p[k] * TAN_PHI
    return LoadResult(consumer_ids=list(consumer_ids), p_kw=p, q_kvar=q)
