"""Exports: site tables, the long readings frame, the fast CSV writer, round trips through read_dir."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.data_format import MeterData, read_dir, write_dir
from analytics.export import readings_frame, site_tables, write_readings_csv
from scenarios.generators import DistrictConfig, RuralConfig, make_district, make_ieee_eu_lv_site, make_rural_street
from scenarios.site import MeterKind


@pytest.fixture(scope="module")
def district():
    return make_district(DistrictConfig(), seed=7)


def test_site_tables(district):
    meters, groups = site_tables(district)
    assert list(meters.columns) == ["meter_id", "kind", "group_id", "phase", "customer_id", "pulse_weight"]
    assert list(groups.columns) == ["group_id", "parent_id", "level", "group_meter_id"]
    assert len(meters) == len(district.meters) and len(groups) == len(district.groups)
    assert set(meters["kind"]) == {"electricity", "water"}
    assert set(groups["level"]) == {"region", "city", "district", "street", "building", "entrance"}
    first = district.meters[0]
    row = meters.iloc[0]
    assert (row["meter_id"], row["kind"], row["group_id"], row["pulse_weight"]) == (
        first.meter_id, first.kind.value, first.group_id, first.pulse_weight)
    assert row["customer_id"] is None  # a group meter
    water = meters[meters["kind"] == MeterKind.WATER.value]
    assert water["phase"].isna().all() and water["customer_id"].notna().all()
    assert groups.loc[0, "parent_id"] is None


def test_readings_frame_skips_nan_and_keeps_the_time_zone():
    values = np.array([[1.0, np.nan, 3.0], [np.nan, 5.0, 6.0]])
    frame = readings_frame(["A", "B"], pd.Timestamp("2026-03-29T01:00", tz="Europe/Kyiv"), values)
    assert list(frame.columns) == ["meter_id", "timestamp", "value"]
    assert list(frame["meter_id"].astype(str)) == ["A", "A", "B", "B"]
    assert list(frame["value"]) == [1.0, 3.0, 5.0, 6.0]
    assert str(frame["timestamp"].dt.tz) == "Europe/Kyiv"
    # Hourly steps in absolute time across the spring-forward change (02:00+02:00 -> 04:00+03:00).
    assert [t.isoformat() for t in frame["timestamp"]] == [
        "2026-03-29T01:00:00+02:00", "2026-03-29T04:00:00+03:00", "2026-03-29T02:00:00+02:00",
        "2026-03-29T04:00:00+03:00"]
    with pytest.raises(ValueError):
        readings_frame(["A"], pd.Timestamp("2026-01-01T00:00"), values[:1])
    with pytest.raises(ValueError):
        readings_frame(["A"], pd.Timestamp("2026-01-01T00:00Z"), values)


def test_write_readings_csv_format(tmp_path):
    frame = readings_frame(["M1", "odd,id"], pd.Timestamp("2026-01-05T13:00+02:00"),
                           np.array([[0.1, 1 / 3], [2.0, np.nan]]))
    path = tmp_path / "readings.csv"
    write_readings_csv(path, frame)
    assert path.read_text().splitlines() == [
        "meter_id,timestamp,value",
        '"M1","2026-01-05T13:00:00+02:00",0.1',
        '"M1","2026-01-05T14:00:00+02:00",0.3333333333333333',
        '"odd,id","2026-01-05T13:00:00+02:00",2',
    ]
    plain = readings_frame(["M1"], pd.Timestamp("2026-01-05T13:00+02:00"), np.array([[0.5]]))
    write_readings_csv(path, plain)
    assert path.read_text() == "meter_id,timestamp,value\nM1,2026-01-05T13:00:00+02:00,0.5\n"


@pytest.mark.parametrize("parquet", [False, True])
def test_site_round_trip(tmp_path, district, parquet):
    meters, groups = site_tables(district)
    ids = list(meters["meter_id"])
    rng = np.random.default_rng(1)
    values = rng.gamma(2.0, 0.2, size=(len(ids), 72))
    values[5, 10:14] = np.nan
    start = pd.Timestamp("2026-01-05T00:00", tz="Europe/Kyiv")
    frame = readings_frame(ids, start, values)
    write_dir(tmp_path, MeterData(meters, groups, frame, tz="Europe/Kyiv"), parquet=parquet)
    data = read_dir(tmp_path)
    assert data.rejects.empty
    pd.testing.assert_frame_equal(data.meters, meters)
    pd.testing.assert_frame_equal(data.groups, groups)
    got_ids, hours, matrix = data.hourly()
    assert got_ids == ids and hours[0] == start
    np.testing.assert_array_equal(matrix, values)  # bit-exact
    gaps = data.gaps()
    assert gaps[["meter_id", "hours"]].values.tolist() == [[ids[5], 4]]
    # The written CSV keeps the local offset.
    if not parquet:
        assert (tmp_path / "readings.csv").read_text().splitlines()[1].split(",")[1] == "2026-01-05T00:00:00+02:00"
    # And reading it again writes the same files.
    write_dir(tmp_path / "again", data, parquet=parquet)
    again = read_dir(tmp_path / "again")
    pd.testing.assert_frame_equal(again.readings, data.readings)


@pytest.mark.parametrize("make", [lambda: make_rural_street(RuralConfig(), seed=7), lambda: make_ieee_eu_lv_site(0)])
def test_generated_sites_are_valid_tables(tmp_path, make):
    site = make()
    meters, groups = site_tables(site)
    frame = readings_frame(list(meters["meter_id"]), pd.Timestamp("2026-01-05T00:00Z"),
                           np.full((len(meters), 2), 0.25))
    write_dir(tmp_path, MeterData(meters, groups, frame))
    data = read_dir(tmp_path)
    assert len(data.readings) == 2 * len(meters) and data.rejects.empty


def test_write_dir_keeps_the_offset_of_readings_frame(tmp_path, district):
    """As the analytics task does: no tz given, the start's offset is written."""
    meters, groups = site_tables(district)
    frame = readings_frame(list(meters["meter_id"]), pd.Timestamp("2026-01-05T00:00:00+02:00"),
                           np.full((len(meters), 3), 0.5))
    write_dir(tmp_path, MeterData(meters=meters, groups=groups, readings=frame, rejects=pd.DataFrame()))
    first = (tmp_path / "readings.csv").read_text().splitlines()[1]
    assert first == f"{meters['meter_id'][0]},2026-01-05T00:00:00+02:00,0.5"
    assert read_dir(tmp_path).tz == "+02:00"
