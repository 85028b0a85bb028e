"""Faulty group meters: named as such from the mirrored child/parent balances, never blamed on consumers.

Reference: the injected fault (meter, start day, error) of the simulated data.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from analytics.data_format import read_dir
from analytics.export import write_site_data
from analytics.pipeline import detect, prepare
from analytics.suspects import suspects_frame
from analytics.synth import SynthConfig, make_data
from analytics.theft import TheftConfig
from scenarios.generators import make_district
from scenarios.generators.district import DistrictConfig


@pytest.fixture(scope="module")
def run():
    site = make_district(DistrictConfig(buildings=2, streets=1, floors=5, water=False), 5)
    data = make_data(site, SynthConfig(days=60, group_fault_share=0.34, heating_share=0.3), 5)
    with tempfile.TemporaryDirectory() as tmp:
        write_site_data(Path(tmp), site, data.meter_ids, data.start, data.values)
        prep = prepare(read_dir(Path(tmp)), 2.0)
    suspects, _, _ = detect(prep, TheftConfig(), data.equipment_w())
    return data, prep, suspects


def test_faulty_group_meter_is_named_with_its_kind_and_start(run):
    data, prep, suspects = run
    assert data.group_faults, "the scenario must have a faulty meter"
    faults = {s.meter_id: s for s in suspects if s.kind == "group_meter_fault"}
    for f in data.group_faults:
        assert f.meter_id in faults
        s = faults[f.meter_id]
        assert abs(s.anomaly_start_day - f.start_day) <= 2
        assert ("low" if f.error > 0 else "high") in s.evidence
        assert f"{100 * abs(f.error):.0f}" in s.evidence or abs(abs(f.error) * 100 - float(
            s.evidence.split("reads ")[1].split(" %")[0])) < 1.5
    assert set(faults) <= {f.meter_id for f in data.group_faults}  # no false alarm


def test_nobody_in_a_faulty_entrance_is_blamed(run):
    data, _, suspects = run
    faulty = {f.group_id for f in data.group_faults}
    assert not [s for s in suspects if s.kind != "group_meter_fault" and s.group_id in faulty]


def test_suspects_csv_carries_the_kind(run):
    _, prep, suspects = run
    frame = suspects_frame(suspects, prep.day_dates())
    assert list(frame.columns)[-1] == "kind" and "group_meter_fault" in set(frame["kind"])
