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

from analytics.data_format.checks import (_ONE_HOUR, _TS_BAD, _TS_NO_OFFSET, _TS_NOT_ON_HOUR, _TS_OK,
                                          _TS_OUT_OF_RANGE, _EPOCH, _blank_rows, _check_readings, _common_tz,
                                          _drop_counter_resets, _drop_duplicates, _rejects, _stamp)
from analytics.data_format.io import read_dir, write_dir
from analytics.data_format.meterdata import MeterData, _gap_frame, _hour_of
from analytics.data_format.raw import (_DICT, _NUMBER_RE, _Raw, _dict_column, _numbers_from_text, _read_csv_raw,
                                       _read_parquet_raw, _values)
from analytics.data_format.schema import (_CODE, _HOUR_NS, _REASON_COLUMNS, _REASON_NAMES,
                                          COUNTER_RESET_LIMIT_FRACTION, COUNTER_RESET_MEDIAN_FACTOR,
                                          GROUP_COLUMNS, GROUP_METER_FACTOR, GROUPS_FILE, KINDS, LEVELS,
                                          EARLIEST_TIMESTAMP, MAX_DAYS_AHEAD, METER_COLUMNS, METERS_FILE,
                                          READING_COLUMNS,
                                          READINGS_CSV, READINGS_PARQUET, REASONS, REJECT_COLUMNS, _empty_rejects)
from analytics.data_format.tables import (_bad, _check_group_meters, _check_header, _read_groups, _read_meters,
                                          _read_small, absurd_limits)

__all__ = ["COUNTER_RESET_LIMIT_FRACTION", "COUNTER_RESET_MEDIAN_FACTOR", "GROUPS_FILE", "GROUP_COLUMNS",
           "GROUP_METER_FACTOR", "KINDS", "LEVELS", "EARLIEST_TIMESTAMP", "MAX_DAYS_AHEAD", "METERS_FILE",
           "METER_COLUMNS",
           "READINGS_CSV", "READINGS_PARQUET", "READING_COLUMNS", "REASONS", "REJECT_COLUMNS", "MeterData",
           "absurd_limits", "read_dir", "write_dir"]
