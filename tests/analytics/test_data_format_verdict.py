"""The import's console line and the stop when most of the input is rejected."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.data_format import read_dir
from analytics.data_format.verdict import check_reject_share, import_line, reject_share
from scenarios.errors import InputError

GROUPS = "group_id,parent_id,level,group_meter_id\nB1,,building,\n"
METERS = ("meter_id,kind,group_id,phase,customer_id,pulse_weight\nM1,electricity,B1,A,C1,3200\n"
          "M2,electricity,B1,B,C2,3200\nM9,electricity,NOWHERE,B,C9,3200\n")


def stamp(h: int) -> str:
    return (pd.Timestamp("2026-01-05T00:00:00+02:00") + pd.Timedelta(hours=h)).isoformat()


def data_with(tmp_path: Path, good: int, bad: int):
    """``good`` readings with a point, ``bad`` with a quoted decimal comma (rejected: the file mixes both)."""
    lines = [f"M1,{stamp(h)},0.5" for h in range(good)] + [f'M2,{stamp(h)},"0,5"' for h in range(bad)]
    (tmp_path / "groups.csv").write_text(GROUPS)
    (tmp_path / "meters.csv").write_text(METERS)
    (tmp_path / "readings.csv").write_text("meter_id,timestamp,value\n" + "\n".join(lines) + "\n")
    return read_dir(tmp_path)


def test_import_line_counts_by_reason(tmp_path) -> None:
    data = data_with(tmp_path, good=90, bad=10)
    assert reject_share(data) == pytest.approx(0.1)
    assert import_line(data, "d") == ("d: 90 readings accepted, 10 rejected (10.0 %): bad_value 10; "
                                      "1 meter(s) in no group set aside")


def test_clean_import_line(tmp_path) -> None:
    data = data_with(tmp_path, good=5, bad=0)
    assert import_line(data, "d") == "d: 5 readings accepted, 0 rejected; 1 meter(s) in no group set aside"


def test_mostly_rejected_input_stops_with_the_reason(tmp_path) -> None:
    data = data_with(tmp_path, good=20, bad=80)
    with pytest.raises(InputError) as info:
        check_reject_share(data, "data_dir d")
    msg = str(info.value)
    assert "\n" not in msg
    for part in ("data_dir d: 80.0 % of the readings were rejected", "(80 of 100; limit 20 %)", "bad_value 80",
                 "row 22", "decimal comma", "analytics.max_reject_share=1"):
        assert part in msg, msg
    check_reject_share(data, "d", max_share=0.8)  # exactly at the limit: goes on
    check_reject_share(data, "d", max_share=1.0)


def test_share_below_the_limit_goes_on(tmp_path) -> None:
    check_reject_share(data_with(tmp_path, good=81, bad=19), "d")
