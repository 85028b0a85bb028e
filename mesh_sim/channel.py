"""The shared radio channel: who is on air, carrier sense, and who decodes what.

A :class:`Transmission` knows every other transmission that overlapped it in
time: each new transmission is linked to all those still on air when it
starts, so once a transmission has ended its overlap list is complete and
its reception can be judged at any later moment.

Reception of a transmission at a receiver (``Channel.received``):

* half duplex: a receiver that transmitted at any time during the packet
  misses it;
* without capture, any *audible* overlapping transmission (received above
  the noise floor) destroys the packet;
* with capture, the packet survives overlaps only if its SINR (signal over
  noise plus the sum of every overlapping transmission's power, a
  conservative worst case over the packet) reaches the capture threshold;
* then the packet is decoded with probability ``1 - PER(SINR)`` from the
  non-coherent FSK error model (:mod:`mesh_sim.links`).
"""

from __future__ import annotations

import math
import random

from mesh_sim.linkstate import PerTable


class Transmission:
    """One packet (or ACK, or preamble plus packet) on air.

    Attributes:
        src: Transmitting node index; ``-1`` for a foreign transmission.
        start_s: Start time.
        end_s: End time.
        ext_mw: Received power of a foreign transmission at every node.
        overlaps: Transmissions that overlapped this one.
    """

    __slots__ = ("src", "start_s", "end_s", "ext_mw", "overlaps")

    def __init__(self, src: int, start_s: float, end_s: float, ext_mw: float = 0.0) -> None:
        self.src = src
        self.start_s = start_s
        self.end_s = end_s
        self.ext_mw = ext_mw
        self.overlaps: list[Transmission] = []


class Channel:
    """One radio channel shared by the nodes of a subnet.

    Args:
        pw_mw: ``pw_mw[i][j]`` received power at ``j`` of a transmission by
            ``i``, mW (read through :attr:`pw_mw` so link updates apply).
        noise_mw: Receiver noise power.
        cca_threshold_mw: Received power at which carrier sense says busy.
        capture: Whether the capture effect is modelled.
        capture_threshold_db: SINR needed to survive an overlap.
        rng: Random source for the bit-error draws.
    """

    def __init__(self, pw_mw: list[list[float]], noise_mw: float, cca_threshold_mw: float,
                 capture: bool, capture_threshold_db: float, rng: random.Random) -> None:
        self.pw_mw = pw_mw
        self.noise_mw = noise_mw
        self.cca_threshold_mw = cca_threshold_mw
        self.capture = capture
        self.capture_threshold_db = capture_threshold_db
        self.rng = rng
        self.active: list[Transmission] = []
        self.transmissions = 0

    def _prune(self, now_s: float) -> list[Transmission]:
        active = self.active
        if active and any(t.end_s <= now_s for t in active):
            active = self.active = [t for t in active if t.end_s > now_s]
        return active

    def power_mw(self, tx: Transmission, node: int) -> float:
        """Power of ``tx`` at ``node``."""
        return tx.ext_mw if tx.src < 0 else self.pw_mw[tx.src][node]

    def busy(self, node: int, now_s: float) -> bool:
        """Carrier sense at ``node``: is the summed power on air above the threshold?"""
        active = self._prune(now_s)
        if not active:
            return False
        pw = self.pw_mw
        total = 0.0
        for t in active:
            if t.start_s > now_s:                    # booked, not yet on air
                continue
            if t.src == node:
                return True
            total += t.ext_mw if t.src < 0 else pw[t.src][node]
        return total >= self.cca_threshold_mw

    def transmit(self, src: int, start_s: float, end_s: float, ext_mw: float = 0.0,
                 now_s: float | None = None) -> Transmission:
        """Puts a transmission on air from ``start_s`` to ``end_s``.

        ``start_s`` is the current time, or, with ``now_s``, a later moment
        (a transmission booked ahead, e.g. the ACK that answers a packet now
        on air; overlaps are then judged by time intersection).
        """
        tx = Transmission(src, start_s, end_s, ext_mw)
        active = self._prune(start_s if now_s is None else now_s)
        if active:
            tx.overlaps = list(active)
            for other in active:
                other.overlaps.append(tx)
        active.append(tx)
        self.transmissions += 1
        return tx

    def cancel(self, tx: Transmission) -> None:
        """Takes back a booked transmission that will not happen (zero length from now on)."""
        tx.end_s = tx.start_s
        self.transmissions -= 1

    def received(self, tx: Transmission, node: int, per: PerTable, from_s: float | None = None) -> bool:
        """Whether ``node`` decodes ``tx`` (call once ``tx`` has ended).

        ``from_s``: the receiver needs only the part of ``tx`` from this time
        on (the last wake-up frame or strobe and the data of a long preamble
        made of destination-tagged frames); overlaps that ended before it
        do not count. ``None`` judges the whole transmission.
        """
        pw = self.pw_mw
        signal = pw[tx.src][node]
        interference = 0.0
        audible = False
        start_s = tx.start_s if from_s is None else max(from_s, tx.start_s)
        for o in tx.overlaps:
            if o.end_s <= start_s or o.start_s >= tx.end_s or o.end_s <= o.start_s:
                continue                             # no time in common (or cancelled)
            if o.src == node:
                return False
            p = o.ext_mw if o.src < 0 else pw[o.src][node]
            interference += p
            if p >= self.noise_mw:
                audible = True
        if audible and not self.capture:
            return False
        sinr_db = 10.0 * math.log10(signal / (self.noise_mw + interference)) if signal > 0 else -math.inf
        if audible and sinr_db < self.capture_threshold_db:
            return False
        return self.rng.random() >= per.per(sinr_db)
