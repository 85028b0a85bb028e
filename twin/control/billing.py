"""Customer bills: one row per customer and calendar month of a simulated horizon.

:func:`bill` takes each customer's average power per step and a
:class:`~twin.control.tariffs.Tariff` and returns the charges of every calendar
month the horizon touches. Power is taken as constant within a step, so a step
that straddles a zone switch, a clock hour or a month is split minute by minute.

Rules, per customer and month (all amounts in the tariff's currency, unrounded):

* ``days_billed``: days of the month the horizon covers (each minute counts
  1/1440 of a day, or 1/1380 and 1/1500 on the 23- and 25-hour days when the
  tariff's calendar has a time zone); a month is billed in proportion
  ``share = days_billed / days_in_month``. Months and clock hours are local.
* ``energy_kwh``: the month's net energy. Negative power (PV export) is
  **net-metered**: exported energy is credited at the same rate as it would be
  charged, so a month's energy and energy charge may be negative.
* ``energy_charge``: Σ energy × the rate of its period; or, when the tariff has
  ``blocks``, progressive on the month's net energy: block ``k`` charges the
  energy between the previous block's end and its ``up_to_kwh``. Block ends are
  prorated by ``share``. With ``social_norm_kwh_per_occupant > 0`` the first
  block ends at norm × occupants × ``share`` (the configured ``up_to_kwh`` when
  no occupants are given); a later block end below it is raised to it, so such a
  block is empty. A negative month is credited at the first block's rate.
* ``penalty_kwh``: with ``contract_kw > 0``, Σ over clock hours of the energy
  above ``contract_kw × 1 h``; in a clock hour only partly inside the horizon
  the allowance is ``contract_kw × covered minutes / 60``. Hours with net export
  carry no penalty. ``penalty_charge = penalty_kwh × penalty_rate_per_kwh``.
* ``fixed_charge = fixed_per_month × share``.
* ``capacity_charge = capacity_per_kw_month × kW × share`` with kW the
  ``contract_kw``, or, without a contract, the month's highest clock-hour energy
  in kWh (as metered: a partial hour counts its metered energy; never below 0).
* ``total``: the sum of the four charges.
"""

from __future__ import annotations

import calendar
from datetime import datetime

import numpy as np
import pandas as pd

from twin.control.tariffs import Tariff

#: Columns of the bill table, in order.
BILL_COLUMNS = ["consumer_id", "month", "days_billed", "energy_kwh", "energy_charge", "penalty_kwh",
                "penalty_charge", "fixed_charge", "capacity_charge", "total"]


def _starts(key: np.ndarray) -> np.ndarray:
    """Indices where a non-decreasing key array starts a new run."""
    return np.flatnonzero(np.r_[True, key[1:] != key[:-1]])


def _block_charge(energy_kwh: np.ndarray, ends_kwh: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Progressive charge of each row's energy.

    Args:
        energy_kwh: (n,) energy of each row.
        ends_kwh: (n, K-1) end of every block but the last, non-decreasing.
        rates: (K,) block rates.
    """
    lower = np.concatenate([np.zeros((len(energy_kwh), 1)), ends_kwh], axis=1)
    upper = np.concatenate([ends_kwh, np.full((len(energy_kwh), 1), np.inf)], axis=1)
    inside = np.clip(energy_kwh[:, None], lower, upper) - lower
    return inside @ rates + np.minimum(energy_kwh, 0.0) * rates[0]


def bill(consumer_ids: list[str], p_kw: np.ndarray, start: datetime, tariff: Tariff,
         occupants: np.ndarray | None = None, minutes_per_step: int = 1) -> pd.DataFrame:
    """Bills every customer for every calendar month the horizon touches.

    Args:
        consumer_ids: Customer ids, one per row of ``p_kw``.
        p_kw: (n, T) average power of each step in kW (negative = export).
        start: Start of the first step, local wall-clock time (steps are
            physical minutes when the tariff's calendar has a time zone).
        tariff: The compiled tariff.
        occupants: (n,) occupants per customer, for a social-norm block tariff.
        minutes_per_step: Length of one step in minutes.

    Returns:
        One row per customer and month (customer-major, months in order) with
        the columns of BILL_COLUMNS; ``df.attrs["currency"]`` is the currency.
    """
    p_kw = np.asarray(p_kw, dtype=float)
    n = len(consumer_ids)
    if p_kw.ndim != 2 or p_kw.shape[0] != n:
        raise ValueError(f"p_kw: need shape ({n}, T), got {p_kw.shape}")
    if occupants is not None and np.shape(occupants) != (n,):
        raise ValueError(f"occupants: need shape ({n},), got {np.shape(occupants)}")
    if minutes_per_step < 1:
        raise ValueError(f"minutes_per_step: must be >= 1, got {minutes_per_step}")
    cfg = tariff.config
    minutes = p_kw.shape[1] * minutes_per_step
    if n == 0 or minutes == 0:
        empty = pd.DataFrame(columns=BILL_COLUMNS)
        empty.attrs["currency"] = tariff.currency
        return empty

    # Minute grid → segments of constant (step, clock hour); months start on an hour.
    clock = tariff.clock(start, minutes)                         # local clock time, DST-aware
    t = clock.local
    hour = clock.hour_key
    month = t.astype("datetime64[M]").astype(np.int64)
    step = np.arange(minutes) // minutes_per_step
    seg = np.flatnonzero(np.r_[True, (step[1:] != step[:-1]) | (hour[1:] != hour[:-1])])
    seg_minutes = np.diff(np.r_[seg, minutes])
    seg_rate_minutes = np.add.reduceat(tariff.zones(start, minutes).rate_per_kwh, seg)
    seg_p = p_kw[:, step[seg]]
    energy = seg_p * seg_minutes / 60.0                          # (n, S) kWh
    charge = seg_p * seg_rate_minutes / 60.0                     # (n, S) currency

    hours = _starts(hour[seg])                                   # segment index of each hour
    hour_kwh = np.add.reduceat(energy, hours, axis=1)            # (n, H)
    hour_minutes = np.add.reduceat(seg_minutes, hours)
    hour_month = month[seg[hours]]
    excess = np.maximum(hour_kwh - cfg.contract_kw * hour_minutes / 60.0, 0.0)
    if cfg.contract_kw <= 0:
        excess[:] = 0.0

    months_h = _starts(hour_month)                               # hour index of each month
    months_s = hours[months_h]                                   # segment index of each month
    month_keys = hour_month[months_h]
    month_kwh = np.add.reduceat(energy, months_s, axis=1)        # (n, M)
    month_charge = np.add.reduceat(charge, months_s, axis=1)
    penalty_kwh = np.add.reduceat(excess, months_h, axis=1)
    peak_kwh = np.maximum(np.maximum.reduceat(hour_kwh, months_h, axis=1), 0.0)
    days_billed = np.add.reduceat(seg_minutes * clock.day_fraction[seg], months_s)
    labels = [str(np.datetime64(int(k), "M")) for k in month_keys]
    days_in_month = np.array([calendar.monthrange(int(s[:4]), int(s[5:]))[1] for s in labels], dtype=float)
    share = days_billed / days_in_month                          # (M,)

    if cfg.blocks:
        rates = np.array([b.rate_per_kwh for b in cfg.blocks])
        ends = np.array([b.up_to_kwh for b in cfg.blocks[:-1]], dtype=float)
        ends = np.broadcast_to(ends, (n, len(ends))).copy()
        if cfg.social_norm_kwh_per_occupant > 0 and occupants is not None:
            ends[:, 0] = cfg.social_norm_kwh_per_occupant * np.asarray(occupants, dtype=float)
        ends = np.maximum.accumulate(ends, axis=1)
        month_charge = np.column_stack([
            _block_charge(month_kwh[:, m], ends * share[m], rates) for m in range(len(labels))])

    capacity_kw = np.full_like(peak_kwh, cfg.contract_kw) if cfg.contract_kw > 0 else peak_kwh
    rows = {
        "consumer_id": np.repeat(np.asarray(consumer_ids, dtype=object), len(labels)),
        "month": np.tile(labels, n),
        "days_billed": np.tile(days_billed, n),
        "energy_kwh": month_kwh.ravel(),
        "energy_charge": month_charge.ravel(),
        "penalty_kwh": penalty_kwh.ravel(),
        "penalty_charge": penalty_kwh.ravel() * cfg.penalty_rate_per_kwh,
        "fixed_charge": np.tile(cfg.fixed_per_month * share, n),
        "capacity_charge": (cfg.capacity_per_kw_month * capacity_kw * share).ravel(),
    }
    df = pd.DataFrame(rows)
    df["total"] = df[["energy_charge", "penalty_charge", "fixed_charge", "capacity_charge"]].sum(axis=1)
    df.attrs["currency"] = tariff.currency
    return df


def total_cost(df: pd.DataFrame) -> float:
    """Sum of the ``total`` column of a bill table (all customers and months)."""
    return float(df["total"].sum())
