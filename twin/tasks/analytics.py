"""``task=analytics``: balances, losses, theft and faulty meters, forecasts, alerts, phase moves.

``balance-twin task=analytics data_dir=DIR`` (the root key ``data_dir``) analyses meter data in the
interchange format (docs/data-format.md); without ``data_dir`` it simulates
the site's meters (with known anomalies injected), exports them in that
format under ``analytics/input/`` and analyses the export, scoring the
detector against the truth.

Writes under ``analytics/``: ``balances.csv`` (``group_id, level, date,
input_kwh, consumers_kwh, imbalance_kwh, imbalance_pct, technical_loss_kwh``,
then ``equipment_kwh, unexplained_kwh, subtree_imbalance_kwh,
filled_readings, missing_input_hours``), ``gaps.csv`` (runs of missing
hours per meter), ``suspects.csv`` (``group_id,
meter_id, rank, score, anomaly_start``, then ``stolen_kwh_per_day,
evidence, kind``; ``kind = group_meter_fault`` names a faulty group meter),
``alerts.csv`` (with a ``group_meter_fault`` alert per faulty group meter), ``phase_moves.csv``, ``rejects.csv``,
``forecasts.csv``, ``verification.csv``, ``loss_models.csv``, the plots
``imbalance.png`` and ``suspect_evidence.png``; with simulated data also
``truth.csv`` and ``evaluation.json``.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from analytics import plots
from analytics.balances import daily_table
from analytics.config import AnalyticsConfig
from analytics.calendar import site_zone
from analytics.data_format.verdict import check_reject_share, import_line
from analytics.pipeline import Prepared, detect, prepare
from analytics.suspects import suspects_frame
from scenarios.errors import InputError
from twin import pipeline
from twin.progress import stages

log = logging.getLogger(__name__)


def simulate_input(cfg: DictConfig, acfg: AnalyticsConfig, out: Path) -> tuple[Any, pd.DataFrame, dict[str, float]]:
    """Simulates the site's meters with anomalies, exports them to ``out``; returns (site, truth, equipment W)."""
    from analytics.export import write_site_data
    from analytics.inject import draw_anomalies, truth_frame
    from analytics.synth import SynthConfig, make_data

    sim = acfg.simulated
    check_simulated_days(sim.days, sim.anomaly_share, acfg.theft.clean_days)
    site = pipeline.build_site(cfg.site, int(cfg.seed))
    synth_cfg = SynthConfig(days=sim.days, start=sim.start, gap_share=sim.gap_share, water_leak_share=0.05,
                            timezone=acfg.timezone or "")
    consumer_meters = [m.meter_id for m in site.meters
                       if m.consumer_id and m.kind.value == "electricity"]
    group_of = {m.meter_id: m.group_id for m in site.meters}
    anomalies = draw_anomalies(consumer_meters, sim.days, sim.anomaly_share, int(cfg.seed),
                               min_start_day=acfg.theft.clean_days, groups=group_of,
                               max_per_group=sim.max_per_group or None, min_days_after=_days_after(sim.days))
    data = make_data(site, synth_cfg, int(cfg.seed), anomalies)
    write_site_data(out, site, data.meter_ids, data.start, data.values, parquet=sim.parquet)
    return site, truth_frame(anomalies, data.start), data.equipment_w()


def _days_after(days: int) -> int:
    """Days of simulated data left after an injected anomaly starts."""
    return min(10, days // 3)


def check_simulated_days(days: int, anomaly_share: float, clean_days: int) -> None:
    """Raises InputError naming ``analytics.simulated.days`` and its minimum when anomalies cannot fit.

    An anomaly starts after ``clean_days`` clean days (the detector learns
    from them) and leaves :func:`_days_after` days of data after its start.
    """
    if days < 1:
        raise InputError(f"analytics.simulated.days: must be >= 1, got {days}")
    if anomaly_share <= 0:
        return
    need = 1
    while need - _days_after(need) < clean_days:
        need += 1
    if days < need:
        raise InputError(f"analytics.simulated.days: {days} is too short to inject anomalies; the minimum is {need} "
                         f"({clean_days} clean days, analytics.theft.clean_days, then {_days_after(need)} days "
                         "with the anomaly), or set analytics.simulated.anomaly_share=0")


def import_window(cfg: DictConfig, acfg: AnalyticsConfig) -> dict[str, Any]:
    """``read_dir`` arguments of the plausible time range: simulated data may lie in the future."""
    now = pd.Timestamp.now(tz="UTC")
    if not cfg.data_dir:
        now = max(now, pd.Timestamp(acfg.simulated.start) + pd.Timedelta(days=acfg.simulated.days))
    return {"earliest": acfg.earliest_timestamp, "days_ahead": acfg.max_days_ahead, "now": now}


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the task, writing into ``out_dir``; returns the key figures."""
    from analytics.data_format import read_dir

    acfg: AnalyticsConfig = OmegaConf.to_object(cfg.analytics)
    site, truth = None, None
    equipment = dict(acfg.equipment_w_by_group)
    with stages(["data", "import", "balances", "forecasts", "phases", "evaluate", "write"]) as step:
        step("data")
        if cfg.data_dir:
            data_dir = Path(cfg.data_dir)
            if not data_dir.is_dir():
                raise InputError(f"data_dir: '{data_dir}' is not a directory")
        else:
            data_dir = out_dir / "input"
            site, truth, sim_equipment = simulate_input(cfg, acfg, data_dir)
            equipment = {**sim_equipment, **equipment}
            truth.to_csv(out_dir / "truth.csv", index=False)
        step("import")
        data = read_dir(data_dir, absurd_kwh_per_hour=acfg.absurd_kwh_per_hour,
                        absurd_m3_per_hour=acfg.absurd_m3_per_hour, **import_window(cfg, acfg))
        print(import_line(data, str(data_dir)), flush=True)
        check_reject_share(data, f"data_dir {data_dir}", acfg.max_reject_share)
        data.rejects.to_csv(out_dir / "rejects.csv", index=False)
        data.gaps().to_csv(out_dir / "gaps.csv", index=False)
        zone = site_zone(acfg.timezone, acfg.utc_offset_h, data.tz)
        prep = prepare(data, zone)
        step("balances")
        suspects, scores, bal = detect(prep, acfg.theft, equipment)
        daily = daily_table(bal, prep.local_date)
        if site is not None and site.network is not None:
            daily = add_grid_losses(cfg, site, prep, bal, daily)
        daily.to_csv(out_dir / "balances.csv", index=False, float_format="%.6f")
        frame = suspects_frame(suspects, prep.day_dates())
        frame.to_csv(out_dir / "suspects.csv", index=False, float_format="%.4f")
        pd.DataFrame([{"group_id": b.unit.group_id, "level": b.unit.level, "fixed_kwh_per_h": b.loss_model.fixed_kwh_per_h,
                       "k_per_kwh": b.loss_model.k_per_kwh, "clean_hours": b.loss_model.hours_used,
                       "rmse_kwh": b.loss_model.rmse_kwh} for b in bal]).to_csv(out_dir / "loss_models.csv",
                                                                             index=False)
        step("forecasts")
        figures_extra = forecasts_and_alerts(prep, acfg, frame, out_dir)
        step("phases")
        phase_summary = phase_moves(cfg, acfg, prep, site, out_dir)
        step("evaluate")
        metrics = None
        if truth is not None:
            from analytics.harness import score

            with tqdm(total=max(prep.days - acfg.theft.clean_days, 1), desc="detector day by day", unit="day",
                      file=sys.stderr, leave=False) as bar:
                metrics, _ = score(prep, truth, acfg.theft, equipment, progress=lambda d: bar.update(1))
            (out_dir / "evaluation.json").write_text(json.dumps(metrics, indent=2, default=float) + "\n")
        step("write")
        groups = (daily.groupby("group_id")["unexplained_kwh"].sum().sort_values(ascending=False)
                  .head(acfg.plots_groups).index.tolist()) if len(daily) else []
        plots.imbalance(out_dir / "imbalance.png", bal, daily, prep, groups)
        plots.suspect_evidence(out_dir / "suspect_evidence.png", frame, bal, prep)
    return summary(prep, data, daily, frame, metrics, phase_summary, figures_extra)


def consumer_loads_kw(site, prep: Prepared) -> np.ndarray:
    """(n_consumers, H) each consumer's registered hourly electricity (gaps filled), in site order: kWh per hour
    is the hour's mean kW. The power flows of the grid losses and of the phase moves both solve it."""
    meter_of = {m.consumer_id: m.meter_id for m in site.meters if m.consumer_id and m.kind.value == "electricity"}
    return np.stack([np.nan_to_num(prep.filled[prep.row_of[meter_of[c.consumer_id]]]) for c in site.consumers])


def add_grid_losses(cfg: DictConfig, site, prep: Prepared, bal, daily: pd.DataFrame) -> pd.DataFrame:
    """Adds ``technical_loss_grid_kwh``: each group's cable and transformer losses from the power flow.

    The network is known (a simulated site): the registered hourly consumption
    of every consumer is solved on it and each line's losses go to the balance
    group whose meter is upstream of it (:mod:`analytics.grid_losses`). The
    fitted model stays the balance's ``technical_loss_kwh``: it also takes in
    what the network model does not know (connections, the meters' own errors).
    """
    from analytics.grid_losses import group_losses_kwh

    p_kw = consumer_loads_kw(site, prep)
    losses = group_losses_kwh(site, [b.unit for b in bal], p_kw, p_kw * np.tan(np.arccos(0.95)), cfg.grid)
    dates, inverse = np.unique(prep.local_date, return_inverse=True)
    rows = []
    for g, series in losses.items():
        rows.append(pd.DataFrame({"group_id": g, "date": dates,
                                  "technical_loss_grid_kwh": np.bincount(inverse, weights=series,
                                                                         minlength=len(dates))}))
    grid = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["group_id", "date",
                                                                                "technical_loss_grid_kwh"])
    out = daily.merge(grid, on=["group_id", "date"], how="left")
    out["technical_loss_grid_kwh"] = out["technical_loss_grid_kwh"].fillna(0.0)
    return out


def forecasts_and_alerts(prep: Prepared, acfg: AnalyticsConfig, suspects: pd.DataFrame,
                         out_dir: Path) -> dict[str, Any]:
    """Writes ``forecasts.csv``, ``alerts.csv`` and ``verification.csv``."""
    from analytics.alerts import alerts
    from analytics.forecasts import month_forecast
    from analytics.verification import verification_dates

    hours = prep.hours_utc.tz_convert(prep.zone)
    meters = prep.meters
    consumer = meters["customer_id"].fillna("").astype(str).str.strip() != ""
    ids = meters.loc[consumer, "meter_id"].astype(str).tolist()
    rows = [prep.row_of[m] for m in ids]
    group_of = dict(zip(meters["meter_id"].astype(str), meters["group_id"].astype(str)))
    kind_of = dict(zip(meters["meter_id"].astype(str), meters["kind"].astype(str)))
    try:
        forecast = month_forecast(prep.raw[rows], ids, hours, group_of, acfg.forecast, kind_of=kind_of)
    except ValueError as exc:  # too little data for a month-end forecast, or as_of outside the data
        if "as_of" not in str(exc) and "no hours" not in str(exc):
            raise
        if acfg.forecast.as_of:
            raise InputError(f"analytics.forecast.as_of: {exc}") from None
        first = hours[0].isoformat() if len(hours) else "-"
        raise InputError(f"analytics.forecast.as_of: the readings cover {len(hours)} hour(s) from {first} and no "
                         "full local day, which the month-end forecast needs; give at least one full day of "
                         "readings or set analytics.forecast.as_of=YYYY-MM-DD") from None
    forecast.to_csv(out_dir / "forecasts.csv", index=False, float_format="%.4f")
    found = alerts(prep.raw[rows], ids, hours, kind_of, forecast, acfg.alerts)
    faults = suspects[suspects["kind"] == "group_meter_fault"] if "kind" in suspects else suspects.iloc[0:0]
    if len(faults):  # a faulty group meter is an alert of its own (and in suspects.csv with its kind)
        extra = pd.DataFrame({"meter_id": faults["meter_id"], "date": faults["anomaly_start"],
                              "kind": "group_meter_fault", "value": faults["stolen_kwh_per_day"], "limit": np.nan,
                              "unit": "kWh/day", "message": faults["evidence"]})
        found = pd.concat([found, extra], ignore_index=True) if len(found) else extra
    found.to_csv(out_dir / "alerts.csv", index=False, float_format="%.4f")
    electricity = [m for m in ids if kind_of[m] == "electricity"]
    daily_mean = np.nanmean(prep.raw[[prep.row_of[m] for m in electricity]], axis=1) * 24.0
    table = pd.DataFrame({"meter_id": electricity, "annual_kwh": np.nan_to_num(daily_mean) * 365.0})
    table["installed"] = meters.set_index("meter_id").reindex(electricity)["installed"].to_numpy() \
        if "installed" in meters.columns else acfg.meters_installed
    err = {}
    for _, s in suspects[suspects["kind"] != "group_meter_fault"].iterrows() if "kind" in suspects else []:
        reg = float(np.nanmean(prep.raw[prep.row_of[s["meter_id"]]]) * 24.0)
        stolen = float(s["stolen_kwh_per_day"]) if np.isfinite(s["stolen_kwh_per_day"]) else np.nan
        if np.isfinite(stolen) and reg + stolen > 0:
            err[s["meter_id"]] = 100.0 * stolen / (reg + stolen)
    table["measured_error_pct"] = [err.get(m, np.nan) for m in electricity]
    as_of = prep.local[-1].tz_localize(None).normalize()
    verification_dates(table, acfg.verification, as_of).to_csv(out_dir / "verification.csv", index=False,
                                                                float_format="%.4f")
    return {"alerts": int(len(found)), "water_leak_alerts": int((found["kind"] == "water_leak").sum())
            if len(found) else 0}


def phase_moves(cfg: DictConfig, acfg: AnalyticsConfig, prep: Prepared, site, out_dir: Path) -> dict[str, Any]:
    """``phase_moves.csv`` when the network is known (a simulated site), else an empty table."""
    from analytics.phases import PhaseBalanceConfig, recommend

    columns = ["consumer_id", "bus", "from_phase", "to_phase", "action"]
    if site is None or site.network is None:
        pd.DataFrame(columns=columns).to_csv(out_dir / "phase_moves.csv", index=False)
        log.info("phase moves: no network known for this data (give a simulated site), none recommended")
        return {}
    p_kw = consumer_loads_kw(site, prep)
    q_kvar = p_kw * np.tan(np.arccos(0.95))

    def engine_factory(s):
        return pipeline.build_engine(cfg.grid, s)[1]

    moves, info = recommend(site, p_kw, q_kvar, PhaseBalanceConfig(max_moves=acfg.phase_moves_max, step_minutes=60.0),
                            engine_factory)
    moves.to_csv(out_dir / "phase_moves.csv", index=False, float_format="%.4f")
    return info


def summary(prep: Prepared, data, daily: pd.DataFrame, suspects: pd.DataFrame, metrics: dict | None,
            phases: dict, extra: dict) -> dict[str, Any]:
    """Key figures for summary.json and MLflow."""
    out: dict[str, Any] = {
        "meters": int(len(prep.meter_ids)), "groups": int(daily["group_id"].nunique()) if len(daily) else 0,
        "days": prep.days, "readings": int(len(data.readings)), "rejected_rows": int(len(data.rejects)),
        "suspects": int(len(suspects)),
        "group_meter_faults": int((suspects["kind"] == "group_meter_fault").sum()) if "kind" in suspects else 0,
        **extra,
    }
    for level, rows in daily.groupby("level"):
        energy = float(rows["input_kwh"].sum())
        if energy > 0:
            out[f"imbalance_pct_{level}"] = 100.0 * float(rows["imbalance_kwh"].sum()) / energy
            out[f"technical_loss_pct_{level}"] = 100.0 * float(rows["technical_loss_kwh"].sum()) / energy
            if "technical_loss_grid_kwh" in rows:
                out[f"technical_loss_grid_pct_{level}"] = (100.0 * float(rows["technical_loss_grid_kwh"].sum())
                                                          / energy)
    for k in ("moves", "losses_before_kwh", "losses_after_kwh", "loss_reduction_pct"):
        if k in phases:
            out[f"phase_{k}"] = phases[k]
    if metrics:
        for k in ("precision", "recall", "auc", "f1", "detection_delay_days_median", "start_error_days"):
            if k in metrics:
                out[f"detector_{k}"] = metrics[k]
    return out
