"""How uncertain inputs move the payback and the NPV: tornado and Monte Carlo.

Every input named in ``cfg.uncertainty_pct`` varies by ± that % of its value
(an input at 0 stays 0). The tornado moves one input at a time to its low and
high end; the Monte Carlo draws all of them at once (seeded, triangular with
the mode at the value, or uniform) and gives the distribution of the payback.
A loss reduction that a sample makes negative counts as zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analytics.roi.cashflow import float_inputs, monthly_lines, to_years  # noqa: E402
from analytics.roi.config import RoiConfig, unit_of  # noqa: E402
from analytics.roi.metrics import discounted_payback_months, npv, payback_months  # noqa: E402


def uncertain_inputs(cfg: RoiConfig) -> dict[str, float]:
    """Input name → ± fraction, for inputs that actually vary (value and % non-zero)."""
    base = float_inputs(cfg)
    return {k: pct / 100.0 for k, pct in cfg.uncertainty_pct.items() if pct > 0 and base[k] != 0}


def evaluate(cfg: RoiConfig, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Payback, discounted payback and NPV for n cases of float inputs.

    Args:
        cfg: Base inputs.
        params: Input name → values of shape (n,); the others stay at ``cfg``.

    Returns:
        ``payback_months``, ``discounted_payback_months``, ``npv``: arrays of n.
    """
    cols = {k: np.asarray(v, dtype=float).reshape(-1, 1) for k, v in params.items()}
    n = max((len(v) for v in cols.values()), default=1)
    net = np.broadcast_to(monthly_lines(cfg, cols)["net"], (n, 12 * cfg.years + 1))
    rate = cols.get("discount_rate_pct", np.full((n, 1), cfg.discount_rate_pct))
    return {
        "payback_months": payback_months(net),
        "discounted_payback_months": discounted_payback_months(net, rate),
        "npv": npv(rate[:, 0] / 100.0, to_years(net, cfg.years)),
    }


def tornado(cfg: RoiConfig) -> pd.DataFrame:
    """One input at a time at its low and high end.

    Returns:
        One row per varying input, the widest swing of ``cfg.tornado_metric``
        first: input, unit, pct, base_value, low_value, high_value,
        payback_at_low_months, payback_at_high_months, npv_at_low, npv_at_high,
        swing_payback_months, swing_npv. A payback beyond the horizon is NaN and
        counts as the horizon in the swing.
    """
    base = float_inputs(cfg)
    varying = uncertain_inputs(cfg)
    if not varying:
        return pd.DataFrame(columns=["input", "unit", "pct", "base_value", "low_value", "high_value",
                                     "payback_at_low_months", "payback_at_high_months", "npv_at_low",
                                     "npv_at_high", "swing_payback_months", "swing_npv"])
    names = list(varying)
    params = {k: np.full(2 * len(names), base[k]) for k in names}
    for i, k in enumerate(names):
        params[k][2 * i] = base[k] * (1 - varying[k])
        params[k][2 * i + 1] = base[k] * (1 + varying[k])
    res = evaluate(cfg, params)
    horizon = 12.0 * cfg.years
    pay = res["payback_months"]
    capped = np.where(np.isnan(pay), horizon, pay)
    table = pd.DataFrame({
        "input": names,
        "unit": [unit_of(k, cfg.currency) for k in names],
        "pct": [100 * varying[k] for k in names],
        "base_value": [base[k] for k in names],
        "low_value": [params[k][2 * i] for i, k in enumerate(names)],
        "high_value": [params[k][2 * i + 1] for i, k in enumerate(names)],
        "payback_at_low_months": pay[0::2], "payback_at_high_months": pay[1::2],
        "npv_at_low": res["npv"][0::2], "npv_at_high": res["npv"][1::2],
        "swing_payback_months": np.abs(capped[1::2] - capped[0::2]),
        "swing_npv": np.abs(res["npv"][1::2] - res["npv"][0::2]),
    })
    key = "swing_payback_months" if cfg.tornado_metric == "payback_months" else "swing_npv"
    return table.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)


def _quantiles(values: np.ndarray) -> dict[str, float]:
    """P10/P50/P90 without interpolation; NaN (never) sorts as +infinity."""
    filled = np.where(np.isnan(values), np.inf, values)
    q = np.quantile(filled, [0.1, 0.5, 0.9], method="inverted_cdf")
    return {f"p{p}": float(v) for p, v in zip((10, 50, 90), q)}


def monte_carlo(cfg: RoiConfig) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Draws ``cfg.mc_samples`` cases of all uncertain inputs at once.

    Returns:
        The samples (one column per varying input, then payback_months,
        discounted_payback_months, npv) and statistics: ``payback_months`` and
        ``npv`` percentiles (``p10``, ``p50``, ``p90``; ``inf`` means not paid
        back within the horizon), ``share_paid_back``, ``share_npv_positive``,
        ``samples``, ``distribution``, ``seed``.
    """
    rng = np.random.default_rng(cfg.seed)
    base = float_inputs(cfg)
    n = cfg.mc_samples
    params: dict[str, np.ndarray] = {}
    for k, frac in uncertain_inputs(cfg).items():
        lo, hi = sorted((base[k] * (1 - frac), base[k] * (1 + frac)))
        if cfg.mc_distribution == "uniform":
            params[k] = rng.uniform(lo, hi, n)
        else:
            params[k] = rng.triangular(lo, base[k], hi, n)
    res = evaluate(cfg, params)
    res = {k: np.broadcast_to(v, (n,)) for k, v in res.items()}
    samples = pd.DataFrame({**params, **res})
    stats = {
        "payback_months": _quantiles(res["payback_months"]),
        "npv": _quantiles(res["npv"]),
        "share_paid_back": float(np.mean(~np.isnan(res["payback_months"]))),
        "share_npv_positive": float(np.mean(res["npv"] > 0)),
        "samples": n, "distribution": cfg.mc_distribution, "seed": cfg.seed,
    }
    return samples, stats


def plot_tornado(path: Path, table: pd.DataFrame, cfg: RoiConfig, base_value: float) -> None:
    """Horizontal bars: the metric with each input at its low and its high end."""
    metric = cfg.tornado_metric
    lo_col, hi_col = (("payback_at_low_months", "payback_at_high_months") if metric == "payback_months"
                      else ("npv_at_low", "npv_at_high"))
    horizon = 12.0 * cfg.years
    rows = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(rows) + 1.8))
    y = np.arange(len(rows))
    base = horizon if np.isnan(base_value) else base_value
    for col, colour, label in ((lo_col, "tab:blue", "input at its low end"),
                               (hi_col, "tab:orange", "input at its high end")):
        vals = rows[col].to_numpy(dtype=float)
        vals = np.where(np.isnan(vals), horizon, vals)
        ax.barh(y, vals - base, left=base, color=colour, alpha=0.75, label=label)
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(y, [f"{r.input} ±{r.pct:g} %" for r in rows.itertuples()])
    unit = "months" if metric == "payback_months" else cfg.currency
    ax.set_xlabel(f"{'payback' if metric == 'payback_months' else 'NPV'} ({unit})")
    if metric == "payback_months":
        ax.set_title(f"What moves the payback most (horizon {horizon:.0f} months = not paid back)")
    else:
        ax.set_title("What moves the net present value most")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_payback_mc(path: Path, samples: pd.DataFrame, stats: dict[str, Any], cfg: RoiConfig) -> None:
    """Histogram of the Monte-Carlo paybacks with P10, P50 and P90 marked."""
    pay = samples["payback_months"].to_numpy(dtype=float)
    finite = pay[~np.isnan(pay)]
    fig, ax = plt.subplots(figsize=(9, 4.2))
    if len(finite):
        ax.hist(finite, bins=min(60, max(10, len(np.unique(finite)))), color="tab:green", alpha=0.7)
    for name, style in (("p10", ":"), ("p50", "-"), ("p90", "--")):
        v = stats["payback_months"][name]
        if np.isfinite(v):
            ax.axvline(v, color="black", ls=style, label=f"{name.upper()} {v:.1f} months")
    missed = 1.0 - stats["share_paid_back"]
    ax.set_title(f"Payback over {stats['samples']} Monte-Carlo cases"
                 + (f" ({100 * missed:.0f} % not paid back in {cfg.years} years)" if missed > 0 else ""))
    ax.set_xlabel("payback (months)")
    ax.set_ylabel("cases")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
