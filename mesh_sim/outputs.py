"""Files of a subnet run. Column names are a stable interface.

Files:
    nodes.csv: one row per node (modules first, then concentrators):
        ``node_id``, ``kind``, ``status``, ``concentrator_id``, ``parent_id``,
        ``hops``, ``link_margin_db``, ``path_etx``, ``meters``,
        ``readings_generated``, ``readings_delivered``, ``readings_dropped``,
        ``delivery``, ``relayed_per_day``, ``tx_packets``, ``avg_current_ua``,
        ``battery_life_years``, ``x_m``, ``y_m``, ``floor``, ``building``, then
        ``current_<cause>_ua`` per cause of any node's current breakdown
        (sorted by cause). Floats have 4 decimals (4 significant digits below
        1); NaN is an empty field, infinity ``inf``.
    first_to_die.json: :func:`mesh_sim.summary.first_to_die` (5 modules).
    latency.csv: per delivered packet of readings: ``latency_s``, ``meters``.
    broadcasts.csv: per broadcast and module: ``broadcast`` (0-based index),
        ``node_id``, ``latency_s`` (empty where the broadcast never arrived).
    topology.png, battery_life.png, latency_cdf.png: see :mod:`mesh_sim.plots`.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mesh_sim import plots
from mesh_sim.records import MeshResult, NodeRecord
from mesh_sim.summary import first_to_die, modules_of

NODE_COLUMNS = (
    "node_id", "kind", "status", "concentrator_id", "parent_id", "hops", "link_margin_db", "path_etx",
    "meters", "readings_generated", "readings_delivered", "readings_dropped", "delivery",
    "relayed_per_day", "tx_packets", "avg_current_ua", "battery_life_years", "x_m", "y_m", "floor",
    "building",
)
FIRST_TO_DIE_K = 5


def fmt(value: Any) -> Any:
    """CSV field: floats to 4 decimals (4 significant digits below 1), NaN empty."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer, str)):
        return value
    value = float(value)
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0.0 or abs(value) >= 1.0:
        return round(value, 4)
    return float(f"{value:.4g}")


def breakdown_causes(nodes: list[NodeRecord]) -> list[str]:
    """Sorted union of the current-breakdown causes of all nodes."""
    return sorted({cause for n in nodes for cause in n.current_breakdown_ua})


def write_nodes_csv(path: Path, result: MeshResult) -> None:
    """Writes ``nodes.csv``, one row per node (see the module docstring)."""
    causes = breakdown_causes(result.nodes)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*NODE_COLUMNS, *(f"current_{c}_ua" for c in causes)])
        for node in result.nodes:
            row = [fmt(getattr(node, col)) for col in NODE_COLUMNS]
            row += [fmt(node.current_breakdown_ua.get(c, float("nan"))) for c in causes]
            writer.writerow(row)


def write_latency_csv(path: Path, result: MeshResult) -> None:
    """Writes ``latency.csv``: latency and readings of each delivered packet."""
    lat = np.asarray(result.reading_latency_s, dtype=float).ravel()
    meters = np.asarray(result.reading_meters).ravel()
    if lat.shape != meters.shape:
        raise ValueError(f"{lat.size} packet latencies but {meters.size} reading counts")
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["latency_s", "meters"])
        writer.writerows([fmt(t), fmt(m.item())] for t, m in zip(lat, meters))


def write_broadcasts_csv(path: Path, result: MeshResult) -> None:
    """Writes ``broadcasts.csv``: each broadcast's latency at every module.

    Raises:
        ValueError: If ``broadcast_latency_s`` has not one column per module.
    """
    module_ids = [m.node_id for m in modules_of(result)]
    bcast = np.asarray(result.broadcast_latency_s, dtype=float)
    if bcast.size == 0:
        bcast = np.empty((0, len(module_ids)))
    if bcast.ndim != 2 or bcast.shape[1] != len(module_ids):
        raise ValueError(f"broadcast_latency_s has shape {bcast.shape}, expected (broadcasts, {len(module_ids)})")
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["broadcast", "node_id", "latency_s"])
        for b, row in enumerate(bcast):
            writer.writerows([b, node_id, fmt(t)] for node_id, t in zip(module_ids, row))


def write_mesh_outputs(out_dir: Path, result: MeshResult, summary: dict[str, Any],
                       with_plots: bool = True) -> list[Path]:
    """Writes all files of a run into ``out_dir`` (created if missing).

    Args:
        out_dir: Output folder.
        result: The run.
        summary: :func:`mesh_sim.summary.summarize` of the run; its latency
            percentiles are the ones marked in ``latency_cdf.png``.
        with_plots: Also draw the three PNG plots.

    Returns:
        The paths written, in the order of the module docstring.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in (
        "nodes.csv", "first_to_die.json", "latency.csv", "broadcasts.csv",
        "topology.png", "battery_life.png", "latency_cdf.png")}
    write_nodes_csv(paths["nodes.csv"], result)
    paths["first_to_die.json"].write_text(
        json.dumps(first_to_die(result, FIRST_TO_DIE_K), indent=2, allow_nan=False) + "\n")
    write_latency_csv(paths["latency.csv"], result)
    write_broadcasts_csv(paths["broadcasts.csv"], result)
    if not with_plots:
        return [p for p in paths.values() if p.suffix != ".png"]
    plots.plot_topology(paths["topology.png"], result)
    plots.plot_battery_histogram(paths["battery_life.png"], result)
    plots.plot_latency_cdf(paths["latency_cdf.png"], result, summary)
    return list(paths.values())
