"""A DR study: the shared setup of a comparison and the parallel runs.

:func:`build_study` builds once what every strategy shares (site, household
fleet before its first minute, grid engine, tariff calendar, DLM thresholds,
command latency fitted to the site's radio network); :func:`run_study` runs
the (strategy, participation) pairs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from grid_model.households.fleet import HouseholdFleet
from scenarios.errors import InputError
from twin import pipeline
from twin.control.closed_loop import ControlPlan, StrategyRun, plan_forecast, run_strategy
from twin.control.config import DRConfig
from twin.control.forecast import LoadForecast, forecast_error, phase_weights
from twin.control.latency import fixed_latency, site_latency
from twin.control.tariffs import Tariff
from twin.control.validation import check_thresholds


@dataclass
class Study:
    """Everything the strategies of one comparison share.

    Attributes:
        site: The site.
        fleet: The household fleet before its first minute (copied per run).
        engine: The site's compiled grid engine.
        plan: Controllers' shared inputs.
        tariff: The tariff.
        start: Local time of minute 0.
        zone_names: (T,) tariff zone of each minute.
        rating_kva: Transformer rating.
        latency_source: Where the command delays come from.
        mesh_summary: Key figures of the mesh_sim run (``latency.source=mesh``).
        ambient_c: (T,) outdoor temperature (transformer thermal model).
        forecast_error: Error figures of the operator's forecast (after the uncontrolled run).
        none_run: The uncontrolled run the forecast and the bound are built from.
    """

    site: Any
    fleet: HouseholdFleet
    engine: Any
    plan: ControlPlan
    tariff: Tariff
    start: datetime
    zone_names: np.ndarray
    rating_kva: float
    latency_source: str
    mesh_summary: dict[str, Any]
    ambient_c: np.ndarray | None = None
    forecast_error: dict[str, float] | None = None
    none_run: StrategyRun | None = None


def start_time(year: int, day_of_year: int) -> datetime:
    """Local midnight of ``day_of_year`` in ``year``."""
    return datetime(year, 1, 1) + timedelta(days=day_of_year - 1)


def threshold_matrix(dr: DRConfig, zone_names: np.ndarray, peak: np.ndarray, cheapest: np.ndarray,
                     customer: np.ndarray) -> np.ndarray:
    """(n, T) DLM limit of each home each minute.

    The supplier's limit is ``threshold_kw``, ``peak_threshold_kw`` in the
    day's highest-rate minutes, ``night_threshold_kw`` in its cheapest ones,
    and ``threshold_kw_by_zone`` where a zone is named; a customer with a
    stricter limit of their own gets the lower of the two.

    Raises:
        InputError: A zone in ``dr.dlm.threshold_kw_by_zone`` the tariff does not have.
    """
    known = set(zone_names.tolist())
    for zone in dr.dlm.threshold_kw_by_zone:
        if zone not in known:
            raise InputError(f"dr.dlm.threshold_kw_by_zone.{zone}: the tariff has no zone '{zone}' in the simulated "
                             f"period; zones: {', '.join(sorted(known))}")
    dlm = dr.dlm
    supplier = np.full(len(zone_names), dlm.threshold_kw, dtype=float)
    if dlm.peak_threshold_kw > 0:
        supplier[peak] = dlm.peak_threshold_kw
    if dlm.night_threshold_kw > 0:
        supplier[cheapest] = dlm.night_threshold_kw
    for zone, kw in dlm.threshold_kw_by_zone.items():
        supplier[zone_names == zone] = kw
    thr = np.repeat(supplier[None, :], len(customer), axis=0)
    if dr.dlm.customer_threshold_kw > 0:
        thr[customer] = np.minimum(thr[customer], dr.dlm.customer_threshold_kw)
    return thr


def build_study(cfg: DictConfig, step: Callable[[str], None] = lambda _: None) -> Study:
    """Builds the shared setup of ``task=dr`` from the composed config."""
    dr: DRConfig = OmegaConf.to_object(cfg.dr)
    tariff = Tariff.from_config(OmegaConf.to_object(cfg.tariff), "tariff")
    if cfg.loads.kind != "synthetic":
        raise InputError(f"loads: task=dr needs loads=synthetic (appliances that can be switched), "
                         f"got loads={cfg.loads.kind}")
    step("site")
    seed, minutes = int(cfg.seed), int(cfg.loads.minutes)
    site = pipeline.build_site(cfg.site, seed)
    step("households")
    fleet = pipeline.build_fleet(cfg.loads, site, seed)
    start = start_time(dr.year, fleet.cfg.resolved_day_of_year())
    zones = tariff.zones(start, minutes)
    n = fleet.n
    customer = np.random.default_rng([seed, 11]).random(n) < dr.dlm.customer_threshold_share
    threshold = threshold_matrix(dr, np.asarray(zones.name), np.asarray(zones.peak, dtype=bool),
                                 np.asarray(zones.cheapest, dtype=bool), customer)
    if any(s in ("dlm", "combined") for s in dr.strategies) or dr.sweep:
        check_thresholds(dr, threshold, fleet, np.asarray(zones.name), customer, start)
    step("network")
    network = pipeline.network_of(cfg.grid, site)
    _, engine = pipeline.build_engine(cfg.grid, site)
    step("radio")
    mesh_summary: dict[str, Any] = {}
    if dr.latency.source == "mesh":
        from mesh_sim.summary import summarize

        mesh_cfg = OmegaConf.to_object(cfg.mesh)
        latency, hops, result = site_latency(site, mesh_cfg, seed, days=dr.latency.days,
                                             broadcasts_per_day=dr.latency.broadcasts_per_day,
                                             workers=os.cpu_count() or 1)
        mesh_summary = summarize(result, len(site.concentrators))
    else:
        latency = fixed_latency(dr.latency.fixed_latency_s, dr.latency.fixed_delivery)
        hops = np.ones(n, dtype=int)
    order = np.random.default_rng([seed, 5]).permutation(n)
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    hp = fleet.homes
    green_rated = fleet.tank.kw + fleet.ev.kw + 2.0 * (np.asarray(hp.has_washer) | np.asarray(hp.has_dishwasher))
    plan = ControlPlan(cfg=dr, peak=np.asarray(zones.peak, dtype=bool), cheapest=np.asarray(zones.cheapest, dtype=bool),
                       threshold_kw=threshold, hops=np.asarray(hops, dtype=int), latency=latency, rank=rank, seed=seed,
                       green_rated_kw=np.asarray(green_rated, dtype=float),
                       phase_weight=phase_weights([c.phase for c in site.consumers]))
    return Study(site=site, fleet=fleet, engine=engine, plan=plan, tariff=tariff, start=start,
                 zone_names=np.asarray(zones.name), rating_kva=float(network.transformer.sn_kva),
                 latency_source=latency.source, mesh_summary=mesh_summary,
                 ambient_c=np.asarray(fleet.weather.temp_c[:minutes], dtype=float))


def make_forecast(study: Study, none_run: StrategyRun, error_scale: float = 1.0, stream: int = 0) -> LoadForecast:
    """The operator's forecast built from the twin's uncontrolled run (``error_scale`` × the configured error)."""
    return plan_forecast(study.plan, none_run, error_scale, stream)


def attach_forecast(study: Study, none_run: StrategyRun) -> None:
    """Gives the plan its forecast and records the forecast's error against the uncontrolled run."""
    study.none_run = none_run
    study.plan.forecast = make_forecast(study, none_run)
    study.forecast_error = forecast_error(study.plan.forecast, none_run.phase_loading_pct)


def run_study(study: Study, jobs: list[tuple[str, float]],
              done: Callable[[StrategyRun], None] | None = None) -> list[StrategyRun]:
    """Runs every (strategy, participation) pair, in the order of ``jobs``.

    Runs are sequential: one closed-loop day of a few hundred homes takes
    about a second, and forked workers were measured 20 times slower
    (the solver's sparse factorisation does not share well across fork).

    Args:
        study: The shared setup.
        jobs: (strategy, participation) pairs.
        done: Called with each finished run (progress).
    """
    from dataclasses import replace

    runs = []
    for job in jobs:
        if job[0] != "none" and job[1] == 0.0 and study.none_run is not None:
            # Nobody takes part: the run is the uncontrolled one (same homes, same draws), not simulated again.
            runs.append(replace(study.none_run, strategy=job[0], p_kw_by_class={}))
        else:
            runs.append(run_strategy(study.fleet, study.engine, study.plan, *job))
        if job[0] == "none":
            study.none_run = runs[-1]
            if study.plan.forecast is None:
                attach_forecast(study, runs[-1])
        if done is not None:
            done(runs[-1])
    return runs
