"""The entry point: :func:`recommend` runs the search, the proof, the three-phase assessment.

Stages and outputs are described in :mod:`analytics.phases` and its modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from analytics.phases.config import _LABELS, PhaseBalanceConfig, PhaseMove, _step_minutes
from analytics.phases.frame import COLUMNS, _row, apply_phases
from analytics.phases.probe import _engine_of, _Probe, default_engine_factory
from analytics.phases.proof import _better, _criterion, _probe_network_metrics, _real_metrics, _search_moves
from analytics.phases.proxy import _block_means, _head, _Proxy, _topology
from analytics.phases.three_phase import _three_phase
from scenarios.errors import InputError
from scenarios.site import Site


def _check_inputs(site: Site, p_kw, q_kvar) -> tuple[np.ndarray, np.ndarray]:
    """The demand as float arrays, after checking shapes, finiteness and phases."""
    p = np.asarray(p_kw, dtype=float)
    q = np.asarray(q_kvar, dtype=float)
    n = len(site.consumers)
    if n == 0:
        raise InputError(f"site '{site.name}': has no consumers")
    if p.ndim != 2 or p.shape[0] != n or q.shape != p.shape or p.shape[1] == 0:
        raise InputError(f"p_kw and q_kvar must both have shape ({n}, T) with T ≥ 1, got {p.shape} and {q.shape}")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))):
        raise InputError("p_kw/q_kvar contain nan or inf")
    for c in site.consumers:
        if c.phase not in _LABELS:
            raise InputError(f"consumer {c.consumer_id}: phase '{c.phase}' is not one of {', '.join(_LABELS)}")
    return p, q


def recommend(site: Site, p_kw: np.ndarray, q_kvar: np.ndarray, cfg: PhaseBalanceConfig | None = None,
              engine_factory: Callable[[Site], Any] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Recommends phase moves and three-phase supplies, proven with the power flow.

    Args:
        site: The building or feeder; ``site.consumers`` gives the row order
            of the demand and each consumer's bus and phase.
        p_kw: (n_consumers, T) active power per consumer, kW (any step length,
            see :attr:`PhaseBalanceConfig.step_minutes`).
        q_kvar: (n_consumers, T) reactive power, kvar.
        cfg: Settings; ``None``: the defaults.
        engine_factory: ``factory(site) -> engine`` building the grid engine
            of a site whose consumers' phases changed (a ``(net, engine)``
            tuple is accepted too); ``None``: :func:`default_engine_factory`.

    Returns:
        ``(frame, summary)``: the recommendations (columns :data:`COLUMNS`,
        see :mod:`analytics.phases.frame`) and the before/after figures.

    Raises:
        InputError: Bad shapes, non-finite demand, unknown phases or settings.
    """
    t_start = time.perf_counter()
    cfg = PhaseBalanceConfig() if cfg is None else cfg
    factory = default_engine_factory() if engine_factory is None else engine_factory
    p, q = _check_inputs(site, p_kw, q_kvar)
    n, n_steps = p.shape
    step_min = _step_minutes(cfg, n_steps)
    step_h = step_min / 60.0
    base = np.array([_LABELS.index(c.phase) for c in site.consumers])
    peak = p.max(axis=1)
    energy = p.sum(axis=1) * step_h

    # 1. the probe engine and the proxy
    probe = _Probe(site, factory, p, q, step_h)
    t_probe = time.perf_counter()
    block = max(1, int(round(cfg.search_minutes / step_min)))
    s_mean, counts = _block_means(p + 1j * q, block)
    topo = _topology(site)
    kinds = [topo] if cfg.objective == "losses" or topo.kind == "head" else \
        [_head(n, float(topo.r_ohm[0]), topo.v_ph), topo]

    # 2. moves: proposed by the proxy, confirmed by the power flow (objective
    #    "unbalance": the head-balance and the network proxies each plan, the
    #    power flow picks the better plan)
    best = None
    for kind in kinds:
        proxy = _Proxy(s_mean, counts * step_h, base, kind)
        j_before = proxy.value()
        search = _search_moves(proxy, probe, base, cfg)
        crit = _criterion(probe.metrics(search.state), cfg.objective)
        if best is None or _better(crit, best[0]):
            best = (crit, kind.kind, proxy, j_before, search)
    _, proxy_kind, proxy, proxy_before, search = best
    proxy_after = proxy.value()
    rows: list[dict[str, Any]] = []
    plan: list[PhaseMove] = []
    state = base.copy()
    for i, qq, dj in search.accepted:
        before = probe.metrics(state)
        nxt = state.copy()
        nxt[i] = qq
        after = probe.metrics(nxt)
        c = site.consumers[i]
        reason = (f"proxy ΔJ {dj:+.4g}; power flow: losses {after.losses_kwh - before.losses_kwh:+.4f} "
                  f"kWh, max VUF {after.vuf_max_pct - before.vuf_max_pct:+.3f} %")
        plan.append(PhaseMove(c.consumer_id, c.phase, _LABELS[qq], reason))
        rows.append(_row(c, c.phase, _LABELS[qq], "move", float(peak[i]), float(energy[i]), before, after, reason))
        state = nxt
    planned = search.state
    plan_metrics = probe.metrics(planned)
    t_moves = time.perf_counter()

    # 3. three-phase candidates on top of the plan, each alone, then a combined set
    three = _three_phase(site, p, peak, energy, planned, proxy, probe, cfg, plan_metrics)
    rows.extend(three.rows)
    t_three = time.perf_counter()

    # 4. the site's own engines before and after the plan
    moved = {site.consumers[i].consumer_id: _LABELS[qq] for i, qq, _ in search.accepted}
    if cfg.verify:
        m_before = _real_metrics(_engine_of(factory(site)), site, p, q, step_h)
        if moved:
            after_site = apply_phases(site, moved)
            m_after = _real_metrics(_engine_of(factory(after_site)), after_site, p, q, step_h)
        else:
            m_after = m_before
    else:
        m_before = _probe_network_metrics(probe, base)
        m_after = _probe_network_metrics(probe, planned) if moved else m_before
    t_end = time.perf_counter()

    frame = pd.DataFrame(rows, columns=COLUMNS)
    loss_red = 100.0 * (m_before.losses_kwh - m_after.losses_kwh) / m_before.losses_kwh if m_before.losses_kwh else 0.0
    summary: dict[str, Any] = {
        "objective": cfg.objective,
        "consumers": int(n),
        "steps": int(n_steps),
        "step_minutes": step_min,
        "moves": len(plan),
        "proposed_moves": search.proposed,     # of the chosen proxy's search
        "rejected_moves": search.rejected,
        "losses_before_kwh": m_before.losses_kwh,
        "losses_after_kwh": m_after.losses_kwh,
        "loss_reduction_pct": loss_red,
        "vuf_max_before_pct": m_before.vuf_max_pct,
        "vuf_max_after_pct": m_after.vuf_max_pct,
        "neutral_peak_before_a": m_before.neutral_peak_a,
        "neutral_peak_after_a": m_after.neutral_peak_a,
        "loading_peak_before_pct": m_before.loading_peak_pct,
        "loading_peak_after_pct": m_after.loading_peak_pct,
        "energy_kwh": float(energy.sum()),
        "proxy_kind": proxy_kind,
        "proxy_before": proxy_before,
        "proxy_after": proxy_after,
        "three_phase_candidates": three.candidates,
        "three_phase_evaluated": len(three.rows),
        "three_phase_improving": three.improving,
        "three_phase_recommended": [site.consumers[i].consumer_id for i in three.chosen],
        "losses_after_three_phase_kwh": three.metrics.losses_kwh,
        "vuf_max_after_three_phase_pct": three.metrics.vuf_max_pct,
        "power_flow_solves": len(probe.cache),
        "verified": bool(cfg.verify),
        "probe_build_seconds": t_probe - t_start,
        "moves_seconds": t_moves - t_probe,
        "three_phase_seconds": t_three - t_moves,
        "verify_seconds": t_end - t_three,
        "total_seconds": t_end - t_start,
        "plan": [asdict(m) for m in plan],
    }
    return frame, summary
