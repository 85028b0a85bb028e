"""Month-end consumption forecast per meter, with a prediction band and comparisons.

Consumer views show the month-to-date consumption, the forecast to the end of
the month, the consumption coefficient (the meter's forecast over its group's
average) and the change against the same month last year; :mod:`analytics.alerts`
warns when the forecast passes a set level.

Hourly values are summed into local calendar days, a day with too few
observed hours counting as unknown (:mod:`analytics.forecasts.daily`); the
forecast adds day-of-week means for the unknown and remaining days of the
month, with an analytic lognormal prediction band
(:mod:`analytics.forecasts.month`).

Modules:
    daily: :class:`DailyTotals`, :func:`daily_totals`, time order, local wall
        time, per-meter labels.
    month: :class:`ForecastConfig`, :func:`month_forecast`, the band.
"""

from analytics.forecasts.daily import DailyTotals, daily_totals, local_wall_time, per_meter, sorted_hours
from analytics.forecasts.month import ForecastConfig, month_forecast

__all__ = ["DailyTotals", "ForecastConfig", "daily_totals", "local_wall_time", "month_forecast", "per_meter",
           "sorted_hours"]
