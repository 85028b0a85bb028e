"""The X-MAC and synchronised schemes, and the factory that picks a scheme.

``mesh.mac.scheme`` selects the MAC of every module (docs/mesh-model.md):

* ``wisemac`` (:class:`mesh_sim.mac.Mac`): low-power listening, preamble
  shortened by learned wake-up phases (El-Hoiydi and Decotignie 2004).
* ``xmac`` (:class:`XMac`): strobed preamble (Buettner et al. 2006). The
  sender repeats a short strobe carrying the destination, each followed by a
  gap in which it listens for an early ACK; the receiver's channel sample is
  at least one gap long so it always catches a strobe, answers it, and the
  data follows at once. A neighbour that catches a strobe for someone else
  hears one strobe and sleeps. No phase learning, so a unicast strobes on
  average half a wake interval. A broadcast repeats the data frame for a
  whole wake interval; every neighbour catches one copy.
* ``sync`` (:class:`SyncMac`): a synchronised schedule. Every module's clock
  is set from the time stamp in its parent's ACK (and in floods); having
  measured its crystal's offset from successive stamps, it keeps only a
  residual drift ``sync_drift_ppm``. Each module polls at a phase of network
  time known to all, so a sender needs a wake-up tone only as long as the
  two clocks' uncertainty, ``2 * drift * (age_i + age_j) + sync_guard_s``
  (``age`` = time since the last correction). Broadcasts travel in a wave:
  in every wake interval, slot ``h`` (``broadcast_slot_s`` wide) is the
  one in which modules at depth ``h`` listen, so a flood descends one depth
  per slot (:mod:`mesh_sim.wave`). A module therefore polls twice per wake
  interval (its unicast phase and its depth slot).
"""

from __future__ import annotations

import math
import random
from typing import Callable, Generator

import simpy

from mesh_sim.channel import Channel, Transmission
from mesh_sim.config import MAC_SCHEMES, MacConfig, RadioConfig
from mesh_sim.linkstate import PerTable
from mesh_sim.mac import FRAMES_PER_CATCH, Mac

#: Carrier-sense attempts for one transmission in a broadcast-wave slot.
WAVE_ACCESS_TRIES = 3


class XMac(Mac):
    """Strobed short preambles with early ACK (X-MAC)."""

    scheme = "xmac"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: Early-ACK window after each strobe: turnaround, ACK, turnaround.
        self.gap_s = 2.0 * self.turnaround_s + self.ack_air_s
        self.strobe_period_s = self.header_s + self.gap_s
        # A sample must span a gap, or it could fall between two strobes.
        self.sample_s = self.cfg.listen_sample_s + self.gap_s

    def preamble_s(self, i: int, j: int, now_s: float) -> float:
        """No phase learning: the strobe train may last a whole wake interval."""
        return 0.0 if self.always_on[j] else self.t_w

    def book_overhear(self, i: int, preamble_s: float) -> None:
        """A neighbour waking into the strobe train waits for the next strobe and hears it."""
        if preamble_s > 0.0:
            self.overhear_src_s[i] += min(preamble_s / self.t_w, 1.0) * (
                self.strobe_period_s / 2.0 + self.header_s)

    def unicast(self, i: int, j: int, alive: list[bool],
                accept: bool | Callable[[], bool] = True, more: bool = False) -> Generator:
        """Strobes until ``j`` answers with an early ACK, then the data and its ACK."""
        if self.always_on[j]:
            return (yield from super().unicast(i, j, alive, accept, more))
        env = self.env
        room, out = yield from self._start_unicast(i, j, alive, accept, more)
        if out is not None:
            return out
        if (yield from self._access(i, j)) is None:
            return False, False
        self.attempts[i] += 1
        self.packets_handled[i] += 1
        t0, period = env.now, self.strobe_period_s
        wake_s = self.next_wake_s(j, t0)
        if alive[j]:
            strobes = max(0, math.ceil((wake_s - t0) / period - 1e-9)) + 1
        else:
            strobes = math.ceil(self.t_w / period) + 1
        train_end = t0 + (strobes - 1) * period + self.header_s
        train = self.channel.transmit(i, t0, train_end)
        self.tx_s[i] += strobes * self.header_s
        self.rx_s[i] += strobes * self.gap_s
        self.book_overhear(i, train_end - t0)
        yield env.timeout(train_end + self.turnaround_s - env.now)
        if not (alive[j] and self.channel.received(train, j, self.per_ack, train_end - self.header_s)):
            yield env.timeout(self.gap_s - self.turnaround_s)
            return False, False
        self.rx_s[j] += train_end - wake_s
        early = self.channel.transmit(j, env.now, env.now + self.ack_air_s)
        self.tx_s[j] += self.ack_air_s
        yield env.timeout(self.ack_air_s + self.turnaround_s)
        if not (alive[i] and self.channel.received(early, i, self.per_ack)):
            self.rx_s[j] += self.turnaround_s + self.data_air_s
            return False, False
        tx = self.channel.transmit(i, env.now, env.now + self.data_air_s)
        self.tx_s[i] += self.data_air_s
        return (yield from self._ack_exchange(i, j, tx, alive, room, env.now - self.turnaround_s))

    def book_broadcast_rx(self, j: int, tx: Transmission, first: bool = True) -> None:
        """The broadcast is the data frame repeated: a neighbour catches one copy."""
        if self.always_on[j]:
            return
        if first:
            self.rx_s[j] += FRAMES_PER_CATCH * self.data_air_s
            self.packets_handled[j] += 1
        else:
            self.overhear_s_direct(j, FRAMES_PER_CATCH * self.header_s)


class SyncMac(Mac):
    """Synchronised wake-up schedule with guard times from the residual clock drift."""

    scheme = "sync"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        n = len(self.always_on)
        self.sync_t_s = [0.0] * n
        self.residual_drift = self.cfg.sync_drift_ppm * 1e-6
        self.polls_per_interval = 2

    def synced(self, i: int, now_s: float) -> None:
        """``i`` set its clock from a time stamp now."""
        self.sync_t_s[i] = now_s

    def age_s(self, i: int, now_s: float) -> float:
        """Time since ``i``'s last clock correction (0 for a mains-powered time source)."""
        return 0.0 if self.always_on[i] else max(now_s - self.sync_t_s[i], 0.0)

    def guard_s(self, i: int, j: int, now_s: float) -> float:
        """Wake-up tone covering both clocks' uncertainty."""
        g = 2.0 * self.residual_drift * (self.age_s(i, now_s) + self.age_s(j, now_s)) + self.cfg.sync_guard_s
        return min(g, self.t_w)

    def preamble_s(self, i: int, j: int, now_s: float) -> float:
        """Only the guard: every module's wake-up phase is known from network time."""
        return 0.0 if self.always_on[j] else self.guard_s(i, j, now_s)

    def wave_broadcast(self, i: int, listeners: list[int]) -> Generator:
        """One transmission of a flood in a broadcast-wave slot; returns it or None.

        The tone covers the oldest clock among the listeners. Carrier sense
        with short backoffs inside the slot.
        """
        env = self.env
        now = env.now
        oldest_sync_s = min((self.sync_t_s[j] for j in listeners), default=now)
        tone = min(2.0 * self.residual_drift * (self.age_s(i, now) + max(now - oldest_sync_s, 0.0))
                   + self.cfg.sync_guard_s, self.t_w)
        for tries in range(WAVE_ACCESS_TRIES):
            if not self.csma or not self.channel.busy(i, env.now):
                tx = self._on_air(i, tone)
                yield env.timeout(tx.end_s - env.now)
                return tx
            yield env.timeout(self.backoff_s(tries))
        return None

    def book_broadcast_rx(self, j: int, tx: Transmission, first: bool = True) -> None:
        """A listener in its slot hears half the tone and the data (a repeat: one header)."""
        if self.always_on[j]:
            return
        if first:
            tone = tx.end_s - tx.start_s - self.data_air_s
            self.rx_s[j] += tone / 2.0 + self.data_air_s
            self.packets_handled[j] += 1
        else:
            self.overhear_s_direct(j, FRAMES_PER_CATCH * self.header_s)


_SCHEMES = {"wisemac": Mac, "xmac": XMac, "sync": SyncMac}
assert tuple(sorted(_SCHEMES)) == tuple(sorted(MAC_SCHEMES))


def make_mac(env: simpy.Environment, channel: Channel, cfg: MacConfig, radio: RadioConfig,
             bit_rate_bps: float, always_on: list[bool], per_data: PerTable, per_ack: PerTable,
             rng: random.Random) -> Mac:
    """The MAC of ``cfg.scheme`` (arguments as :class:`mesh_sim.mac.Mac`).

    Raises:
        ValueError: Naming ``mesh.mac.scheme`` if the scheme is unknown.
    """
    try:
        cls = _SCHEMES[cfg.scheme]
    except KeyError:
        raise ValueError(f"mesh.mac.scheme: {cfg.scheme!r} is not one of {', '.join(MAC_SCHEMES)}") from None
    return cls(env, channel, cfg, radio, bit_rate_bps, always_on, per_data, per_ack, rng)
