"""Deployment planner: from metering points to modules, concentrators, BoM and schedules.

Read a points file (:func:`load_points`), plan and verify the radio network
(:func:`plan_site`), price it (:func:`bom`) and write the files
(:func:`write_plan`); see ``docs/planning.md``.
"""

from analytics.planning.bom import battery_schedule, bom, install_shifts, replacements_by_year
from analytics.planning.config import PlanConfig, PriceList
from analytics.planning.outputs import plan_summary, write_plan
from analytics.planning.planner import Iteration, Plan, plan_site
from analytics.planning.points import MeteringPoints, Point, load_points

__all__ = [
    "Iteration", "MeteringPoints", "Plan", "PlanConfig", "Point", "PriceList", "battery_schedule", "bom",
    "install_shifts", "load_points", "plan_site", "plan_summary", "replacements_by_year", "write_plan",
]
