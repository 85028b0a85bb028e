"""Matched step search: the group's unexplained steps, each given to the member that stepped with it.

After the joint attribution (:mod:`analytics.attribution`) a group may still
hold steps of excess nobody was named for: a theft hiding less than a flat's
day-to-day spread correlates too weakly, day by day, with the group's excess.
Over weeks it is still visible, because the group's excess is precise (a group
meter sums thirty homes' noise away) and the thief's shortfall has the *same
start and the same size*:

1. **The group's steps.** The group's excess per local window (day, evening,
   night) is regressed on a constant and the steps already explained (the
   named members' start days); in what is left, the day ``τ`` and window with
   the most significant mean shift (``t`` against the residual's own
   day-to-day noise, from its differences) is the next step, of size ``Δ``.
2. **Who stepped with it.** Every other member's shortfall against its season
   and peer model (the same ``z`` as the attribution) is tested for a rise at
   the same ``τ`` (Welch ``t``) in the same window, and its size ``s`` must
   match the group's: ``s / Δ`` in ``[step_ratio_min, step_ratio_max]``. The
   energy missing from the entrance is the constraint: a member who uses less
   at that day without the group missing the same energy (vacation, new
   tenant, changed routine, PV) does not match, and a member whose drop is
   much larger or smaller than what the group misses is not its explanation.
3. The best match with ``t ≥ step_member_t_min`` is named; a step nobody
   matches is kept in the regression as unexplained (it is not re-found), and
   the search goes on until no step is left (``t < step_group_t_min``) or the
   group has ``max_suspects_per_group`` suspects.

The start reported is the step or ramp start that best fits the member's
shortfall and the group's remaining excess together (a drifting meter's ramp
starts before the mean-shift day).
"""

from __future__ import annotations

import numpy as np

from analytics.attribution import WINDOWS, step_start
from analytics.suspects import Suspect


def _residual(y: np.ndarray, ok: np.ndarray, taus: list[int], shapes: list[np.ndarray]) -> np.ndarray:
    """``y`` less its least-squares fit on a constant, a step at each of ``taus`` and the ``shapes``.

    ``shapes`` are the named members' shortfalls from their start day: what a
    stopped meter hides follows the season, not a constant.
    """
    d = np.arange(len(y))
    x = np.column_stack([np.ones(len(y))] + [(d >= t).astype(float) for t in taus] + list(shapes))
    coef, *_ = np.linalg.lstsq(x[ok], y[ok], rcond=None)
    return y - x @ coef


def _noise(r: np.ndarray) -> float:
    """Robust day-to-day noise of a series from its first differences."""
    diff = np.diff(r)
    return float(1.4826 * np.median(np.abs(diff - np.median(diff))) / np.sqrt(2.0)) + 1e-9


def best_shift(r: np.ndarray, ok: np.ndarray, first: int = 2, last: int = 7) -> tuple[int, float, float]:
    """Day ``τ`` of the most significant rise of the mean of ``r`` (ok days): ``(τ, t, size)``.

    At least ``first`` days before ``τ`` and ``last`` from it on (a step in the
    last few days cannot be matched reliably with a member's noisy shortfall).
    """
    v = r[ok]
    idx = np.flatnonzero(ok)
    n = len(v)
    if n < first + last + 2:
        return 0, 0.0, 0.0
    sigma = _noise(v)
    c = np.concatenate([[0.0], np.cumsum(v)])
    k = np.arange(first, n - last)
    before, after = k, n - k
    size = (c[-1] - c[k]) / after - c[k] / before
    t = size / (sigma * np.sqrt(1.0 / before + 1.0 / after))
    j = int(np.argmax(t))
    return int(idx[k[j]]), float(t[j]), float(size[j])


def member_steps(z: np.ndarray, ok: np.ndarray, tau: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n,) Welch ``t``, size and standard error of the rise of each member's shortfall ``z`` from day ``tau`` on."""
    on = ok & (np.arange(z.shape[1]) >= tau)
    off = ok & ~on
    if on.sum() < 2 or off.sum() < 2:
        return np.zeros(len(z)), np.zeros(len(z)), np.full(len(z), np.inf)
    a, b = z[:, on], z[:, off]
    size = a.mean(axis=1) - b.mean(axis=1)
    se = np.sqrt(a.var(axis=1, ddof=1) / a.shape[1] + b.var(axis=1, ddof=1) / b.shape[1]) + 1e-12
    return size / se, size, se


def member_fit(r: np.ndarray, index: np.ndarray, ok: np.ndarray, tau: int) -> tuple[np.ndarray, np.ndarray,
                                                                               np.ndarray]:
    """(n,) ``t``, size and standard error of each member's drop from ``tau`` on, fitted with its season model.

    ``r ≈ a + c·index − s·[d ≥ τ]``, least squares on the ok days, for all
    members at once: fitting the step together with the season model keeps the
    model from absorbing part of the step (a season model fitted on all days
    takes a share of any drop as the member's level).
    """
    d = np.arange(r.shape[1])
    x = np.column_stack([np.ones(len(d)), index, -(d >= tau).astype(float)])[ok]
    if x[:, 2].min() == x[:, 2].max() or len(x) < 6:
        return np.zeros(len(r)), np.zeros(len(r)), np.full(len(r), np.inf)
    coef, *_ = np.linalg.lstsq(x, r[:, ok].T, rcond=None)
    res = r[:, ok].T - x @ coef
    s2 = (res ** 2).sum(axis=0) / max(len(x) - 3, 1)
    cov = np.linalg.pinv(x.T @ x)
    se = np.sqrt(s2 * cov[2, 2]) + 1e-12
    return coef[2] / se, coef[2], se


def step_search(group_id: str, y: dict[str, np.ndarray], z: dict[str, np.ndarray], ok: np.ndarray,
                member_ids: list[str], found: list[Suspect], cfg, reg: dict[str, np.ndarray] | None = None,
                index: dict[str, np.ndarray] | None = None, group_fault_days: list[int] = ()) -> list[Suspect]:
    """New suspects of one group by matched steps (module docstring).

    Args:
        group_id: The group.
        y: Window → (D,) the group's excess per day.
        z: Window → (n, D) each member's shortfall per day.
        ok: (D,) days to use.
        member_ids: Rows of ``z``.
        found: Suspects already named in the group (their start days are explained steps).
        reg: Window → (n, D) each member's registration per day; with ``index``
            (window → (D,) the site's season index) the member's step is fitted
            with its season model (:func:`member_fit`), else taken from ``z``.
        group_fault_days: Start days of faulty group meters named in this
            balance: the search needs a precise group excess, and a corrected
            faulty meter does not give one (its error need not be a clean
            step), so none is searched there.
        cfg: :class:`~analytics.theft.TheftConfig`.
    """
    pos = {m: k for k, m in enumerate(member_ids)}
    named = {pos[s.meter_id] for s in found if s.meter_id in pos}
    taus = sorted({int(s.anomaly_start_day) for s in found if s.meter_id in pos})
    shapes = [(pos[s.meter_id], int(s.anomaly_start_day)) for s in found if s.meter_id in pos]
    days = np.arange(len(ok))
    out: list[Suspect] = []
    if ok.sum() < cfg.clean_days or len(group_fault_days):
        return out
    for _ in range(2 * cfg.max_suspects_per_group):
        if len(named) >= cfg.max_suspects_per_group or len(named) >= len(member_ids):
            break
        resid = {w: _residual(y[w], ok, taus, [z[w][i] * (days >= t) for i, t in shapes]) for w in y}
        shifts = {w: best_shift(resid[w], ok) for w in y}
        w = max(shifts, key=lambda k: shifts[k][1])
        tau, t_group, size = shifts[w]
        if t_group < cfg.step_group_t_min or size <= 0:
            break
        best = None
        g_fit = {wm: member_steps(resid[wm][None, :], ok, tau) for wm in y}
        g = {wm: float(g_fit[wm][1][0]) for wm in y}
        m = {wm: member_fit(reg[wm], index[wm], ok, tau) if reg is not None else member_steps(z[wm], ok, tau)
             for wm in y}
        # In every window the member's step must be the group's, within its own noise: a consumer who uses
        # less all day does not explain a step of the evening only, nor the reverse.
        # (Both steps' errors count, and a tolerance of ``step_tolerance`` of the group's step: meter errors,
        # losses and the other members move the group's excess a little too.)
        off = np.max([np.abs(m[wm][1] - g[wm]) / np.sqrt(m[wm][2] ** 2 + float(g_fit[wm][2][0]) ** 2
                                                        + (cfg.step_tolerance * g[wm]) ** 2) for wm in y], axis=0)
        for wm in y:  # the member must step in a window where the group stepped too, by a matching size
            if g[wm] <= 0:
                continue
            t_m, s_m, _ = m[wm]
            ratio = s_m / g[wm]
            for i in np.argsort(-t_m):
                if i in named:
                    continue
                if cfg.step_ratio_min <= ratio[i] <= cfg.step_ratio_max and off[i] <= cfg.step_consistency:
                    if best is None or t_m[i] > best[0]:
                        best = (float(t_m[i]), int(i), wm, float(ratio[i]), float(s_m[i]))
                    break
        taus = sorted(set(taus) | {tau})
        if best is None or best[0] < cfg.step_member_t_min:
            continue
        t_i, i, wm, ratio_i, size_i = best
        named.add(i)
        start = step_start([resid[wm], z[wm][i]], ok, 0)
        shapes.append((i, start))
        stolen = size_i  # the member's fitted drop in that window
        h0, h1 = WINDOWS[wm]
        where = "over the day" if wm == "day" else f"in the {wm} ({h0}-{h1} h)"
        out.append(Suspect(group_id, member_ids[i], float(min(1.0, 0.4 + t_i / 20.0)), int(start), stolen,
                           f"the group's imbalance stepped up {where} (t = {t_group:.1f}) on the day its "
                           f"registration there fell against its season and peer model (t = {t_i:.1f}), by "
                           f"{100 * ratio_i:.0f} % of the group's step; about {stolen:.1f} kWh/day", window=wm))
    return out
