"""Plots of a subnet run: topology map, battery life histogram, latency CDFs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import BoundaryNorm  # noqa: E402

from mesh_sim.records import MeshResult, NodeRecord  # noqa: E402
from mesh_sim.summary import modules_of, weighted_percentile  # noqa: E402

DPI = 110
VENDOR_CLAIMS_YEARS = (7.0, 10.0)
_UNCONNECTED = ("unreachable", "left_out")


def needs_elevation(nodes: list[NodeRecord], cell_m: float = 1.0, min_share: float = 0.1) -> bool:
    """Whether a plan view hides nodes: several floors and at least ``min_share``
    of the nodes share a ``cell_m`` plan cell with another node."""
    if len(nodes) < 2 or len({n.floor for n in nodes}) < 2:
        return False
    cells = np.array([[round(n.x_m / cell_m), round(n.y_m / cell_m)] for n in nodes])
    _, inverse, counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    return float(np.mean(counts[inverse.ravel()] > 1)) >= min_share


def _draw_nodes(ax, nodes: list[NodeRecord], coords: dict[str, tuple[float, float]], norm, cmap) -> Any:
    """Parent links, routed modules by hop count, concentrators, unconnected nodes."""
    segments = [[coords[n.node_id], coords[n.parent_id]] for n in nodes if n.parent_id in coords]
    ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.6, zorder=1))
    routed = [n for n in nodes if n.kind == "module" and n.hops >= 1 and n.status not in _UNCONNECTED]
    mappable = ax.scatter([coords[n.node_id][0] for n in routed], [coords[n.node_id][1] for n in routed],
                          c=[n.hops for n in routed], cmap=cmap, norm=norm, s=22, edgecolors="k",
                          linewidths=0.3, zorder=3, label="module")
    groups = (
        ([n for n in nodes if n.kind == "module" and n.status in _UNCONNECTED],
         dict(marker="x", s=40, c="tab:red", linewidths=1.2, label="unreachable / left out")),
        ([n for n in nodes if n.kind == "module" and n.status == "down"],
         dict(marker="x", s=40, c="0.4", linewidths=1.2, label="down")),
        ([n for n in nodes if n.kind == "concentrator"],
         dict(marker="^", s=180, c="k", edgecolors="w", label="concentrator")),
    )
    for group, style in groups:
        if group:
            ax.scatter([coords[n.node_id][0] for n in group], [coords[n.node_id][1] for n in group],
                       zorder=4, **style)
    ax.autoscale()
    ax.grid(alpha=0.3)
    return mappable


def plot_topology(path: Path, result: MeshResult) -> None:
    """Plan map of the nodes coloured by hop count, with a line to each parent;
    a side elevation (x vs floor) is added when nodes are stacked over floors."""
    nodes = result.nodes
    elevation = needs_elevation(nodes)
    max_hops = max([n.hops for n in modules_of(result) if n.hops >= 1], default=1)
    cmap = plt.get_cmap("viridis")
    norm = BoundaryNorm(np.arange(0.5, max_hops + 1.5), cmap.N)
    fig, axes = plt.subplots(1, 2 if elevation else 1, figsize=(14 if elevation else 8, 7), squeeze=False,
                             layout="constrained")
    ax = axes[0, 0]
    mappable = _draw_nodes(ax, nodes, {n.node_id: (n.x_m, n.y_m) for n in nodes}, norm, cmap)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title(f"Mesh topology: {len(modules_of(result))} modules, coloured by hop count")
    if nodes:
        ax.legend(loc="best", fontsize=8)
    if elevation:
        axe = axes[0, 1]
        _draw_nodes(axe, nodes, {n.node_id: (n.x_m, float(n.floor)) for n in nodes}, norm, cmap)
        axe.set_xlabel("x (m)")
        axe.set_ylabel("floor")
        axe.set_title("Side elevation")
    fig.colorbar(mappable, ax=list(axes.ravel()), label="hops to concentrator",
                 ticks=np.arange(1, max_hops + 1), shrink=0.8)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def plot_battery_histogram(path: Path, result: MeshResult) -> None:
    """Histogram of module battery life with the 7 and 10 year vendor claims."""
    life = np.array([m.battery_life_years for m in modules_of(result)], dtype=float)
    finite = life[np.isfinite(life)]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if finite.size:
        ax.hist(finite, bins=min(40, max(5, int(np.sqrt(finite.size)) * 2)), color="tab:blue",
                edgecolor="k", linewidth=0.4)
    else:
        ax.text(0.5, 0.5, "no module with a finite battery life", ha="center", transform=ax.transAxes)
    for claim, colour in zip(VENDOR_CLAIMS_YEARS, ("tab:orange", "tab:red")):
        ax.axvline(claim, color=colour, ls="--", lw=1.2, label=f"vendor claim {claim:g} years")
    ax.set_xlabel("battery life (years)")
    ax.set_ylabel("modules")
    ax.set_title(f"Battery life of {finite.size} modules")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def _cdf_axes(ax, x_s: np.ndarray, cum_share: np.ndarray, colour: str) -> None:
    x_s = np.maximum(x_s, 1e-3)
    ax.step(x_s, cum_share, where="post", color=colour, lw=1.2)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3, which="both")


def plot_latency_cdf(path: Path, result: MeshResult, summary: dict[str, Any] | None = None) -> None:
    """Per-reading latency CDF (log x) with p50/p95 marked and, when there were
    broadcasts, the share of module×broadcast pairs reached within a latency.

    Args:
        path: PNG to write.
        result: The run.
        summary: Optional :func:`mesh_sim.summary.summarize` output whose
            ``latency_p50_s``/``latency_p95_s`` are marked (computed if absent).

    Raises:
        ValueError: If latencies and reading counts differ in length.
    """
    lat = np.asarray(result.reading_latency_s, dtype=float).ravel()
    w = np.asarray(result.reading_meters, dtype=float).ravel()
    if lat.shape != w.shape:
        raise ValueError(f"{lat.size} packet latencies but {w.size} reading counts")
    keep = np.isfinite(lat) & np.isfinite(w) & (w > 0)
    lat, w = lat[keep], w[keep]
    bcast = np.asarray(result.broadcast_latency_s, dtype=float).ravel()
    has_bcast = bool(np.isfinite(bcast).any())
    fig, axes = plt.subplots(1, 2 if has_bcast else 1, figsize=(13 if has_bcast else 8, 4.5), squeeze=False)
    ax = axes[0, 0]
    if lat.size:
        order = np.argsort(lat, kind="stable")
        _cdf_axes(ax, lat[order], np.cumsum(w[order]) / w.sum(), "tab:blue")
        summary = summary or {}
        for key, q_pct, colour in (("latency_p50_s", 50.0, "tab:green"), ("latency_p95_s", 95.0, "tab:red")):
            value = summary.get(key)
            value = weighted_percentile(lat, w, q_pct) if value is None else value
            ax.axvline(max(value, 1e-3), color=colour, ls="--", lw=1.0, label=f"p{q_pct:.0f} = {value:.3g} s")
        ax.legend(fontsize=8, loc="lower right")
    else:
        ax.text(0.5, 0.5, "no delivered reading", ha="center", transform=ax.transAxes)
    ax.set_xlabel("reading latency (s)")
    ax.set_ylabel("share of delivered readings")
    ax.set_title("Reading latency (per reading)")
    if has_bcast:
        axb = axes[0, 1]
        ok = np.sort(bcast[np.isfinite(bcast)])
        _cdf_axes(axb, ok, np.arange(1, ok.size + 1) / bcast.size, "tab:purple")
        axb.axhline(ok.size / bcast.size, color="0.5", ls=":", lw=1.0,
                    label=f"coverage {ok.size / bcast.size:.1%}")
        axb.set_xlabel("broadcast latency (s)")
        axb.set_ylabel("share of module × broadcast pairs")
        axb.set_title("Broadcast latency")
        axb.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
