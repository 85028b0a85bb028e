"""``task=simulate`` (the default job): households → grid → key figures → report.

Writes under ``simulate/``: ``summary.json``, ``feeder_timeseries.csv``,
``consumers.csv``, ``buses.csv``, ``load_voltages.csv``, the plots and
``report.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig

from twin import pipeline, plots
from twin.progress import stages
from twin.report import write_report


def report_tables(feeder: pd.DataFrame, consumers: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Per-phase balance and the consumers at the end of the feeder."""
    per_phase = pd.DataFrame({
        "phase": ["A", "B", "C"],
        "energy_kwh": [feeder[f"p_kw_{p}"].sum() / 60.0 for p in "abc"],
        "peak_kw": [feeder[f"p_kw_{p}"].max() for p in "abc"],
        "losses_kwh": [feeder[f"p_loss_kw_{p}"].sum() / 60.0 for p in "abc"],
    })
    worst = consumers.nsmallest(5, "v_min_pu")[["consumer_id", "bus", "phase", "v_min_pu", "energy_kwh",
                                                "loss_share_kwh"]]
    return [("Per phase", per_phase), ("Five consumers with the lowest voltage", worst)]


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    with stages(["site", "loads", "network", "solve", "write", "plots"]) as step:
        day = pipeline.solve_day(cfg, step)
        site, network, loads = day.site, day.network, day.loads
        step("write")
        figures = pipeline.key_figures(day)
        figures["demand_per_consumer_kwh"] = float(loads.energy_kwh().mean())
        frames = pipeline.write_day(out_dir, day)
        feeder, buses = frames["feeder_timeseries"], frames["buses"]
        step("plots")
        images = [
            ("feeder_map.png", "Feeder map coloured by the lowest voltage of the day"),
            ("transformer_loading.png", "Transformer loading over the day"),
            ("phase_loads.png", "Load per phase and neutral current"),
            ("voltage_envelope.png", "Lowest and highest bus voltage each minute"),
        ]
        plots.feeder_map(out_dir / images[0][0], network, site, buses)
        plots.transformer_loading(out_dir / images[1][0], feeder, network.transformer.sn_kva)
        plots.phase_loads(out_dir / images[2][0], feeder)
        plots.voltage_envelope(out_dir / images[3][0], feeder)
        if loads.p_kw_by_class:
            images.append(("socket_classes.png", "Aggregate load by socket class"))
            plots.socket_classes(out_dir / images[-1][0], feeder["minute"].to_numpy(), loads.p_kw_by_class)
        if cfg.task.report:
            context = [
                ("Site", f"{site.name} ({cfg.site.kind})"),
                ("Loads", str(cfg.loads.kind)),
                ("Period", f"{figures['minutes']} minutes at 1-minute resolution"),
                ("Load model", str(cfg.grid.load_model)),
                ("Transformer", f"{network.transformer.sn_kva:.0f} kVA {network.transformer.vector_group}"),
                ("Seed", str(cfg.seed)),
            ]
            write_report(out_dir / "report.html", f"BALANCE Twin: simulated day of {site.name}", figures,
                         context, images, tables=report_tables(feeder, frames["consumers"]))
    return figures
