"""Payback, NPV and IRR of a cash flow.

Rates given to :func:`npv` and returned by :func:`irr` are fractions (0.05 is
5 %), like numpy-financial; the summary reports them in % (``_pct``). Paybacks
are months, NaN when the investment is not paid back within the horizon.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.optimize import brentq

from analytics.roi.cashflow import BENEFIT_LINES, COST_LINES, monthly_lines, to_years
from analytics.roi.config import RoiConfig, module_count


def payback_months(monthly_net: np.ndarray) -> np.ndarray | float:
    """Simple payback: the first time the cumulative cash flow reaches zero.

    Within the month where it turns non-negative the flow is taken as even, so
    the result is interpolated linearly.

    Args:
        monthly_net: Net flow per month, month 0 first; 1-D or (n, months) for n cases.

    Returns:
        Months (a float for 1-D input, else an array of n); NaN if never reached.
    """
    flows = np.atleast_2d(np.asarray(monthly_net, dtype=float))
    cum = np.cumsum(flows, axis=1)
    scale = np.abs(flows).max(axis=1, keepdims=True) + 1.0
    reached = cum >= -1e-9 * scale
    first = np.argmax(reached, axis=1)
    ok = reached[np.arange(len(first)), first]
    prev = np.maximum(first - 1, 0)
    rows = np.arange(len(first))
    step = flows[rows, first]
    frac = np.where(step > 0, -cum[rows, prev] / np.where(step > 0, step, 1.0), 1.0)
    months = np.where(first == 0, 0.0, prev + np.clip(frac, 0.0, 1.0))
    months = np.where(ok, months, np.nan)
    return float(months[0]) if np.ndim(monthly_net) == 1 else months


def discounted_payback_months(monthly_net: np.ndarray, rate_pct: float | np.ndarray) -> np.ndarray | float:
    """Payback of the flows discounted by (1 + rate)^-(month/12).

    Args:
        monthly_net: As for :func:`payback_months`.
        rate_pct: Discount rate, % a year (scalar or shape (n, 1)).
    """
    flows = np.asarray(monthly_net, dtype=float)
    months = np.arange(flows.shape[-1])
    factor = (1.0 + np.asarray(rate_pct, dtype=float) / 100.0) ** (-months / 12.0)
    out = payback_months(np.atleast_2d(flows) * factor)
    return float(np.ravel(out)[0]) if flows.ndim == 1 else out


def npv(rate: float | np.ndarray, cash_flows: np.ndarray) -> np.ndarray | float:
    """Net present value sum(c_t / (1 + rate)^t), the first flow at t = 0.

    Args:
        rate: Discount rate per period as a fraction; may be an array (then one
            NPV per rate, or per row of a 2-D ``cash_flows``).
        cash_flows: Flows per period, 1-D or (n, periods).
    """
    flows = np.asarray(cash_flows, dtype=float)
    t = np.arange(flows.shape[-1])
    r = np.asarray(rate, dtype=float)
    if flows.ndim == 1 and r.ndim == 0:
        return float(np.sum(flows / (1.0 + r) ** t))
    return np.sum(flows / (1.0 + r.reshape(-1, 1)) ** t, axis=-1)


def irr(cash_flows: np.ndarray) -> float:
    """Internal rate of return: the rate where the NPV is zero.

    The NPV is scanned on a grid of rates from -99 % to 10000 % for sign
    changes and each bracket is solved with Brent's method; when several roots
    exist the one nearest to zero is returned (numpy-financial's choice).

    Returns:
        The rate per period as a fraction, NaN when the NPV never changes sign.
    """
    flows = np.asarray(cash_flows, dtype=float)
    if not (np.any(flows > 0) and np.any(flows < 0)):
        return math.nan
    grid = np.concatenate([np.linspace(-0.99, 1.0, 800), np.geomspace(1.0, 100.0, 200)[1:]])
    with np.errstate(over="ignore", invalid="ignore"):
        values = npv(grid, np.broadcast_to(flows, (len(grid), len(flows))))
    roots = [float(r) for r, v in zip(grid, values) if v == 0.0]
    finite = np.isfinite(values)
    change = (np.sign(values[:-1]) * np.sign(values[1:]) < 0) & finite[:-1] & finite[1:]
    for i in np.nonzero(change)[0]:
        roots.append(brentq(lambda r: npv(r, flows), grid[i], grid[i + 1], xtol=1e-12, rtol=1e-12))
    return min(roots, key=abs) if roots else math.nan


def summary(cfg: RoiConfig) -> dict[str, Any]:
    """Headline figures of a config.

    Returns:
        ``payback_months``, ``discounted_payback_months``, ``npv``, ``irr`` (a
        fraction, NaN without a sign change) and ``irr_pct``,
        ``investment`` (capex and installation), ``benefits_year1``,
        ``costs_year1`` (running costs), ``net_year1``, ``modules``,
        ``horizon_months``, ``currency`` (money in the currency).
    """
    lines = monthly_lines(cfg)
    net_m = lines["net"][0]
    years_net = to_years(lines["net"], cfg.years)[0]
    year1 = {k: float(to_years(v, cfg.years)[0, 1]) for k, v in lines.items()}
    return {
        "payback_months": payback_months(net_m),
        "discounted_payback_months": discounted_payback_months(net_m, cfg.discount_rate_pct),
        "npv": npv(cfg.discount_rate_pct / 100.0, years_net),
        "irr": irr(years_net),
        "irr_pct": 100.0 * irr(years_net),
        "investment": float(-(lines["capex"][0, 0] + lines["installation"][0, 0])),
        "benefits_year1": sum(year1[k] for k in BENEFIT_LINES),
        "costs_year1": -sum(year1[k] for k in COST_LINES) + 0.0,
        "net_year1": year1["net"],
        "modules": module_count(cfg),
        "horizon_months": 12 * cfg.years,
        "currency": cfg.currency,
    }
