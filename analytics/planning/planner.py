"""The deployment planner: modules, concentrators, and a mesh simulation that checks them.

:func:`plan_site` wires the meters to D100FC modules, places the fewest J100UC
the subnet limits allow, and verifies the network with
:func:`mesh_sim.city.run_site` for ``plan.verify_days``. While a module has no
route, ``pdr_final`` is below ``plan.pdr_target``, the deepest route is longer
than ``plan.max_hops`` or a module's route margin (or, with
``plan.margin_basis=parent``, its simulated parent link's margin) is below
``plan.min_link_margin_db``, it adds one concentrator (all of them re-placed
by bisection) and verifies again, at most ``plan.max_iterations`` runs. The
returned :class:`Plan` keeps every run in ``iterations`` and says whether the
last one delivers (``delivering``) or why not (``reason``).
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Optional

from mesh_sim.city import run_site
from mesh_sim.config import MeshConfig
from mesh_sim.records import MeshResult, NodeRecord
from mesh_sim.summary import summarize
from scenarios.errors import InputError
from scenarios.site import Site
from scenarios.site_io import validate_site

from analytics.planning.config import PlanConfig, check_plan_config
from analytics.planning.layout import (check_dr_meters, choose_dr_meters, min_concentrators, place_with_constraints,
                                      wire_modules)
from analytics.planning.margins import route_margins

log = logging.getLogger(__name__)


@dataclass
class Iteration:
    """One verification run of the mesh.

    Attributes:
        concentrators: J100UC in this layout.
        pdr_final: Delivered over generated readings (``None`` if none generated).
        unreachable: Modules without a route at the end (unreachable, left out or down).
        max_hops: Deepest route (``None`` if no module is routed).
        min_link_margin_db: Weakest parent link the simulated router chose
            (end of the run, with that epoch's fade).
        min_route_margin_db: Weakest module's route margin
            (:mod:`analytics.planning.margins`; ``None`` without modules).
        weak_links: Modules below ``plan.min_link_margin_db`` on ``plan.margin_basis``.
        delivering: All targets met.
        reason: What failed (``""`` when delivering).
        wall_s: Wall-clock time of the run and the margin check.
    """

    concentrators: int
    pdr_final: Optional[float]
    unreachable: int
    max_hops: Optional[int]
    min_link_margin_db: Optional[float]
    min_route_margin_db: Optional[float]
    weak_links: int
    delivering: bool
    reason: str
    wall_s: float


@dataclass
class Plan:
    """A deployment plan.

    Attributes:
        site: The site with modules (meters wired) and concentrators.
        summary: :func:`mesh_sim.summary.summarize` of the last verification.
        nodes: Node records of the last verification (modules, then concentrators).
        iterations: Every verification run, first to last.
        delivering: The last run met every target.
        reason: Why not (``""`` when delivering).
        dr_meter_ids: Electricity meters with an AD220 + contactor.
        result: The last verification run.
        battery_nodes: Node records whose battery lives make the replacement
            schedule: the ``plan.battery_days`` run of the final layout, or
            ``nodes`` when that is 0.
        battery_summary: :func:`~mesh_sim.summary.summarize` of that run.
    """

    site: Site
    summary: dict[str, Any]
    nodes: list[NodeRecord]
    iterations: list[Iteration]
    delivering: bool
    reason: str
    dr_meter_ids: list[str] = field(default_factory=list)
    result: Optional[MeshResult] = None
    battery_nodes: list[NodeRecord] = field(default_factory=list)
    battery_summary: dict[str, Any] = field(default_factory=dict)

    def iterations_table(self) -> list[dict[str, Any]]:
        """The iterations as JSON-ready dicts."""
        return [asdict(it) for it in self.iterations]


def _worst(margins: dict[str, float]) -> tuple[str, float] | None:
    return min(margins.items(), key=lambda kv: (kv[1], kv[0]), default=None)


def judge(result: MeshResult, summary: dict[str, Any], cfg: PlanConfig, concentrators: int, wall_s: float,
          route_margin_db: dict[str, float] | None = None) -> Iteration:
    """Checks a verification run against the plan's targets.

    Args:
        result: The run.
        summary: Its :func:`~mesh_sim.summary.summarize`.
        cfg: The targets.
        concentrators: J100UC of the layout.
        wall_s: Time taken.
        route_margin_db: Route margin per module (needed for ``margin_basis=route``).
    """
    modules = [n for n in result.nodes if n.kind == "module"]
    unreachable = sum(1 for n in modules if n.status != "ok")
    parent = {n.node_id: n.link_margin_db for n in modules
              if n.status == "ok" and n.hops >= 1 and math.isfinite(n.link_margin_db)}
    routes = route_margin_db or {}
    basis = routes if cfg.margin_basis == "route" else parent
    weak = [k for k, v in basis.items() if v < cfg.min_link_margin_db]
    pdr, hops = summary.get("pdr_final"), summary.get("max_hops")
    reasons = []
    if unreachable:
        first = next(n.node_id for n in modules if n.status != "ok")
        reasons.append(f"{unreachable} module(s) without a route (first {first})")
    if pdr is None:
        reasons.append("no reading generated (verify_days too short?)")
    elif pdr < cfg.pdr_target:
        reasons.append(f"pdr_final {pdr:.5f} < target {cfg.pdr_target:g}")
    if hops is not None and hops > cfg.max_hops:
        reasons.append(f"max_hops {hops} > {cfg.max_hops}")
    if weak:
        worst_id, worst = _worst({k: basis[k] for k in weak})
        what = "route margin" if cfg.margin_basis == "route" else "parent link margin"
        reasons.append(f"{len(weak)} module(s) with {what} < {cfg.min_link_margin_db:g} dB "
                       f"(worst {worst:.1f} dB at {worst_id})")
    wp, wr = _worst(parent), _worst(routes)
    return Iteration(concentrators, pdr, unreachable, hops, None if wp is None else wp[1],
                     None if wr is None else wr[1], len(weak), not reasons, "; ".join(reasons), wall_s)


def plan_site(site: Site, cfg: PlanConfig, mesh_cfg: MeshConfig, seed: int,
              dr_meter_ids: Sequence[str] | None = None, workers: int = 1,
              progress: Callable[[Iteration], None] | None = None,
              existing: Sequence = (), mains: Sequence = ()) -> Plan:
    """Plans modules and concentrators for ``site`` and verifies them by simulation.

    Args:
        site: The site; its meters are (re)wired, existing modules and
            concentrators are replaced.
        cfg: Planner settings.
        mesh_cfg: Radio settings of the verification runs (``days`` is
            replaced by ``cfg.verify_days``).
        seed: Seed of the DR draw and of every verification run.
        dr_meter_ids: Electricity meters with DR equipment; ``None`` draws
            ``cfg.dr_share`` of the flats.
        workers: Processes for the subnets of one run.
        progress: Called after each verification run.
        existing: J100UC already installed (``scenarios.site.Concentrator``):
            always kept, counted in the total.
        mains: Positions with mains power; when given, new J100UC are mounted
            only there (:func:`~analytics.planning.layout.place_with_constraints`).

    When the last layout is chosen and ``cfg.battery_days`` > 0, it is run
    once more for that many days for the battery lives (``battery_nodes``).

    Returns:
        The plan; ``delivering`` is False (with ``reason``) when the targets
        are still missed after ``cfg.max_iterations`` runs or when every
        module already has its own concentrator.

    Raises:
        InputError: A bad setting, a site without meters, or a DR point that is
            not an electricity meter.
    """
    check_plan_config(cfg)
    if not site.meters:
        raise InputError(f"site {site.name!r}: no meters to plan")
    dr = list(dr_meter_ids) if dr_meter_ids is not None else choose_dr_meters(site, cfg.dr_share, seed)
    check_dr_meters(site, dr)
    meters, modules = wire_modules(site, dr, cfg.cable_length_max_m, cfg.floor_height_m)
    base = replace(copy.deepcopy(site), meters=meters, modules=[], concentrators=[])
    verify = replace(mesh_cfg, days=cfg.verify_days)
    k = max(min_concentrators(modules), len(existing))
    iterations: list[Iteration] = []
    planned, summary, result = base, {}, None     # the last verified layout (set by every run)
    while True:
        try:
            mods, hubs = place_with_constraints(modules, k, cfg.floor_height_m, existing, mains)
        except InputError as exc:
            if not iterations:
                raise
            last = iterations[-1]
            plan = Plan(planned, summary, result.nodes if result else [], iterations, False,
                        f"{exc}: {last.reason}", dr, result)
            break
        planned = replace(base, modules=mods, concentrators=hubs)
        validate_site(planned, f"plan of site {site.name!r}", cfg.cable_length_max_m)
        t0 = time.perf_counter()
        result = run_site(planned, verify, seed, workers=workers)
        summary = summarize(result, len(hubs))
        hop_limit = min(cfg.max_hops, verify.topology.max_hops)
        routes = route_margins(planned, verify, seed, hop_limit)
        it = judge(result, summary, cfg, len(hubs), time.perf_counter() - t0, routes)
        iterations.append(it)
        log.info("plan: %d concentrator(s): %s", len(hubs), "delivering" if it.delivering else it.reason)
        if progress is not None:
            progress(it)
        if it.delivering:
            plan = Plan(planned, summary, result.nodes, iterations, True, "", dr, result)
            break
        if len(iterations) >= cfg.max_iterations or len(hubs) >= len(mods):
            why = ("every module has its own concentrator" if len(hubs) >= len(mods)
                   else f"targets missed after {len(iterations)} verification run(s)")
            plan = Plan(planned, summary, result.nodes, iterations, False, f"{why}: {it.reason}", dr, result)
            break
        k = len(hubs) + 1
    plan.battery_nodes, plan.battery_summary = plan.nodes, plan.summary
    if cfg.battery_days > 0:
        long_run = run_site(plan.site, replace(mesh_cfg, days=cfg.battery_days), seed, workers=workers)
        plan.battery_nodes = long_run.nodes
        plan.battery_summary = summarize(long_run, len(plan.site.concentrators))
        pdr = plan.battery_summary.get("pdr_final")
        if pdr is not None and pdr < cfg.pdr_target:
            log.warning("plan: the %g-day battery run delivers %.5f < target %g", cfg.battery_days, pdr,
                        cfg.pdr_target)
    return plan
