"""Verification interval: closed form, integral check, horizon, overdue, measured errors."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.verification import VerificationConfig, verification_dates

AS_OF = "2025-01-01"


def _meters(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"meter_id": [f"m{i}" for i in range(n)], "installed": [date(2015, 1, 1)] * n, "annual_kwh": [3000.0] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_due_age_matches_closed_form():
    cfg = VerificationConfig()
    annual = np.array([1500.0, 3000.0, 6000.0, 20000.0])
    out = verification_dates(_meters(annual_kwh=annual), cfg, AS_OF)
    d = cfg.drift_pct_per_year / 100
    t_star = cfg.wear_start_years + np.sqrt(2 * cfg.cost_of_verification / (annual * cfg.tariff_per_kwh * d))
    # 1500 kWh: 8 + 8.00 = 16.00 y; 3000: 8 + 5.66 = 13.66 y; 6000: 12.00 y; 20000: 10.19 y
    np.testing.assert_allclose(t_star, [16.0, 8 + np.sqrt(32), 12.0, 8 + np.sqrt(4.8)])
    age = (pd.Timestamp(AS_OF) - pd.Timestamp("2015-01-01")).days / 365.25
    np.testing.assert_allclose(out["years_to_due"], t_star - age)
    expected_dates = [date(2015, 1, 1) + timedelta(days=round(t * 365.25)) for t in t_star]
    assert out["due_date"].tolist() == expected_dates
    assert (out["due_reason"] == "loss").all()
    # age 10.0 y: error 1 % → 3000 kWh · 1 % · 0.25 = 7.5 a year
    np.testing.assert_allclose(out["error_pct_now"], 0.5 * (age - 8.0))
    np.testing.assert_allclose(out["expected_loss_per_year_now"], annual * 0.005 * (age - 8.0) * 0.25)


def test_cumulative_loss_at_due_date_equals_cost_numerically():
    cfg = VerificationConfig(cost_of_verification=80.0, tariff_per_kwh=0.12, drift_pct_per_year=0.8, wear_start_years=6)
    out = verification_dates(_meters(annual_kwh=[4200.0]), cfg, AS_OF)
    due = (pd.Timestamp(out["due_date"].iloc[0]) - pd.Timestamp("2015-01-01")).days / 365.25
    t = np.linspace(0, due, 200_001)
    rate = 4200.0 * 0.008 * np.maximum(t - 6.0, 0.0) * 0.12  # currency per year
    lost = np.sum((rate[1:] + rate[:-1]) / 2 * np.diff(t))
    assert lost == pytest.approx(80.0, rel=1e-3)  # due date rounded to whole days


def test_horizon_caps_low_consumers_and_zero_consumption():
    cfg = VerificationConfig()
    out = verification_dates(_meters(annual_kwh=[200.0, 0.0]), cfg, AS_OF)  # 8 + 31 y and never
    assert out["due_reason"].tolist() == ["horizon", "horizon"]
    assert out["due_date"].tolist() == [date(2015, 1, 1) + timedelta(days=round(25 * 365.25))] * 2


def test_old_meter_is_overdue():
    out = verification_dates(_meters(installed=[date(2003, 1, 1), date(2020, 1, 1)]), VerificationConfig(), AS_OF)
    assert out["overdue"].tolist() == [True, False]
    age = (pd.Timestamp(AS_OF) - pd.Timestamp("2003-01-01")).days / 365.25
    assert out["years_to_due"].iloc[0] == pytest.approx(8 + np.sqrt(32) - age)
    assert out["expected_loss_per_year_now"].iloc[1] == 0.0  # 5 years old: before wear


def test_measured_error_replaces_the_assumed_drift():
    cfg = VerificationConfig()
    out = verification_dates(_meters(installed=[date(2013, 1, 1), date(2023, 1, 1), date(2013, 1, 1)],
                                     measured_error_pct=[-4.0, 1.0, np.nan]), cfg, AS_OF)
    age = (pd.Timestamp(AS_OF) - pd.DatetimeIndex(["2013-01-01", "2023-01-01"])).days.to_numpy() / 365.25
    # 12 y old, 4 % off: ramp from wear start at 4 % / (age − 8) a year
    d0 = 0.04 / (age[0] - 8.0)
    assert out["years_to_due"].iloc[0] == pytest.approx(8.0 + np.sqrt(2 * 60 / (3000 * 0.25 * d0)) - age[0])
    # 2 y old, 1 % off (early fault): ramp from installation
    d1 = 0.01 / age[1]
    assert out["years_to_due"].iloc[1] == pytest.approx(np.sqrt(2 * 60 / (3000 * 0.25 * d1)) - age[1])
    np.testing.assert_allclose(out["error_pct_now"].iloc[:2], [4.0, 1.0])
    np.testing.assert_allclose(out["expected_loss_per_year_now"].iloc[:2], [30.0, 7.5])
    assert out["years_to_due"].iloc[2] == pytest.approx(8 + np.sqrt(32) - age[0])  # NaN: the model


def test_missing_column_raises():
    with pytest.raises(ValueError, match="annual_kwh"):
        verification_dates(pd.DataFrame({"meter_id": ["a"], "installed": [date(2020, 1, 1)]}),
                           VerificationConfig(), AS_OF)
