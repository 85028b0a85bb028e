"""Central DR that sheds just enough: forecast + measurement, per phase, through the radio.

Each minute the operator predicts every LV phase's loading ``lag`` minutes
ahead: the loading measured in the previous minute, plus the change the
forecast expects (:mod:`twin.control.forecast`), minus the effect of
commands already sent but not yet seen in the measurement (``lag`` is one
minute plus the radio's mean delay). On a phase predicted above
``target_loading_pct`` it sheds just enough homes on that phase to cover the
excess, using each home's forecast GREEN power first (water heater, cycles,
EV: deferrable) and its forecast YELLOW power second (room heating, fridge:
``yellow_devices`` only, never the kettle; at most ``yellow_max_off_min`` − 1
minutes, then released with their rebound counted and rested
``yellow_min_on_min``). Homes are picked by least shed time so far (the
burden is spread, so a home's thermal buffer rarely runs out), then by the
participation order. When the prediction is ``release_margin_pct`` under the
target, shed homes are released, longest-off first, only while the headroom
covers their expected rebound (the rated GREEN power of the devices that were
deferred): the payback is staggered against the forecast headroom instead of
coming back together. A home off longer than ``green_max_off_min`` is swapped
for fresh ones when others can take its place.

When even all available homes cannot cover the excess the phase is short of
flexibility; the controller then arms the participants' local DLM on that
phase (``combined`` only) for ``dlm_arm_hold_min``; otherwise DLM is idle.

Every minute with changes is one broadcast carrying the new state of the
homes concerned (group addressing), delivered per home after the latency
model's delay or lost; every ``refresh_min`` the full state is broadcast
again (a lost command is repaired there, and the measured loading makes up
for it meanwhile). Modules keep the newest command they received (sequence
numbers), and drop a shed after ``command_timeout_min`` without any command.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.control.config import CentralDRConfig, GuardConfig
from twin.control.forecast import LoadForecast
from twin.control.latency import LatencyModel


@dataclass
class _Broadcast:
    seq: int
    arrival_min: np.ndarray
    yellow_off: np.ndarray
    green_off: np.ndarray
    armed: np.ndarray


class ForecastDR:
    """The operator's just-enough controller and the modules' view of it.

    Args:
        cfg: Central DR settings.
        guard: Module limits.
        participants: (n,) bool.
        hops: (n,) radio hops of each home (-1: unreachable).
        latency: Command delay model.
        forecast: The operator's load forecast.
        green_rated_kw: (n,) installed GREEN power of each home (water heater + EV charger + cycles).
        rng: Stream of the radio draws.
        rank: (n,) participation order (ties of shed time go to the lowest rank,
            so a larger participation adds homes behind the ones a smaller one uses).
        green_comfort_risk: (n,) bool, homes whose GREEN includes a water heater (a shed tank may
            run cold): GREEN is shed in the other homes first.
    """

    def __init__(self, cfg: CentralDRConfig, guard: GuardConfig, participants: np.ndarray, hops: np.ndarray,
                 latency: LatencyModel, forecast: LoadForecast, green_rated_kw: np.ndarray,
                 rng: np.random.Generator, rank: np.ndarray | None = None,
                 green_comfort_risk: np.ndarray | None = None) -> None:
        self.cfg, self.guard, self.latency, self.rng = cfg, guard, latency, rng
        self.part = np.asarray(participants, dtype=bool)
        self.hops, self.fc = np.asarray(hops), forecast
        self.green_rated = np.asarray(green_rated_kw, dtype=float)
        n = len(self.part)
        self.phase = np.argmax(forecast.phase_weight, axis=1)
        # Minutes in which each home's forecast has GREEN running, cumulated (rebound estimate).
        self._active_cum = np.cumsum(forecast.home_green_kw > 0.05, axis=1, dtype=np.int32)
        self.order = np.arange(n) if rank is None else np.asarray(rank)
        self.risk = np.zeros(n, dtype=int) if green_comfort_risk is None else np.asarray(green_comfort_risk, dtype=int)
        # Commanded (operator) state.
        self.c_green = np.zeros(n, dtype=bool)
        self.c_yellow = np.zeros(n, dtype=bool)
        self.green_since = np.full(n, -1, dtype=int)
        self.yellow_since = np.full(n, -1, dtype=int)
        self.rest_until = np.zeros(n, dtype=int)
        self.green_rest_until = np.zeros(n, dtype=int)
        self.cum_green = np.zeros(n, dtype=int)
        self.cum_yellow = np.zeros(n, dtype=int)
        self.arm_until = np.full(3, -1, dtype=int)
        self._armed_cmd = np.zeros(n, dtype=bool)
        # Module (received) state.
        self.yellow_off = np.zeros(n, dtype=bool)
        self.green_off = np.zeros(n, dtype=bool)
        self.dlm_armed = np.zeros(n, dtype=bool)
        self._seq_seen = np.full(n, -1, dtype=int)
        self._heard = np.full(n, -10**9, dtype=int)
        self._inflight: list[_Broadcast] = []
        self._effects: list[tuple[int, np.ndarray]] = []
        self._seq = 0
        mean_s = latency.mean_s(self.hops[self.part]) if self.part.any() else 0.0
        mean_s = mean_s if np.isfinite(mean_s) else 60.0
        self.lag = 1 + int(np.ceil(max(mean_s, 0.0) / 60.0))
        self.latencies_s: list[np.ndarray] = []
        self.commands_sent = self.deliveries_lost = self.event_minutes = 0
        self.last_on = False
        self.shortfall_minutes = 0

    # ------------------------------------------------------------------ operator
    def _pick(self, cand: np.ndarray, est: np.ndarray, cum: np.ndarray, need: float,
              risk: np.ndarray | None = None) -> np.ndarray:
        """Candidates (lowest comfort risk, least shed so far, participation order) until they cover ``need``."""
        idx = np.flatnonzero(cand)
        if idx.size == 0 or need <= 0:
            return idx[:0]
        r = np.zeros(idx.size, dtype=int) if risk is None else risk[idx]
        idx = idx[np.lexsort((self.order[idx], cum[idx], r))]
        cover = np.cumsum(est[idx])
        k = int(np.searchsorted(cover, need - 1e-9)) + 1
        return idx[:k]

    def _shed_green(self, cand: np.ndarray, g_est: np.ndarray, need: float, t: int, changed: np.ndarray,
                    effect: np.ndarray, ph: int) -> float:
        """Sheds GREEN of ``cand`` homes until ``need`` is covered; returns what is left of it."""
        pick = self._pick(cand, g_est, self.cum_green, need, self.risk)
        self.c_green[pick] = True
        self.green_since[pick] = t
        changed[pick] = True
        effect[ph] += g_est[pick].sum()
        return need - float(g_est[pick].sum())

    def _rebound_kw(self, homes: np.ndarray, t: int) -> np.ndarray:
        """Expected draw of released homes: rated GREEN power of what was deferred, at least the forecast."""
        homes = np.asarray(homes, dtype=int)
        if homes.size == 0:
            return np.zeros(0)
        s = np.maximum(self.green_since[homes], 0)
        before = np.where(s > 0, self._active_cum[homes, np.maximum(s - 1, 0)], 0)
        active = (self._active_cum[homes, t] - before) / np.maximum(t - s + 1, 1)
        return np.maximum(self.green_rated[homes] * active, self.fc.home_green_kw[homes, t])

    def decide(self, t: int, phase_loading_prev_pct: np.ndarray) -> None:
        """The operator's decisions for minute ``t`` (may send one broadcast)."""
        cfg, fc = self.cfg, self.fc
        T = fc.phase_kw.shape[1]
        per_kw = fc.loading_per_kw
        ahead = min(t + self.lag, T - 1)
        prev = max(t - 1, 0)
        measured = np.asarray(phase_loading_prev_pct, dtype=float) if t else fc.loading_pct[:, 0]
        inflight = np.zeros(3)
        self._effects = [(m, e) for m, e in self._effects if m > t - self.lag]
        for _, e in self._effects:
            inflight += e
        pred = measured + (fc.phase_kw[:, ahead] - fc.phase_kw[:, prev]) * per_kw - inflight * per_kw
        need = (pred - cfg.target_loading_pct) / np.maximum(per_kw, 1e-9)
        g_est, y_est = fc.home_green_kw[:, t], fc.home_yellow_kw[:, t]
        changed = np.zeros(len(self.part), dtype=bool)
        effect = np.zeros(3)
        # YELLOW sheds end before the module guard would force them: released with their rebound counted.
        due = self.c_yellow & (t - self.yellow_since >= max(self.guard.yellow_max_off_min - 1, 1))
        if due.any():
            self.c_yellow[due] = False
            self.rest_until[due] = t + self.guard.yellow_min_on_min
            changed |= due
            for ph in range(3):
                back = float((y_est[due & (self.phase == ph)] * cfg.rebound_factor).sum())
                need[ph] += back
                effect[ph] -= back
        # GREEN of homes with a water heater comes back after ``tank_max_off_min`` (a tank drawn on while shed runs
        # cold), with its rebound counted and a rest of ``tank_rest_min`` before it may be shed again.
        tank_due = self.c_green & (self.risk > 0) & (t - self.green_since >= cfg.tank_max_off_min) \
            if cfg.tank_max_off_min > 0 else np.zeros_like(self.c_green)
        if tank_due.any():
            back_kw = self._rebound_kw(np.flatnonzero(tank_due), t)
            self.c_green[tank_due] = False
            self.green_rest_until[tank_due] = t + cfg.tank_rest_min
            changed |= tank_due
            for ph in range(3):
                back = float(back_kw[self.phase[tank_due] == ph].sum())
                need[ph] += back
                effect[ph] -= back
        on_any = False
        for ph in range(3):
            here = self.part & (self.phase == ph)
            if need[ph] > 0:
                on_any = True
                # GREEN first (homes without a water heater before the others), then YELLOW thermal circuits.
                free = here & ~self.c_green & (g_est > 0.05) & (t >= self.green_rest_until)
                if cfg.shed_green:
                    need[ph] = self._shed_green(free, g_est, need[ph], t, changed, effect, ph)
                if cfg.shed_yellow and need[ph] > 0:
                    cand = here & ~self.c_yellow & (t >= self.rest_until) & (y_est > 0.05)
                    pick = self._pick(cand, y_est, self.cum_yellow, need[ph])
                    self.c_yellow[pick] = True
                    self.yellow_since[pick] = t
                    changed[pick] = True
                    need[ph] -= y_est[pick].sum()
                    effect[ph] += y_est[pick].sum()
                if need[ph] > 0:
                    self.arm_until[ph] = t + cfg.dlm_arm_hold_min
                    self.shortfall_minutes += 1
            else:
                headroom = -need[ph] - cfg.release_margin_pct / max(per_kw[ph], 1e-9)
                off = np.flatnonzero(here & self.c_green)
                if off.size == 0:
                    continue
                off = off[np.argsort(self.green_since[off], kind="stable")]
                rebound = self._rebound_kw(off, t)
                overdue = t - self.green_since[off] >= cfg.green_max_off_min
                freed = []
                swaps = 0
                for i, r, late in zip(off, rebound, overdue):
                    if r <= headroom:
                        headroom -= r
                        freed.append(i)
                    elif late and swaps < cfg.max_swaps_per_min:
                        # Swap: fresh homes take the overdue one's share (its rebound included).
                        swaps += 1
                        fresh = self._pick(here & ~self.c_green & (g_est > 0.05) & (t >= self.green_rest_until), g_est,
                                           self.cum_green, r,
                                           self.risk)
                        if fresh.size and g_est[fresh].sum() >= r:
                            self.c_green[fresh] = True
                            self.green_since[fresh] = t
                            changed[fresh] = True
                            effect[ph] += g_est[fresh].sum() - r
                            freed.append(i)
                if freed:
                    freed_a = np.array(freed)
                    self.c_green[freed_a] = False
                    changed[freed_a] = True
                    effect[ph] -= float(self._rebound_kw(freed_a, t).sum())
        self.cum_green += self.c_green
        self.cum_yellow += self.c_yellow
        armed = self.part & (self.arm_until[self.phase] >= t)
        changed |= armed != self._armed_cmd
        self._armed_cmd = armed
        self.last_on = on_any or bool(self.c_green.any() or self.c_yellow.any())
        self.event_minutes += int(self.last_on)
        refresh = cfg.refresh_min > 0 and t % cfg.refresh_min == 0 and (self.c_green | self.c_yellow | armed).any()
        targets = self.part if refresh else changed & self.part
        if targets.any():
            self._send(t, targets)
            self._effects.append((t, effect))

    def _send(self, t: int, targets: np.ndarray) -> None:
        lat = self.latency.sample(self.hops[targets], self.rng)
        arrival = np.full(len(targets), -1, dtype=int)
        ok = np.isfinite(lat)
        idx = np.flatnonzero(targets)
        arrival[idx[ok]] = t + np.ceil(lat[ok] / 60.0).astype(int)
        self.latencies_s.append(lat[ok])
        self.deliveries_lost += int((~ok).sum())
        self.commands_sent += 1
        self._inflight.append(_Broadcast(self._seq, arrival, self.c_yellow.copy(), self.c_green.copy(),
                                         self._armed_cmd.copy()))
        self._seq += 1

    def adopt_green(self, homes: np.ndarray, t: int) -> None:
        """GREEN a disarmed local DLM had deferred stays off, now as a central shed released with the others."""
        homes = np.asarray(homes, dtype=bool) & ~self.c_green
        if homes.any():
            self.c_green[homes] = self.green_off[homes] = True
            self.green_since[homes] = t
            self._heard[homes] = t

    # ------------------------------------------------------------------ modules
    def receive(self, t: int) -> None:
        """Applies the broadcasts reaching modules in minute ``t`` (newest wins) and the fail-safe."""
        keep = []
        for b in self._inflight:
            hit = (b.arrival_min == t) & (b.seq > self._seq_seen)
            if hit.any():
                self.yellow_off[hit] = b.yellow_off[hit]
                self.green_off[hit] = b.green_off[hit]
                self.dlm_armed[hit] = b.armed[hit]
                self._seq_seen[hit] = b.seq
                self._heard[hit] = t
            if (b.arrival_min > t).any():
                keep.append(b)
        self._inflight = keep
        holding = self.yellow_off | self.green_off | self.dlm_armed
        expired = holding & (t - self._heard >= self.guard.command_timeout_min)
        if expired.any():
            self.yellow_off[expired] = self.green_off[expired] = self.dlm_armed[expired] = False

    def mean_latency_s(self) -> float:
        """Mean delay of the delivered commands (NaN when none was sent)."""
        if not self.latencies_s:
            return float("nan")
        lat = np.concatenate(self.latencies_s)
        return float(lat.mean()) if lat.size else float("nan")
