"""Consumer alerts: limits, month-to-date crossing, forecast, water leaks, speed."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.alerts import AlertConfig, alerts, night_hours, night_minima
from analytics.forecasts import ForecastConfig, month_forecast

TZ = "+03:00"


def _hours(start: str, days: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=days * 24, freq="h", tz=TZ)


def _water(n: int, days: int, rng: np.random.Generator) -> np.ndarray:
    """Flats: draws mostly in the daytime, rare single draws at night, zero otherwise (m³ per hour)."""
    hour = np.tile(np.arange(24), days)
    p = np.where((hour >= 6) & (hour < 23), 0.5, 0.05)
    use = rng.random((n, days * 24)) < p
    return np.where(use, rng.gamma(2.0, 0.015, (n, days * 24)), 0.0)


def test_night_hours_parsing():
    assert night_hours("2-5") == [2, 3, 4]
    assert night_hours("23-4") == [23, 0, 1, 2, 3]
    with pytest.raises(ValueError):
        night_hours("2to5")


def test_dripping_tap_detected_within_min_nights_and_normal_profiles_quiet():
    rng = np.random.default_rng(3)
    n, days, start_day = 200, 40, 20
    hours = _hours("2024-03-01", days)
    normal = _water(n, days, rng)
    leaking = _water(n, days, rng)
    leaking[:, start_day * 24:] += 0.01  # dripping tap from 21 March 00:00
    values = np.vstack([normal, leaking])
    ids = [f"n{i}" for i in range(n)] + [f"l{i}" for i in range(n)]
    cfg = AlertConfig(daily_limit_m3=0.0, month_limit_m3=0.0)
    out = alerts(values, ids, hours, ["water"] * (2 * n), None, cfg)
    leaks = out[out["kind"] == "water_leak"]
    assert set(leaks["meter_id"]) == {f"l{i}" for i in range(n)}  # every leak, no normal flat
    assert leaks["meter_id"].is_unique  # the run keeps going: one alert
    started = date(2024, 3, 21)
    delay = np.array([(d - started).days for d in leaks["date"]])
    assert (delay <= cfg.leak_min_nights).all() and (delay == cfg.leak_min_nights - 1).all()
    np.testing.assert_allclose(leaks["value"], 0.01, atol=1e-12)
    assert (leaks["limit"] == cfg.leak_min_m3_per_h).all()
    assert "0.24 m³ a day" in leaks["message"].iloc[0]


def test_unknown_night_neither_extends_nor_breaks_the_run():
    hours = _hours("2024-03-01", 10)
    values = np.full((2, len(hours)), 0.02)
    values[1, 24 + 3] = np.nan  # night of 2 March unknown
    out = alerts(values, ["a", "b"], hours, {"a": "water", "b": "water"}, None, AlertConfig())
    leaks = out[out["kind"] == "water_leak"].set_index("meter_id")
    assert leaks.loc["a", "date"] == date(2024, 3, 3)
    assert leaks.loc["b", "date"] == date(2024, 3, 4)
    # a dry night breaks the run and a new run alerts again
    values[0, 4 * 24 + 2] = 0.0
    out = alerts(values[:1], ["a"], hours, ["water"], None, AlertConfig())
    assert out.loc[out["kind"] == "water_leak", "date"].tolist() == [date(2024, 3, 3), date(2024, 3, 8)]


def test_night_window_past_midnight_belongs_to_the_morning():
    hours = _hours("2024-03-01", 3)
    nights, minima = night_minima(np.ones((1, len(hours))), hours, "23-4")
    # 1 March 00-03 lacks the 23:00 hour before it; 3 March 23:00 starts a night after the data
    assert [d.date() for d in nights] == [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3), date(2024, 3, 4)]
    assert np.isnan(minima[0, 0]) and np.isnan(minima[0, 3]) and (minima[0, 1:3] == 1).all()


def test_daily_and_month_to_date_limits():
    hours = _hours("2024-03-01", 31)
    values = np.full((3, len(hours)), 15.0 / 24)  # 15 kWh / day
    values[0, 5 * 24:6 * 24] = 35.0 / 24  # 6 March: 35 kWh
    values[0, 5 * 24] = np.nan  # a gap does not raise or lower the measured sum's alert
    out = alerts(values, ["e", "w", "g"], hours, ["electricity", "water", "gas"], None,
                 AlertConfig(daily_limit_m3=20.0, month_limit_m3=1000.0))
    # gas limits are off by default, water is under its limits (but runs all night: a leak)
    assert set(out.loc[out["kind"] != "water_leak", "meter_id"]) == {"e"}
    assert out.loc[out["kind"] == "water_leak", "meter_id"].tolist() == ["w"]
    daily = out[out["kind"] == "daily_over_limit"]
    assert daily["date"].tolist() == [date(2024, 3, 6)]
    assert daily["value"].iloc[0] == pytest.approx(35.0 * 23 / 24)
    assert daily["message"].iloc[0].startswith("Meter e: 33.5 kWh used on 2024-03-06")
    mtd = out[out["kind"] == "month_to_date_over_limit"]
    # 15/day + 18.54 more on the 6th: 25·15 + 18.54 = 393.5 < 400 < 408.5 = 26·15 + 18.54
    assert mtd["date"].tolist() == [date(2024, 3, 26)]
    assert mtd["value"].iloc[0] == pytest.approx(26 * 15 + 35 * 23 / 24 - 15)
    assert mtd["limit"].iloc[0] == 400.0


def test_forecast_alert_before_the_limit_is_reached_only():
    hours = _hours("2024-03-01", 31)
    values = np.vstack([np.full(len(hours), 14.0 / 24), np.full(len(hours), 10.0 / 24)])  # 434 and 310 kWh
    ids, kinds = ["hi", "lo"], ["electricity", "electricity"]
    fc = month_forecast(values, ids, hours, ["g", "g"], ForecastConfig(as_of="2024-03-10"))
    out = alerts(values[:, : 10 * 24], ids, hours[: 10 * 24], kinds, fc, AlertConfig())
    assert out["kind"].tolist() == ["month_forecast_over_limit"]
    row = out.iloc[0]
    assert (row["meter_id"], row["date"], row["limit"]) == ("hi", date(2024, 3, 10), 400.0)
    assert row["value"] == pytest.approx(434.0)
    assert "March 2024 will end at about 434.0 kWh" in row["message"]
    late = month_forecast(values, ids, hours, ["g", "g"], ForecastConfig(as_of="2024-03-30"))
    out = alerts(values, ids, hours, kinds, late, AlertConfig())
    assert "month_forecast_over_limit" not in set(out["kind"])  # 420 kWh already used: the MTD alert says so
    assert out["kind"].tolist() == ["month_to_date_over_limit"]


def test_no_alerts_gives_empty_frame_with_columns():
    hours = _hours("2024-03-01", 2)
    out = alerts(np.zeros((1, len(hours))), ["a"], hours, ["electricity"], None, AlertConfig())
    assert out.empty and list(out.columns) == ["meter_id", "date", "kind", "value", "limit", "unit", "message"]


def test_ten_thousand_meters_ninety_days_fast():
    rng = np.random.default_rng(4)
    n, hours = 10_000, _hours("2024-01-01", 90)
    kinds = np.where(np.arange(n) % 2 == 0, "electricity", "water")
    values = np.where(kinds[:, None] == "electricity", rng.gamma(2.0, 0.2, (n, len(hours))), 0.0)
    values[1::2] = _water(n // 2, 90, rng)
    values[1:200:2, 24 * 30:] += 0.01
    fc = month_forecast(values, np.arange(n), hours, np.arange(n) // 60, ForecastConfig(), kind_of=kinds)
    out = alerts(values, np.arange(n), hours, kinds, fc, AlertConfig())
    assert (out["kind"] == "water_leak").sum() == 100
