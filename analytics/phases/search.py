"""Move search on the proxy (stage 1 of :func:`analytics.phases.recommend`).

Search: greedy best-improvement moves of single-phase consumers to another
phase (the exact ΔJ of every candidate comes from one matrix product), then
an exchange local search (take one planned move back and put the best
other move in its place while J falls). ``ABC`` consumers never move, a
consumer moves at most once.

The power flow then confirms the plan move by move
(:func:`analytics.phases.proof._search_moves`).
"""

from __future__ import annotations

import numpy as np

from analytics.phases.config import _REL_TOL

#: Passes of the exchange local search on the proxy.
_LOCAL_SEARCH_PASSES = 5


def _best_move(proxy, banned: np.ndarray) -> tuple[int, int, float]:
    """The best allowed move on the proxy: ``(consumer, new phase, ΔJ)``."""
    delta = proxy.deltas()
    delta[banned] = np.inf
    k = int(np.argmin(delta))
    i, q = divmod(k, 3)
    return i, q, float(delta[i, q])


def _plan_on_proxy(proxy, budget: int, banned: np.ndarray) -> list[tuple[int, int, float]]:
    """Up to ``budget`` moves minimising the proxy: greedy, then exchange local search.

    Exchange: take one planned move back and put in the best move instead
    (possibly the same consumer to its other phase) while that lowers J; the
    budget is refilled greedily after a move is dropped. The plan is returned
    in greedy order (each move the best next one given the earlier ones) with
    each move's ΔJ in that order; the proxy is left as it was.
    """
    origin = proxy.phase.copy()
    tol = _REL_TOL * max(abs(proxy.value()), 1e-300)
    plan: dict[int, int] = {}

    def ban() -> np.ndarray:
        out = banned.copy()
        out[list(plan)] = True
        return out

    def fill() -> bool:
        added = False
        while len(plan) < budget:
            i, q, dj = _best_move(proxy, ban())
            if not np.isfinite(dj) or dj >= -tol:
                break
            proxy.move(i, q)
            plan[i] = q
            added = True
        return added

    fill()
    for _ in range(_LOCAL_SEARCH_PASSES):
        improved = False
        for j in list(plan):
            j_now = proxy.value()
            q_old = plan.pop(j)
            proxy.move(j, origin[j])
            j_back = proxy.value()
            i, q, dj = _best_move(proxy, ban())
            if np.isfinite(dj) and j_back + dj < j_now - tol and (i, q) != (j, q_old):
                proxy.move(i, q)
                plan[i] = q
                improved = True
            elif j_back < j_now - tol:
                improved = True
            else:
                proxy.move(j, q_old)
                plan[j] = q_old
        improved = fill() or improved
        if not improved:
            break
    for i in plan:
        proxy.move(i, origin[i])
    ordered: list[tuple[int, int, float]] = []
    remaining = dict(plan)
    while remaining:
        delta = proxy.deltas()
        ids = np.array(list(remaining))
        gains = delta[ids, [remaining[i] for i in ids]]
        k = int(np.argmin(gains))
        i = int(ids[k])
        proxy.move(i, remaining.pop(i))
        ordered.append((i, plan[i], float(gains[k])))
    for i, _, _ in ordered:
        proxy.move(i, origin[i])
    return ordered
