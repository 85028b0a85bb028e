"""``task=grid``: solve one day of the network and write the load voltages.

Writes ``grid/load_voltages.csv`` (``minute`` 1..1440, one column per load in
pu of the LV nominal phase voltage), ``grid/feeder_timeseries.csv``,
``grid/consumers.csv``, ``grid/buses.csv`` and ``grid/summary.json`` with
``energy_served_kwh``, ``losses_kwh`` and ``solve_seconds`` (the time of the
1440-step solve alone) among the key figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from twin import outputs, pipeline
from twin.progress import stages


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    with stages(["site", "loads", "network", "solve", "write"]) as step:
        step("site")
        site = pipeline.build_site(cfg.site, cfg.seed)
        step("loads")
        loads = pipeline.build_loads(cfg.loads, site, cfg.seed)
        step("network")
        net, engine = pipeline.build_engine(cfg.grid, site)
        step("solve")
        grid = engine.solve_day(loads.p_kw, loads.q_kvar)
        step("write")
        network = pipeline.network_of(cfg.grid, site)
        outputs.write_load_voltages(out_dir / "load_voltages.csv", loads, grid)
        outputs.write_frames(out_dir, {
            "feeder_timeseries": outputs.feeder_frame(loads, site, grid),
            "consumers": outputs.consumers_frame(loads, site, grid),
            "buses": outputs.buses_frame(network, grid),
        })
    return pipeline.key_figures(loads, grid)
