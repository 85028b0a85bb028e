"""Monthly and yearly cash flow of the metering investment.

Money is in ``cfg.currency``; costs are negative, benefits positive, ``net`` is
their sum. Month 0 (year 0) holds the investment; month m covers the interval
(m-1, m] months after it and year y the months 12(y-1)+1..12y, so the yearly
table is the monthly one summed. Batteries are replaced after each full
battery life (life 6 years: in month 73, the first month of year 7), never at
the horizon itself. Discount factors: (1+r)^-y for years (end-of-year
convention, NPV) and (1+r)^-(m/12) for months (discounted payback).

The core works on arrays so that the tornado and Monte-Carlo samples are
computed in one pass: any float input may be given as an array of shape (n, 1).
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analytics.roi.config import RoiConfig, module_count  # noqa: E402

#: Cost lines (negative), in table order.
COST_LINES = ("capex", "installation", "opex_hosting", "opex_maintenance", "battery_replacement")
#: Benefit lines (positive), in table order.
BENEFIT_LINES = ("loss_reduction", "theft_recovered", "non_payment_reduction", "dr_incentives",
                 "transformer_upgrade_avoided", "manual_reading_saved", "equipment_fee")
LINES = COST_LINES + BENEFIT_LINES


def float_inputs(cfg: RoiConfig) -> dict[str, float]:
    """The float inputs of a config (the ones the samplers may vary)."""
    return {f.name: float(getattr(cfg, f.name)) for f in fields(cfg) if f.type in ("float", float)}


def energy_value_per_year(p: Mapping[str, np.ndarray | float], flats: int) -> np.ndarray:
    """Yearly value of the energy the losses are a share of, in the currency.

    ``supply_kwh_per_year`` x ``tariff_per_kwh`` when a supply is given, else
    the bill per flat and month x 12 x flats.
    """
    supply = np.asarray(p["supply_kwh_per_year"], dtype=float)
    by_supply = supply * p["tariff_per_kwh"]
    by_bill = np.asarray(p["energy_bill_per_flat_month"], dtype=float) * 12.0 * flats
    return np.where(supply > 0, by_supply, by_bill)


def monthly_lines(cfg: RoiConfig, params: Mapping[str, np.ndarray | float] | None = None) -> dict[str, np.ndarray]:
    """Cash-flow lines month by month.

    Args:
        cfg: Inputs (integers such as years and flats are always taken from here).
        params: Float inputs overriding ``cfg``'s, scalars or arrays of shape (n, 1).

    Returns:
        Line name → array of shape (n, 12*years + 1) (n = 1 without arrays), plus ``net``.
    """
    p: dict[str, np.ndarray | float] = {**float_inputs(cfg), **(params or {})}
    n_months = 12 * cfg.years
    month = np.arange(n_months + 1, dtype=float)[None, :]
    running = (month >= 1).astype(float)
    year_index = np.maximum(month - 1, 0) // 12
    flats, modules = float(cfg.flats), float(module_count(cfg))

    def col(name: str) -> np.ndarray:
        return np.asarray(p[name], dtype=float).reshape(-1, 1)

    at_start = (month == 0).astype(float)
    out: dict[str, np.ndarray] = {}
    out["capex"] = -(col("capex_equipment") + col("equipment_per_flat") * flats) * at_start
    out["installation"] = -col("installation_per_flat") * flats * at_start
    out["opex_hosting"] = -col("opex_hosting_per_year") / 12.0 * running
    out["opex_maintenance"] = -col("opex_maintenance_per_year") / 12.0 * running
    life_months = col("battery_life_years") * 12.0
    # number of k >= 1 with k*life in [m-1, m): replacements in month m
    count = np.ceil(month / life_months) - np.ceil((month - 1) / life_months) - (month == 1)
    out["battery_replacement"] = -col("battery_replacement_cost") * modules * count * running

    energy = energy_value_per_year(p, cfg.flats).reshape(-1, 1)
    reduction = np.clip(col("losses_before_pct") - col("losses_after_pct"), 0.0, None) / 100.0
    growth = (1.0 + col("tariff_escalation_pct_per_year") / 100.0) ** year_index
    out["loss_reduction"] = energy * reduction / 12.0 * growth * running
    out["theft_recovered"] = col("theft_recovered_per_year") / 12.0 * running
    out["non_payment_reduction"] = col("non_payment_reduction_per_year") / 12.0 * running
    out["dr_incentives"] = col("dr_incentives_per_year") / 12.0 * running
    upgrade_month = 12 * (cfg.transformer_upgrade_year - 1) + 1
    at_upgrade = (month == upgrade_month).astype(float) if cfg.transformer_upgrade_year >= 1 else 0.0 * month
    out["transformer_upgrade_avoided"] = col("transformer_upgrade_avoided") * at_upgrade
    out["manual_reading_saved"] = col("manual_reading_cost_per_flat_year") * flats / 12.0 * running
    out["equipment_fee"] = col("fee_per_flat_month") * flats * running
    shape = np.broadcast_shapes(*(a.shape for a in out.values()))
    out = {k: np.broadcast_to(v + 0.0, shape) for k, v in out.items()}  # + 0.0: no -0.0
    out["net"] = sum(out[k] for k in LINES)
    return out


def to_years(monthly: np.ndarray, years: int) -> np.ndarray:
    """Sums a (n, 12*years + 1) monthly array into (n, years + 1) years."""
    monthly = np.atleast_2d(monthly)
    body = monthly[:, 1:].reshape(monthly.shape[0], years, 12).sum(axis=2)
    return np.concatenate([monthly[:, :1], body], axis=1)


def _table(lines: dict[str, np.ndarray], periods: np.ndarray, per_year: float, rate_pct: float,
           period_name: str, currency: str) -> pd.DataFrame:
    frame = pd.DataFrame({period_name: periods})
    if period_name == "month":
        frame["year"] = np.maximum(periods - 1, 0) // 12 + (periods > 0)
    for name in LINES + ("net",):
        frame[name] = lines[name][0]
    frame["cumulative"] = frame["net"].cumsum()
    frame["discount_factor"] = (1.0 + rate_pct / 100.0) ** (-periods / per_year)
    frame["discounted"] = frame["net"] * frame["discount_factor"]
    frame["cumulative_discounted"] = frame["discounted"].cumsum()
    frame["currency"] = currency
    return frame


def monthly_table(cfg: RoiConfig) -> pd.DataFrame:
    """Month-by-month cash flow (columns: month, year, each line, net,
    cumulative, discount_factor, discounted, cumulative_discounted, currency)."""
    lines = monthly_lines(cfg)
    months = np.arange(12 * cfg.years + 1)
    return _table(lines, months, 12.0, cfg.discount_rate_pct, "month", cfg.currency)


def yearly_table(cfg: RoiConfig) -> pd.DataFrame:
    """Year-by-year cash flow, year 0 the investment (the ``cashflow.csv`` columns)."""
    lines = {k: to_years(v, cfg.years) for k, v in monthly_lines(cfg).items()}
    return _table(lines, np.arange(cfg.years + 1), 1.0, cfg.discount_rate_pct, "year", cfg.currency)


def table_to_csv(table: pd.DataFrame, path: Path) -> None:
    """Writes a cash-flow table: money to 2 decimals, discount factors to 6."""
    money = {c: 2 for c in (*LINES, "net", "cumulative", "discounted", "cumulative_discounted")}
    table.round({**money, "discount_factor": 6}).to_csv(path, index=False)


def write_cashflow_csv(path: Path, cfg: RoiConfig) -> pd.DataFrame:
    """Writes the yearly table to ``path`` (e.g. ``cashflow.csv``) and returns it."""
    table = yearly_table(cfg)
    table_to_csv(table, path)
    return table


def plot_cashflow(path: Path, yearly: pd.DataFrame, currency: str) -> None:
    """Bar chart of the net cash flow per year with the cumulative lines."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    colours = np.where(yearly["net"] >= 0, "tab:green", "tab:red")
    ax.bar(yearly["year"], yearly["net"], color=colours, alpha=0.6, label="net cash flow of the year")
    ax.plot(yearly["year"], yearly["cumulative"], "o-", color="black", label="cumulative")
    ax.plot(yearly["year"], yearly["cumulative_discounted"], "s--", color="tab:blue",
            label="cumulative, discounted")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("year (0 = investment)")
    ax.set_ylabel(currency)
    ax.set_title("Cash flow: the investment is paid back where the cumulative line crosses zero")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
