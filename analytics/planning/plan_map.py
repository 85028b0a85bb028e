"""``map.png`` of a plan: meters, modules, concentrators and the routes of the verification run."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import BoundaryNorm  # noqa: E402

from mesh_sim.plots import needs_elevation  # noqa: E402
from mesh_sim.records import NodeRecord  # noqa: E402

from analytics.planning.planner import Plan  # noqa: E402

DPI = 110


def _draw(ax, plan: Plan, nodes: list[NodeRecord], xy, meter_xy, norm, cmap):
    """Draws one view; ``xy(node)`` and ``meter_xy(meter)`` give plot coordinates."""
    coords = {n.node_id: xy(n) for n in nodes}
    if plan.site.meters:
        pts = np.array([meter_xy(m) for m in plan.site.meters])
        ax.scatter(pts[:, 0], pts[:, 1], s=3, c="0.75", zorder=1, label="meter")
    links = [n for n in nodes if n.parent_id in coords and n.hops >= 1]
    if links:
        lc = LineCollection([[coords[n.node_id], coords[n.parent_id]] for n in links], cmap=cmap, norm=norm,
                            linewidths=1.0, zorder=2)
        lc.set_array(np.array([n.hops for n in links], dtype=float))
        ax.add_collection(lc)
    dr_modules = {m.module_id for m in plan.site.modules if set(m.meter_ids) & set(plan.dr_meter_ids)}
    routed = [n for n in nodes if n.kind == "module" and n.status == "ok" and n.hops >= 1]
    mappable = None
    for group, marker, label in (([n for n in routed if n.node_id not in dr_modules], "o", "module"),
                                 ([n for n in routed if n.node_id in dr_modules], "s", "module with AD220 (DR)")):
        if group:
            mappable = ax.scatter([coords[n.node_id][0] for n in group], [coords[n.node_id][1] for n in group],
                                  c=[n.hops for n in group], cmap=cmap, norm=norm, s=24, marker=marker,
                                  edgecolors="k", linewidths=0.3, zorder=3, label=label)
    lost = [n for n in nodes if n.kind == "module" and n.status != "ok"]
    if lost:
        ax.scatter([coords[n.node_id][0] for n in lost], [coords[n.node_id][1] for n in lost], marker="x", s=50,
                   c="tab:red", linewidths=1.4, zorder=4, label="module without route")
    hubs = [n for n in nodes if n.kind == "concentrator"]
    if hubs:
        ax.scatter([coords[n.node_id][0] for n in hubs], [coords[n.node_id][1] for n in hubs], marker="^", s=200,
                   c="k", edgecolors="w", zorder=5, label="J100UC concentrator")
        for n in hubs:
            ax.annotate(n.node_id, coords[n.node_id], textcoords="offset points", xytext=(6, 6), fontsize=8)
    ax.autoscale()
    ax.grid(alpha=0.3)
    return mappable


def plot_plan_map(path: str | Path, plan: Plan) -> None:
    """Plan view (and a side elevation when floors stack) of the plan's network.

    Modules are coloured by hop count, each with a line to its parent in the
    colour of its hop count; concentrators are black triangles, modules
    without a route red crosses, meters grey dots.
    """
    nodes = plan.nodes
    max_hops = max([n.hops for n in nodes if n.kind == "module" and n.hops >= 1], default=1)
    cmap = plt.get_cmap("viridis", max_hops) if max_hops > 1 else plt.get_cmap("viridis")
    norm = BoundaryNorm(np.arange(0.5, max_hops + 1.5), cmap.N)
    elevation = needs_elevation(nodes)
    fig, axes = plt.subplots(1, 2 if elevation else 1, figsize=(15 if elevation else 9, 7), squeeze=False,
                             layout="constrained")
    ax = axes[0, 0]
    mappable = _draw(ax, plan, nodes, lambda n: (n.x_m, n.y_m), lambda m: (m.position.x_m, m.position.y_m),
                     norm, cmap)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    pdr = plan.summary.get("pdr_final")
    state = "delivering" if plan.delivering else "NOT delivering"
    ax.set_title(f"Plan: {len(plan.site.meters)} meters, {len(plan.site.modules)} modules, "
                 f"{len(plan.site.concentrators)} J100UC; pdr {pdr if pdr is None else f'{pdr:.4f}'}, "
                 f"max {plan.summary.get('max_hops')} hops ({state})", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    if elevation:
        axe = axes[0, 1]
        _draw(axe, plan, nodes, lambda n: (n.x_m, float(n.floor)), lambda m: (m.position.x_m, m.position.floor),
              norm, cmap)
        axe.set_xlabel("x (m)")
        axe.set_ylabel("floor")
        axe.set_title("Side elevation", fontsize=10)
    if mappable is not None:
        fig.colorbar(mappable, ax=list(axes.ravel()), label="hops to concentrator",
                     ticks=np.arange(1, max_hops + 1), shrink=0.8)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
