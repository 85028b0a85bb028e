"""The propagation rows of task=validate against published 433 MHz measurements."""

import numpy as np
import pytest

from mesh_sim.building_types import PANEL_FLOOR_FIT, PHOKHARATKUL_2023_FAF_DB
from mesh_sim.radio_checks import (LIRA_2026_FAF_DB_PER_FLOOR, floor_loss_433_held_out, floor_loss_fit_433,
                                   model_floor_loss_db, run_all)


def test_fit_row_is_a_calibration_and_lies_between_the_two_buildings():
    c = floor_loss_fit_433()
    assert c.kind == "calibrated" and c.passed
    lab, park = (np.asarray(v) for v in PHOKHARATKUL_2023_FAF_DB.values())
    model = np.asarray(c.simulated["model_db"])
    assert np.all((model >= np.minimum(lab, park)) & (model <= np.maximum(lab, park)))


def test_held_out_row_is_a_validation_within_half_sigma_of_lira_2026():
    c = floor_loss_433_held_out()
    assert c.kind == "validated" and c.passed
    model = np.asarray(c.simulated["model_db"])
    expected = LIRA_2026_FAF_DB_PER_FLOOR * np.array([1, 2, 3])
    assert np.max(np.abs(model - expected)) <= 6.93 / 2
    assert c.to_dict()["kind"] == "validated"


def test_model_floor_loss_is_the_fitted_cost231_curve_through_the_real_path_loss_code():
    first, b = PANEL_FLOOR_FIT["nominal"]
    k = np.array([1, 2, 3, 4])
    assert model_floor_loss_db(k) == pytest.approx(first * k ** ((k + 2) / (k + 1) - b), abs=1e-9)
    # The harsh case (the parking building alone) is above the held-out campaign's 1-floor figure
    # by more than the nominal one: the check could fail for a worse fit.
    assert model_floor_loss_db([1], case="harsh")[0] > model_floor_loss_db([1])[0] > LIRA_2026_FAF_DB_PER_FLOOR


def test_run_all_lists_both_rows_calibration_first():
    assert [c.name for c in run_all()] == ["floor_loss_fit_433", "floor_loss_433_held_out"]
