"""Washing-machine and dishwasher cycles that GREEN control can defer.

A cycle is a fixed per-minute power profile. A request joins the home's queue;
the next queued cycle starts when the machine is idle, and the cycle advances
one profile minute per minute in which GREEN sockets are powered. While GREEN
is off the cycle waits (not started, or paused mid-cycle), so a deferred cycle
draws exactly the energy of an undeferred one, only later.

Profiles (kW, power factor per phase) are typical of EU A-class machines and
of the CREST appliance table (Richardson et al. 2010): a washing machine
40 °C cycle of 90 min, about 0.75 kWh (heating 2.0 kW for 15 min; drum motor
0.2 kW, pf 0.8; spin 0.35 kW); a dishwasher eco cycle of 95 min, about 1.1 kWh
(two heating phases at 2.0 kW, circulation pump 0.15 kW, pf 0.85).
"""

from __future__ import annotations

import numpy as np


def _profile(phases: list[tuple[int, float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Expands (minutes, kW, pf) phases into per-minute P and Q arrays."""
    p = np.concatenate([np.full(m, kw) for m, kw, _ in phases])
    q = np.concatenate([np.full(m, kw * np.tan(np.arccos(pf))) for m, kw, pf in phases])
    return p, q


WASHING_P_KW, WASHING_Q_KVAR = _profile(
    [(3, 0.02, 0.9), (15, 2.0, 1.0), (40, 0.2, 0.8), (20, 0.1, 0.8), (12, 0.35, 0.8)])
DISHWASHER_P_KW, DISHWASHER_Q_KVAR = _profile(
    [(3, 0.02, 0.9), (18, 2.0, 1.0), (30, 0.15, 0.85), (12, 2.0, 1.0), (32, 0.05, 0.85)])


class CycleBank:
    """Queue and progress of one cycle appliance in every home (vectorised).

    Args:
        p_kw: Cycle profile, kW per minute.
        q_kvar: Cycle profile, kvar per minute.
        scale: Per-home multiplier of the profile (machine size), shape (n,).
    """

    def __init__(self, p_kw: np.ndarray, q_kvar: np.ndarray, scale: np.ndarray) -> None:
        self.p_kw, self.q_kvar = p_kw, q_kvar
        self.scale = np.asarray(scale, dtype=float)
        n = self.scale.shape[0]
        self.length = len(p_kw)
        self.cycle_kwh = float(p_kw.sum() / 60.0)
        self.queued = np.zeros(n, dtype=int)
        self.progress = np.full(n, -1, dtype=int)
        self.completed = np.zeros(n, dtype=int)

    def step(self, requests: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advances one minute.

        Args:
            requests: New cycle requests this minute, (n,) 0/1.
            allowed: GREEN powered this minute, (n,) bool.

        Returns:
            (p_kw, q_kvar, deferred_kwh) per home; ``deferred_kwh`` is the
            energy that would have been drawn this minute without the block.
        """
        self.queued += requests
        idle = self.progress < 0
        start = idle & (self.queued > 0)
        self.progress[start] = 0
        self.queued[start] -= 1
        busy = self.progress >= 0
        idx = np.where(busy, self.progress, 0)
        p = np.where(busy, self.p_kw[idx], 0.0) * self.scale
        q = np.where(busy, self.q_kvar[idx], 0.0) * self.scale
        run = busy & allowed
        deferred = np.where(busy & ~allowed, p, 0.0) / 60.0
        self.progress[run] += 1
        done = self.progress >= self.length
        self.progress[done] = -1
        self.completed += done
        return np.where(run, p, 0.0), np.where(run, q, 0.0), deferred

    def pending_kwh(self) -> np.ndarray:
        """Energy of queued and unfinished cycles per home, kWh."""
        cum = np.concatenate([[0.0], np.cumsum(self.p_kw) / 60.0])
        rest = np.where(self.progress >= 0, self.cycle_kwh - cum[np.maximum(self.progress, 0)], 0.0)
        return (rest + self.queued * self.cycle_kwh) * self.scale
