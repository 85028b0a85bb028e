"""``task=plan``: metering points → modules, concentrators, a radio plan verified by simulation, BoM.

The site comes from ``plan.points_path`` (CSV or GeoJSON of metering points,
docs/planning.md) or, when empty, from the configured ``site`` group. Writes
under ``plan/``: ``summary.json`` (``meters``, ``modules``,
``concentrators``, ``concentrators_optimistic``, ``concentrators_harsh``,
``first_battery_replacement_year``, ``max_hops``, ``pdr_final``,
``install_shifts``, ``capex``, ...), ``bom.csv``, ``modules.csv``, ``concentrators.csv``,
``battery_schedule.csv``, ``battery_by_year.csv``, ``site.json`` and ``map.png``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from dataclasses import replace

from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from analytics.planning.bom import bom
from analytics.planning.config import PlanConfig, check_plan_config, check_prices
from analytics.planning.outputs import write_plan
from analytics.planning.planner import plan_site
from analytics.planning.points import load_points
from scenarios.errors import InputError
from twin import pipeline
from twin.progress import stages

log = logging.getLogger(__name__)


def concentrator_spread(site, plan_cfg: PlanConfig, mesh_cfg, seed: int, dr_ids, existing, mains) -> dict[str, Any]:
    """J100UC the same site needs under the optimistic and the harsh building-type figures.

    Each is a planning run like the main one (same DR points, existing J100UC and
    mains points) with ``mesh.radio.case`` replaced, without the battery run.
    Returns ``concentrators_optimistic``, ``concentrators_harsh`` and whether each
    plan delivers (``..._delivering``).
    """
    out: dict[str, Any] = {}
    quick = replace(plan_cfg, battery_days=0.0)
    for case in ("optimistic", "harsh"):
        cfg_case = replace(mesh_cfg, radio=replace(mesh_cfg.radio, case=case))
        with tqdm(total=plan_cfg.max_iterations, desc=f"{case} plan", unit="run", file=sys.stderr,
                  leave=False) as bar:
            try:
                p = plan_site(site, quick, cfg_case, seed, dr_meter_ids=dr_ids, workers=os.cpu_count() or 1,
                              progress=lambda _: bar.update(1), existing=existing, mains=mains)
            except InputError as exc:
                log.warning("the %s plan failed: %s", case, exc)
                out[f"concentrators_{case}"], out[f"concentrators_{case}_delivering"] = None, False
                continue
        out[f"concentrators_{case}"] = len(p.site.concentrators)
        out[f"concentrators_{case}_delivering"] = p.delivering
    return out


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    plan_cfg: PlanConfig = OmegaConf.to_object(cfg.plan)
    check_plan_config(plan_cfg)
    check_prices(plan_cfg.prices)
    mesh_cfg = OmegaConf.to_object(cfg.mesh)
    with stages(["points", "plan", "spread", "bom", "write"]) as step:
        step("points")
        origin, dr_ids, existing, mains = None, None, (), ()
        if plan_cfg.points_path:
            points = load_points(Path(plan_cfg.points_path))
            site, dr_ids, origin = points.site, points.dr_meter_ids, points.origin_lonlat
            existing, mains = points.existing_concentrators, points.mains
        else:
            site = pipeline.build_site(cfg.site, int(cfg.seed))
        step("plan")
        with tqdm(total=plan_cfg.max_iterations, desc="verification runs", unit="run", file=sys.stderr,
                  leave=False) as bar:
            plan = plan_site(site, plan_cfg, mesh_cfg, int(cfg.seed), dr_meter_ids=dr_ids,
                             workers=os.cpu_count() or 1, progress=lambda _: bar.update(1),
                             existing=existing, mains=mains)
        step("spread")
        spread = concentrator_spread(site, plan_cfg, mesh_cfg, int(cfg.seed), plan.dr_meter_ids, existing, mains)
        step("bom")
        bom_df = bom(plan, plan_cfg.prices, plan_cfg)
        step("write")
        summary = write_plan(out_dir, plan, bom_df, plan_cfg, origin_lonlat=origin, extra=spread)
    if not plan.delivering:
        log.warning("the plan does not deliver: %s", plan.reason)
    return summary
