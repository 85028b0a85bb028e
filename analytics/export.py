"""Exports to the meter-data interchange format (``docs/data-format.md``).

:func:`site_tables` turns a :class:`scenarios.site.Site` into the ``meters.csv``
and ``groups.csv`` tables, :func:`readings_frame` turns a meter × hour matrix
(e.g. simulated hourly consumption) into the long ``readings`` table, and
:func:`write_readings_csv` writes that table fast. With
:func:`analytics.data_format.write_dir` they give a directory that
:func:`analytics.data_format.read_dir` reads back::

    meters, groups = site_tables(site)
    frame = readings_frame(meter_ids, pd.Timestamp("2026-01-05T00:00+02:00"), kwh)   # kwh: (n, H)
    write_dir(out, MeterData(meters, groups, frame, tz="+02:00"))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from analytics.data_format import GROUP_COLUMNS, METER_COLUMNS, READING_COLUMNS

_SPECIAL = (",", '"', "\n", "\r")


def site_tables(site) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``meters`` and ``groups`` tables of a site.

    Args:
        site: A :class:`scenarios.site.Site`.

    Returns:
        ``(meters, groups)`` with the columns of ``meters.csv`` and
        ``groups.csv`` (kinds and levels as their ``.value`` strings, ``None``
        for empty), in the site's order.
    """
    meters = pd.DataFrame({
        "meter_id": pd.Series([m.meter_id for m in site.meters], dtype=object),
        "kind": pd.Series([m.kind.value for m in site.meters], dtype=object),
        "group_id": pd.Series([m.group_id for m in site.meters], dtype=object),
        "phase": pd.Series([m.phase or None for m in site.meters], dtype=object),
        "customer_id": pd.Series([m.consumer_id or None for m in site.meters], dtype=object),
        "pulse_weight": np.array([m.pulse_weight for m in site.meters], dtype=np.float64),
    }, columns=list(METER_COLUMNS))
    groups = pd.DataFrame({
        "group_id": pd.Series([g.group_id for g in site.groups], dtype=object),
        "parent_id": pd.Series([g.parent_id or None for g in site.groups], dtype=object),
        "level": pd.Series([g.level.value for g in site.groups], dtype=object),
        "group_meter_id": pd.Series([g.group_meter_id or None for g in site.groups], dtype=object),
    }, columns=list(GROUP_COLUMNS))
    return meters, groups


def readings_frame(meter_ids: list[str], start: pd.Timestamp, values: np.ndarray) -> pd.DataFrame:
    """The long ``readings`` table of a meter × hour matrix.

    Args:
        meter_ids: One id per row of ``values``.
        start: Start of the first hour (tz-aware; the timestamps keep its time zone).
        values: ``(n, H)`` consumption per hour, kWh or m³; NaN cells are skipped.

    Returns:
        ``meter_id`` (categorical in the order of ``meter_ids``), ``timestamp``
        (tz of ``start``), ``value`` (float64), by meter then hour.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != len(meter_ids):
        raise ValueError(f"values must be (len(meter_ids), H) = ({len(meter_ids)}, H), got {values.shape}")
    start = pd.Timestamp(start)
    if start.tzinfo is None:
        raise ValueError(f"start must have a time zone or UTC offset, got {start}")
    hours = pd.date_range(start, periods=values.shape[1], freq="h")
    rows, cols = np.nonzero(~np.isnan(values))
    return pd.DataFrame({
        "meter_id": pd.Categorical.from_codes(rows.astype(np.int32),
                                              categories=pd.Index(list(meter_ids), dtype=object)),
        "timestamp": hours[cols],
        "value": values[rows, cols],
    })


def _dictionary(column: pd.Series, fmt=None) -> pa.DictionaryArray:
    """A column as a dictionary array of text, each distinct value formatted once."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, uniques = pd.factorize(column, sort=False)
    texts = [fmt(u) if fmt else str(u) for u in uniques]
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32), mask=codes < 0),
                                          pa.array(texts, type=pa.string()))


def readings_table(frame: pd.DataFrame) -> pa.Table:
    """The readings as an Arrow table: ``meter_id`` (dictionary text), tz-aware ``timestamp``, float ``value``."""
    ts = frame["timestamp"]
    if ts.dt.tz is None:
        raise ValueError("timestamp must be tz-aware")
    return pa.table({
        "meter_id": _dictionary(frame["meter_id"]),
        "timestamp": pa.Array.from_pandas(ts),
        "value": pa.array(frame["value"].to_numpy(dtype=np.float64)),
    })


def write_readings_csv(path: str | Path, frame: pd.DataFrame) -> None:
    """Writes ``readings.csv``: ``meter_id,timestamp,value``.

    Timestamps are written with ``isoformat()`` in the frame's own time zone
    (e.g. ``2026-01-05T13:00:00+02:00``), each distinct hour formatted once;
    values in their shortest round-trip form. Ids are quoted only if they
    contain a comma, quote or line break.
    """
    ts = frame["timestamp"]
    if ts.dt.tz is None:
        raise ValueError("timestamp must be tz-aware")
    meter = _dictionary(frame["meter_id"])
    table = pa.table({
        "meter_id": meter,
        "timestamp": _dictionary(ts, lambda t: t.isoformat()),
        "value": pa.array(frame["value"].to_numpy(dtype=np.float64)),
    })
    special = any(ch in s for s in meter.dictionary.to_pylist() for ch in _SPECIAL)
    with pa.OSFile(str(path), "wb") as out:
        out.write((",".join(READING_COLUMNS) + "\n").encode())
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, batch_size=1 << 16,
                                                       quoting_style="needed" if special else "none"))


def write_site_data(path: str | Path, site, meter_ids: list[str], start: pd.Timestamp, values: np.ndarray,
                    parquet: bool = False) -> None:
    """Writes a site's meters and groups and an ``(n, H)`` matrix of readings as an interchange directory.

    Args:
        path: The directory (created).
        site: The site (:func:`site_tables`).
        meter_ids: One id per row of ``values``.
        start: Start of the first hour (tz-aware; its offset is kept).
        values: Hourly consumption, NaN where missing.
        parquet: Write ``readings.parquet`` instead of ``readings.csv``.
    """
    from analytics.data_format import MeterData, write_dir

    meters, groups = site_tables(site)
    write_dir(Path(path), MeterData(meters=meters, groups=groups, readings=readings_frame(meter_ids, start, values),
                                    rejects=pd.DataFrame()), parquet=parquet)
