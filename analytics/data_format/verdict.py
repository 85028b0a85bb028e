"""What an import says on the console, and when it rejected too much to go on.

:func:`import_line` is the one line every import prints: readings accepted,
rejected, and the rejects per reason. :func:`check_reject_share` stops a run
whose input is mostly rejects (quoted decimal commas mixed with points, a
wrong clock), which would otherwise balance zeros and report success.
"""

from __future__ import annotations

import re

import pandas as pd

from analytics.data_format.meterdata import MeterData
from analytics.data_format.schema import MAX_REJECT_SHARE, METERS_FILE
from scenarios.errors import InputError

_DECIMAL_COMMA = re.compile(r"^\s*[+-]?[0-9]*,[0-9]+\s*$")


def reading_rejects(data: MeterData) -> pd.DataFrame:
    """The rejected readings (rows of the readings file; meters set aside are not readings)."""
    rej = data.rejects
    return rej[rej["file"] != METERS_FILE] if len(rej) else rej


def reject_share(data: MeterData) -> float:
    """Rejected readings / (accepted + rejected readings); 0 for an empty import."""
    rejected = len(reading_rejects(data))
    total = rejected + len(data.readings)
    return rejected / total if total else 0.0


def _by_reason(rej: pd.DataFrame) -> str:
    counts = rej["reason"].value_counts()
    return ", ".join(f"{reason} {n:,}" for reason, n in counts.items())


def import_line(data: MeterData, source: str) -> str:
    """One line: ``<source>: 19,680 readings accepted, 12 rejected (0.1 %): bad_value 10, duplicate 2``.

    Meters set aside (``meter_in_no_group``) are counted after the readings.
    """
    rej = reading_rejects(data)
    line = f"{source}: {len(data.readings):,} readings accepted, {len(rej):,} rejected"
    if len(rej):
        line += f" ({100.0 * reject_share(data):.1f} %): {_by_reason(rej)}"
    set_aside = len(data.rejects) - len(rej)
    if set_aside:
        line += f"; {set_aside:,} meter(s) in no group set aside"
    return line


def _hint(rej: pd.DataFrame) -> str:
    """Why most rejects happened, when it is recognisable."""
    values = rej["value"].astype(str)
    comma = values.str.match(_DECIMAL_COMMA.pattern)
    if comma.mean() > 0.5:
        return ("; the values use a decimal comma (0,5) in a file that also has decimal points: "
                "write every value with a point")
    top = rej["reason"].value_counts().index[0]
    if top == "out_of_range":
        return "; the timestamps are outside the plausible range (analytics.earliest_timestamp, max_days_ahead)"
    return ""


def check_reject_share(data: MeterData, source: str, max_share: float = MAX_REJECT_SHARE,
                       key: str = "analytics.max_reject_share") -> None:
    """Raises InputError when more than ``max_share`` of the readings were rejected.

    Args:
        data: The import.
        source: What to name (the data directory).
        max_share: Largest accepted share of rejected readings (1 disables the check).
        key: The config key that sets ``max_share``, named in the message.

    Raises:
        InputError: One line with the share, the reasons, the first rejected
            row and how to run anyway.
    """
    share = reject_share(data)
    if share <= max_share:
        return
    rej = reading_rejects(data)
    first = rej.iloc[0]
    raise InputError(
        f"{source}: {100.0 * share:.1f} % of the readings were rejected ({len(rej):,} of "
        f"{len(rej) + len(data.readings):,}; limit {100.0 * max_share:g} %): {_by_reason(rej)}; first: "
        f"{first['file']} row {first['row']} {first['reason']} {first['value']!r}{_hint(rej)} "
        f"(see the rejects; set {key}=1 to run anyway)")
