"""Plots of ``task=analytics``: imbalance per group with coincidence curves, suspect evidence."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analytics.balances import GroupBalance, coincidence_curves  # noqa: E402


def imbalance(path: Path, balances: list[GroupBalance], daily: pd.DataFrame, prep, groups: list[str]) -> None:
    """Per group: daily imbalance and technical losses over time; the hourly imbalance
    profile against the minimum and maximum coincidence-factor curves."""
    by = {b.unit.group_id: b for b in balances}
    groups = [g for g in groups if g in by]
    if not groups:
        return
    fig, axes = plt.subplots(len(groups), 2, figsize=(12, 2.8 * len(groups)), squeeze=False,
                             gridspec_kw={"width_ratios": [2.2, 1]})
    for (ax, ax2), g in zip(axes, groups):
        d = daily[daily["group_id"] == g]
        x = pd.to_datetime(d["date"])
        ax.plot(x, d["imbalance_kwh"], color="tab:red", lw=1.3, label="imbalance")
        ax.plot(x, d["technical_loss_kwh"] + d["equipment_kwh"], color="0.4", lw=1, ls="--",
                label="technical losses + equipment")
        ax.fill_between(x, d["technical_loss_kwh"] + d["equipment_kwh"], d["imbalance_kwh"],
                        where=d["imbalance_kwh"] > d["technical_loss_kwh"] + d["equipment_kwh"],
                        color="tab:red", alpha=0.15, label="unexplained")
        ax.set_ylabel(f"{g}\nkWh / day", fontsize=9)
        ax.grid(True, alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
        b = by[g]
        rows = [prep.row_of[m] for m in b.unit.member_meter_ids if m in prep.row_of]
        cc = coincidence_curves(prep.filled[:, : len(b.input_kwh)], rows, prep.local_hour[: len(b.input_kwh)],
                                prep.local_date[: len(b.input_kwh)])
        prof = pd.Series(b.imbalance_kwh).groupby(prep.local_hour[: len(b.input_kwh)]).mean()
        scale = np.nanmax(np.abs(prof)) / max(float(np.nanmax(cc["coincidence_max"])), 1e-9)
        ax2.plot(prof.index, prof.to_numpy(), color="tab:red", lw=1.5, label="mean hourly imbalance")
        ax2.fill_between(cc["hour"], cc["coincidence_min"] * scale, cc["coincidence_max"] * scale, color="tab:blue",
                         alpha=0.2, label="coincidence factor min-max (scaled)")
        ax2.set_xlim(0, 23)
        ax2.set_xlabel("hour of day", fontsize=8)
        ax2.grid(True, alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    axes[0, 1].legend(fontsize=7, loc="upper left")
    axes[0, 0].set_title("Daily imbalance against technical losses")
    axes[0, 1].set_title("Hourly imbalance and coincidence curves")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def suspect_evidence(path: Path, suspects: pd.DataFrame, balances: list[GroupBalance], prep, limit: int = 6) -> None:
    """Per suspect: the group's daily unexplained imbalance against the suspect's daily
    consumption, with the estimated start of the anomaly."""
    if suspects.empty:
        return
    top = suspects.sort_values("score", ascending=False).head(limit)
    by = {b.unit.group_id: b for b in balances}
    fig, axes = plt.subplots(len(top), 1, figsize=(10, 2.4 * len(top)), squeeze=False)
    dates = pd.to_datetime(prep.day_dates())
    for ax, (_, s) in zip(axes[:, 0], top.iterrows()):
        b = by.get(s["group_id"])
        if b is None:
            continue
        n = len(b.input_kwh)
        day = prep.day[:n]
        excess = np.bincount(day, weights=np.nan_to_num(b.unexplained_kwh), minlength=len(dates))
        row = prep.row_of[s["meter_id"]]
        own = np.bincount(day, weights=np.nan_to_num(prep.raw[row, :n]), minlength=len(dates))
        ax.plot(dates, excess, color="tab:red", label="group unexplained imbalance")
        ax.plot(dates, own, color="tab:blue", label=f"{s['meter_id']} registered")
        ax.axvline(pd.Timestamp(s["anomaly_start"]), color="k", ls="--", lw=1, label="estimated start")
        ax.set_ylabel("kWh / day", fontsize=9)
        ax.set_title(f"{s['group_id']} · {s['meter_id']} · score {s['score']:.2f}", fontsize=9)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
