"""Faulty group meters: a group meter that registers wrongly, found from its own and its parent's balance.

If the meter of group ``c`` registers ``(1 − f)`` of what enters the group
from day ``τ`` on, the energy ``f·input`` vanishes from ``c``'s balance
(its imbalance falls: negative for ``f > 0``) and appears in its parent's
balance (the parent's imbalance rises by the same amount), because the
parent compares its own meter with ``c``'s meter. Theft inside ``c`` raises
``c``'s imbalance and leaves the parent's alone; theft among the parent's
own consumers raises the parent's and leaves ``c``'s alone. So a step of
opposite sign and matching size in both balances, proportional to ``c``'s
registered input, is a ``group_meter_fault`` of ``c``'s meter — never a
consumer's — and both balances are corrected before consumers are examined.

For each metered group with a metered parent, with ``X(d)`` its registered
daily input and ``on(d) = [d ≥ τ]``, the daily unexplained imbalances are
fitted as ``y_c = a_c − g·X·on`` for every ``τ``; the fault is reported when
``g`` is significant (``t ≥ t_min``) and
the parent's own step over the ``window_days`` around ``τ`` is of the opposite sign,
significant (``t_parent_min``) and within ``ratio_max`` of the group's. ``g = f/(1 − f)``: the
meter reads ``100·f`` % low (high when negative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.balances import GroupBalance
from analytics.suspects import Suspect


@dataclass
class GroupFaultConfig:
    """Settings of the group-meter fault test."""

    t_min: float = 8.0
    t_parent_min: float = 4.0
    window_days: int = 7
    ratio_max: float = 1.6
    min_error_pct: float = 1.5
    first_day: int = 7


def _daily(x: np.ndarray, day: np.ndarray, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(x)
    s = np.bincount(day, weights=np.where(ok, x, 0.0), minlength=n_days)
    have = np.bincount(day, weights=ok.astype(float), minlength=n_days)
    full = np.bincount(day, minlength=n_days).astype(float)
    return s * full / np.maximum(have, 1.0), have >= 0.9 * full


def _step(y: np.ndarray, reg: np.ndarray, ok: np.ndarray) -> tuple[float, float]:
    """Least-squares ``y ≈ a + g·reg`` on ``ok`` days: (g, t of g)."""
    a = np.column_stack([np.ones(int(ok.sum())), reg[ok]])
    if np.ptp(reg[ok]) <= 0:
        return 0.0, 0.0
    coef, *_ = np.linalg.lstsq(a, y[ok], rcond=None)
    res = y[ok] - a @ coef
    dof = max(int(ok.sum()) - 2, 1)
    cov = np.linalg.pinv(a.T @ a) * float(res @ res) / dof
    return float(coef[1]), float(coef[1] / np.sqrt(max(cov[1, 1], 1e-18)))


def _local_step(y: np.ndarray, ok: np.ndarray, tau: int, k: int) -> tuple[float, float]:
    """Mean of ``y`` over the ``k`` good days from ``tau`` minus the ``k`` before, and its t (day-to-day noise)."""
    idx = np.flatnonzero(ok)
    before, after = idx[idx < tau][-k:], idx[idx >= tau][:k]
    if len(before) < 3 or len(after) < 3:
        return 0.0, 0.0
    d = float(y[after].mean() - y[before].mean())
    noise = float(np.median(np.abs(np.diff(y[idx]))) * 1.4826 / np.sqrt(2.0)) + 1e-9
    return d, d / (noise * np.sqrt(1.0 / len(before) + 1.0 / len(after)))


def find_group_faults(bal: list[GroupBalance], day: np.ndarray, cfg: GroupFaultConfig | None = None,
                      day_dates: list[str] | None = None) -> list[Suspect]:
    """Group-meter faults; corrects the child's and the parent's ``unexplained_kwh`` in place.

    Returns:
        One :class:`~analytics.suspects.Suspect` of ``kind`` ``group_meter_fault`` per fault,
        named by the group meter.
    """
    cfg = cfg or GroupFaultConfig()
    n_days = int(day.max()) + 1 if len(day) else 0
    by_id = {b.unit.group_id: b for b in bal}
    parent_of = {c: b.unit.group_id for b in bal for c in b.unit.child_group_ids}
    found = []
    for b in bal:
        parent = by_id.get(parent_of.get(b.unit.group_id, ""))
        if parent is None or n_days <= 2 * cfg.first_day:
            continue
        x, ok_x = _daily(b.input_kwh, day, n_days)
        yc, ok_c = _daily(b.unexplained_kwh, day, n_days)
        yp, ok_p = _daily(parent.unexplained_kwh, day, n_days)
        ok = ok_x & ok_c & ok_p
        best = None
        for tau in range(cfg.first_day, n_days - cfg.first_day):
            g, t = _step(-yc, x * (np.arange(n_days) >= tau), ok)
            if best is None or abs(t) > abs(best[1]):
                best = (g, t, tau)
        g, tc, tau = best
        if abs(tc) < cfg.t_min:
            continue
        # The parent must step the other way by as much at the same day (a window of days around it, so that
        # another fault or theft elsewhere under the parent does not blur it).
        dc, _ = _local_step(yc, ok, tau, cfg.window_days)
        dp, tp = _local_step(yp, ok, tau, cfg.window_days)
        if dc * dp >= 0 or abs(tp) < cfg.t_parent_min:
            continue
        if max(abs(dc), abs(dp)) / max(min(abs(dc), abs(dp)), 1e-12) > cfg.ratio_max:
            continue
        f = g / (1.0 + g)
        if 100 * abs(f) < cfg.min_error_pct:
            continue
        on = np.repeat(np.arange(n_days) >= tau, 1)[day]
        shift = np.where(on, g * np.nan_to_num(b.input_kwh), 0.0)
        b.unexplained_kwh = b.unexplained_kwh + shift
        parent.unexplained_kwh = parent.unexplained_kwh - shift
        when = day_dates[tau] if day_dates else f"day {tau}"
        found.append(Suspect(b.unit.group_id, b.unit.input_meter_id, float(min(1.0, min(abs(tc), abs(tp)) / 20.0)),
                             int(tau), float(np.mean(g * x[tau:])),
                             f"group meter reads {100 * abs(f):.1f} % {'low' if f > 0 else 'high'} from {when}: "
                             f"its group's imbalance {'fell' if f > 0 else 'rose'} by {abs(np.mean(g * x[tau:])):.1f} "
                             f"kWh/day and the parent {parent.unit.group_id}'s {'rose' if f > 0 else 'fell'} by the "
                             f"same (t = {abs(tc):.0f} / {abs(tp):.0f}); not a consumer's doing",
                             kind="group_meter_fault"))
    return found
