"""Names of the meter-data format: files, columns, meter kinds, levels, reject reasons and limits.

The format itself is described in :mod:`analytics.data_format` and ``docs/data-format.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.site import Level, MeterKind

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

#: Readings before this time are rejected as ``out_of_range``: a meter clock reset to
#: 1970 or 2000-01-01 (the usual RTC defaults) would stretch the hourly grid over decades.
EARLIEST_TIMESTAMP = "2001-01-01T00:00:00+00:00"
#: Readings more than this many days after the time of the import are ``out_of_range``
#: (a clock set to 2038 or 2106); generous, so a clock a few hours ahead is kept.
MAX_DAYS_AHEAD = 366.0
#: Share of rejected readings above which a run stops (``analytics.max_reject_share``).
MAX_REJECT_SHARE = 0.2
#: A group meter's absurd limit is the consumer limit times the larger of this
#: factor and the number of consumer meters of its kind below it.
GROUP_METER_FACTOR = 1000
#: Counter reset: a reading after a 0 or a gap that is above this many times the
#: meter's median positive reading ...
COUNTER_RESET_MEDIAN_FACTOR = 50.0
#: ... and above this fraction of the meter's absurd limit.
COUNTER_RESET_LIMIT_FRACTION = 0.1

_HOUR_NS = 3_600_000_000_000


def _empty_rejects() -> pd.DataFrame:
    """The rejects table without rows: the columns of :data:`REJECT_COLUMNS`, ``row`` as int64."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})
    frame["row"] = frame["row"].astype(np.int64)
    return frame
