"""``task=roi``: cash flow, payback, NPV, IRR, tornado, Monte Carlo and ``report.html``.

Inputs are typed in (the ``roi`` config group) or taken from earlier runs:
``task.plan_dir`` (a ``plan/`` folder: the bill of materials becomes the
capex, its module count the modules) and ``task.analytics_dir`` (an
``analytics/`` folder: the measured imbalance becomes the losses before,
the suspects' hidden energy the theft recovered) and ``task.dr_dir`` (a
``dr/`` folder: the transformer upgrade counts as avoided only if combined DR
+ DLM kept the transformer within rating). Writes under ``roi/``:
``summary.json`` (``payback_months``, ``discounted_payback_months``, ``npv``,
``irr``, Monte-Carlo statistics, brochure checks), ``cashflow.csv``,
``cashflow_monthly.csv``, ``tornado.csv``/``.png``, ``payback_mc.csv``/``.png``,
``cashflow.png`` and ``report.html``.

Without ``task.plan_dir`` / ``task.analytics_dir``, the ``plan/`` and
``analytics/`` folders of the same run folder are used when they are there
(``task=plan``, ``task=analytics`` and ``task=roi`` run with the same
``hydra.run.dir``): the default estimate then takes the plan's bill of
materials and the analytics' measured losses. Measured inputs are used as
measured (:mod:`analytics.roi.measured`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig

from analytics.roi.config import from_mapping, with_inputs
from analytics.roi.report import run_roi
from scenarios.errors import InputError
from twin.progress import stages


def _read_json(path: Path, key: str) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{key}: {path} not found (give the folder a plan/analytics run wrote)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{key}: {path} is not valid JSON ({exc.msg} at line {exc.lineno})") from exc


def from_plan(plan_dir: Path) -> tuple[dict[str, float], pd.DataFrame]:
    """Capex and modules of a ``plan/`` folder, and its bill of materials for the report."""
    summary = _read_json(plan_dir / "summary.json", "task.plan_dir")
    for key in ("capex", "modules"):
        if summary.get(key) is None:
            raise InputError(f"task.plan_dir: {plan_dir / 'summary.json'} has no '{key}'")
    bom_path = plan_dir / "bom.csv"
    bom = pd.read_csv(bom_path) if bom_path.is_file() else None
    values = {"capex_equipment": float(summary["capex"]), "equipment_per_flat": 0.0, "installation_per_flat": 0.0,
              "modules": int(summary["modules"])}
    return values, bom


def from_analytics(analytics_dir: Path, tariff_per_kwh: float) -> dict[str, float]:
    """Losses before (measured imbalance at the top level with consumers) and theft recovered per year."""
    summary = _read_json(analytics_dir / "summary.json", "task.analytics_dir")
    values: dict[str, float] = {}
    for level in ("district", "street", "building", "entrance"):
        pct = summary.get(f"imbalance_pct_{level}")
        if pct:
            values["losses_before_pct"] = float(pct)
            break
    suspects = analytics_dir / "suspects.csv"
    if suspects.is_file() and tariff_per_kwh > 0:
        stolen = pd.read_csv(suspects)["stolen_kwh_per_day"].fillna(0.0).sum()
        values["theft_recovered_per_year"] = float(stolen) * 365.0 * tariff_per_kwh
    return values


def from_dr(dr_dir: Path, typed_upgrade: float) -> tuple[dict[str, float], str]:
    """The transformer upgrade counts as avoided only if the DR run kept the transformer within rating."""
    summary = _read_json(dr_dir / "summary.json", "task.dr_dir")
    over = summary.get("combined_minutes_over_rating")
    if over is None:
        raise InputError(f"task.dr_dir: {dr_dir / 'summary.json'} has no 'combined_minutes_over_rating' "
                         "(give a task=dr run that includes the combined strategy)")
    if int(over) == 0:
        return {"transformer_upgrade_avoided": typed_upgrade}, (
            "The DR run keeps the transformer within rating with combined DR + DLM, so the upgrade is avoided.")
    return {"transformer_upgrade_avoided": 0.0}, (
        f"The DR run still has {int(over)} minutes over rating with combined DR + DLM: the transformer upgrade "
        "is not counted as avoided.")


def _sibling(out_dir: Path, task: str) -> str:
    """``<run folder>/<task>`` when an earlier task of the same run wrote its summary there, else ""."""
    folder = Path(out_dir).parent / task
    return str(folder) if (folder / "summary.json").is_file() else ""


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    with stages(["inputs", "estimate"]) as step:
        step("inputs")
        roi = from_mapping(cfg.roi)
        plan = None
        plan_dir = cfg.task.plan_dir or _sibling(out_dir, "plan")
        analytics_dir = cfg.task.analytics_dir or _sibling(out_dir, "analytics")
        if plan_dir:
            values, plan = from_plan(Path(plan_dir))
            roi = with_inputs(roi, values, f"plan run {plan_dir}")
        if analytics_dir:
            values = from_analytics(Path(analytics_dir), roi.tariff_per_kwh)
            roi = with_inputs(roi, values, f"measured by the analytics run {analytics_dir}", measured=True)
        notes = []
        if cfg.task.dr_dir:
            values, note = from_dr(Path(cfg.task.dr_dir), roi.transformer_upgrade_avoided)
            roi = with_inputs(roi, values, f"DR run {cfg.task.dr_dir}", measured=True)
            notes.append(note)
        step("estimate")
        result = run_roi(roi, out_dir, plan=plan, sources=roi.input_sources, notes=notes)
    keys = ("payback_months", "discounted_payback_months", "npv", "irr")
    out = {k: result.get(k) for k in keys}
    out.update({k: v for k, v in result.items() if k not in out})
    return out
