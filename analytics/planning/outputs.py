"""Files of a plan for the buyer and the installers.

:func:`write_plan` writes into ``out_dir``:

* ``summary.json``: :func:`plan_summary` (strict JSON, ``null`` for a figure
  that cannot be computed);
* ``bom.csv``: the bill of materials (:func:`analytics.planning.bom.bom`);
* ``modules.csv``: one row per module for the installer: ``module_id,
  concentrator_id, x_m, y_m, floor, building, meter_ids`` (``;``-separated),
  ``meters, ad220_meter_id, max_cable_m, hops, parent_id, link_margin_db``,
  plus ``lon, lat`` when the points were projected from degrees;
* ``concentrators.csv``: ``concentrator_id, x_m, y_m, floor, modules, meters``
  (and ``lon, lat``);
* ``battery_schedule.csv`` and ``battery_by_year.csv``: when each cell is due,
  and how many a year;
* ``site.json``: the planned site (``site=file site.path=...`` runs it again);
* ``map.png``: :func:`analytics.planning.plan_map.plot_plan_map`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from mesh_sim.summary import json_safe
from scenarios.generators.metering import cable_length_m
from scenarios.site_io import save_site

from analytics.planning.bom import battery_schedule, capex, install_shifts, replacements_by_year
from analytics.planning.config import CREW_SIZE, PlanConfig, parse_install_date
from analytics.planning.planner import Plan
from scenarios.sources.geo import unproject_xy
from analytics.planning.sitebuild import building_of


def plan_summary(plan: Plan, bom_df: pd.DataFrame, cfg: PlanConfig,
                 schedule: Optional[pd.DataFrame] = None) -> dict[str, Any]:
    """Headline figures of a plan as a strict-JSON-ready dict.

    Keys: ``meters``, ``modules``, ``concentrators``, ``max_hops``,
    ``pdr_final``, ``install_shifts``, ``capex``, ``currency``, then
    ``delivering``, ``reason``, ``iterations`` (one dict per verification
    run), ``battery_life_years_min``/``_median`` and ``relayed_per_day_max``
    (of the battery run, simulated for ``battery_days``, which delivered
    ``battery_run_pdr_final``), ``first_replacement``
    (ISO date) and ``first_battery_replacement_year`` (its year), ``replacements_by_year``, ``install_person_days``,
    ``dr_points``, ``meters_by_kind``, ``modules_by_meter_count``,
    ``unreachable_modules``, ``min_link_margin_db``, ``capex_per_meter``,
    ``verify_days``, ``latency_p95_s``.
    """
    site, s = plan.site, plan.summary
    b = plan.battery_summary or s
    schedule = battery_schedule(plan, parse_install_date(cfg)) if schedule is None else schedule
    by_year = replacements_by_year(schedule)
    shifts = install_shifts(len(site.meters), cfg.points_per_shift)
    total = capex(bom_df)
    due = [d for d in schedule["replace_by"] if d is not None and not pd.isna(d)]
    currency = str(bom_df["currency"].iloc[0]) if len(bom_df) else cfg.prices.currency
    last = plan.iterations[-1] if plan.iterations else None
    return json_safe({
        "meters": len(site.meters),
        "modules": len(site.modules),
        "concentrators": len(site.concentrators),
        "max_hops": s.get("max_hops"),
        "pdr_final": s.get("pdr_final"),
        "install_shifts": shifts,
        "capex": round(total, 2),
        "currency": currency,
        "delivering": plan.delivering,
        "reason": plan.reason,
        "iterations": plan.iterations_table(),
        "battery_life_years_min": b.get("battery_life_years_min"),
        "battery_life_years_median": b.get("battery_life_years_median"),
        "battery_days": b.get("simulated_days"),
        "battery_run_pdr_final": b.get("pdr_final"),
        "first_replacement": min(due).isoformat() if due else None,
        "first_battery_replacement_year": min(due).year if due else None,
        "replacements_by_year": {int(y): int(n) for y, n in zip(by_year["year"], by_year["replacements"])},
        "install_person_days": shifts * CREW_SIZE,
        "points_per_shift": cfg.points_per_shift,
        "dr_points": len(plan.dr_meter_ids),
        "meters_by_kind": dict(sorted(Counter(m.kind.value for m in site.meters).items())),
        "modules_by_meter_count": {str(k): v for k, v in sorted(Counter(len(m.meter_ids)
                                                                        for m in site.modules).items())},
        "unreachable_modules": last.unreachable if last else None,
        "min_link_margin_db": last.min_link_margin_db if last else None,
        "capex_per_meter": round(total / len(site.meters), 2) if site.meters else None,
        "verify_days": cfg.verify_days,
        "relayed_per_day_max": b.get("relayed_per_day_max"),
        "latency_p95_s": s.get("latency_p95_s"),
    })


def modules_table(plan: Plan, origin_lonlat: Optional[tuple[float, float]] = None) -> pd.DataFrame:
    """One row per module for the installer (columns in the module docstring)."""
    meters = {m.meter_id: m for m in plan.site.meters}
    nodes = {n.node_id: n for n in plan.nodes}
    dr = set(plan.dr_meter_ids)
    rows = []
    for mod in plan.site.modules:
        n = nodes.get(mod.module_id)
        first = meters[mod.meter_ids[0]] if mod.meter_ids else None
        row = {
            "module_id": mod.module_id, "concentrator_id": mod.concentrator_id or "",
            "x_m": round(mod.position.x_m, 2), "y_m": round(mod.position.y_m, 2), "floor": mod.position.floor,
            "building": (building_of(plan.site, first.group_id) or first.group_id) if first else "",
            "meter_ids": ";".join(mod.meter_ids), "meters": len(mod.meter_ids),
            "ad220_meter_id": next((x for x in mod.meter_ids if x in dr), ""),
            "max_cable_m": round(max((cable_length_m(mod.position, meters[x].position) for x in mod.meter_ids),
                                     default=0.0), 2),
            "hops": n.hops if n else None, "parent_id": n.parent_id if n else "",
            "link_margin_db": round(n.link_margin_db, 1) if n else None,
        }
        if origin_lonlat is not None:
            row["lon"], row["lat"] = (round(v, 7) for v in unproject_xy(mod.position.x_m, mod.position.y_m,
                                                                        origin_lonlat))
        rows.append(row)
    return pd.DataFrame(rows)


def concentrators_table(plan: Plan, origin_lonlat: Optional[tuple[float, float]] = None) -> pd.DataFrame:
    """One row per J100UC: where it goes and how many modules and meters it serves."""
    rows = []
    for c in plan.site.concentrators:
        mods = [m for m in plan.site.modules if m.concentrator_id == c.concentrator_id]
        row = {"concentrator_id": c.concentrator_id, "x_m": round(c.position.x_m, 2),
               "y_m": round(c.position.y_m, 2), "floor": c.position.floor, "modules": len(mods),
               "meters": sum(len(m.meter_ids) for m in mods)}
        if origin_lonlat is not None:
            row["lon"], row["lat"] = (round(v, 7) for v in unproject_xy(c.position.x_m, c.position.y_m,
                                                                        origin_lonlat))
        rows.append(row)
    return pd.DataFrame(rows)


def write_plan(out_dir: str | Path, plan: Plan, bom_df: pd.DataFrame, cfg: PlanConfig,
               origin_lonlat: Optional[tuple[float, float]] = None, with_map: bool = True,
               extra: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Writes the plan's files (module docstring) into ``out_dir``; returns the summary.

    ``extra``: more summary keys (e.g. ``concentrators_optimistic`` / ``_harsh``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    schedule = battery_schedule(plan, parse_install_date(cfg))
    summary = plan_summary(plan, bom_df, cfg, schedule)
    if extra:
        summary.update(json_safe(extra))
    (out / "summary.json").write_text(json.dumps(summary, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    bom_df.to_csv(out / "bom.csv", index=False)
    modules_table(plan, origin_lonlat).to_csv(out / "modules.csv", index=False)
    concentrators_table(plan, origin_lonlat).to_csv(out / "concentrators.csv", index=False)
    sched = schedule.copy()
    sched["replace_by"] = [d.isoformat() if d is not None and not pd.isna(d) else "" for d in sched["replace_by"]]
    sched.round({"relayed_per_day": 2, "battery_life_years": 3}).to_csv(out / "battery_schedule.csv", index=False)
    replacements_by_year(schedule).to_csv(out / "battery_by_year.csv", index=False)
    save_site(plan.site, out / "site.json")
    if with_map:
        from analytics.planning.plan_map import plot_plan_map

        plot_plan_map(out / "map.png", plan)
    return summary
