"""When to re-verify or replace a meter: when the revenue its error loses pays for the visit.

A meter can run 15-25 years while the balance stays normal; replacing it on a
fixed interval wastes good meters, leaving it wastes revenue. The rule here:
a meter is due when the cumulative revenue lost to its under-registration since
installation (or the last verification, which resets the error to zero; pass
that date as ``installed``) equals ``cost_of_verification`` (the full cost of
the visit: verification and, if needed, replacement).

**Model.** Of the failure-rate (bathtub) curve only the wear-out branch moves
the registration error; early failures and tampering show up as measured
errors. The under-registration at age ``t`` years is

* ``e(t) = d · max(0, t − t_w)`` with ``d = drift_pct_per_year / 100`` and
  ``t_w = wear_start_years`` (ageing, loss of accuracy class); or, when the
  meter has a ``measured_error_pct`` ``m`` at its current age ``a`` (for instance
  the theft / faulty-meter detector's estimate for a drifting meter), a linear
  ramp through it: ``e(t) = d_m · max(0, t − t_0)`` with ``t_0 = t_w`` if
  ``a > t_w`` else 0 (installation), and ``d_m = |m| / 100 / (a − t_0)``. The
  sign is ignored: over-registration is refunded on complaint, so it costs too.

Lost revenue rate: ``annual_kwh · e(t) · tariff_per_kwh`` per year; the
cumulative loss is ``annual_kwh · tariff · d · (t − t_0)² / 2`` (``d_m`` for a
measured meter), so the due age is

    t* = t_0 + sqrt(2 · cost / (annual_kwh · tariff · d))

capped at ``horizon_years`` (service life). A meter whose due date is on or before
``as_of`` is ``overdue``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_DAYS_PER_YEAR = 365.25


@dataclass
class VerificationConfig:
    """Economics and the ageing model.

    Attributes:
        cost_of_verification: Cost of one verification and replacement visit, currency.
        tariff_per_kwh: Revenue per registered kWh, currency.
        drift_pct_per_year: Growth of the under-registration after wear starts, % per year.
        wear_start_years: Age at which the error starts growing, years.
        horizon_years: Service life: the due age is never later, years.
    """

    cost_of_verification: float = 60.0
    tariff_per_kwh: float = 0.25
    drift_pct_per_year: float = 0.5
    wear_start_years: float = 8.0
    horizon_years: float = 25.0


def due_age_years(annual_kwh: np.ndarray, drift_per_year: np.ndarray, ramp_start_years: np.ndarray,
                  cfg: VerificationConfig) -> np.ndarray:
    """Closed-form age at which the cumulative loss of a linear error ramp reaches the cost.

    Args:
        annual_kwh: Annual consumption per meter.
        drift_per_year: Error growth, fraction per year (0.005 = 0.5 %/year).
        ramp_start_years: Age where the error starts from 0.

    Returns:
        Due age in years, ``inf`` when the meter never loses anything.
    """
    rate = np.asarray(annual_kwh, dtype=float) * cfg.tariff_per_kwh * np.asarray(drift_per_year, dtype=float)
    safe = np.where(rate > 0, rate, 1.0)
    return np.where(rate > 0, ramp_start_years + np.sqrt(2.0 * cfg.cost_of_verification / safe), np.inf)


def verification_dates(meters: pd.DataFrame, cfg: VerificationConfig, as_of) -> pd.DataFrame:
    """Due date of each meter's verification or replacement.

    Args:
        meters: ``meter_id, installed (date), annual_kwh`` and optionally
            ``measured_error_pct`` (NaN where not measured).
        cfg: Economics and the ageing model.
        as_of: Today (date, ISO string or Timestamp).

    Returns:
        ``meter_id, installed, annual_kwh, due_date, years_to_due (negative when
        overdue), expected_loss_per_year_now, overdue, age_years, error_pct_now,
        due_reason ("loss" | "horizon")``; dates are ``datetime.date``.

    Raises:
        ValueError: When a required column is missing.
    """
    missing = {"meter_id", "installed", "annual_kwh"} - set(meters.columns)
    if missing:
        raise ValueError(f"meters lacks columns {sorted(missing)}")
    today = pd.Timestamp(as_of).normalize()
    installed = pd.to_datetime(meters["installed"]).dt.normalize()
    if installed.dt.tz is not None:
        installed = installed.dt.tz_localize(None)
    if today.tz is not None:
        today = today.tz_localize(None)
    age = ((today - installed).dt.days / _DAYS_PER_YEAR).to_numpy(dtype=float)
    annual = meters["annual_kwh"].to_numpy(dtype=float)
    n = len(meters)
    measured = (np.abs(meters["measured_error_pct"].to_numpy(dtype=float)) / 100.0
                if "measured_error_pct" in meters else np.full(n, np.nan))
    has_meas = np.isfinite(measured)
    d_model = cfg.drift_pct_per_year / 100.0
    start = np.where(has_meas & (age <= cfg.wear_start_years), 0.0, cfg.wear_start_years)
    ramp_years = np.maximum(age - start, 1.0 / _DAYS_PER_YEAR)
    drift = np.where(has_meas, measured / ramp_years, d_model)
    due = due_age_years(annual, drift, start, cfg)
    reason = np.where(due > cfg.horizon_years, "horizon", "loss")
    due = np.minimum(due, cfg.horizon_years)
    error_now = np.where(has_meas, measured, d_model * np.maximum(age - cfg.wear_start_years, 0.0))
    due_ts = installed + pd.to_timedelta(np.round(due * _DAYS_PER_YEAR), unit="D")
    due_dates = np.array([d.date() for d in due_ts], dtype=object)
    years_to_due = due - age
    return pd.DataFrame({
        "meter_id": meters["meter_id"].to_numpy(), "installed": np.array([d.date() for d in installed], dtype=object),
        "annual_kwh": annual, "due_date": due_dates, "years_to_due": years_to_due,
        "expected_loss_per_year_now": annual * error_now * cfg.tariff_per_kwh,
        "overdue": (due_ts <= today).to_numpy(), "age_years": age, "error_pct_now": 100.0 * error_now,
        "due_reason": reason,
    })

