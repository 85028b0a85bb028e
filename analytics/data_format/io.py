"""Reading and writing a meter-data directory: :func:`read_dir` and :func:`write_dir`."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import pyarrow.parquet as pq

from analytics.data_format.checks import _check_readings, plausible_hours
from analytics.data_format.meterdata import MeterData
from analytics.data_format.raw import _read_csv_raw, _read_parquet_raw
from analytics.data_format.schema import (GROUP_COLUMNS, GROUPS_FILE, METER_COLUMNS, METERS_FILE,
                                          READING_COLUMNS, READINGS_CSV, READINGS_PARQUET, EARLIEST_TIMESTAMP,
                                          MAX_DAYS_AHEAD)
from analytics.data_format.tables import _check_group_meters, _read_groups, _read_meters, absurd_limits
from scenarios.errors import InputError


def read_dir(path: str | Path, absurd_kwh_per_hour: float = 100.0, absurd_m3_per_hour: float = 10.0,
             earliest: Any = EARLIEST_TIMESTAMP, days_ahead: float = MAX_DAYS_AHEAD,
             now: datetime | None = None) -> MeterData:
    """Reads and checks a meter-data directory.

    Args:
        path: The directory with ``meters.csv``, ``groups.csv`` and
            ``readings.csv`` or ``readings.parquet``.
        absurd_kwh_per_hour: Largest plausible hourly value of a consumer's
            electricity meter; above it a reading is rejected as ``absurd``.
        absurd_m3_per_hour: The same for water, gas and heat meters (m³).
        earliest: Readings before this time (ISO 8601 with offset, or a
            tz-aware datetime) are rejected as ``out_of_range``.
        days_ahead: Readings more than this many days after ``now`` are
            rejected as ``out_of_range``.
        now: The time of the import (tz-aware); the clock by default.

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
    meters, meters_rejected = _read_meters(meters_path, groups)
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
    latest = (now or datetime.now(timezone.utc)) + pd.Timedelta(days=float(days_ahead))
    readings, rejects, tz = _check_readings(rpath, raw, meters, limits, plausible_hours(earliest, latest))
    if meters_rejected is not None:  # meters in no group first, then the readings (theirs: unknown_meter)
        rejects = pd.concat([meters_rejected.astype({"row": np.int64}), rejects], ignore_index=True)
    return MeterData(meters=meters, groups=groups, readings=readings, rejects=rejects, tz=tz)


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
