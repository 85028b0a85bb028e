"""Month-end forecasts count public holidays (calendar.country) with the weekend days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecasts import ForecastConfig, month_forecast
from scenarios.calendars import CalendarConfig, days_off


def test_holidays_forecast_like_weekend_days():
    """Days off use 20 kWh, working days 10 kWh; December 2026 in Romania has holidays on
    Tuesday 1, Friday 25 (and Saturday 26), the history window has Monday 30 November."""
    cal = CalendarConfig(country="RO")
    days = pd.date_range("2026-11-01", "2026-12-31", freq="D")
    off = days_off(days.to_numpy(), cal)
    daily = np.where(off, 20.0, 10.0)
    hours = pd.date_range("2026-11-01", periods=len(days) * 24, freq="h", tz="+02:00")
    values = np.repeat(daily / 24.0, 24)[None, :]
    truth = daily[days.month == 12].sum()
    with_cal = month_forecast(values, ["m"], hours, ["g"], ForecastConfig(as_of="2026-12-10", calendar=cal))
    assert with_cal["forecast_month_end"].iloc[0] == pytest.approx(truth)
    plain = month_forecast(values, ["m"], hours, ["g"], ForecastConfig(as_of="2026-12-10"))
    assert abs(plain["forecast_month_end"].iloc[0] - truth) > 1.0  # holidays taken as working days
