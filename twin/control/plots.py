"""Plots of ``task=dr``: transformer load per strategy, per-phase loading, participation curve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from twin.control.closed_loop import StrategyRun  # noqa: E402

_COLOURS = {"none": "0.35", "dr": "tab:blue", "dlm": "tab:green", "combined": "tab:red"}


def _hours(n: int) -> np.ndarray:
    return np.arange(n) / 60.0


def _shade(ax, peak: np.ndarray, label: bool = True) -> None:
    """Shades the tariff's peak minutes."""
    h = _hours(len(peak))
    edges = np.flatnonzero(np.diff(np.concatenate([[0], peak.astype(int), [0]])))
    for k, (a, b) in enumerate(zip(edges[::2], edges[1::2])):
        ax.axvspan(h[a], h[b - 1] + 1 / 60, color="gold", alpha=0.18, lw=0,
                   label="peak tariff" if label and k == 0 else None)


def _clock_axis(ax, minutes: int) -> None:
    ticks = np.arange(0, minutes / 60 + 1e-9, 3)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{int(t) % 24:02d}:00" + ("" if t < 24 else "\n+1 d") for t in ticks], fontsize=8)
    ax.set_xlim(0, minutes / 60)


def transformer_load(path: Path, runs: list[StrategyRun], rating_kva: float, peak: np.ndarray) -> None:
    """Transformer loading over the horizon, one line per strategy, with the rating line."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    _shade(ax, peak)
    for run in runs:
        ax.plot(_hours(len(run.loading_pct)), run.loading_pct, lw=1.0 if run.strategy == "none" else 1.3,
                color=_COLOURS.get(run.strategy), label=f"{run.strategy} (peak {run.loading_pct.max():.0f} %)")
    ax.axhline(100.0, color="k", ls="--", lw=1, label=f"rating ({rating_kva:.0f} kVA)")
    _clock_axis(ax, len(runs[0].loading_pct))
    ax.set_ylabel("transformer loading, % of rating")
    ax.set_title("Transformer load per strategy (largest phase current / rated)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, ncol=3, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def phase_loading(path: Path, runs: list[StrategyRun], peak: np.ndarray) -> None:
    """Loading of each LV phase, one panel per strategy."""
    fig, axes = plt.subplots(len(runs), 1, figsize=(10, 2.2 * len(runs) + 0.6), sharex=True, sharey=True,
                             squeeze=False)
    for ax, run in zip(axes[:, 0], runs):
        _shade(ax, peak, label=False)
        for k, ph in enumerate("ABC"):
            ax.plot(_hours(run.phase_loading_pct.shape[1]), run.phase_loading_pct[k], lw=0.9, label=f"phase {ph}")
        ax.axhline(100.0, color="k", ls="--", lw=1)
        ax.set_ylabel(f"{run.strategy}\n% of rating", fontsize=9)
        ax.grid(True, alpha=0.3)
    axes[0, 0].legend(fontsize=8, ncol=3, loc="upper left")
    axes[0, 0].set_title("Per-phase transformer loading")
    _clock_axis(axes[-1, 0], runs[0].phase_loading_pct.shape[1])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def participation_curve(path: Path, sweep: list[dict[str, Any]], claim: float = 0.4) -> None:
    """Peak loading and minutes over rating of the combined strategy against participation."""
    rows = sorted(sweep, key=lambda r: r["participation"])
    p = [100 * r["participation"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(p, [r["max_loading_pct"] for r in rows], "o-", color="tab:red", label="peak loading")
    ax.axhline(100.0, color="k", ls="--", lw=1, label="rating")
    ax.axvline(100 * claim, color="tab:purple", ls=":", lw=1.2, label=f"vendor's {100 * claim:.0f} %")
    ax.set_xlabel("participating homes, %")
    ax.set_ylabel("peak transformer loading, %")
    ax2 = ax.twinx()
    ax2.bar(p, [r["minutes_over_rating"] for r in rows], width=4, alpha=0.25, color="tab:blue",
            label="minutes over rating")
    ax2.set_ylabel("minutes over rating")
    lines = ax.get_legend_handles_labels()
    bars = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + bars[0], lines[1] + bars[1], fontsize=8, loc="upper right")
    ax.set_title("Combined DR + DLM: participation needed")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
