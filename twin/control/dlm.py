"""Local demand management (DLM): each participating home holds its threshold.

Every minute the home's module compares the demand it metered in the
previous minute with the home's threshold (the supplier's limit for the
current tariff zone, or the customer's own stricter one). While demand stays
under it, nothing is switched. Above it, in this order:

1. **GREEN** (water heater, washing machine, dishwasher, EV charger) is
   switched off and deferred to the night tariff: it comes back when the
   day's cheapest rate starts, after a random delay of up to
   ``night_release_spread_min`` drawn per home (so the homes do not all
   switch on at the first cheap minute); a shed at night lasts
   ``green_min_off_min`` plus a random 0 to ``green_min_off_min``.
   GREEN is not held off once an EV needs all its remaining plug-in time to
   charge (``dr.ev_deadline_override``), so a car is not left uncharged.
2. **YELLOW** circuits that are drawing power are shed one by one, the one
   shed least recently first (rotation), until the estimated demand is under
   the threshold. A shed circuit returns when there is headroom for its rated
   power, or when the module's guard ends its allowed off-time.

RED is never touched.
"""

from __future__ import annotations

import numpy as np

from twin.control.config import DLMConfig


class LocalDLM:
    """Threshold control of every participating home (vectorised over homes).

    Args:
        cfg: DLM settings.
        participants: (n,) bool.
        threshold_kw: (n, T) or broadcastable: each home's limit each minute.
        cheapest: (T,) bool, minutes of the day's cheapest rate (night tariff).
        controllable: (devices,) bool, YELLOW circuits on switched sockets.
        control_green: GREEN sockets are switched.
        yellow_rating_kw: (n, devices) rated power of each YELLOW circuit.
        rng: Random stream (release delays, night hold times).
    """

    def __init__(self, cfg: DLMConfig, participants: np.ndarray, threshold_kw: np.ndarray, cheapest: np.ndarray,
                 controllable: np.ndarray, control_green: bool, yellow_rating_kw: np.ndarray,
                 rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.participants = np.asarray(participants, dtype=bool)
        self.threshold_kw, self.cheapest = threshold_kw, cheapest
        self.controllable = np.asarray(controllable, dtype=bool)
        self.control_green = control_green
        self.rating_kw = yellow_rating_kw
        n, d = yellow_rating_kw.shape
        self.yellow_shed = np.zeros((n, d), dtype=bool)
        self.last_shed_min = np.full((n, d), -10**9, dtype=int)
        self.green_deferred = np.zeros(n, dtype=bool)
        self.green_hold_min = np.zeros(n, dtype=int)
        self.green_off_since = np.full(n, -1, dtype=int)
        self._rows = np.arange(n)
        self.rng = rng
        self.release_offset_min = rng.integers(0, cfg.night_release_spread_min + 1, n)
        cheap = np.asarray(cheapest, dtype=bool)
        run = np.zeros(len(cheap), dtype=int)
        for t in range(1, len(cheap)):
            run[t] = run[t - 1] + 1 if cheap[t] and cheap[t - 1] else 0
        self.cheap_run_min = run

    def decide(self, minute: int, p_prev_kw: np.ndarray, yellow_prev_kw: np.ndarray, green_prev_kw: np.ndarray,
               may_shed: np.ndarray, ev_urgent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the homes' DLM wants for ``minute``.

        Args:
            minute: Minute being decided.
            p_prev_kw: (n,) home demand metered in the previous minute.
            yellow_prev_kw: (n, devices) YELLOW circuit power in the previous minute.
            green_prev_kw: (n,) GREEN power in the previous minute.
            may_shed: (n, devices) circuits the guard lets be switched off.
            ev_urgent: (n,) an EV needs all its remaining plug-in time.

        Returns:
            ``(yellow_on (n, devices), green_on (n,))``.
        """
        cfg, part = self.cfg, self.participants
        thr = self.threshold_kw[:, minute] if np.ndim(self.threshold_kw) == 2 else self.threshold_kw
        excess = np.where(part, p_prev_kw - thr, -np.inf)
        # Shed YELLOW circuits come back when there is room for their rated power.
        headroom = thr - p_prev_kw
        if self.yellow_shed.any():
            order = np.argsort(np.where(self.yellow_shed, self.last_shed_min, 10**9), axis=1, kind="stable")
            for k in range(order.shape[1]):
                d = order[:, k]
                rating = self.rating_kw[self._rows, d]
                back = self.yellow_shed[self._rows, d] & (rating <= headroom)
                self.yellow_shed[self._rows[back], d[back]] = False
                headroom = headroom - np.where(back, rating, 0.0)
        if self.control_green:
            night = bool(self.cheapest[minute]) & (self.cheap_run_min[minute] >= self.release_offset_min)
            waited = minute - self.green_off_since >= self.green_hold_min
            release = self.green_deferred & ((night & waited) | ev_urgent)
            self.green_deferred[release] = False
            shed = part & (excess > 0) & (green_prev_kw > 0) & ~self.green_deferred & ~ev_urgent
            self.green_deferred[shed] = True
            self.green_off_since[shed] = minute
            hold = cfg.green_min_off_min
            self.green_hold_min[shed] = hold + self.rng.integers(0, hold + 1, int(shed.sum()))
            excess = excess - np.where(shed, green_prev_kw, 0.0)
        # YELLOW: least recently shed first, until the excess is covered.
        eligible = self.controllable[None, :] & may_shed & ~self.yellow_shed & (yellow_prev_kw > 0)
        order = np.argsort(np.where(eligible, self.last_shed_min, 10**9), axis=1, kind="stable")
        for k in range(order.shape[1]):
            d = order[:, k]
            cut = (excess > 0) & eligible[self._rows, d]
            if not cut.any():
                break
            self.yellow_shed[self._rows[cut], d[cut]] = True
            self.last_shed_min[self._rows[cut], d[cut]] = minute
            excess = excess - np.where(cut, yellow_prev_kw[self._rows, d], 0.0)
        return ~self.yellow_shed, ~self.green_deferred

    def disarm(self, homes: np.ndarray) -> None:
        """Hands ``homes`` back: their deferred GREEN and shed YELLOW come on again."""
        homes = np.asarray(homes, dtype=bool)
        if homes.any():
            self.green_deferred[homes] = False
            self.yellow_shed[homes] = False

    def sync(self, actual_on: np.ndarray) -> None:
        """Forgets sheds the guard has ended (the circuit is on again)."""
        self.yellow_shed &= ~actual_on
