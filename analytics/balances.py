"""Hourly and daily balances of every metered group, with losses and equipment taken out.

For a group ``g`` and hour ``t``:

* ``input_kwh``: the group meter;
* ``consumers_kwh``: the sum of its members' meters (consumer meters and
  child group meters, :mod:`analytics.hierarchy`);
* ``imbalance_kwh = input − consumers``; ``imbalance_pct`` of the input;
* ``technical_loss_kwh``: the fitted fixed + load-squared model (:mod:`analytics.losses`);
* ``equipment_kwh``: the metering equipment's own consumption inside the group;
* ``unexplained_kwh = imbalance − technical − equipment``: what theft,
  faulty meters or errors must explain;
* ``subtree_imbalance_kwh``: the roll-up, group meter minus every consumer
  meter below it at any depth.

Missing readings: a consumer meter's gap is filled with its own median for
that hour of the day (so a communication gap does not look like theft) and
counted in ``filled_readings``; an hour whose group meter is missing has no
balance (NaN, left out of the day's sums and counted in ``missing_input_hours``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.hierarchy import BalanceUnit
from analytics.losses import LossModel, fit_loss_model


@dataclass
class GroupBalance:
    """Hourly balance series of one group (arrays of length H)."""

    unit: BalanceUnit
    input_kwh: np.ndarray
    consumers_kwh: np.ndarray
    imbalance_kwh: np.ndarray
    technical_loss_kwh: np.ndarray
    equipment_kwh: np.ndarray
    unexplained_kwh: np.ndarray
    subtree_imbalance_kwh: np.ndarray
    filled_readings: np.ndarray
    loss_model: LossModel


def fill_gaps(values: np.ndarray, local_hour: np.ndarray, zero: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fills gaps with each meter's median for the hour of the day.

    Args:
        values: (n, H) registered hourly values, NaN where missing.
        local_hour: (H,) local hour of the day of each column.
        zero: (n, H) bool, hours to set to 0 instead (readings rejected as
            negative: the meter registered nothing that can be billed).

    Returns:
        ``(filled, was_filled)``.
    """
    out = values.copy()
    missing = fill_gaps_rows(out, np.arange(out.shape[0]), local_hour, zero)
    return out, missing


def fill_gaps_rows(values: np.ndarray, rows: np.ndarray, local_hour: np.ndarray,
                   zero: np.ndarray | None = None) -> np.ndarray:
    """:func:`fill_gaps` in place on ``rows`` of ``values`` (no full-size copy); returns (n, H) was-missing.

    ``zero`` is (n, H) over all rows; only ``rows`` are changed. A zeroed hour is not counted as filled.
    """
    rows = np.asarray(rows, dtype=int)
    missing = np.zeros(values.shape, dtype=bool)
    if not len(rows):
        return missing
    if zero is not None:
        zr, zc = np.nonzero(zero[rows])
        values[rows[zr], zc] = 0.0
    for h in range(24):
        cols = np.flatnonzero(local_hour == h)
        if not len(cols):
            continue
        block = values[np.ix_(rows, cols)]
        hole = np.isnan(block)
        if not hole.any():
            continue
        med = np.nan_to_num(np.nanmedian(block, axis=1)) if block.size else np.zeros(len(rows))
        r, c = np.nonzero(hole)
        values[rows[r], cols[c]] = med[r]
        missing[rows[r], cols[c]] = True
    return missing


def group_balances(units: list[BalanceUnit], row_of: dict[str, int], values: np.ndarray, raw: np.ndarray,
                   filled: np.ndarray, clean: np.ndarray, equipment_kwh_per_h: dict[str, float]) -> list[GroupBalance]:
    """The hourly balances of every unit.

    Args:
        units: Balance units.
        row_of: Meter id → row of ``values``.
        values: (n, H) hourly values with consumer gaps filled.
        raw: (n, H) the registered values (NaN where missing), for the group meters.
        filled: (n, H) bool, which values were filled.
        clean: (H,) bool, hours used to fit the technical-loss models.
        equipment_kwh_per_h: Group id → metering equipment consumption inside it, kWh per hour.
    """
    out = []
    for u in units:
        inp = raw[row_of[u.input_meter_id]]
        members = [row_of[m] for m in u.member_meter_ids if m in row_of]
        cons = values[members].sum(axis=0) if members else np.zeros_like(inp)
        sub = [row_of[m] for m in u.subtree_consumer_meter_ids if m in row_of]
        imbalance = inp - cons
        equipment = np.full(len(inp), float(equipment_kwh_per_h.get(u.group_id, 0.0)))
        model = fit_loss_model(inp, imbalance - equipment, clean)
        tech = np.where(np.isfinite(inp), model.loss(inp), np.nan)
        out.append(GroupBalance(
            unit=u, input_kwh=inp, consumers_kwh=cons, imbalance_kwh=imbalance, technical_loss_kwh=tech,
            equipment_kwh=equipment, unexplained_kwh=imbalance - tech - equipment,
            subtree_imbalance_kwh=inp - (values[sub].sum(axis=0) if sub else 0.0),
            filled_readings=filled[members].sum(axis=0) if members else np.zeros(len(inp), dtype=int),
            loss_model=model))
    return out


def daily_table(balances: list[GroupBalance], local_date: np.ndarray) -> pd.DataFrame:
    """``balances.csv``: one row per group and local date."""
    dates, inverse = np.unique(local_date, return_inverse=True)
    rows = []
    for b in balances:
        ok = np.isfinite(b.input_kwh)

        def day_sum(x: np.ndarray) -> np.ndarray:
            return np.bincount(inverse, weights=np.where(ok, x, 0.0), minlength=len(dates))

        inp, cons = day_sum(b.input_kwh), day_sum(b.consumers_kwh)
        imb = inp - cons
        frame = pd.DataFrame({
            "group_id": b.unit.group_id, "level": b.unit.level, "date": dates, "input_kwh": inp,
            "consumers_kwh": cons, "imbalance_kwh": imb,
            "imbalance_pct": np.where(inp > 0, 100.0 * imb / np.where(inp > 0, inp, 1.0), np.nan),
            "technical_loss_kwh": day_sum(b.technical_loss_kwh), "equipment_kwh": day_sum(b.equipment_kwh),
            "unexplained_kwh": day_sum(b.unexplained_kwh), "subtree_imbalance_kwh": day_sum(b.subtree_imbalance_kwh),
            "filled_readings": np.bincount(inverse, weights=b.filled_readings, minlength=len(dates)).astype(int),
            "missing_input_hours": np.bincount(inverse, weights=~ok, minlength=len(dates)).astype(int),
        })
        rows.append(frame)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def coincidence_curves(values: np.ndarray, rows: list[int], local_hour: np.ndarray, local_date: np.ndarray) -> pd.DataFrame:
    """Minimum and maximum coincidence factor of a group's consumers by hour of the day.

    The coincidence factor of an hour is the group's total demand over the sum
    of its consumers' individual peaks (over the period); the curves are its
    minimum and maximum over the days for each hour of the day.
    """
    x = values[rows]
    peaks = x.max(axis=1).sum()
    cf = x.sum(axis=0) / peaks if peaks > 0 else np.zeros(x.shape[1])
    frame = pd.DataFrame({"hour": local_hour, "date": local_date, "cf": cf})
    g = frame.groupby("hour")["cf"]
    return pd.DataFrame({"hour": np.arange(24), "coincidence_min": g.min().reindex(range(24)).to_numpy(),
                         "coincidence_max": g.max().reindex(range(24)).to_numpy(),
                         "coincidence_mean": g.mean().reindex(range(24)).to_numpy()})
