"""Home charging of electric vehicles (GREEN sockets, deferrable).

Each EV home has one plug-in session per day: arrival time ~ N(arrival mean,
1.5 h) clipped to 12:00-23:30, dwell ~ N(dwell mean, 1.5 h) clipped to 4-20 h
(and ending before the next arrival), energy need ~ Gamma(shape 2) with the
configured mean, at most 60 kWh. These follow the shapes reported for UK
home charging (My Electric Avenue trial, EA Technology 2016: evening arrivals
around 17:00-19:00, mean ~8-10 kWh per day). A session of the previous day is
included so that cars still charging at midnight are present at minute 0.

The charger draws its rated power (pf 0.99) while the car is plugged in, needs
energy and GREEN is powered. Blocked minutes are counted as deferred energy; a
session that departs before its need is met leaves energy not served.
"""

from __future__ import annotations

import numpy as np

from grid_model.households import streams as st
from grid_model.households.config import HouseholdConfig

EV_POWER_FACTOR = 0.99
MAX_SESSION_KWH = 60.0


class EVBank:
    """Charging sessions of every home (homes without an EV have none).

    Args:
        streams: Per-home random streams.
        cfg: Household configuration.
        has_ev: EV ownership (n,).
        minutes: Horizon length.
    """

    def __init__(self, streams: st.HomeStreams, cfg: HouseholdConfig, has_ev: np.ndarray, minutes: int) -> None:
        days = int(np.ceil(minutes / 1440))
        sessions = days + 1

        def draw(r: np.random.Generator) -> np.ndarray:
            arrive_h = np.clip(r.normal(cfg.ev_arrival_mean_h, 1.5, sessions), 12.0, 23.5)
            dwell_h = np.clip(r.normal(cfg.ev_dwell_mean_h, 1.5, sessions), 4.0, 20.0)
            need = np.minimum(r.gamma(2.0, cfg.ev_energy_mean_kwh / 2.0, sessions), MAX_SESSION_KWH)
            return np.stack([arrive_h, dwell_h, need])

        d = streams.rows(st.EV, draw)
        day_start = (np.arange(sessions) - 1) * 1440
        self.arrive = np.round(day_start[None, :] + d[:, 0] * 60).astype(int)
        depart = self.arrive + np.round(d[:, 1] * 60).astype(int)
        next_arrive = np.concatenate([self.arrive[:, 1:], np.full((len(has_ev), 1), 10**9)], axis=1)
        self.depart = np.minimum(depart, next_arrive - 30)
        self.need_kwh = d[:, 2] * has_ev[:, None]
        self.kw = np.where(has_ev, cfg.ev_charger_kw, 0.0)
        # Energy the previous day's session already got before midnight (uncontrolled charging).
        plugged_before_min = np.maximum(np.minimum(self.depart[:, 0], 0) - self.arrive[:, 0], 0)
        charged_before = np.minimum(self.need_kwh[:, 0], self.kw * plugged_before_min / 60.0)
        self.session = np.zeros(len(has_ev), dtype=int)
        self.remaining_kwh = np.where(self.depart[:, 0] > 0, self.need_kwh[:, 0] - charged_before, 0.0)
        self.unserved_kwh = np.zeros(len(has_ev))
        self._rows = np.arange(len(has_ev))
        self._sessions = sessions

    def step(self, minute: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advances one minute.

        Returns:
            (p_kw, q_kvar, deferred_kwh) per home.
        """
        left = minute >= self.depart[self._rows, self.session]
        if left.any():
            self.unserved_kwh += np.where(left, self.remaining_kwh, 0.0)
            can = left & (self.session < self._sessions - 1)
            self.session[can] += 1
            self.remaining_kwh = np.where(can, self.need_kwh[self._rows, self.session], self.remaining_kwh)
            self.remaining_kwh[left & ~can] = 0.0
        s = self.session
        plugged = (minute >= self.arrive[self._rows, s]) & (minute < self.depart[self._rows, s])
        want = np.where(plugged, np.minimum(self.kw, self.remaining_kwh * 60.0), 0.0)
        p = np.where(allowed, want, 0.0)
        self.remaining_kwh = self.remaining_kwh - p / 60.0
        return p, p * np.tan(np.arccos(EV_POWER_FACTOR)), np.where(allowed, 0.0, want) / 60.0

    def pending_kwh(self, minute: int) -> np.ndarray:
        """Energy still needed by cars plugged in (or arriving later) at ``minute``."""
        plugged = minute < self.depart[self._rows, self.session]
        return np.where(plugged, self.remaining_kwh, 0.0)

    def urgent(self, minute: int, margin_min: int) -> np.ndarray:
        """(n,) bool: a plugged-in car needs all its remaining plug-in time (less ``margin_min``) to charge."""
        s = self.session
        depart = self.depart[self._rows, s]
        plugged = (minute >= self.arrive[self._rows, s]) & (minute < depart)
        need_min = np.where(self.kw > 0, self.remaining_kwh * 60.0 / np.maximum(self.kw, 1e-9), 0.0)
        return plugged & (self.remaining_kwh > 1e-9) & (np.ceil(need_min - 1e-9) + margin_min >= depart - minute)
