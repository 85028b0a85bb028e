"""Local time with DST: the 2026 clock changes of Europe/Bucharest balanced on local days.

Reference: the length of a local day is the real time between two local
midnights, taken from the IANA database with the standard library's datetime
arithmetic (not from the code under test): 2026-03-29 has 23 hours, 2026-10-25 25.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics.balances import daily_table
from analytics.calendar import local_calendar, site_zone, zone_of
from analytics.data_format import read_dir
from analytics.pipeline import balances, prepare
from analytics.theft import TheftConfig
from scenarios.errors import InputError

ZONE = ZoneInfo("Europe/Bucharest")


def _day_hours(date: str) -> int:
    """Real hours of a local day, from datetime arithmetic in UTC."""
    d0 = datetime.fromisoformat(date).replace(tzinfo=ZONE)
    d1 = (datetime.fromisoformat(date) + timedelta(days=1)).replace(tzinfo=ZONE)
    return round((d1.astimezone(timezone.utc) - d0.astimezone(timezone.utc)).total_seconds() / 3600)


def _write(tmp, first: str, days: int, stamp, parquet: bool = False) -> None:
    """A group meter at 2 kWh/h and two flats at 1 kWh/h and 0.9 kWh/h from local midnight ``first``."""
    (tmp / "meters.csv").write_text("meter_id,kind,group_id,phase,customer_id,pulse_weight\n"
                                    "GM,electricity,E1,,,1\nA,electricity,E1,A,c1,1\nB,electricity,E1,B,c2,1\n")
    (tmp / "groups.csv").write_text("group_id,parent_id,level,group_meter_id\nE1,,entrance,GM\n")
    t0 = pd.Timestamp(first).tz_localize(ZONE)
    t1 = (pd.Timestamp(first) + pd.Timedelta(days=days)).tz_localize(ZONE)
    hours = pd.date_range(t0.tz_convert("UTC"), t1.tz_convert("UTC"), freq="h", inclusive="left")
    rows = [(m, h, v) for m, v in (("GM", 2.0), ("A", 1.0), ("B", 0.9)) for h in hours]
    if parquet:
        table = pa.table({"meter_id": [r[0] for r in rows],
                          "timestamp": pa.array([r[1].tz_convert(ZONE) for r in rows], pa.timestamp("ns", tz=str(ZONE))),
                          "value": [r[2] for r in rows]})
        pq.write_table(table, tmp / "readings.parquet")
    else:
        text = "".join(f"{m},{stamp(h, k)},{v}\n" for k, (m, h, v) in enumerate(rows))
        (tmp / "readings.csv").write_text("meter_id,timestamp,value\n" + text)


def _daily(tmp, zone="Europe/Bucharest") -> pd.DataFrame:
    data = read_dir(tmp)
    prep = prepare(data, site_zone(zone, None, data.tz))
    return daily_table(balances(prep, TheftConfig(clean_days=1), {}), prep.local_date).set_index("date")


def _local_iso(h: pd.Timestamp, k: int) -> str:
    return h.tz_convert(ZONE).isoformat()


@pytest.mark.parametrize("date", ["2026-03-29", "2026-10-25"])
def test_clock_change_days_have_their_real_hours(date):
    hours = pd.date_range(pd.Timestamp(date, tz=ZONE) - pd.Timedelta(days=2), periods=24 * 5, freq="h").tz_convert("UTC")
    cal = local_calendar(hours, ZONE)
    first = pd.Timestamp(cal.local_date[0])
    k = (pd.Timestamp(date) - first).days
    assert cal.hours_in_day[k] == _day_hours(date)
    assert int((cal.local_date == date).sum()) == _day_hours(date)


@pytest.mark.parametrize("first,change", [("2026-03-27", "2026-03-29"), ("2026-10-23", "2026-10-25")])
def test_23_and_25_hour_days_balanced_in_local_time(tmp_path, first, change):
    _write(tmp_path, first, 5, _local_iso)
    daily = _daily(tmp_path)
    n = _day_hours(change)
    assert n in (23, 25)
    assert daily.loc[change, "input_kwh"] == pytest.approx(2.0 * n)
    assert daily.loc[change, "consumers_kwh"] == pytest.approx(1.9 * n)
    assert daily.loc[change, "imbalance_kwh"] == pytest.approx(0.1 * n)
    others = daily.drop(index=change)
    assert np.allclose(others["input_kwh"], 48.0)


def test_offsets_in_the_file_do_not_move_the_days(tmp_path):
    """The first timestamp written as Z, every other one in local time: the same local days."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    _write(a, "2026-03-27", 5, _local_iso)
    _write(b, "2026-03-27", 5, lambda h, k: h.strftime("%Y-%m-%dT%H:%M:%SZ") if k % 120 == 0 else _local_iso(h, k))
    da, db = _daily(a), _daily(b)
    assert list(da.index) == list(db.index) == [f"2026-03-{d}" for d in range(27, 32)]
    assert np.allclose(da["input_kwh"], db["input_kwh"])
    assert db.loc["2026-03-29", "input_kwh"] == pytest.approx(46.0)


def test_parquet_zoned_timestamps_are_balanced_on_local_days(tmp_path):
    _write(tmp_path, "2026-10-23", 5, None, parquet=True)
    daily = _daily(tmp_path, zone="")  # no configured zone: the column's own zone
    assert list(daily.index) == [f"2026-10-{d}" for d in range(23, 28)]
    assert daily.loc["2026-10-25", "input_kwh"] == pytest.approx(50.0)


def test_zone_names_and_offsets():
    assert zone_of("+03:00").utcoffset(None) == timedelta(hours=3)
    assert zone_of(2.0).utcoffset(None) == timedelta(hours=2)
    assert site_zone("Europe/Bucharest", 2.0, None).utcoffset(None) == timedelta(hours=2)
    with pytest.raises(InputError, match="analytics.timezone"):
        zone_of("Mars/Olympus")
