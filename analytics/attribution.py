"""Joint attribution of a group's excess to its members, day by day, in local windows.

DOMAIN.md's rule — "if a consumer's profile changes and the imbalance stays
flat, nothing is wrong; if the imbalance grows with it, it is theft, a magnet
or a faulty meter" — applied per local day and window (the whole day; the
evening 17:00–23:00; the night 0:00–6:00, where a home's base load is steady),
so that intermittent tampering (some evenings, fixed weekdays) is seen on the
days it happens:

1. **Group excess** ``y_w(d)``: the group's unexplained imbalance in window
   ``w`` of day ``d`` (days with the group meter or many members missing are
   left out).
2. **Each member's shortfall** ``z_iw(d)``: what it registered against a
   season and peer model, ``r_iw(d) ≈ a_i + c_i · M_w(d)``, fitted to the
   member's own days (leaving out its own large drops); ``M_w`` is the mean
   registration of every consumer of
   the site in that window and day, so heating seasons, weather, weekends and
   holidays common to everybody are absorbed, whatever each member's share of
   heating (its ``c_i``).
3. **Does the imbalance move with it?** The response ``β_iw = cov(z, y) /
   (var z − σ²_i)`` (``σ²_i``: the member's own day-to-day noise, from its
   differences, so the member's noise does not attenuate it) is about 1 for a
   meter hiding what the group misses and about 0 for a consumer who simply
   uses less (vacation, new tenant, changed routine, PV). A member is
   attributed when the correlation is significant (``t ≥ attribution_t_min``)
   and ``β`` is in ``[beta_min, beta_max]``; its part ``β·z`` is then taken
   out of ``y`` and the next member is sought (several per group, jointly).
4. **Start day**: the step or ramp (15, 30 or 60 days) start that best fits
   the member's part of the excess and its shortfall together.

What it cannot see: a load wired around the meter that leaves the
consumer's registration unchanged (a new appliance on a bypass), and an
anomaly present from the first day that never changes (no before to compare
with): both raise the group's imbalance but nobody's profile moves.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from analytics.suspects import Suspect

#: Local windows: name → local hours (interval starts) in it.
WINDOWS: dict[str, tuple[int, int]] = {"day": (0, 24), "evening": (17, 23), "night": (0, 6)}


def day_matrix(day: np.ndarray, local_hour: np.ndarray, window: tuple[int, int], n_days: int) -> sp.csr_matrix:
    """(H, D) sparse 0/1 matrix summing hours of a window into days."""
    on = (local_hour >= window[0]) & (local_hour < window[1])
    rows = np.flatnonzero(on)
    return sp.csr_matrix((np.ones(len(rows)), (rows, day[rows])), shape=(len(day), n_days))


def season_fit(r: np.ndarray, index: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """(n, D) shortfall ``fit − r`` against ``a + c·index`` fitted on the levels of the ``ok`` days.

    Two passes: the second leaves out the days the first found far below the
    fit (a drop of the member's own, which must not pull its season model).
    """
    x = np.column_stack([np.ones(len(index)), index])
    w = np.broadcast_to(ok, r.shape).astype(float)
    for _ in range(2):
        xtwx = np.einsum("dk,nd,dl->nkl", x, w, x) + 1e-9 * np.eye(2)
        xtwy = np.einsum("dk,nd->nk", x, w * r)
        coef = np.linalg.solve(xtwx, xtwy[..., None])[..., 0]
        z = coef @ x.T - r
        sd = 1.4826 * np.median(np.abs(z - np.median(z, axis=1, keepdims=True)), axis=1, keepdims=True) + 1e-9
        w = (ok[None, :] & (z < 2.5 * sd)).astype(float)
    return z


def step_start(series: list[np.ndarray], ok: np.ndarray, first: int) -> int:
    """The start day of a step or a ramp (15, 30, 60 days) best fitting the summed standardised series."""
    n = len(ok)
    s = sum(v / (np.std(v[ok]) + 1e-9) for v in series)
    d = np.arange(n)
    best, tau_best = np.inf, first
    for tau in range(max(first, 0), n - 2):
        for ramp in (0, 15, 30, 60):
            g = np.clip((d - tau + 1) / ramp, 0.0, 1.0) if ramp else (d >= tau).astype(float)
            g = g[ok]
            a = np.column_stack([np.ones(len(g)), g])
            coef, res, *_ = np.linalg.lstsq(a, s[ok], rcond=None)
            sse = float(res[0]) if len(res) else float(np.sum((s[ok] - a @ coef) ** 2))
            if coef[1] > 0 and sse < best:
                best, tau_best = sse, tau
    return tau_best


def drop_t(z: np.ndarray, ok: np.ndarray, tau: int) -> float:
    """Significance of the rise of a member's shortfall ``z`` from day ``tau`` on (Welch t)."""
    on = ok & (np.arange(len(ok)) >= tau)
    before = ok & ~on
    if on.sum() < 3 or before.sum() < 3:
        return 0.0
    a, b = z[on], z[before]
    return float((a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b) + 1e-12))


def _hidden_per_day(h: np.ndarray, ok: np.ndarray, tau: int) -> float:
    """Mean of ``h`` from ``tau`` on above its mean before (the whole mean when nothing is before)."""
    on = ok & (np.arange(len(ok)) >= tau)
    before = ok & ~on
    if not on.any():
        return 0.0
    return float(np.mean(h[on]) - (np.mean(h[before]) if before.sum() >= 3 else 0.0))


def attribute_group(group_id: str, y: dict[str, np.ndarray], z: dict[str, np.ndarray], ok: np.ndarray,
                    member_ids: list[str], cfg) -> tuple[list[Suspect], np.ndarray]:
    """Suspects of one group by joint attribution (module docstring).

    Args:
        group_id: The group.
        y: Window → (D,) the group's excess per day.
        z: Window → (n, D) each member's shortfall per day.
        ok: (D,) days to use.
        member_ids: Rows of ``z``.
        cfg: :class:`~analytics.theft.TheftConfig`.

    Returns:
        The suspects and a 0..1 score for every member.
    """
    n = len(member_ids)
    scores = np.zeros(n)
    if n == 0 or ok.sum() < cfg.clean_days:
        return [], scores
    left = {w: y[w] - np.mean(y[w][ok]) for w in y}
    sig2 = {w: np.median(np.abs(np.diff(z[w][:, ok], axis=1)), axis=1) ** 2 * 1.4826 ** 2 / 2.0 for w in z}
    chosen: dict[int, tuple[str, float, float]] = {}
    while sum(1 for v in chosen.values() if v[2] >= 0) < cfg.max_suspects_per_group and len(chosen) < n:
        best = None
        for w in y:
            yy = left[w][ok]
            zz = z[w][:, ok]
            zc = zz - zz.mean(axis=1, keepdims=True)
            yc = yy - yy.mean()
            m = len(yy)
            cov = zc @ yc / m
            var_z = (zc ** 2).mean(axis=1)
            var_y = float(yc @ yc / m) + 1e-12
            corr = cov / np.sqrt(var_z * var_y + 1e-18)
            t = corr * np.sqrt(max(m - 2, 1)) / np.sqrt(np.maximum(1 - corr ** 2, 1e-9))
            beta = cov / np.maximum(var_z - sig2[w], 0.25 * var_z + 1e-12)
            scores[:] = np.maximum(scores, np.clip(t / (2 * cfg.attribution_t_min), 0.0, 1.0))
            for i in np.argsort(-t):
                if i in chosen:
                    continue
                if cfg.beta_min <= beta[i] <= cfg.beta_max:
                    if best is None or t[i] > best[0]:
                        best = (float(t[i]), int(i), w, float(beta[i]))
                    break
        if best is None or best[0] < cfg.attribution_t_min:
            break
        t_i, i, w, beta_i = best
        part = beta_i * (z[w][i] - np.mean(z[w][i][ok]))
        tau = step_start([left[w], z[w][i]], ok, 0)
        stolen = _hidden_per_day(beta_i * z[w][i], ok, tau)
        if stolen < cfg.min_kwh_per_day * (WINDOWS[w][1] - WINDOWS[w][0]) / 24.0:
            chosen[i] = (w, beta_i, -1.0)
            continue
        left[w] = left[w] - part
        if w != "day":
            left["day"] = left["day"] - part
        chosen[i] = (w, beta_i, t_i)
        scores[i] = max(scores[i], float(min(1.0, 0.5 + t_i / 40.0)))
    suspects = []
    for i, (w, beta_i, t_i) in chosen.items():
        if t_i < 0:
            continue
        tau = step_start([y[w] - np.mean(y[w][ok]), z[w][i]], ok, 0)
        stolen = _hidden_per_day(beta_i * z[w][i], ok, tau)
        h0, h1 = WINDOWS[w]
        where = "over the day" if w == "day" else f"in the {w} ({h0}-{h1} h)"
        suspects.append(Suspect(group_id, member_ids[i], float(scores[i]), int(tau), stolen,
                                f"its registration {where} fell against its season and peer model while the "
                                f"group's imbalance rose with it (t = {t_i:.1f}, imbalance response "
                                f"{beta_i:.2f} kWh per kWh missing); about {stolen:.1f} kWh/day", window=w))
    return suspects, scores
