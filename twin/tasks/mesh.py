"""``task=mesh``: the site's DMesh radio network, simulated packet by packet.

Writes under ``mesh/``: ``summary.json`` (``modules``, ``meters``,
``concentrators``, ``pdr_final``, ``pdr_first_attempt``, ``latency_p50_s``,
``latency_p95_s``, ``max_hops``, ``broadcast_latency_mean_s``,
``broadcast_latency_p95_s``, ``battery_life_years_min``,
``battery_life_years_median``, ``relayed_per_day_max``, ``dropped_readings``,
``events_per_s``, ``building_type`` (the site's one building type, or ``mixed``),
``building_types`` (modules per type), ``propagation_case`` and more), ``nodes.csv`` (one row per node),
``unreachable.csv`` (modules no path reaches, with their best link margin),
``first_to_die.json``, ``latency.csv``, ``broadcasts.csv`` and the plots
``topology.png``, ``battery_life.png``, ``latency_cdf.png``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from mesh_sim.building_types import building_type_summary
from mesh_sim.city import run_site
from mesh_sim.config import MeshConfig
from mesh_sim.linkstate import effective_building_type
from mesh_sim.outputs import write_mesh_outputs
from mesh_sim.propagation import nodes_from_site
from mesh_sim.summary import summarize
from twin import pipeline
from twin.progress import stages

log = logging.getLogger(__name__)


def mesh_config(cfg: DictConfig) -> MeshConfig:
    """The typed mesh settings of the composed config."""
    return OmegaConf.to_object(cfg.mesh)


def site_building_types(site, mesh: MeshConfig) -> dict[str, Any]:
    """``building_type``, ``building_types`` (modules per type) and ``propagation_case`` of the run."""
    nodes = nodes_from_site(site, mesh.radio.block_type_default, mesh.radio.house_type_default)
    conc = [False] * len(site.modules) + [True] * len(site.concentrators)
    return building_type_summary(nodes.building_type, conc, effective_building_type(mesh.radio),
                                 mesh.radio.environment or "residential", mesh.radio.case)


def write_unreachable(path: Path, result) -> list[str]:
    """Writes the modules without a concentrator; returns one line per module."""
    lines = [f"{r.node_id},{r.status},{r.link_margin_db:.1f}" for r in result.nodes
             if r.kind == "module" and r.status in ("unreachable", "left_out")]
    path.write_text("node_id,status,best_link_margin_db\n" + "".join(f"{x}\n" for x in lines))
    return lines


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    mesh = mesh_config(cfg)
    workers = cfg.task.workers or os.cpu_count() or 1
    with stages(["site", "simulate", "write"]) as step:
        site = pipeline.build_site(cfg.site, cfg.seed)
        step("simulate")
        hours = int(mesh.days * 24 + mesh.drain_h)
        with tqdm(total=hours, desc="mesh", unit="h", file=sys.stderr, leave=False) as bar:
            result = run_site(site, mesh, cfg.seed, workers=workers,
                              progress=lambda h: bar.update(h - bar.n))
        step("write")
        summary = summarize(result, len(site.concentrators))
        summary.update(site_building_types(site, mesh))
        write_mesh_outputs(out_dir, result, summary, with_plots=cfg.task.plots)
        missing = write_unreachable(out_dir / "unreachable.csv", result)
    if missing:
        log.warning("%d module(s) have no route to a concentrator (id,status,best margin dB): %s",
                    len(missing), "; ".join(missing[:20]) + (" ..." if len(missing) > 20 else ""))
    return summary
