"""Duty-cycled medium access: low-power listening with learned wake-ups.

Every module samples the channel once per ``wake_interval_s`` at its own
phase. A sender wakes its receiver with a preamble, WiseMAC style: once it
has exchanged a packet with a neighbour it knows that neighbour's wake-up
phase, and the preamble only has to cover the clock drift since then,
``4 * drift * L + guard`` (``L`` the time since the last contact); before
the first contact, and for broadcasts, the preamble lasts a whole wake
interval. A concentrator is mains powered and always listening, so packets
to it need no preamble beyond the sync word.

Channel access is CSMA (carrier sense just before the preamble, random
binary-exponential backoff, then aim at the receiver's next wake-up) or
plain ALOHA. Unicast packets are acknowledged after a turnaround; a missing
ACK means a retry after a random backoff.

Radio-on time is booked per node for the energy model: ``tx_s`` (preambles,
packets, ACKs), ``rx_s`` (from the wake-up that caught a preamble to the end
of the packet, and ACK waits) and ``overhear_src_s`` (per transmitter: the
expected time each *other* neighbour spends awake in its preamble,
``P / T_w * (P / 2 + header)``; spread over neighbours at the end).
"""

from __future__ import annotations

import math
import random
from typing import Callable, Generator

import simpy

from mesh_sim.channel import Channel, Transmission
from mesh_sim.config import MacConfig, RadioConfig
from mesh_sim.linkstate import PerTable, airtime_s

#: Bytes a waking neighbour must hear to learn a packet is not for it.
HEADER_BYTES = 4


class Mac:
    """MAC state and procedures of every node of a subnet.

    Args:
        env: The simpy environment.
        channel: The shared channel.
        cfg: MAC settings.
        radio: Radio settings (packet lengths, turnaround).
        bit_rate_bps: Air data rate.
        always_on: Per node, True for mains-powered always-listening nodes.
        per_data: PER table of data packets.
        per_ack: PER table of ACKs.
        rng: Random source (phases, backoffs).
    """

    def __init__(self, env: simpy.Environment, channel: Channel, cfg: MacConfig, radio: RadioConfig,
                 bit_rate_bps: float, always_on: list[bool], per_data: PerTable, per_ack: PerTable,
                 rng: random.Random) -> None:
        self.env = env
        self.channel = channel
        self.cfg = cfg
        self.csma = cfg.protocol == "csma"
        self.always_on = always_on
        self.per_data = per_data
        self.per_ack = per_ack
        self.rng = rng
        n = len(always_on)
        self.t_w = cfg.wake_interval_s
        self.phase_s = [rng.random() * self.t_w for _ in range(n)]
        self.last_contact: list[dict[int, float]] = [dict() for _ in range(n)]
        self.data_air_s = airtime_s(radio.data_bytes, radio.sync_bytes, bit_rate_bps)
        self.ack_air_s = airtime_s(radio.ack_bytes, radio.sync_bytes, bit_rate_bps)
        self.header_s = airtime_s(HEADER_BYTES, radio.sync_bytes, bit_rate_bps)
        self.turnaround_s = radio.turnaround_s
        self.drift = cfg.clock_drift_ppm * 1e-6
        self.tx_s = [0.0] * n
        self.rx_s = [0.0] * n
        self.overhear_src_s = [0.0] * n
        self.packets_handled = [0] * n
        self.attempts = [0] * n

    # -- timing ---------------------------------------------------------------------------
    def preamble_s(self, i: int, j: int, now_s: float) -> float:
        """Preamble ``i`` needs to wake ``j`` now."""
        if self.always_on[j]:
            return 0.0
        last = self.last_contact[i].get(j)
        if last is None:
            return self.t_w
        return min(4.0 * self.drift * (now_s - last) + self.cfg.guard_s, self.t_w)

    def next_wake_s(self, j: int, after_s: float) -> float:
        """First wake-up of ``j`` at or after ``after_s``."""
        phase = self.phase_s[j]
        k = math.ceil((after_s - phase) / self.t_w)
        return phase + k * self.t_w

    def backoff_s(self, tries: int) -> float:
        """Random CSMA backoff after ``tries`` busy assessments."""
        be = min(self.cfg.backoff_exponent_min + tries, self.cfg.backoff_exponent_max)
        return self.rng.randrange(1, 2**be + 1) * self.cfg.backoff_slot_s

    # -- channel access ---------------------------------------------------------------------
    def _access(self, i: int, j: int | None) -> Generator:
        """Waits for the target time and a free channel; returns the preamble or None."""
        env = self.env
        for tries in range(self.cfg.max_backoffs + 1):
            if j is None:
                preamble = self.t_w
                start = env.now
            else:
                preamble = self.preamble_s(i, j, env.now)
                start = env.now if preamble == 0.0 or preamble >= self.t_w else \
                    self.next_wake_s(j, env.now + preamble / 2.0) - preamble / 2.0
            if start > env.now:
                yield env.timeout(start - env.now)
            if not self.csma or not self.channel.busy(i, env.now):
                return preamble
            yield env.timeout(self.backoff_s(tries))
        return None

    def unicast(self, i: int, j: int, alive: list[bool],
                accept: bool | Callable[[], bool] = True) -> Generator:
        """One attempt to send a data packet from ``i`` to ``j``.

        Args:
            i: Sender.
            j: Receiver.
            alive: Per node, whether it is up.
            accept: Whether ``j`` has room; a full receiver does not ACK. A
                callable is asked when the packet has arrived.

        Returns (through ``yield from``) a pair ``(data_received, acked)``.
        """
        env = self.env
        preamble = yield from self._access(i, j)
        if preamble is None:
            return False, False
        room = accept if callable(accept) else (lambda: accept)
        self.attempts[i] += 1
        tx = self._on_air(i, preamble)
        if preamble > 0.0:
            self.overhear_src_s[i] += preamble / self.t_w * (preamble / 2.0 + self.header_s)
        yield env.timeout(tx.end_s + (self.turnaround_s if self.cfg.ack else 0.0) - env.now)
        got = alive[j] and room() and self.channel.received(tx, j, self.per_data)
        if got:
            self._book_rx(j, tx.start_s, preamble, tx.end_s)
        if not self.cfg.ack:
            return got, got
        wait_end = env.now + self.ack_air_s
        self.rx_s[i] += self.turnaround_s + self.ack_air_s
        if not got:
            yield env.timeout(self.ack_air_s)
            return False, False
        ack = self.channel.transmit(j, env.now, wait_end)
        self.tx_s[j] += self.ack_air_s
        yield env.timeout(self.ack_air_s)
        acked = alive[i] and self.channel.received(ack, i, self.per_ack)
        if acked:
            self.last_contact[i][j] = env.now
            self.last_contact[j][i] = env.now
        return True, acked

    def _on_air(self, i: int, preamble_s: float) -> Transmission:
        """Puts ``i``'s preamble and packet on air now and books its TX time."""
        now = self.env.now
        tx = self.channel.transmit(i, now, now + preamble_s + self.data_air_s)
        self.tx_s[i] += tx.end_s - now
        self.packets_handled[i] += 1
        return tx

    def _book_rx(self, j: int, start_s: float, preamble_s: float, end_s: float) -> None:
        """Books the receiver's radio-on time for a packet it decoded."""
        if self.always_on[j]:
            return
        # The receiver woke somewhere in the preamble: on average in its middle.
        self.rx_s[j] += end_s - (start_s + preamble_s / 2.0)
        self.packets_handled[j] += 1

    def broadcast(self, i: int) -> Generator:
        """Sends a broadcast with a full-wake-interval preamble; returns the transmission."""
        preamble = yield from self._access(i, None)
        if preamble is None:
            return None
        tx = self._on_air(i, preamble)
        yield self.env.timeout(tx.end_s - self.env.now)
        return tx

    def book_broadcast_rx(self, j: int, tx: Transmission) -> None:
        """Books a module's radio-on time for a broadcast it heard."""
        if not self.always_on[j]:
            self.rx_s[j] += self.t_w / 2.0 + self.data_air_s
            self.packets_handled[j] += 1
