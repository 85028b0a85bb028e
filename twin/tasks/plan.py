"""``task=plan``: metering points → modules, concentrators, a radio plan verified by simulation, BoM.

The site comes from ``plan.points_path`` (CSV or GeoJSON of metering points,
docs/planning.md) or, when empty, from the configured ``site`` group. Writes
under ``plan/``: ``summary.json`` (``meters``, ``modules``,
``concentrators``, ``max_hops``, ``pdr_final``, ``install_shifts``,
``capex``, ...), ``bom.csv``, ``modules.csv``, ``concentrators.csv``,
``battery_schedule.csv``, ``battery_by_year.csv``, ``site.json``, ``map.png``,
and ``map.geojson`` / ``map.kml`` (modules, concentrators, mesh links with hop
and margin, unreachable modules; WGS84 when the input was geo-referenced).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from analytics.planning.bom import bom
from analytics.planning.geo_export import write_plan_geo
from analytics.planning.config import PlanConfig, check_plan_config, check_prices
from analytics.planning.outputs import write_plan
from analytics.planning.planner import plan_site
from analytics.planning.points import load_points
from twin import pipeline
from twin.progress import stages

log = logging.getLogger(__name__)


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    plan_cfg: PlanConfig = OmegaConf.to_object(cfg.plan)
    check_plan_config(plan_cfg)
    check_prices(plan_cfg.prices)
    mesh_cfg = OmegaConf.to_object(cfg.mesh)
    with stages(["points", "plan", "bom", "write"]) as step:
        step("points")
        origin, dr_ids = None, None
        if plan_cfg.points_path:
            points = load_points(Path(plan_cfg.points_path))
            site, dr_ids, origin = points.site, points.dr_meter_ids, points.origin_lonlat
        else:
            site = pipeline.build_site(cfg.site, int(cfg.seed))
            origin = site.origin_lonlat
        step("plan")
        with tqdm(total=plan_cfg.max_iterations, desc="verification runs", unit="run", file=sys.stderr,
                  leave=False) as bar:
            plan = plan_site(site, plan_cfg, mesh_cfg, int(cfg.seed), dr_meter_ids=dr_ids,
                             workers=os.cpu_count() or 1, progress=lambda _: bar.update(1))
        step("bom")
        bom_df = bom(plan, plan_cfg.prices, plan_cfg)
        step("write")
        summary = write_plan(out_dir, plan, bom_df, plan_cfg, origin_lonlat=origin)
        write_plan_geo(out_dir, plan, origin)
    if not plan.delivering:
        log.warning("the plan does not deliver: %s", plan.reason)
    return summary
