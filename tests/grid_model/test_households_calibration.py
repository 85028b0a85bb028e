"""Calibration of the default synthetic homes against the IEEE European LV feeder."""

from __future__ import annotations

import numpy as np
import pytest

from grid_model.households.calibration import calibration_consumers, ieee_reference, synthetic_stats

SEEDS = (0, 1, 2, 3)
TOLERANCE = 0.20


@pytest.fixture(scope="module")
def reference():
    return ieee_reference()


@pytest.fixture(scope="module")
def synthetic():
    return [synthetic_stats(s) for s in SEEDS]


def test_reference_statistics_are_the_feeder_s(reference):
    assert reference.mean_daily_kwh == pytest.approx(8.80, abs=0.01)
    assert reference.evening_peak_kw == pytest.approx(48.06, abs=0.01)


def test_calibration_homes_follow_the_feeder():
    homes = calibration_consumers(0)
    assert len(homes) == 55
    assert {h.phase for h in homes} == {"A", "B", "C"}
    assert 2.0 < np.mean([h.occupants for h in homes]) < 3.0


@pytest.mark.parametrize("k", range(len(SEEDS)))
def test_each_seed_matches_energy_and_evening_peak(reference, synthetic, k):
    s = synthetic[k]
    assert s.mean_daily_kwh == pytest.approx(reference.mean_daily_kwh, rel=TOLERANCE)
    assert s.evening_peak_kw == pytest.approx(reference.evening_peak_kw, rel=TOLERANCE)


def test_seed_mean_matches_closely(reference, synthetic):
    energy = np.mean([s.mean_daily_kwh for s in synthetic])
    peak = np.mean([s.evening_peak_kw for s in synthetic])
    assert energy == pytest.approx(reference.mean_daily_kwh, rel=0.10)
    assert peak == pytest.approx(reference.evening_peak_kw, rel=0.10)


def test_seeds_differ(synthetic):
    assert len({round(s.evening_peak_kw, 6) for s in synthetic}) == len(SEEDS)
