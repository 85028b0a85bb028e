"""Fast reading of ``readings.csv`` and ``readings.parquet`` into raw, unchecked columns.

Readings are read with pyarrow: meter ids and timestamps as dictionaries (each
distinct timestamp string is parsed once), values as floats, with a slower
path taken only when the file holds values that are not numbers or rows with
the wrong number of fields.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from analytics.data_format.schema import READING_COLUMNS
from analytics.data_format.tables import _check_header, delimiter_of
from scenarios.errors import InputError

_NUMBER_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DICT = pa.dictionary(pa.int32(), pa.string())


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
    delimiter: str = ","          # field separator of a CSV file (``;`` in many spreadsheet locales)

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


def _decimal_comma(text: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The text with ``,`` as the decimal point, if the column writes its decimals that way throughout.

    A column with values like ``0,5`` and no value with a ``.`` (a spreadsheet
    export in a locale with a decimal comma) is read as ``0.5``; in a column
    that also uses points, a comma is ambiguous and its values stay rejects.
    """
    trimmed = pc.utf8_trim_whitespace(text)
    commas = pc.sum(pc.match_substring_regex(trimmed, r"^[+-]?[0-9]*,[0-9]+$")).as_py() or 0
    points = pc.sum(pc.match_substring(trimmed, ".")).as_py() or 0
    if commas == 0 or points > 0:
        return None
    return pc.replace_substring(text, ",", ".")


def _values(col: pa.ChunkedArray, path: Path) -> tuple[np.ndarray, Any, np.ndarray | None]:
    """Values as float64 (NaN where not a number), the text (for a text column) and the null mask."""
    if pa.types.is_dictionary(col.type):
        col = pc.cast(col, col.type.value_type)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        numbers = _numbers_from_text(col)
        if np.isnan(numbers).any():
            comma = _decimal_comma(col)
            if comma is not None:
                numbers = _numbers_from_text(comma)
        return numbers, col, None
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
        delimiter = delimiter_of(first.decode("utf-8-sig"))
        header = next(csv.reader([first.decode("utf-8-sig")], delimiter=delimiter), None)
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
                parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                                 invalid_row_handler=on_bad_row),
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
               values=values, value_text=text, value_null=null, delimiter=delimiter)
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
