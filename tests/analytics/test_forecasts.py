"""Month-end forecast: exactness on noiseless data, gaps, band coverage, speed."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.forecasts import ForecastConfig, daily_totals, month_forecast

TZ = "+03:00"


def _hours(start: str, days: int, tz: str = TZ) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=days * 24, freq="h", tz=tz)


def _from_daily(daily: np.ndarray, profile: np.ndarray | None = None) -> np.ndarray:
    """(n, D) daily totals → (n, D*24) hourly values with a fixed day shape."""
    profile = np.full(24, 1 / 24) if profile is None else profile / profile.sum()
    return (daily[:, :, None] * profile[None, None, :]).reshape(daily.shape[0], -1)


def _synthetic(n: int, rng: np.random.Generator, start: str = "2024-02-01", days: int = 60,
               missing: float = 0.0) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Households with a weekday mean, a higher weekend mean and gamma day-to-day noise."""
    hours = _hours(start, days)
    dates = pd.date_range(start, periods=days, freq="D")
    mean_wd = rng.uniform(5.0, 15.0, n)
    factor = np.where(dates.dayofweek >= 5, 1.3, 1.0)
    mean = mean_wd[:, None] * factor[None, :]
    shape = 8.0  # day-to-day CV 35 %
    daily = rng.gamma(shape, mean / shape)
    profile = np.r_[np.full(6, 0.5), np.full(3, 1.5), np.full(8, 0.8), np.full(5, 2.0), np.full(2, 1.0)]
    hourly = _from_daily(daily, profile) * rng.uniform(0.9, 1.1, (n, days * 24))
    observed = hourly.copy()
    if missing:
        observed[rng.random(observed.shape) < missing] = np.nan
    return hourly, observed, hours


def test_noiseless_weekday_weekend_forecast_is_exact():
    dates = pd.date_range("2024-03-01", periods=31, freq="D")
    daily = np.where(dates.dayofweek >= 5, 20.0, 10.0)[None, :].repeat(2, axis=0)
    daily[1] *= 2
    values, hours = _from_daily(daily), _hours("2024-03-01", 31)
    out = month_forecast(values, ["a", "b"], hours, {"a": "g", "b": "g"}, ForecastConfig(as_of="2024-03-14",
                                                                                          history_days=14))
    truth = daily.sum(axis=1)
    np.testing.assert_allclose(out["forecast_month_end"], truth)
    np.testing.assert_allclose(out["month_to_date"], daily[:, :14].sum(axis=1))
    np.testing.assert_allclose(out["low"], truth)  # no spread → no band
    np.testing.assert_allclose(out["high"], truth)
    np.testing.assert_allclose(out["group_mean_forecast"], truth.mean())
    np.testing.assert_allclose(out["ratio_to_group"], [2 / 3, 4 / 3])
    assert out["month"].tolist() == ["2024-03"] * 2
    assert out["as_of"].tolist() == [date(2024, 3, 14)] * 2
    assert out["days_remaining"].tolist() == [17, 17]
    assert out["last_year_month"].isna().all() and out["change_vs_last_year_pct"].isna().all()


def test_missing_hours_scaled_and_missing_days_imputed():
    values, hours = np.full((1, 31 * 24), 0.5), _hours("2024-03-01", 31)
    values[0, 24:36] = np.nan  # half of 2 March: scaled up to the full day
    values[0, 48:72] = np.nan  # 3 March gone: the day-of-week mean stands in
    out = month_forecast(values, ["a"], hours, ["g"], ForecastConfig(as_of="2024-03-10"))
    assert out["month_to_date"].iloc[0] == pytest.approx(10 * 12.0)
    assert out["forecast_month_end"].iloc[0] == pytest.approx(31 * 12.0)
    assert out["mtd_observed_share"].iloc[0] == pytest.approx((240 - 36) / 240)


def test_default_as_of_is_last_full_day_and_no_look_ahead():
    rng = np.random.default_rng(1)
    _, values, hours = _synthetic(50, rng, days=60)
    cut = hours < pd.Timestamp("2024-03-10 12:00", tz=TZ)  # 10 March is partial
    ids, groups = [f"m{i}" for i in range(50)], ["g"] * 50
    out = month_forecast(values[:, cut], ids, hours[cut], groups, ForecastConfig())
    assert out["as_of"].iloc[0] == date(2024, 3, 9)
    full = month_forecast(values, ids, hours, groups, ForecastConfig(as_of="2024-03-09"))
    cols = ["month_to_date", "forecast_month_end", "low", "high"]
    pd.testing.assert_frame_equal(out[cols], full[cols])  # data after as_of are not used


def test_last_year_from_data_and_given():
    days = 366 + 31  # 2023-03-01 .. 2024-03-31
    hours = _hours("2023-03-01", days)
    values = np.full((2, days * 24), 0.5)
    values[1, : 31 * 24] = 1.0  # meter b used twice as much in March 2023
    cfg = ForecastConfig(as_of="2024-03-20")
    out = month_forecast(values, ["a", "b"], hours, ["g", "g"], cfg)
    np.testing.assert_allclose(out["last_year_month"], [372.0, 744.0])
    np.testing.assert_allclose(out["change_vs_last_year_pct"], [0.0, -50.0])
    given = month_forecast(values, ["a", "b"], hours, ["g", "g"], cfg, last_year=np.array([310.0, np.nan]))
    np.testing.assert_allclose(given["change_vs_last_year_pct"], [20.0, np.nan])


def test_group_mean_per_group_and_kind():
    values, hours = np.vstack([np.full(744, x) for x in (1.0, 3.0, 0.1, 10.0)]), _hours("2024-03-01", 31)
    ids = ["e1", "e2", "w1", "e3"]
    out = month_forecast(values, ids, hours, {"e1": "b1", "e2": "b1", "w1": "b1", "e3": "b2"},
                         ForecastConfig(as_of="2024-03-05"),
                         kind_of={"e1": "electricity", "e2": "electricity", "w1": "water", "e3": "electricity"})
    np.testing.assert_allclose(out["ratio_to_group"], [0.5, 1.5, 1.0, 1.0])


def test_dst_day_has_23_hours():
    hours = pd.date_range("2024-03-30", "2024-04-01 23:00", freq="h", tz="Europe/Berlin")
    d = daily_totals(np.ones((1, len(hours))), hours)
    assert d.expected_hours.tolist() == [24, 23, 24]
    assert d.full_day.all()
    np.testing.assert_allclose(d.total[0], [24, 23, 24])


@pytest.mark.parametrize("as_of", ["2024-03-03", "2024-03-10", "2024-03-20", "2024-03-28"])
def test_band_coverage_on_synthetic_households(as_of):
    """The true March total falls in the 80 % band for about 80 % of the meters."""
    rng = np.random.default_rng(int(as_of.replace("-", "")))
    n = 2000
    truth_hourly, values, hours = _synthetic(n, rng, missing=0.03)
    march = hours >= pd.Timestamp("2024-03-01", tz=TZ)
    truth = truth_hourly[:, march].sum(axis=1)
    out = month_forecast(values, [f"m{i}" for i in range(n)], hours, ["g"] * n, ForecastConfig(as_of=as_of))
    inside = (out["low"].to_numpy() <= truth) & (truth <= out["high"].to_numpy())
    assert 0.70 <= inside.mean() <= 0.90, inside.mean()
    # central: misses are split between the two sides
    below, above = (truth < out["low"]).mean(), (truth > out["high"]).mean()
    assert abs(below - above) < 0.06, (below, above)
    # forecast unbiased within 1 % overall
    assert abs(out["forecast_month_end"].sum() / truth.sum() - 1) < 0.01


def test_ten_thousand_meters_ninety_days_fast():
    rng = np.random.default_rng(2)
    n, hours = 10_000, _hours("2024-01-01", 90)
    values = rng.gamma(2.0, 0.2, (n, len(hours)))
    values[rng.random(values.shape) < 0.02] = np.nan
    out = month_forecast(values, np.arange(n), hours, np.arange(n) // 60, ForecastConfig())
    assert len(out) == n and out["forecast_month_end"].notna().all()


def test_meter_without_data_gives_nan_and_zero_meter_gives_zero():
    values, hours = np.zeros((3, 31 * 24)), _hours("2024-03-01", 31)
    values[1] = np.nan
    values[2] = 0.3
    out = month_forecast(values, ["zero", "dead", "ok"], hours, ["g", "g", "g"], ForecastConfig(as_of="2024-03-10"))
    assert out.loc[0, ["forecast_month_end", "low", "high"]].tolist() == [0.0, 0.0, 0.0]
    assert out.loc[1, ["forecast_month_end", "low", "high", "ratio_to_group"]].isna().all()
    assert out.loc[2, "forecast_month_end"] == pytest.approx(31 * 7.2)
    assert out.loc[2, "group_mean_forecast"] == pytest.approx(31 * 7.2 / 2)  # mean of the meters with a forecast


def test_as_of_outside_data_raises():
    values, hours = np.ones((1, 48)), _hours("2024-03-01", 2)
    with pytest.raises(ValueError, match="outside"):
        month_forecast(values, ["a"], hours, ["g"], ForecastConfig(as_of="2024-04-01"))
