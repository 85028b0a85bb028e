"""Three-phase candidates: which single-phase consumers should get a three-phase supply.

Three-phase candidates: single-phase consumers (with their phase after the
plan) whose peak exceeds ``three_phase_min_peak_kw``, or whose own load makes
up at least ``dominance_share`` of its phase's excess over the three-phase mean
in its balance group (``Consumer.group_id``: the entrance of a flat, the
feeder of an IEEE house). They are ranked by the proxy's ΔJ of connecting them
as ``ABC``; the best ``max_three_phase`` are solved as ``ABC`` on top of the
plan, one at a time; those that improve the criterion are then added one by
one (best first) to a combined set, each kept only when the set improves
(``recommended``). Two-phase supplies are not assessed: the site format and
the engine know single-phase and balanced three-phase connections only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analytics.phases.config import _LABELS, PhaseBalanceConfig
from analytics.phases.frame import _row
from analytics.phases.probe import _Metrics, _Probe
from analytics.phases.proof import _better, _criterion
from analytics.phases.proxy import _Proxy
from scenarios.site import Site


@dataclass
class _ThreePhase:
    """Outcome of the three-phase assessment on top of the plan.

    Attributes:
        rows: The ``three_phase`` rows of the frame, recommended ones first.
        candidates: How many consumers qualified as candidates.
        improving: How many of the evaluated ones improve the criterion alone.
        chosen: The combined set (consumer indices), in the order added.
        metrics: Power-flow figures of the plan plus the combined set.
    """

    rows: list[dict[str, Any]]
    candidates: int
    improving: int
    chosen: list[int]
    metrics: _Metrics


def _dominance(site: Site, p_kw: np.ndarray, assign: np.ndarray) -> np.ndarray:
    """Each single-phase consumer's share of its phase's excess over the mean in its group."""
    n = len(site.consumers)
    share = np.zeros(n)
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(site.consumers):
        groups.setdefault(c.group_id, []).append(i)
    for members in groups.values():
        idx = np.array(members)
        loads = np.zeros((3, p_kw.shape[1]))
        for p in range(3):
            on = idx[assign[idx] == p]
            loads[p] = p_kw[on].sum(axis=0)
        three = idx[assign[idx] == 3]
        if len(three):
            loads += p_kw[three].sum(axis=0)[None, :] / 3.0
        excess = np.maximum(loads - loads.mean(axis=0, keepdims=True), 0.0)
        total = excess.sum(axis=1)
        for i in idx:
            p = assign[i]
            if p < 3 and total[p] > 0:
                share[i] = float(np.minimum(p_kw[i], excess[p]).sum() / total[p])
    return share


def _three_phase(site: Site, p: np.ndarray, peak: np.ndarray, energy: np.ndarray, planned: np.ndarray,
                 proxy: _Proxy, probe: _Probe, cfg: PhaseBalanceConfig, plan_metrics: _Metrics) -> _ThreePhase:
    """Candidates ranked by the proxy, each solved as ``ABC`` on top of the plan, then the combined set.

    Args:
        site: The site; ``site.consumers`` gives the row order.
        p: (n_consumers, T) active power, kW.
        peak: Each consumer's peak, kW.
        energy: Each consumer's energy over the horizon, kWh.
        planned: Phase indices after the move plan (3: ``ABC``).
        proxy: The chosen proxy, in the planned state.
        probe: The probe engine.
        cfg: Settings.
        plan_metrics: Power-flow figures of the plan.
    """
    share = _dominance(site, p, planned)
    abc_gain = proxy.abc_deltas()
    candidates: list[tuple[float, int, str]] = []
    for i, c in enumerate(site.consumers):
        if planned[i] == 3:
            continue
        why = []
        if peak[i] > cfg.three_phase_min_peak_kw:
            why.append(f"peak {peak[i]:.1f} kW > {cfg.three_phase_min_peak_kw:g} kW")
        if share[i] >= cfg.dominance_share:
            why.append(f"{100 * share[i]:.0f} % of phase {_LABELS[planned[i]]}'s excess over the mean "
                       f"in group {c.group_id}")
        if why:
            candidates.append((float(abc_gain[i]), i, "; ".join(why)))
    candidates.sort()
    plan_crit = _criterion(plan_metrics, cfg.objective)
    three_rows: list[dict[str, Any]] = []
    improving: list[tuple[tuple[float, float], int]] = []
    for dj, i, why in candidates[: int(cfg.max_three_phase)]:
        trial = planned.copy()
        trial[i] = 3
        after = probe.metrics(trial)
        crit = _criterion(after, cfg.objective)
        if _better(crit, plan_crit):
            improving.append((crit, i))
        three_rows.append(_row(site.consumers[i], _LABELS[planned[i]], "ABC", "three_phase", float(peak[i]),
                               float(energy[i]), plan_metrics, after, f"{why}; proxy ΔJ {dj:+.4g}"))
    combined = planned.copy()
    chosen: list[int] = []
    for _, i in sorted(improving):
        trial = combined.copy()
        trial[i] = 3
        if _better(_criterion(probe.metrics(trial), cfg.objective), _criterion(probe.metrics(combined), cfg.objective)):
            combined = trial
            chosen.append(i)
    chosen_ids = {site.consumers[i].consumer_id for i in chosen}
    for r in three_rows:
        r["recommended"] = r["consumer_id"] in chosen_ids
    three_rows.sort(key=lambda r: (not r["recommended"], r["losses_after_kwh"]))
    return _ThreePhase(three_rows, len(candidates), len(improving), chosen, probe.metrics(combined))
