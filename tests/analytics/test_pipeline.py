"""The dense hourly matrix built chunk by chunk equals MeterData.hourly() (the import's own reference)."""

from __future__ import annotations

import numpy as np

import analytics.pipeline as pipeline
from analytics.data_format import read_dir
from analytics.export import write_site_data
from analytics.synth import SynthConfig, make_data
from scenarios.generators import make_district
from scenarios.generators.district import DistrictConfig


def test_dense_hourly_equals_meterdata_hourly(tmp_path, monkeypatch):
    site = make_district(DistrictConfig(buildings=2, streets=1, floors=3, water=True), 5)
    d = make_data(site, SynthConfig(days=5, gap_share=0.05), 5)
    write_site_data(tmp_path, site, d.meter_ids, d.start, d.values)
    data = read_dir(tmp_path)
    ids = [str(m) for m in data.meters["meter_id"]]
    ref_ids, ref_hours, ref = data.hourly()
    monkeypatch.setattr(pipeline, "_CHUNK", 1000)  # many chunks
    hours, got = pipeline.dense_hourly(data, ids)
    assert list(ref_ids) == ids and ref_hours.equals(hours)
    assert np.array_equal(ref, got, equal_nan=True) and np.isnan(got).any()
