"""``task=dr``: DR and DLM strategies side by side on one feeder, same homes, same seed.

Writes under ``dr/``:

* ``comparison.csv``: one row per ``strategy`` (``none``, ``dr``, ``dlm``,
  ``combined``): ``peak_kw``, ``minutes_over_rating``, ``energy_shifted_kwh``,
  ``energy_not_served_kwh``, ``comfort_violation_minutes``,
  ``mean_command_latency_s``, ``customer_cost_total``, ``losses_kwh``, then
  further columns (definitions in ``twin.control.comparison``).
* ``participation_sweep.csv``: ``participation``, ``peak_kw``,
  ``minutes_over_rating`` (+ ``max_loading_pct``, ...) of the combined strategy.
* ``timeseries.csv``: per strategy and minute: transformer power, loading
  (total and per phase), losses, lowest voltage, RED/YELLOW/GREEN demand.
* ``bills.csv``: per strategy, customer and month: the bill.
* ``robustness.csv``: ``dr`` and ``combined`` with the forecast error tripled
  and with the radio degraded (``twin.control.robustness``).
* ``report.md``: the verdict on the vendor's 40 % claim and why, each
  strategy's gap to the ``optimal_bound`` (perfect-foresight programme).
* ``transformer_load.png``, ``phase_loading.png``, ``participation.png``.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from tqdm.auto import tqdm

from twin.control import comparison, plots
from twin.control.billing import bill
from twin.control.bound import bound_inputs, start_bounds
from twin.control.closed_loop import StrategyRun
from twin.control.report import write_report
from twin.control.robustness import robustness_runs
from twin.control.study import Study, build_study, run_study
from twin.progress import stages

#: The vendor's participation claim (docs/domain.md).
CLAIMED_PARTICIPATION = 0.4


def jobs_of(strategies: list[str], participation: float, sweep: list[float],
            sweep_strategies: tuple[str, ...] = ("combined",)) -> list[tuple[str, float]]:
    """Unique (strategy, participation) runs: the strategies, then the sweep of each swept strategy."""
    jobs = [(s, 0.0 if s == "none" else float(participation)) for s in strategies]
    if "none" not in strategies:
        jobs.insert(0, ("none", 0.0))
    for s in sweep_strategies:
        for p in sweep:
            if (s, float(p)) not in jobs:
                jobs.append((s, float(p)))
    return jobs


def timeseries_frame(runs: list[StrategyRun], study: Study) -> pd.DataFrame:
    """Per strategy and minute: what the plots show."""
    frames = []
    for run in runs:
        t = len(run.loading_pct)
        frames.append(pd.DataFrame({
            "strategy": run.strategy, "minute": np.arange(t),
            "time": [(study.start + pd.Timedelta(minutes=int(m))).isoformat() for m in range(t)],
            "tariff_zone": study.zone_names[:t], "p_trafo_kw": run.p_trafo_kw, "loading_pct": run.loading_pct,
            "loading_pct_a": run.phase_loading_pct[0], "loading_pct_b": run.phase_loading_pct[1],
            "loading_pct_c": run.phase_loading_pct[2], "p_loss_kw": run.p_loss_kw, "v_min_pu": run.v_min_pu,
            "p_red_kw": run.p_class_kw[0], "p_yellow_kw": run.p_class_kw[1], "p_green_kw": run.p_class_kw[2]}))
    return pd.concat(frames, ignore_index=True)


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    with stages(["site", "households", "network", "radio", "strategies", "bound", "write"]) as step:
        study = build_study(cfg, step)
        dr = study.plan.cfg
        step("strategies")
        swept = tuple(dict.fromkeys(["combined", *[x for x in dr.sweep_strategies if x not in ("none", "combined")]]))
        jobs = jobs_of(list(dr.strategies), dr.participation, list(dr.sweep), swept)
        robust = [s for s in ("dr", "combined") if s in dr.strategies] if dr.robustness else []
        total = len(jobs) + 2 * len(robust)
        ambient, thermal = study.ambient_c, dr.thermal
        ps = sorted({float(dr.participation), *[float(x) for x in dr.sweep]}) if dr.bound else []
        with tqdm(total=total, desc="strategies", unit="run", file=sys.stderr, leave=False) as bar:
            runs = run_study(study, jobs[:1], done=lambda _: bar.update(1))
            # The optimal_bound programmes run in a worker process while the closed loops go on.
            pending = start_bounds(study.none_run, [study.plan.participants(p) for p in ps], ps,
                                   bound_inputs(study)) if ps else None
            runs += run_study(study, jobs[1:], done=lambda _: bar.update(1))
            extra = robustness_runs(study, robust, float(dr.participation), done=lambda _: bar.update(1)) \
                if robust and dr.central.mode == "forecast" else []
        step("bound")
        bounds: dict[float, dict[str, Any]] = {}
        for b in (pending.result() if pending is not None else []):
            bounds[round(b.participation, 6)] = comparison.bound_row(b, study.none_run, ambient, thermal)
        step("write")
        by_job = dict(zip(jobs, runs))
        baseline = by_job[("none", 0.0)]
        ids = [c.consumer_id for c in study.site.consumers]
        occupants = np.array([c.occupants for c in study.site.consumers])
        bills, costs = [], {}
        for (strategy, p), r in by_job.items():
            b = bill(ids, r.p_kw, study.start, study.tariff, occupants=occupants)
            costs[(strategy, p)] = float(b["total"].sum())
            if (strategy in dr.strategies or strategy == "none") and (strategy == "none" or p == dr.participation):
                b.insert(0, "strategy", strategy)
                bills.append(b)
        limit = dr.guard.yellow_max_off_min
        main = [(s, 0.0 if s == "none" else float(dr.participation)) for s in dr.strategies]
        rows = [comparison.row(by_job[j], baseline, costs[j], limit, ambient, thermal) for j in main]
        sweep = [comparison.row(by_job[("combined", float(p))], baseline, costs[("combined", float(p))], limit,
                                ambient, thermal) for p in dr.sweep]
        bound_main = bounds.get(round(float(dr.participation), 6))
        if bound_main is not None:
            rows.append(dict(bound_main))
        comparison.add_gaps(rows, bounds)
        comparison.add_gaps(sweep, bounds)
        others = [comparison.row(by_job[(x, float(p))], baseline, costs[(x, float(p))], limit, ambient, thermal)
                  for x in swept[1:] for p in dr.sweep]
        comparison.add_gaps(others, bounds)
        bound_sweep = [dict(bounds[round(float(p), 6)]) for p in dr.sweep if round(float(p), 6) in bounds]
        comparison.add_gaps(bound_sweep, bounds)
        sweep_all = sweep + others + bound_sweep
        pd.DataFrame(rows).to_csv(out_dir / "comparison.csv", index=False, float_format="%.10g")
        robust_rows = []
        for r in extra:
            rr = comparison.row(r, baseline, float("nan"), limit, ambient, thermal)
            rr["variant"] = r.variant
            robust_rows.append(rr)
        comparison.add_gaps(robust_rows, bounds)
        if robust_rows:
            rf = pd.DataFrame(robust_rows)
            rf = rf[["variant"] + [c for c in rf.columns if c != "variant"]]
            rf.to_csv(out_dir / "robustness.csv", index=False, float_format="%.10g")
        sweep_frame = pd.DataFrame(sweep_all)
        if not sweep_frame.empty:
            first = ["participation", "peak_kw", "minutes_over_rating"]
            # ``strategy`` (combined, or optimal_bound) goes last so the first columns stay as they were.
            sweep_frame = sweep_frame[[c for c in sweep_frame.columns if c != "strategy"] + ["strategy"]]
            sweep_frame = sweep_frame[first + [c for c in sweep_frame.columns if c not in first]]
        sweep_frame.to_csv(out_dir / "participation_sweep.csv", index=False, float_format="%.10g")
        shown = [by_job[j] for j in main]
        timeseries_frame(shown, study).to_csv(out_dir / "timeseries.csv", index=False, float_format="%.7g")
        pd.concat(bills, ignore_index=True).to_csv(out_dir / "bills.csv", index=False, float_format="%.4f")
        plots.transformer_load(out_dir / "transformer_load.png", shown, study.rating_kva, study.plan.peak)
        plots.phase_loading(out_dir / "phase_loading.png", shown, study.plan.peak)
        if sweep:
            plots.participation_curve(out_dir / "participation.png", sweep, CLAIMED_PARTICIPATION)
        conservation = max(comparison.conservation_error_kwh(r, baseline) for r in runs)
        needed = comparison.within_rating_participation(sweep) if sweep else None
        figures = summary_figures(rows, sweep, needed, conservation, study)
        figures["optimal_bound_participation_needed"] = comparison.within_rating_participation(bound_sweep) \
            if bound_sweep else None
        figures.update(study.forecast_error or {})
        violations = comparison.monotone_violations(sweep) if sweep else []
        figures["combined_monotone_violations"] = len(violations)
        # From the first participation that controls anything (0 % has no shed, so any shed is a rise from it).
        figures["combined_monotone_violations_from_first_controlled"] = len(
            comparison.monotone_violations([r for r in sweep if r["participation"] > 0]))
        write_report(out_dir / "report.md", study, by_job, rows, sweep, figures, CLAIMED_PARTICIPATION,
                     bound_sweep=bound_sweep, robustness=robust_rows, other_sweeps=others, violations=violations)
    return figures


def summary_figures(rows: list[dict[str, Any]], sweep: list[dict[str, Any]], needed: float | None,
                    conservation_kwh: float, study: Study) -> dict[str, Any]:
    """Key figures for summary.json and MLflow."""
    figures: dict[str, Any] = {"homes": int(study.fleet.n), "minutes": int(study.fleet.minutes),
                               "rating_kva": study.rating_kva, "latency_source": study.latency_source,
                               "participation_needed": needed,
                               "deferred_energy_conservation_error_kwh": conservation_kwh}
    for r in rows:
        s = r["strategy"]
        for key in ("peak_kw", "max_loading_pct", "minutes_over_rating", "energy_not_served_kwh",
                    "comfort_violation_minutes", "customer_cost_total", "losses_kwh", "yellow_off_longest_min",
                    "hot_spot_max_c", "ageing_days", "minutes_over_rating_3ph_avg"):
            if key in r and not (isinstance(r[key], float) and math.isnan(r[key])):
                figures[f"{s}_{key}"] = r[key]
        if not math.isnan(r["mean_command_latency_s"]):
            figures[f"{s}_mean_command_latency_s"] = r["mean_command_latency_s"]
    at_claim = [r for r in sweep if abs(r["participation"] - CLAIMED_PARTICIPATION) < 1e-9]
    if at_claim:
        figures["within_rating_at_40pct"] = at_claim[0]["minutes_over_rating"] == 0
    return figures
