"""``out_of_range``: readings are judged against absurd dates, not against the rest of the file."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.data_format import read_dir

GROUPS = "group_id,parent_id,level,group_meter_id\nB1,,building,GM-B1\n"
METERS = ("meter_id,kind,group_id,phase,customer_id,pulse_weight\nGM-B1,electricity,B1,ABC,,1000\n"
          "M1,electricity,B1,A,C1,3200\nM2,electricity,B1,B,C2,3200\nM3,electricity,B1,C,C3,3200\n")
IDS = ("GM-B1", "M1", "M2", "M3")


def write_data(d: Path, hours: pd.DatetimeIndex, extra: list[str] = ()) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "groups.csv").write_text(GROUPS)
    (d / "meters.csv").write_text(METERS)
    stamps = [h.isoformat() for h in hours]
    rng = np.random.default_rng(7)
    with open(d / "readings.csv", "w") as f:
        f.write("meter_id,timestamp,value\n")
        for m in IDS:
            f.writelines(f"{m},{t},{x:.4f}\n" for t, x in zip(stamps, 0.2 + rng.random(len(stamps))))
        f.writelines(line + "\n" for line in extra)
    return d


def test_820_days_of_clean_hourly_data_lose_nothing(tmp_path) -> None:
    """The long file that lost its oldest and newest 10 days to a rule based on the file's median."""
    hours = pd.date_range("2024-01-01", periods=820 * 24, freq="h", tz="UTC")
    d = write_data(tmp_path / "d", hours)
    for now in (None, datetime(2026, 3, 31, tzinfo=timezone.utc)):
        data = read_dir(d, now=now)
        assert data.rejects.empty, data.summary()
        assert len(data.readings) == 4 * 820 * 24
        _, index, values = data.hourly()
        assert index[0] == hours[0] and index[-1] == hours[-1] and not np.isnan(values).any()


@pytest.mark.parametrize("stamp", [
    "1970-01-01T00:00:00+00:00",   # a clock that lost its battery
    "2000-01-01T00:00:00+00:00",   # the usual RTC default
    "2038-01-19T03:00:00+00:00",   # 32-bit overflow
    "2106-02-07T06:00:00+00:00",
])
def test_absurd_dates_are_out_of_range_and_do_not_stretch_the_grid(tmp_path, stamp) -> None:
    hours = pd.date_range("2026-01-05", periods=48, freq="h", tz="UTC")
    d = write_data(tmp_path / "d", hours, extra=[f"M1,{stamp},0.5"])
    data = read_dir(d, now=datetime(2026, 1, 7, tzinfo=timezone.utc))
    assert list(data.rejects["reason"]) == ["out_of_range"]
    assert int(data.rejects["row"].iloc[0]) == 2 + 4 * 48
    assert data.hourly()[2].shape == (4, 48)


def test_the_window_is_configurable_and_plausible_dates_stay(tmp_path) -> None:
    hours = pd.date_range("2026-01-05", periods=24, freq="h", tz="UTC")
    extra = ["M1,2003-06-01T00:00:00+00:00,0.5",   # old but plausible: kept by default
             "M1,2026-02-20T00:00:00+00:00,0.5"]   # 44 days after "now"
    d = write_data(tmp_path / "d", hours, extra=extra)
    now = datetime(2026, 1, 7, tzinfo=timezone.utc)
    assert read_dir(d, now=now).rejects.empty
    strict = read_dir(d, now=now, earliest="2025-01-01T00:00:00+00:00", days_ahead=30)
    assert list(strict.rejects["row"]) == [2 + 4 * 24, 3 + 4 * 24]
    assert set(strict.rejects["reason"]) == {"out_of_range"}
