"""``meters.csv`` and ``groups.csv``: errors name the row, also for a field over the CSV size limit."""

from __future__ import annotations

import pytest

from analytics.data_format import read_dir
from scenarios.errors import InputError

GROUPS = "group_id,parent_id,level,group_meter_id\nB1,,building,\n"
HEADER = "meter_id,kind,group_id,phase,customer_id,pulse_weight\n"


@pytest.mark.parametrize("big", ["X" * 1_000_000, '"' + "X" * 1000])  # a 1 MB id; an unclosed quote
def test_a_huge_field_in_meters_csv_names_its_row(tmp_path, big) -> None:
    (tmp_path / "groups.csv").write_text(GROUPS)
    rows = ["M1,electricity,B1,A,C1,3200", f"{big},electricity,B1,A,C2,3200", "M3,electricity,B1,A,C3,3200"]
    text = HEADER + "\n".join(rows) + "\n" + ("y" * 200_000 if big.startswith('"') else "")
    (tmp_path / "meters.csv").write_text(text)
    (tmp_path / "readings.csv").write_text("meter_id,timestamp,value\n")
    with pytest.raises(InputError) as info:
        read_dir(tmp_path)
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 300
    assert msg.startswith(f"{tmp_path / 'meters.csv'}: row 3: ") and "longer than" in msg


def test_pulse_weight_with_a_decimal_comma(tmp_path) -> None:
    (tmp_path / "groups.csv").write_text(GROUPS.replace(",", ";"))
    (tmp_path / "meters.csv").write_text(HEADER.replace(",", ";") + "M1;electricity;B1;A;C1;0,5\n")
    (tmp_path / "readings.csv").write_text("meter_id;timestamp;value\nM1;2026-01-05T00:00:00+02:00;1\n")
    assert read_dir(tmp_path).meters["pulse_weight"].tolist() == [0.5]
