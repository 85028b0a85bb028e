"""Duty-cycled medium access: the base MAC and the WiseMAC scheme.

Every module samples the channel once per ``wake_interval_s`` at its own
phase. A sender wakes its receiver with a preamble, WiseMAC style: once it
has exchanged a packet with a neighbour it knows that neighbour's wake-up
phase, and the preamble only has to cover the clock drift since then,
``4 * drift * L + guard`` (``L`` the time since the last contact); before
the first contact, and for broadcasts, the preamble lasts a whole wake
interval. A concentrator is mains powered and always listening, so packets
to it need no preamble beyond the sync word.

The preamble is a train of short wake-up frames that carry the destination
(as a CC1101 wake-on-radio set-up does): the addressed receiver stays awake
to the data, a neighbour that wakes into a preamble not addressed to it
hears one frame and sleeps again. Overhearing is therefore charged as one
frame, never a whole preamble (see :meth:`Mac.book_overhear`).

Channel access is CSMA (carrier sense just before the preamble, random
binary-exponential backoff, then aim at the receiver's next wake-up) or
plain ALOHA. Unicast packets are acknowledged after a turnaround; a missing
ACK means a retry after a random backoff.

Radio-on time is booked per node for the energy model: ``tx_s`` (preambles,
packets, ACKs), ``rx_s`` (from the wake-up that caught a preamble to the end
of the packet, and ACK waits) and ``overhear_src_s`` (per transmitter: the
expected time each *other* neighbour spends awake because of it; spread over
the transmitter's neighbours at the end, a matrix product, no event per
neighbour). The other schemes (X-MAC, synchronised) are in
:mod:`mesh_sim.mac_schemes`; :func:`mesh_sim.mac_schemes.make_mac` picks one.
"""

from __future__ import annotations

import math
import random
from typing import Callable, Generator

import simpy

from mesh_sim.channel import Channel, Transmission
from mesh_sim.config import MacConfig, RadioConfig
from mesh_sim.energy import wakeup_listen_s
from mesh_sim.linkstate import PerTable, airtime_s

#: Bytes a waking neighbour must hear to learn a packet is not for it.
HEADER_BYTES = 4
#: After the ACK of a packet whose header set the more-data bit, the receiver
#: keeps listening this long for the next packet of the same sender.
BURST_WINDOW_S = 0.01
#: A radio waking at a random moment in a train of back-to-back frames hears
#: the rest of the current frame and then one whole frame: 1.5 frames on average.
FRAMES_PER_CATCH = 1.5


class Mac:
    """MAC state and procedures of every node of a subnet (the WiseMAC scheme).

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
        self.overhear_own_s = [0.0] * n
        self.packets_handled = [0] * n
        self.attempts = [0] * n
        #: Per sender: (receiver, end of the last ACK) while the receiver waits
        #: for the rest of a burst (more-data bit), else None.
        self.burst: list[tuple[int, float] | None] = [None] * n
        self._more = [False] * n
        #: Channel samples per wake interval and length of one (radio in RX).
        self.polls_per_interval = 1
        self.sample_s = cfg.listen_sample_s

    scheme = "wisemac"

    def listen_time_s(self, duration_s: float, wakeup_overhead_s: float) -> float:
        """Radio-on time of the periodic channel samples of one module, closed form."""
        return self.polls_per_interval * wakeup_listen_s(duration_s, self.t_w, self.sample_s,
                                                         wakeup_overhead_s)

    def synced(self, i: int, now_s: float) -> None:
        """Node ``i`` corrected its clock now (used by the synchronised scheme)."""

    def book_overhear(self, i: int, preamble_s: float) -> None:
        """Expected overhearing a preamble of ``i`` costs each other neighbour.

        A neighbour samples at a random phase, so it lands in the preamble with
        probability ``P / T_w``; it then hears 1.5 destination-tagged wake-up
        frames (header length) and sleeps again.
        """
        if preamble_s > 0.0:
            self.overhear_src_s[i] += min(preamble_s / self.t_w, 1.0) * FRAMES_PER_CATCH * self.header_s

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
    def planned_start_s(self, i: int, j: int, now_s: float) -> float:
        """When :meth:`_access` would start ``i``'s preamble to ``j`` (before carrier sense)."""
        preamble = self.preamble_s(i, j, now_s)
        if preamble == 0.0 or preamble >= self.t_w:
            return now_s
        return max(now_s, self.next_wake_s(j, now_s + preamble / 2.0) - preamble / 2.0)

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

    def in_burst(self, i: int, j: int) -> bool:
        """``j`` is still listening for ``i``'s next packet (more-data bit of the last one)."""
        b = self.burst[i]
        return b is not None and b[0] == j and self.env.now - b[1] <= BURST_WINDOW_S

    def _burst_unicast(self, i: int, j: int, alive: list[bool], room: Callable[[], bool]) -> Generator:
        """Sends the next packet of a burst at once: no wake-up, the receiver is listening."""
        listening_since = self.burst[i][1]
        self.burst[i] = None
        if self.csma and self.channel.busy(i, self.env.now):
            return None
        self.attempts[i] += 1
        tx = self._on_air(i, 0.0)
        return (yield from self._ack_exchange(i, j, tx, alive, room, listening_since))

    def _start_unicast(self, i: int, j: int, alive: list[bool], accept: bool | Callable[[], bool],
                       more: bool) -> Generator:
        """Common start of every scheme's unicast: the receiver's room check, the
        more-data bit, and the next packet of a burst in progress.

        Returns (through ``yield from``) ``(room, result)``: ``result`` is the
        burst packet's ``(data_received, acked)``, or None when the packet goes
        through a normal channel access.
        """
        room = accept if callable(accept) else (lambda: accept)
        self._more[i] = more and self.cfg.ack
        if self.in_burst(i, j):
            out = yield from self._burst_unicast(i, j, alive, room)
            if out is not None:
                return room, out
        self.burst[i] = None
        return room, None

    def unicast(self, i: int, j: int, alive: list[bool],
                accept: bool | Callable[[], bool] = True, more: bool = False) -> Generator:
        """One attempt to send a data packet from ``i`` to ``j``.

        Args:
            i: Sender.
            j: Receiver.
            alive: Per node, whether it is up.
            accept: Whether ``j`` has room; a full receiver does not ACK. A
                callable is asked when the packet has arrived.
            more: The sender has more packets for ``j`` (more-data bit): after
                the ACK the receiver keeps listening ``BURST_WINDOW_S`` so the
                next packet needs no wake-up.

        Returns (through ``yield from``) a pair ``(data_received, acked)``.
        """
        room, out = yield from self._start_unicast(i, j, alive, accept, more)
        if out is not None:
            return out
        preamble = yield from self._access(i, j)
        if preamble is None:
            return False, False
        self.attempts[i] += 1
        tx = self._on_air(i, preamble)
        self.book_overhear(i, preamble)
        return (yield from self._ack_exchange(i, j, tx, alive, room, tx.start_s + preamble / 2.0))

    def _ack_exchange(self, i: int, j: int, tx: Transmission, alive: list[bool],
                      room: Callable[[], bool], rx_from_s: float) -> Generator:
        """Waits for the data ``tx`` and its ACK slot, judges both; returns ``(data_received, acked)``.

        ``rx_from_s`` is when ``j``'s radio went on for this packet. The ACK
        is booked on the channel when the data starts (one event per
        exchange, not two) and taken back if the data is not received; so
        for the ACK's 3.75 ms a failed packet's receiver counts as on air
        for carrier sense (a small conservative error).
        """
        env = self.env
        if not self.cfg.ack:
            yield env.timeout(tx.end_s - env.now)
            got = alive[j] and room() and self.channel.received(tx, j, self.per_data, self.decisive_from_s(tx))
            if got:
                self._book_rx(j, rx_from_s, tx.end_s)
            return got, got
        ack_start = tx.end_s + self.turnaround_s
        ack = self.channel.transmit(j, ack_start, ack_start + self.ack_air_s, now_s=env.now)
        yield env.timeout(ack.end_s - env.now)
        self.rx_s[i] += self.turnaround_s + self.ack_air_s
        got = alive[j] and room() and self.channel.received(tx, j, self.per_data, self.decisive_from_s(tx))
        if not got:
            self.channel.cancel(ack)
            return False, False
        self._book_rx(j, rx_from_s, tx.end_s)
        self.tx_s[j] += self.ack_air_s
        acked = alive[i] and self.channel.received(ack, i, self.per_ack)
        if acked:
            self.last_contact[i][j] = env.now
            self.last_contact[j][i] = env.now
            if self._more[i] and not self.always_on[j]:
                # The receiver waits for the next packet; the next burst packet
                # books that wait (a burst that never comes wastes <= BURST_WINDOW_S).
                self.burst[i] = (j, env.now)
        return True, acked

    def decisive_from_s(self, tx: Transmission) -> float:
        """Start of the part of ``tx`` a receiver must get: the last wake-up frame and the data."""
        return max(tx.end_s - self.data_air_s - self.header_s, tx.start_s)

    def _on_air(self, i: int, preamble_s: float) -> Transmission:
        """Puts ``i``'s preamble and packet on air now and books its TX time."""
        now = self.env.now
        tx = self.channel.transmit(i, now, now + preamble_s + self.data_air_s)
        self.tx_s[i] += tx.end_s - now
        self.packets_handled[i] += 1
        return tx

    def _book_rx(self, j: int, from_s: float, end_s: float) -> None:
        """Books the receiver's radio-on time for a packet it decoded.

        The receiver woke somewhere in the preamble; callers pass its middle.
        """
        if self.always_on[j]:
            return
        self.rx_s[j] += end_s - from_s
        self.packets_handled[j] += 1

    def broadcast(self, i: int) -> Generator:
        """Sends a broadcast with a full-wake-interval preamble; returns the transmission."""
        preamble = yield from self._access(i, None)
        if preamble is None:
            return None
        tx = self._on_air(i, preamble)
        yield self.env.timeout(tx.end_s - self.env.now)
        return tx

    def book_broadcast_rx(self, j: int, tx: Transmission, first: bool = True) -> None:
        """Books a module's radio-on time for a broadcast it heard.

        The first copy of a flood is received from the wake-up (on average the
        preamble's middle) to the end of the data; a later copy is recognised
        from one wake-up frame (it carries the flood's id) and costs that.
        """
        if self.always_on[j]:
            return
        if first:
            self.rx_s[j] += (tx.end_s - tx.start_s - self.data_air_s) / 2.0 + self.data_air_s
            self.packets_handled[j] += 1
        else:
            self.overhear_s_direct(j, FRAMES_PER_CATCH * self.header_s)

    def overhear_s_direct(self, j: int, seconds: float) -> None:
        """Books ``seconds`` of overhearing at ``j`` itself (not spread over neighbours)."""
        self.overhear_own_s[j] += seconds
