"""``task=grid``: solve one day of the network and write the load voltages.

Writes ``grid/load_voltages.csv`` (``minute`` 1..1440, one column per load in
pu of the LV nominal phase voltage), ``grid/feeder_timeseries.csv``,
``grid/consumers.csv``, ``grid/buses.csv``, ``grid/net.json`` (the site as a
pandapower net, :mod:`grid_model.pandapower_export`) and ``grid/summary.json`` with
``energy_served_kwh``, ``losses_kwh`` and ``solve_seconds`` (the time of the
1440-step solve alone) among the key figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from grid_model.pandapower_export import write_site_net
from twin import pipeline
from twin.progress import stages


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    with stages(["site", "loads", "network", "solve", "write"]) as step:
        day = pipeline.solve_day(cfg, step)
        step("write")
        pipeline.write_day(out_dir, day)
        write_site_net(out_dir / "net.json", day.site, day.network, day.net)
    return pipeline.key_figures(day)
