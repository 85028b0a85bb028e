"""The meter-data interchange format: reading, rejects, errors, hourly matrix, gaps, Parquet, speed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics.data_format import REASONS, MeterData, read_dir, write_dir
from scenarios.errors import InputError

GROUPS = """group_id,parent_id,level,group_meter_id
R1,,region,
B1,R1,building,GM-B1
E1,B1,entrance,
"""
METERS = """meter_id,kind,group_id,phase,customer_id,pulse_weight
GM-B1,electricity,B1,ABC,,1000
M1,electricity,E1,A,C1,3200
M2,water,E1,,C1,100
M3,electricity,E1,B,C2,3200
"""
HEADER = "meter_id,timestamp,value\n"


def make_dir(tmp_path: Path, readings: str | None = None, meters: str = METERS, groups: str = GROUPS,
             name: str = "data") -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "groups.csv").write_text(groups, encoding="utf-8")
    (d / "meters.csv").write_text(meters, encoding="utf-8")
    if readings is not None:
        (d / "readings.csv").write_text(readings, encoding="utf-8")
    return d


def stamp(hour: int, offset: str = "+02:00") -> str:
    """ISO timestamp of hour ``hour`` after 2026-01-05T00:00 local time."""
    return (pd.Timestamp("2026-01-05T00:00") + pd.Timedelta(hours=hour)).isoformat() + offset


def rows(meter: str, hours, values, offset: str = "+02:00") -> str:
    return "".join(f"{meter},{stamp(h, offset)},{v}\n" for h, v in zip(hours, values))


def one_line_error(exc: pytest.ExceptionInfo, *parts: str) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    for part in parts:
        assert part in msg, msg
    return msg


# ---------------------------------------------------------------------------
# reading good data


def test_reads_tables_and_readings(tmp_path):
    text = HEADER + rows("M1", range(3), [0.5, 0.25, 1]) + rows("M2", range(2), [0.01, 0.02])
    data = read_dir(make_dir(tmp_path, text))
    assert list(data.meters.columns) == ["meter_id", "kind", "group_id", "phase", "customer_id", "pulse_weight"]
    assert data.meters["pulse_weight"].dtype == np.float64
    assert data.meters.loc[0, "customer_id"] is None and data.meters.loc[2, "phase"] is None
    assert list(data.groups.columns) == ["group_id", "parent_id", "level", "group_meter_id"]
    assert data.groups.loc[0, "parent_id"] is None
    r = data.readings
    assert list(r.columns) == ["meter_id", "timestamp", "value"]
    assert isinstance(r["meter_id"].dtype, pd.CategoricalDtype)
    assert str(r["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert r["value"].dtype == np.float64
    assert list(r["meter_id"].astype(str)) == ["M1", "M1", "M1", "M2", "M2"]
    assert r["timestamp"].iloc[0] == pd.Timestamp("2026-01-04T22:00Z")
    assert list(r["value"]) == [0.5, 0.25, 1.0, 0.01, 0.02]
    assert data.rejects.empty and list(data.rejects.columns) == [
        "file", "row", "meter_id", "timestamp", "value", "column", "reason"]
    assert data.tz == "+02:00"


def test_readings_sorted_by_meter_order_then_time(tmp_path):
    text = HEADER + rows("M3", [1, 0], [2, 1]) + rows("M1", [2, 0], [4, 3])
    data = read_dir(make_dir(tmp_path, text))
    assert list(data.readings["meter_id"].astype(str)) == ["M1", "M1", "M3", "M3"]
    assert list(data.readings["value"]) == [3, 4, 1, 2]
    assert data.readings["timestamp"].is_monotonic_increasing is False  # per meter only
    assert data.readings.groupby("meter_id", observed=True)["timestamp"].is_monotonic_increasing.all()


def test_mixed_offsets_are_converted_to_utc(tmp_path):
    text = HEADER + "M1,2026-03-29T02:00:00+02:00,1\nM1,2026-03-29T04:00:00+03:00,2\nM1,2026-03-29T02:00:00Z,3\n"
    data = read_dir(make_dir(tmp_path, text))
    assert list(data.readings["timestamp"]) == [pd.Timestamp("2026-03-29T00:00Z"), pd.Timestamp("2026-03-29T01:00Z"),
                                                pd.Timestamp("2026-03-29T02:00Z")]
    assert data.tz is None  # no single offset to write back: UTC


def test_bom_crlf_and_blank_lines(tmp_path):
    text = "\ufeff" + HEADER.replace("\n", "\r\n") + "M1," + stamp(0) + ",1\r\n\r\nM1," + stamp(1) + ",x\r\n"
    data = read_dir(make_dir(tmp_path, text))
    assert list(data.readings["value"]) == [1.0]
    assert data.rejects[["row", "reason", "value"]].values.tolist() == [[4, "bad_value", "x"]]


# ---------------------------------------------------------------------------
# rejects


def test_every_reject_reason_with_its_row(tmp_path):
    lines = [
        f"M1,{stamp(0)},0.5",                 # 2 ok
        f"M9,{stamp(0)},0.5",                 # 3 unknown_meter
        "M1,yesterday,0.5",                   # 4 bad_timestamp
        "M1,2026-01-05T01:00:00,0.5",         # 5 no_offset
        "M1,2026-01-05T01:30:00+02:00,0.5",   # 6 not_on_hour
        f"M1,{stamp(1)},abc",                 # 7 bad_value
        f"M1,{stamp(2)},-0.50",               # 8 negative
        f"M1,{stamp(3)},100.5",               # 9 absurd (electricity > 100 kWh/h)
        f"M2,{stamp(3)},10.5",                # 10 absurd (water > 10 m³/h)
        f"GM-B1,{stamp(3)},5000",             # 11 a group meter: limit 100 kWh/h x 1000
        f"M1,{stamp(0)},0.5",                 # 12 duplicate (same value)
        f"M1,{stamp(0)},0.7",                 # 13 duplicate_conflict
        f"M1,{stamp(1)},0.5,extra",           # 14 bad_row (4 fields)
        f"M1,{stamp(1)},",                    # 15 bad_value (empty)
    ]
    # Steady 0.5 kWh/h from hour 4 to 40, a gap at 41-42, then a spike of 40 kWh: a counter reset.
    steady = [f"M1,{stamp(h)},0.5" for h in range(4, 41)]
    lines += steady + [f"M1,{stamp(43)},40", f"M1,{stamp(44)},0.5"]
    reset_row = 16 + len(steady)
    data = read_dir(make_dir(tmp_path, HEADER + "\n".join(lines) + "\n"))
    rej = data.rejects
    got = dict(zip(rej["row"], rej["reason"]))
    assert got == {3: "unknown_meter", 4: "bad_timestamp", 5: "no_offset", 6: "not_on_hour", 7: "bad_value",
                   8: "negative", 9: "absurd", 10: "absurd", 12: "duplicate", 13: "duplicate_conflict",
                   14: "bad_row", 15: "bad_value", reset_row: "counter_reset"}
    assert set(REASONS) - {"out_of_range"} == set(got.values())  # out_of_range: its own test below
    assert list(rej["row"]) == sorted(rej["row"])
    by_row = rej.set_index("row")
    assert by_row.loc[3, "column"] == "meter_id" and by_row.loc[3, "meter_id"] == "M9"
    assert by_row.loc[4, "column"] == "timestamp" and by_row.loc[4, "timestamp"] == "yesterday"
    assert by_row.loc[7, "value"] == "abc" and by_row.loc[7, "column"] == "value"
    assert by_row.loc[8, "value"] == "-0.50"  # the text path keeps the value as in the file
    assert by_row.loc[15, "value"] == ""
    assert by_row.loc[14, "column"] == "" and by_row.loc[14, "value"] == "0.5,extra"
    assert by_row.loc[reset_row, "value"] == "40" and by_row.loc[reset_row, "column"] == "value"
    assert (rej["file"] == "readings.csv").all()
    # The first of the duplicates is kept; the group meter's 5000 kWh is accepted.
    r = data.readings.set_index(["meter_id", "timestamp"])["value"]
    assert r[("M1", pd.Timestamp(stamp(0)))] == 0.5
    assert r[("GM-B1", pd.Timestamp(stamp(3)))] == 5000
    assert ("M1", pd.Timestamp(stamp(43))) not in r.index
    assert len(data.readings) == 1 + len(steady) + 1 + 1


def test_number_path_rejects_show_the_parsed_number(tmp_path):
    text = HEADER + f"M1,{stamp(0)},0.5\nM1,{stamp(1)},-0.50\nM1,{stamp(2)},\nM1,{stamp(3)},nan\n"
    rej = read_dir(make_dir(tmp_path, text)).rejects
    assert rej[["row", "value", "reason"]].values.tolist() == [
        [3, "-0.5", "negative"], [4, "", "bad_value"], [5, "nan", "bad_value"]]


def test_counter_reset_after_zero_and_not_without_gap(tmp_path):
    base = [0.2] * 30
    text = HEADER + rows("M1", range(30), base)
    text += rows("M1", [30, 31, 32], [0, 12, 0.2])        # after a 0: reset
    text += rows("M1", [33, 34], [12, 0.2])              # right after a reading: kept
    text += rows("M3", range(30), [0.2] * 30) + rows("M3", [31], [9])  # after a gap but below limit/10: kept
    data = read_dir(make_dir(tmp_path, text))
    assert data.rejects[["row", "reason"]].values.tolist() == [[2 + 31, "counter_reset"]]
    assert (data.readings["value"] == 12).sum() == 1 and (data.readings["value"] == 9).sum() == 1


def test_absurd_limits_are_arguments(tmp_path):
    text = HEADER + rows("M1", [0, 1], [20, 60])
    data = read_dir(make_dir(tmp_path, text), absurd_kwh_per_hour=50)
    assert data.rejects[["row", "reason"]].values.tolist() == [[3, "absurd"]]


def test_no_offset_rejected_when_others_have_one(tmp_path):
    text = HEADER + f"M1,{stamp(0)},1\nM1,2026-01-05T01:00:00,1\n"
    data = read_dir(make_dir(tmp_path, text))
    assert data.rejects[["row", "column", "reason"]].values.tolist() == [[3, "timestamp", "no_offset"]]


def test_bad_rows_keep_the_row_numbers_of_the_others(tmp_path):
    text = HEADER + f"M1,{stamp(0)},1\nM1,{stamp(1)}\nM1,{stamp(2)},2\nM1,{stamp(3)},3,4\nM1,{stamp(4)},-1\n"
    rej = read_dir(make_dir(tmp_path, text)).rejects
    assert rej[["row", "reason", "meter_id", "timestamp", "value"]].values.tolist() == [
        [3, "bad_row", "M1", stamp(1), ""], [5, "bad_row", "M1", stamp(3), "3,4"],
        [6, "negative", "M1", stamp(4), "-1"]]


def test_shuffled_file_with_duplicates_matches_pandas(tmp_path):
    rng = np.random.default_rng(3)
    meters = ["GM-B1", "M1", "M2", "M3"]
    recs = [(m, h, float(rng.integers(0, 5)) / 4) for m in meters for h in range(60) if rng.random() > 0.1]
    recs += [recs[i][:2] + (recs[i][2] + (0.5 if rng.random() < 0.5 else 0.0),)
             for i in rng.integers(0, len(recs), 40)]
    order = rng.permutation(len(recs))
    recs = [recs[i] for i in order]
    text = HEADER + "".join(f"{m},{stamp(h)},{v}\n" for m, h, v in recs)
    data = read_dir(make_dir(tmp_path, text))
    ref = pd.DataFrame(recs, columns=["meter_id", "hour", "value"])
    ref["row"] = np.arange(len(ref)) + 2
    first = ref.drop_duplicates(["meter_id", "hour"], keep="first")
    ref["meter_id"] = pd.Categorical(ref["meter_id"], categories=meters)
    first = ref.loc[first.index].sort_values(["meter_id", "hour"])
    got = data.readings
    assert list(got["meter_id"].astype(str)) == list(first["meter_id"].astype(str))
    assert list(got["timestamp"]) == [pd.Timestamp(stamp(h)) for h in first["hour"]]
    assert list(got["value"]) == list(first["value"])
    dups = ref.drop(first.index).merge(first[["meter_id", "hour", "value"]], on=["meter_id", "hour"],
                                       suffixes=("", "_kept"))
    expect = {r: ("duplicate" if v == k else "duplicate_conflict")
              for r, v, k in zip(dups["row"], dups["value"], dups["value_kept"])}
    assert dict(zip(data.rejects["row"], data.rejects["reason"])) == expect


# ---------------------------------------------------------------------------
# errors in the readings


def test_wrong_readings_column(tmp_path):
    d = make_dir(tmp_path, "meter_id,timestamp,valeu\n")
    with pytest.raises(InputError) as exc:
        read_dir(d)
    assert one_line_error(exc).endswith(
        "readings.csv: column 'valeu' is not allowed; expected meter_id, timestamp, value")


@pytest.mark.parametrize("header, part", [
    ("meter_id,timestamp\n", "column 'value' is missing"),
    ("meter_id,timestamp,value,value\n", "column 'value' appears twice"),
    ("", "empty file"),
])
def test_bad_readings_header(tmp_path, header, part):
    with pytest.raises(InputError) as exc:
        read_dir(make_dir(tmp_path, header))
    one_line_error(exc, "readings.csv", part)


def test_readings_not_utf8(tmp_path):
    d = make_dir(tmp_path)
    (d / "readings.csv").write_bytes(HEADER.encode() + f"M1,{stamp(0)},1\nM\xff1,{stamp(1)},1\n".encode("latin-1"))
    with pytest.raises(InputError) as exc:
        read_dir(d)
    one_line_error(exc, "readings.csv: not UTF-8 text")


def test_every_timestamp_without_offset_is_an_error(tmp_path):
    text = HEADER + "M1,2026-01-05T00:00:00,1\nM1,2026-01-05T01:00:00,1\n"
    with pytest.raises(InputError) as exc:
        read_dir(make_dir(tmp_path, text))
    one_line_error(exc, "readings.csv: row 2: column timestamp:", "'2026-01-05T00:00:00' has no UTC offset")


def test_no_usable_reading(tmp_path):
    text = HEADER + "M1,2026-01-05T00:00:00+02:00,-1\nM9,2026-01-05T01:00:00+02:00,1\n"
    with pytest.raises(InputError) as exc:
        read_dir(make_dir(tmp_path, text))
    one_line_error(exc, "readings.csv: no usable reading (2 rejected; first: row 2 negative)")
    with pytest.raises(InputError) as exc:
        read_dir(make_dir(tmp_path, HEADER, name="empty"))
    one_line_error(exc, "readings.csv: no usable reading (the file has no data rows)")


def test_missing_or_two_readings_files(tmp_path):
    d = make_dir(tmp_path)
    with pytest.raises(InputError) as exc:
        read_dir(d)
    one_line_error(exc, "no readings.csv or readings.parquet")
    (d / "readings.csv").write_text(HEADER + f"M1,{stamp(0)},1\n")
    (d / "readings.parquet").write_bytes(b"")
    with pytest.raises(InputError) as exc:
        read_dir(d)
    one_line_error(exc, "both readings.csv and readings.parquet exist")


# ---------------------------------------------------------------------------
# errors in meters.csv and groups.csv

READ = HEADER + "M1,2026-01-05T00:00:00+02:00,1\n"


@pytest.mark.parametrize("old, new, expected", [
    ("pulse_weight\n", "pulse_weight,extra\n", "meters.csv: column 'extra' is not allowed; expected meter_id, "
                                               "kind, group_id, phase, customer_id, pulse_weight"),
    (",pulse_weight\n", "\n", "meters.csv: column 'pulse_weight' is missing"),
    ("M2,water", "M2,steam", "meters.csv: row 4: column kind: unknown kind 'steam' "
                            "(expected one of electricity, water, gas, heat)"),
    ("E1,A,C1", "E1,D,C1", "meters.csv: row 3: column phase: unknown phase 'D'"),
    ("M3,electricity", "M1,electricity", "meters.csv: row 5: column meter_id: duplicate meter_id 'M1' "
                                         "(first on row 3)"),
    ("C2,3200", "C2,0", "meters.csv: row 5: column pulse_weight: pulse_weight must be a number > 0, got '0'"),
    ("C2,3200", "C2,-1", "meters.csv: row 5: column pulse_weight"),
    ("C2,3200", "C2,abc", "meters.csv: row 5: column pulse_weight"),
    ("C2,3200", "C2,3200,7", "meters.csv: row 5: expected 6 fields"),
])
def test_meters_errors(tmp_path, old, new, expected):
    assert old in METERS
    with pytest.raises(InputError) as exc:
        read_dir(make_dir(tmp_path, READ, meters=METERS.replace(old, new, 1)))
    one_line_error(exc, expected)


@pytest.mark.parametrize("old, new, expected", [
    ("level,group", "lvl,group", "groups.csv: column 'lvl' is not allowed"),
    ("B1,R1,building", "B1,R1,house", "groups.csv: row 3: column level: unknown level 'house' "
                                      "(expected one of region, city, district, street, building, entrance)"),
    ("E1,B1,entrance", "B1,B1,entrance", "groups.csv: row 4: column group_id: duplicate group_id 'B1'"),
    ("E1,B1,", "E1,B7,", "groups.csv: row 4: column parent_id: unknown parent group 'B7'"),
    ("R1,,region", "R1,E1,region", "groups.csv: row 2: column parent_id: cycle in the hierarchy: "
                                   "R1 -> E1 -> B1 -> R1"),
    ("E1,B1,entrance", "E1,B1,city", "groups.csv: row 4: column level: level 'city' is not below the level "
                                     "'building' of its parent 'B1'"),
    ("E1,B1,entrance,", "E1,B1,entrance,GM-E1", "groups.csv: row 4: column group_meter_id: meter 'GM-E1' "
                                                "is not in meters.csv"),
    ("E1,B1,entrance,", "E1,B1,entrance,M1", "groups.csv: row 4: column group_meter_id: meter 'M1' is not a "
                                             "group meter of 'E1' (it has customer_id 'C1')"),
    ("R1,,region,", "R1,,region,GM-B1", "groups.csv: row 2: column group_meter_id: meter 'GM-B1' is not a group "
                                        "meter of 'R1' (its group_id is 'B1')"),
])
def test_groups_errors(tmp_path, old, new, expected):
    assert old in GROUPS
    with pytest.raises(InputError) as exc:
        read_dir(make_dir(tmp_path, READ, groups=GROUPS.replace(old, new, 1)))
    one_line_error(exc, expected)


def test_missing_files(tmp_path):
    d = make_dir(tmp_path, READ)
    (d / "meters.csv").unlink()
    with pytest.raises(InputError) as exc:
        read_dir(d)
    one_line_error(exc, "meters.csv: file not found")
    with pytest.raises(InputError) as exc:
        read_dir(tmp_path / "nowhere")
    one_line_error(exc, "nowhere: not a directory")


# ---------------------------------------------------------------------------
# hourly matrix and gaps


@pytest.fixture
def gappy(tmp_path) -> MeterData:
    text = HEADER + rows("M1", [0, 1, 4, 5], [1, 2, 3, 4]) + rows("M3", [2, 3], [5, 6])
    return read_dir(make_dir(tmp_path, text))


def test_hourly(gappy):
    ids, hours, m = gappy.hourly()
    assert ids == ["GM-B1", "M1", "M2", "M3"]
    assert m.shape == (4, 6) and m.dtype == np.float64
    assert hours[0] == pd.Timestamp(stamp(0)) and len(hours) == 6 and str(hours.tz) == "UTC"
    assert (hours[1:] - hours[:-1] == pd.Timedelta(hours=1)).all()
    np.testing.assert_array_equal(m[1], [1, 2, np.nan, np.nan, 3, 4])
    np.testing.assert_array_equal(m[3], [np.nan, np.nan, 5, 6, np.nan, np.nan])
    assert np.isnan(m[0]).all() and np.isnan(m[2]).all()
    ids, hours, m = gappy.hourly(["M3", "M1"], start=stamp(1), end=stamp(4))
    assert ids == ["M3", "M1"] and m.shape == (2, 3)
    np.testing.assert_array_equal(m, [[np.nan, 5, 6], [2, np.nan, np.nan]])
    with pytest.raises(KeyError):
        gappy.hourly(["M9"])
    with pytest.raises(ValueError):
        gappy.hourly(start="2026-01-05T00:00")


def test_gaps(gappy):
    g = gappy.gaps()
    assert list(g.columns) == ["meter_id", "first_missing", "last_missing", "hours"]
    got = [(m, f, l, h) for m, f, l, h in g.itertuples(index=False)]
    ts = lambda h: pd.Timestamp(stamp(h))  # noqa: E731
    assert got == [("GM-B1", ts(0), ts(5), 6), ("M1", ts(2), ts(3), 2), ("M2", ts(0), ts(5), 6),
                   ("M3", ts(0), ts(1), 2), ("M3", ts(4), ts(5), 2)]
    _, _, m = gappy.hourly()
    assert g["hours"].sum() == np.isnan(m).sum()


# ---------------------------------------------------------------------------
# round trips and Parquet


def test_round_trip_csv_and_parquet(tmp_path, gappy):
    for parquet in (False, True):
        out = tmp_path / f"out_{parquet}"
        write_dir(out, gappy, parquet=parquet)
        assert (out / ("readings.parquet" if parquet else "readings.csv")).exists()
        back = read_dir(out)
        pd.testing.assert_frame_equal(back.meters, gappy.meters)
        pd.testing.assert_frame_equal(back.groups, gappy.groups)
        pd.testing.assert_frame_equal(back.readings, gappy.readings)
        assert back.rejects.empty
    text = (tmp_path / "out_False" / "readings.csv").read_text()
    assert text.splitlines()[1] == f"M1,{stamp(0)},1"  # the original offset is kept
    # Writing the other format replaces the readings file.
    write_dir(tmp_path / "out_True", gappy, parquet=False)
    assert not (tmp_path / "out_True" / "readings.parquet").exists()


def test_parquet_timestamps_as_text_and_naive(tmp_path):
    d = make_dir(tmp_path)
    table = pa.table({"meter_id": ["M1", "M1", "M1"],
                      "timestamp": [stamp(0), stamp(1), "2026-01-05T03:00:00"],
                      "value": pa.array(["1.5", "x", "2"])})
    pq.write_table(table, d / "readings.parquet")
    data = read_dir(d)
    assert list(data.readings["value"]) == [1.5]
    assert data.rejects[["row", "reason", "value"]].values.tolist() == [[3, "bad_value", "x"], [4, "no_offset", "2"]]
    naive = pa.table({"meter_id": ["M1"], "timestamp": pa.array([pd.Timestamp("2026-01-05T00:00")]),
                      "value": [1.0]})
    pq.write_table(naive, d / "readings.parquet")
    with pytest.raises(InputError) as exc:
        read_dir(d)
    one_line_error(exc, "readings.parquet: row 2: column timestamp:", "no UTC offset")
    pq.write_table(pa.table({"meter_id": ["M1"], "time": [1.0], "value": [1.0]}), d / "readings.parquet")
    with pytest.raises(InputError) as exc:
        read_dir(d)
    one_line_error(exc, "readings.parquet: column 'time' is not allowed")


def test_parquet_with_tz_name_and_rejects(tmp_path):
    d = make_dir(tmp_path)
    ts = pd.date_range("2026-01-05T00:00", periods=4, freq="h", tz="Europe/Kyiv")
    ts = ts.append(pd.DatetimeIndex([pd.Timestamp("2026-01-05T05:30", tz="Europe/Kyiv")]))
    frame = pd.DataFrame({"meter_id": ["M1", "M1", "M1", "M9", "M1"], "timestamp": ts,
                          "value": [1.0, None, -1.0, 1.0, 1.0]})
    frame.to_parquet(d / "readings.parquet")
    data = read_dir(d)
    assert data.tz == "Europe/Kyiv"
    assert data.rejects[["row", "reason"]].values.tolist() == [
        [3, "bad_value"], [4, "negative"], [5, "unknown_meter"], [6, "not_on_hour"]]
    assert data.rejects["timestamp"].iloc[0] == "2026-01-05T01:00:00+02:00"


# ---------------------------------------------------------------------------
# speed


def test_speed_smoke(tmp_path):
    n_meters, hours = 100, 2000  # 200,000 rows
    meters = "meter_id,kind,group_id,phase,customer_id,pulse_weight\n" + "".join(
        f"M{i},electricity,E1,A,C{i},3200\n" for i in range(n_meters))
    groups = "group_id,parent_id,level,group_meter_id\nE1,,entrance,\n"
    values = np.round(np.random.default_rng(0).gamma(2, 0.25, (n_meters, hours)), 3)
    stamps = [t.isoformat() for t in pd.date_range("2026-01-01T00:00+02:00", periods=hours, freq="h")]
    lines = [HEADER] + [f"M{i},{stamps[h]},{values[i, h]}\n" for i in range(n_meters) for h in range(hours)]
    d = make_dir(tmp_path, "".join(lines), meters=meters, groups=groups)
    data = read_dir(d)
    assert len(data.readings) == n_meters * hours


def test_a_clock_far_from_the_rest_is_rejected_not_stretched(tmp_path) -> None:
    """One reading in the year 2000 must not make the hourly grid span 26 years."""
    from analytics.data_format import read_dir

    (tmp_path / "groups.csv").write_text("group_id,parent_id,level,group_meter_id\nE1,,entrance,\n")
    (tmp_path / "meters.csv").write_text("meter_id,kind,group_id,phase,customer_id,pulse_weight\n"
                                         "m1,electricity,E1,A,u1,3200\n")
    rows = [f"m1,2026-01-05T{h:02d}:00:00+02:00,0.5" for h in range(24)] + ["m1,2000-01-01T00:00:00+02:00,0.5"]
    (tmp_path / "readings.csv").write_text("meter_id,timestamp,value\n" + "\n".join(rows) + "\n")
    data = read_dir(tmp_path)
    assert list(data.rejects["reason"]) == ["out_of_range"] and int(data.rejects["row"].iloc[0]) == 26
    _, hours, values = data.hourly()
    assert len(hours) == 24 and values.shape == (1, 24)


@pytest.mark.parametrize("group", ["E7", ""])
def test_a_meter_in_no_group_is_rejected_and_the_rest_is_used(tmp_path, group):
    meters = METERS.replace("M3,electricity,E1", f"M3,electricity,{group}", 1)
    text = READ + "M3,2026-01-05T00:00:00+02:00,1\n"
    data = read_dir(make_dir(tmp_path, text, meters=meters))
    rej = data.rejects
    first = rej.iloc[0]
    assert (first["file"], int(first["row"]), first["meter_id"], first["column"], first["reason"]) == \
        ("meters.csv", 5, "M3", "group_id", "meter_in_no_group")
    assert "M3" not in set(data.meters["meter_id"])
    assert list(rej["reason"][1:]) == ["unknown_meter"]  # its reading
    assert len(data.readings) == 1  # M1's reading is kept


def test_no_meter_in_any_group_is_an_error(tmp_path):
    groups = "group_id,parent_id,level,group_meter_id\nZ1,,entrance,\n"
    with pytest.raises(InputError) as exc:
        read_dir(make_dir(tmp_path, READ, meters=METERS.replace(",E1,", ",E9,").replace(",B1,", ",E9,"),
                          groups=groups))
    assert "meter in no group" in str(exc.value) and "\n" not in str(exc.value)
