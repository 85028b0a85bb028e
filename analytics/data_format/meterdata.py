"""The imported data: :class:`MeterData` with its hourly matrix, gaps and reject summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.data_format.schema import _HOUR_NS, _empty_rejects


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
