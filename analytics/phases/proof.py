"""Proof with the unbalanced power flow: the moves confirmed one by one, and the verification.

Stage 2 of :func:`analytics.phases.recommend`:

**Proof with the unbalanced power flow** (the engine). The proxy's plan
is solved move by move, in the greedy order, at full resolution: a move is
kept only when the power flow confirms that it improves the criterion
(objective ``"losses"``: energy lost; ``"unbalance"``: the largest VUF at
the consumer buses, rounded to 0.001 %, then the losses) over the moves
accepted before it. A rejected move is banned and the rest of the budget is
planned again from the accepted state; the search stops after ``max_moves``
accepted moves, after ``max_rejections`` rejected ones, or when the proxy
finds no improving move.

Finally (``verify=True``) the engine factory builds the site's own engines
before and after the plan and solves them with network outputs: the
summary's before/after figures come from these two runs (``verify=False``:
from the probe solved with network outputs, the same numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analytics.phases.config import _REL_TOL, PhaseBalanceConfig
from analytics.phases.probe import _Metrics, _Probe
from analytics.phases.search import _plan_on_proxy
from scenarios.site import Site

#: VUF resolution of the ``"unbalance"`` criterion, %.
_VUF_ROUND_PCT = 1e-3


def _criterion(m: _Metrics, objective: str) -> tuple[float, float]:
    """The comparison key of ``objective`` (compare with :func:`_better`)."""
    if objective == "losses":
        return (m.losses_kwh, 0.0)
    return (round(m.vuf_max_pct / _VUF_ROUND_PCT) * _VUF_ROUND_PCT, m.losses_kwh)


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Strictly better beyond the relative tolerance."""
    for x, y in zip(a, b):
        if x < y - _REL_TOL * max(abs(y), 1e-12):
            return True
        if x > y + _REL_TOL * max(abs(y), 1e-12):
            return False
    return False


@dataclass
class _Search:
    """Outcome of the proxy-proposes, power-flow-confirms search."""

    accepted: list[tuple[int, int, float]]   # (consumer, new phase, proxy ΔJ) in order
    proposed: int
    rejected: int
    state: np.ndarray


def _search_moves(proxy, probe: _Probe, base: np.ndarray, cfg: PhaseBalanceConfig) -> _Search:
    """Proxy plans (greedy + local search), each move accepted only when the power flow confirms it.

    The proxy's plan for the remaining budget is checked move by move in its
    greedy order; a rejected move is banned and the rest of the budget is
    planned again from the accepted state.
    """
    state = base.copy()
    crit = _criterion(probe.metrics(state), cfg.objective)
    max_rej = int(cfg.max_moves if cfg.max_rejections is None else cfg.max_rejections)
    banned = np.zeros((len(base), 3), dtype=bool)
    banned[base == 3] = True
    accepted: list[tuple[int, int, float]] = []
    proposed = rejected = 0
    while len(accepted) < cfg.max_moves:
        plan = _plan_on_proxy(proxy, int(cfg.max_moves) - len(accepted), banned)
        if not plan:
            break
        replan = False
        for i, q, dj in plan:
            proposed += 1
            trial = state.copy()
            trial[i] = q
            c = _criterion(probe.metrics(trial), cfg.objective)
            if _better(c, crit):
                proxy.move(i, q)
                accepted.append((i, q, dj))
                state, crit = trial, c
                banned[i] = True
            else:
                rejected += 1
                banned[i, q] = True
                replan = True
                break
        if not replan or rejected >= max_rej:
            break
    return _Search(accepted, proposed, rejected, state)


def _network_metrics(engine: Any, p: np.ndarray, q: np.ndarray, step_h: float) -> _Metrics:
    """Solves an engine with network outputs (VUF over every bus)."""
    res = engine.solve_day(p, q, network_outputs=True)
    return _Metrics(float(res.p_loss_kw.sum() * step_h), float(np.nanmax(res.vuf_pct)),
                    float(res.i_trafo_neutral_a.max()), float(res.loading_pct.max()))


def _real_metrics(engine: Any, site: Site, p: np.ndarray, q: np.ndarray, step_h: float) -> _Metrics:
    """Solves the site's own engine (rows matched by consumer id) with network outputs."""
    index = {c.consumer_id: i for i, c in enumerate(site.consumers)}
    order = [index[name] for name in engine.load_names]
    return _network_metrics(engine, p[order], q[order], step_h)


def _probe_network_metrics(probe: _Probe, assign: np.ndarray) -> _Metrics:
    """The probe solved with network outputs: the same figures as the site's own engine."""
    r = probe.routing(assign)
    return _network_metrics(probe.engine, np.asarray(r @ probe.p), np.asarray(r @ probe.q), probe.step_h)
