"""Plots of a simulated day: feeder map, transformer loading, phase loads, voltages."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from scenarios.site import Network, Site  # noqa: E402

_PHASE_COLOURS = {"a": "tab:red", "b": "tab:green", "c": "tab:blue"}


def _hours(frame: pd.DataFrame) -> np.ndarray:
    return (frame["minute"].to_numpy() - 1) / 60.0


def _hour_axis(ax) -> None:
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3))
    ax.set_xlabel("hour of day")
    ax.grid(alpha=0.3)


def feeder_map(path: Path, network: Network, site: Site, buses: pd.DataFrame) -> None:
    """Map of the network: lines coloured by the lowest phase voltage of their
    receiving bus over the day, consumers as dots in the same colour scale."""
    vmin = buses.set_index("bus")["v_min_pu"]
    xy = {b.name: (b.x_m, b.y_m) for b in network.buses}
    segments, values = [], []
    for line in network.lines:
        if line.from_bus in xy and line.to_bus in xy:
            segments.append([xy[line.from_bus], xy[line.to_bus]])
            values.append(vmin.get(line.to_bus, np.nan))
    values_arr = np.asarray(values, dtype=float)
    finite = values_arr[np.isfinite(values_arr)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.9, 1.1)
    if hi - lo < 1e-4:
        lo, hi = lo - 5e-5, hi + 5e-5
    fig, ax = plt.subplots(figsize=(8, 7))
    lc = LineCollection(segments, array=values_arr, cmap="viridis_r", linewidths=1.6)
    lc.set_clim(lo, hi)
    ax.add_collection(lc)
    cx = [xy[c.bus][0] for c in site.consumers if c.bus in xy]
    cy = [xy[c.bus][1] for c in site.consumers if c.bus in xy]
    cv = [vmin.get(c.bus, np.nan) for c in site.consumers if c.bus in xy]
    ax.scatter(cx, cy, c=cv, cmap="viridis_r", vmin=lo, vmax=hi, s=28, edgecolors="k", linewidths=0.4,
               zorder=3, label="consumers")
    tx = xy.get(network.transformer.lv_bus)
    if tx:
        ax.scatter([tx[0]], [tx[1]], marker="*", s=260, c="orange", edgecolors="k", zorder=4, label="transformer")
    fig.colorbar(lc, ax=ax, label="minimum voltage over the day (pu)")
    ax.set_aspect("equal")
    ax.autoscale()
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title("Feeder map, coloured by minimum voltage")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def transformer_loading(path: Path, feeder: pd.DataFrame, rating_kva: float) -> None:
    """Transformer loading over the day with the 100 % rating line."""
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(_hours(feeder), feeder["transformer_loading_pct"], lw=1.0, color="tab:purple", label="loading")
    ax.axhline(100.0, color="tab:red", ls="--", lw=1.0, label=f"rating ({rating_kva:.0f} kVA)")
    ax.set_ylabel("transformer loading (%)")
    ax.set_ylim(0, max(105.0, float(feeder["transformer_loading_pct"].max()) * 1.1))
    ax.set_title("Transformer loading (most loaded phase)")
    _hour_axis(ax)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def phase_loads(path: Path, feeder: pd.DataFrame) -> None:
    """Active load per phase and neutral current at the transformer."""
    fig, (ax, axn) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for ph, colour in _PHASE_COLOURS.items():
        ax.plot(_hours(feeder), feeder[f"p_kw_{ph}"], lw=0.9, color=colour, label=f"phase {ph.upper()}")
    ax.set_ylabel("load (kW)")
    ax.set_title("Load per phase")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    axn.plot(_hours(feeder), feeder["i_neutral_a"], lw=0.9, color="k")
    axn.set_ylabel("neutral current (A)")
    _hour_axis(axn)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def voltage_envelope(path: Path, feeder: pd.DataFrame, limits_pu: tuple[float, float] = (0.9, 1.1)) -> None:
    """Lowest and highest bus voltage each minute with the statutory band."""
    fig, ax = plt.subplots(figsize=(9, 4))
    h = _hours(feeder)
    ax.fill_between(h, feeder["v_min_pu"], feeder["v_max_pu"], color="tab:blue", alpha=0.3, label="all buses")
    ax.plot(h, feeder["v_min_pu"], lw=0.8, color="tab:blue")
    for lim in limits_pu:
        ax.axhline(lim, color="tab:red", ls="--", lw=0.8)
    ax.set_ylabel("phase voltage (pu)")
    ax.set_title("Voltage envelope (EN 50160 band ±10 % dashed)")
    _hour_axis(ax)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def socket_classes(path: Path, minutes: np.ndarray, p_kw_by_class: dict[str, np.ndarray]) -> None:
    """Stacked aggregate load by socket class (RED / YELLOW / GREEN)."""
    colours = {"RED": "tab:red", "YELLOW": "gold", "GREEN": "tab:green"}
    fig, ax = plt.subplots(figsize=(9, 4))
    names = [c for c in ("RED", "YELLOW", "GREEN") if c in p_kw_by_class]
    ax.stackplot((minutes - 1) / 60.0, *[p_kw_by_class[c].sum(axis=0) for c in names],
                 labels=names, colors=[colours[c] for c in names], alpha=0.8)
    ax.set_ylabel("aggregate load (kW)")
    ax.set_title("Load by socket class")
    _hour_axis(ax)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
