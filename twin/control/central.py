"""Central DR: the operator decides events, broadcasts go through the mesh.

Every minute the operator looks at the tariff calendar and at the
transformer loading measured in the previous minute, and decides whether a
DR event is on (:class:`CentralDR`). During an event GREEN sockets of every
participant are held off and YELLOW is shed in one rotation group at a time,
the group changing every ``yellow_max_off_min``. Each change of state is one
group broadcast; every participating module receives it after its own delay
drawn from the latency model (or never, if the broadcast is lost), so homes
switch at different moments, as in the field. At the end of an event the
YELLOW group still shed is restored at once; GREEN is restored group by group,
``restore_stagger_min`` apart, and each module switches
GREEN back on after its own random delay of up to ``restore_spread_min``
(randomised restoration against the cold-load pickup).

A module drops a shed state after ``command_timeout_min`` without a new shed
command or a restore, so a lost restore cannot keep a home off for ever (the
YELLOW rotation refreshes it during long events).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.control.config import CentralDRConfig, GuardConfig
from twin.control.latency import LatencyModel


@dataclass
class _Command:
    """One broadcast in flight: per-home arrival minute (-1 once applied or lost)."""

    arrival_min: np.ndarray
    yellow_off: bool | None
    green_off: bool | None


class CentralDR:
    """The operator's event logic and the modules' view of its commands.

    Args:
        cfg: Central DR settings.
        guard: Module limits (rotation slot length, command timeout).
        participants: (n,) bool, homes with switched sockets.
        hops: (n,) hop count of each home's module (-1: unreachable).
        latency: Command delay model.
        peak: (T,) bool, minutes of the day's highest tariff rate.
        rng: Random stream for the delays.
    """

    def __init__(self, cfg: CentralDRConfig, guard: GuardConfig, participants: np.ndarray, hops: np.ndarray,
                 latency: LatencyModel, peak: np.ndarray, rng: np.random.Generator) -> None:
        self.cfg, self.guard = cfg, guard
        self.participants = np.asarray(participants, dtype=bool)
        self.hops, self.latency, self.peak, self.rng = hops, latency, peak, rng
        n = len(self.participants)
        groups = max(1, cfg.rotation_groups)
        order = np.cumsum(self.participants) - 1
        self.group = np.where(self.participants, order % groups, -1)
        self.yellow_off = np.zeros(n, dtype=bool)
        self.green_off = np.zeros(n, dtype=bool)
        self._shed_since = np.full(n, -1, dtype=int)
        self._inflight: list[_Command] = []
        self.latencies_s: list[np.ndarray] = []
        self.commands_sent = 0
        self.deliveries_lost = 0
        self.event_minutes = 0
        self._event_start = -1
        self._overload = False
        self._below_min = 0
        self._slot = -1
        self._restore_queue: list[tuple[int, np.ndarray]] = []
        self.last_on = False

    def _send(self, minute: int, targets: np.ndarray, yellow_off: bool | None, green_off: bool | None) -> None:
        if not targets.any():
            return
        if green_off:
            # A new shed cancels the randomised GREEN restores still waiting in those modules.
            for cmd in self._inflight:
                if cmd.green_off is False and cmd.yellow_off is None:
                    cmd.arrival_min[targets] = -1
        lat = self.latency.sample(self.hops[targets], self.rng)
        arrival = np.full(len(targets), -1, dtype=int)
        ok = np.isfinite(lat)
        idx = np.flatnonzero(targets)
        arrival[idx[ok]] = minute + np.ceil(lat[ok] / 60.0).astype(int)
        self.latencies_s.append(lat[ok])
        self.deliveries_lost += int((~ok).sum())
        self.commands_sent += 1
        spread = self.cfg.restore_spread_min
        if green_off is False and spread > 0:
            # Randomised restoration: each module waits 0..spread minutes before GREEN comes back.
            delayed = np.where(arrival >= 0, arrival + self.rng.integers(0, spread + 1, len(arrival)), -1)
            self._inflight.append(_Command(delayed, None, False))
            if yellow_off is None:
                return
            green_off = None
        self._inflight.append(_Command(arrival, yellow_off, green_off))

    def _event_on(self, minute: int, loading_prev_pct: float) -> bool:
        cfg = self.cfg
        if cfg.trigger in ("overload", "both"):
            if not self._overload and loading_prev_pct >= cfg.start_loading_pct:
                self._overload, self._below_min = True, 0
            elif self._overload:
                self._below_min = self._below_min + 1 if loading_prev_pct < cfg.release_loading_pct else 0
                lasted = minute - self._event_start if self._event_start >= 0 else 0
                if self._below_min >= cfg.release_hold_min and lasted >= cfg.min_event_min:
                    self._overload = False
        tariff = cfg.trigger in ("peak_tariff", "both") and bool(self.peak[minute])
        return tariff or self._overload

    def decide(self, minute: int, loading_prev_pct: float) -> None:
        """The operator's decision for ``minute``: may send broadcasts."""
        cfg, slot_len = self.cfg, max(1, self.guard.yellow_max_off_min)
        on = self._event_on(minute, loading_prev_pct)
        groups = max(1, cfg.rotation_groups)
        self.last_on = on
        if on:
            self.event_minutes += 1
            if self._event_start < 0:
                self._event_start, self._slot = minute, -1
                self._restore_queue.clear()
                if cfg.shed_green:
                    self._send(minute, self.participants, None, True)
            slot = (minute - self._event_start) // slot_len
            if cfg.shed_yellow and slot != self._slot:
                if self._slot >= 0 and groups > 1:
                    self._send(minute, self.group == self._slot % groups, False, None)
                self._send(minute, self.group == slot % groups, True, None)
                self._slot = slot
        elif self._event_start >= 0:
            self._event_start = -1
            if cfg.shed_yellow and self._slot >= 0:
                self._send(minute, self.group == self._slot % groups, False, None)
            if cfg.shed_green:
                for g in range(groups):
                    self._restore_queue.append((minute + g * cfg.restore_stagger_min, self.group == g))
            self._slot = -1
        due = [item for item in self._restore_queue if item[0] <= minute]
        for item in due:
            self._send(minute, item[1], None, False)
            self._restore_queue.remove(item)

    def receive(self, minute: int) -> None:
        """Applies the broadcasts that reach modules by ``minute`` (and the fail-safe)."""
        keep = []
        for cmd in self._inflight:
            hit = cmd.arrival_min == minute
            if hit.any():
                if cmd.yellow_off is not None:
                    self.yellow_off[hit] = cmd.yellow_off
                if cmd.green_off is not None:
                    self.green_off[hit] = cmd.green_off
                if cmd.yellow_off or cmd.green_off:
                    self._shed_since[hit] = minute
                self._shed_since[hit & ~(self.yellow_off | self.green_off)] = -1
            if (cmd.arrival_min > minute).any():
                keep.append(cmd)
        self._inflight = keep
        expired = (self._shed_since >= 0) & (minute - self._shed_since >= self.guard.command_timeout_min)
        if expired.any():
            self.yellow_off[expired] = self.green_off[expired] = False
            self._shed_since[expired] = -1

    def mean_latency_s(self) -> float:
        """Mean delay of the delivered commands (NaN when none was sent)."""
        if not self.latencies_s:
            return float("nan")
        lat = np.concatenate(self.latencies_s)
        return float(lat.mean()) if lat.size else float("nan")
