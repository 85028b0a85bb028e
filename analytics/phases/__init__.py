"""Phase balancing: which consumers to move to another phase, which to give three phases.

DOMAIN.md (balance analytics): "per-phase losses in in-building networks;
recommend the best distribution of consumers across phases, and which consumers
should get two or three phases". :func:`recommend` does it in two stages.

1. **Search on a proxy** (numpy, milliseconds per step): the resistance-weighted
   squared deviation of every network section's phase loads, a kWh estimate of
   the losses the unbalance causes (:mod:`analytics.phases.proxy`), lowered by
   greedy moves and an exchange local search (:mod:`analytics.phases.search`).
2. **Proof with the unbalanced power flow** (the engine): a proposed move is
   kept only when the power flow confirms it; the site's own engines give the
   before/after figures (:mod:`analytics.phases.proof`). Every proposal is
   solved on one probe engine with three loads per consumer, without
   rebuilding the network (:mod:`analytics.phases.probe`).

Single-phase consumers are then assessed for a three-phase supply on top of
the plan (:mod:`analytics.phases.three_phase`). The result is the
recommendation frame (``phase_moves.csv``) and a summary; both are described
in :mod:`analytics.phases.frame`.

Modules:
    config: :class:`PhaseBalanceConfig`, :class:`PhaseMove`, shared constants.
    proxy: The section-weighted unbalance proxy and the network sections.
    search: Greedy and exchange local search on the proxy.
    probe: The shared three-loads-per-consumer engine, the engine factory.
    proof: Power-flow confirmation of the moves, the criteria, verification.
    three_phase: Three-phase candidates on top of the plan.
    frame: The output frame, ``phase_moves.csv``, reading the plan back.
    recommendation: :func:`recommend`, the entry point.

Example::

    from analytics.phases import PhaseBalanceConfig, apply_phases, plan_phases, recommend, write_phase_moves

    frame, summary = recommend(site, p_kw, q_kvar, PhaseBalanceConfig(max_moves=5))
    write_phase_moves(out_dir, frame)
    balanced = apply_phases(site, plan_phases(frame))
"""

from analytics.phases.config import OBJECTIVES, PhaseBalanceConfig, PhaseMove
from analytics.phases.frame import COLUMNS, PHASE_MOVES_CSV, apply_phases, plan_phases, write_phase_moves
from analytics.phases.probe import default_engine_factory
from analytics.phases.recommendation import recommend

# Internals the tests use directly, kept importable from ``analytics.phases``.
from analytics.phases.probe import _Probe  # noqa: F401
from analytics.phases.proxy import _block_means, _head, _Proxy, _topology  # noqa: F401

__all__ = ["COLUMNS", "OBJECTIVES", "PHASE_MOVES_CSV", "PhaseBalanceConfig", "PhaseMove", "apply_phases",
           "default_engine_factory", "plan_phases", "recommend", "write_phase_moves"]
