"""Spreadsheet-style readings: semicolon-separated files and decimal commas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.data_format import read_dir

GROUPS = "group_id,parent_id,level,group_meter_id\nB1,,building,GM-B1\n"
METERS = ("meter_id,kind,group_id,phase,customer_id,pulse_weight\nGM-B1,electricity,B1,ABC,,1000\n"
          "M1,electricity,B1,A,C1,3200\nM2,water,B1,,C1,100\n")
VALUES = {"GM-B1": [1.25, 2.5, 0.75], "M1": [0.5, 0.125, 1.0], "M2": [0.01, 0.0, 0.02]}


def stamp(h: int) -> str:
    return (pd.Timestamp("2026-01-05T00:00:00+02:00") + pd.Timedelta(hours=h)).isoformat()


def write(d: Path, sep: str = ",", value=lambda x: f"{x}", tables_sep: str | None = None) -> Path:
    d.mkdir()
    ts = tables_sep or sep
    (d / "groups.csv").write_text(GROUPS.replace(",", ts))
    (d / "meters.csv").write_text(METERS.replace(",", ts))
    lines = [sep.join(("meter_id", "timestamp", "value"))]
    lines += [sep.join((m, stamp(h), value(x))) for m, xs in VALUES.items() for h, x in enumerate(xs)]
    (d / "readings.csv").write_text("\n".join(lines) + "\n")
    return d


def _values(data) -> dict[str, list[float]]:
    r = data.readings
    return {m: r.loc[r["meter_id"] == m, "value"].tolist() for m in VALUES}


def test_semicolon_separated_files_are_read_like_commas(tmp_path) -> None:
    plain = read_dir(write(tmp_path / "comma"))
    semi = read_dir(write(tmp_path / "semi", sep=";"))
    assert semi.rejects.empty
    pd.testing.assert_frame_equal(plain.readings, semi.readings)
    pd.testing.assert_frame_equal(plain.meters, semi.meters)
    pd.testing.assert_frame_equal(plain.groups, semi.groups)


@pytest.mark.parametrize(("sep", "fmt"), [
    (",", lambda x: f'"{x}"'.replace(".", ",")),   # quoted decimal commas in a comma file
    (";", lambda x: f"{x}".replace(".", ",")),     # the spreadsheet export of a decimal-comma locale
])
def test_a_file_written_with_decimal_commas_throughout_is_read(tmp_path, sep, fmt) -> None:
    data = read_dir(write(tmp_path / "d", sep=sep, value=fmt))
    assert data.rejects.empty
    assert _values(data) == VALUES


def test_decimal_commas_mixed_with_points_are_rejected_with_the_text(tmp_path) -> None:
    def fmt(x):  # the group meter writes points, the consumers commas: ambiguous, so rejected
        return f"{x}" if x > 0.7 else f'"{x}"'.replace(".", ",")

    data = read_dir(write(tmp_path / "d", value=fmt))
    rej = data.rejects
    assert set(rej["reason"]) == {"bad_value"}
    assert all("," in v for v in rej["value"])
    assert len(rej) + len(data.readings) == sum(len(v) for v in VALUES.values())


def test_semicolon_bad_row_is_split_on_semicolons(tmp_path) -> None:
    d = write(tmp_path / "d", sep=";")
    with open(d / "readings.csv", "a") as f:
        f.write(f"M1;{stamp(5)};0.5;extra\n")
    rej = read_dir(d).rejects
    assert list(rej["reason"]) == ["bad_row"]
    assert rej["meter_id"].iloc[0] == "M1" and rej["value"].iloc[0] == "0.5;extra"
    assert np.isfinite(read_dir(d).readings["value"]).all()
