"""Deliberate link and device faults of the emulator, deterministic from a seed.

For every request the server decodes, :meth:`Faults.choose` picks at most one
fault: first one queued by :meth:`Faults.trigger`, else one from the plan's
``schedule`` (by request number, 1-based), else a random draw with the plan's
probabilities. :meth:`Faults.shape` turns the reply into timed writes:

* ``noise``: garbage bytes (no ``0x7E`` unless ``noise_start_bytes``) before the reply;
* ``drop``: the request runs, its reply is not sent (a retry is answered from the cache);
* ``corrupt``: one byte of the reply after the length field flipped (CRC or version error);
* ``late``: the reply is sent after ``late_s`` (longer than the client's timeout);
* ``busy``: the request is not run, NAK 0x05 is sent;
* ``reboot``: the reply is cut after half its bytes, the device reboots (flash state
  kept, reply cache lost, reboot event logged) and the link is silent for
  ``reboot_silent_ms`` (bytes received meanwhile are discarded).

``out_of_range`` is not per request: a module taken out of range (in the plan,
or by ``trigger("out_of_range", module=3, mode="silent")``) answers NAK 0x06
(``mode="nak"``) or nothing (``"silent"``) until cleared with ``mode=None``.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from hil.codec.frame import START

#: Kinds of per-request fault, in the order of the random draw.
REQUEST_FAULTS = ("noise", "drop", "corrupt", "late", "busy", "reboot")
#: Every fault kind :meth:`Faults.trigger` accepts.
FAULT_KINDS = REQUEST_FAULTS + ("out_of_range",)


@dataclass
class FaultPlan:
    """What goes wrong, and how often.

    Attributes:
        seed: Seed of every random choice.
        noise: Probability per request of noise bytes before the reply.
        drop: Probability of a dropped reply.
        corrupt: Probability of a reply with one byte flipped.
        late: Probability of a reply delayed by ``late_s``.
        busy: Probability of NAK 0x05 instead of running the request.
        reboot: Probability of a reboot in the middle of the reply.
        noise_bytes: Range (inclusive) of the number of noise bytes.
        noise_start_bytes: Noise may contain the start byte 0x7E.
        late_s: Delay of a late reply, s.
        reboot_silent_ms: The link is silent this long after a reboot.
        schedule: Request number (1-based) -> fault kind, on top of the draws.
        out_of_range: Module index -> ``"nak"`` or ``"silent"`` from the start.
    """

    seed: int = 0
    noise: float = 0.0
    drop: float = 0.0
    corrupt: float = 0.0
    late: float = 0.0
    busy: float = 0.0
    reboot: float = 0.0
    noise_bytes: tuple[int, int] = (1, 32)
    noise_start_bytes: bool = False
    late_s: float = 1.5
    reboot_silent_ms: int = 300
    schedule: dict[int, str] = field(default_factory=dict)
    out_of_range: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        total = sum(getattr(self, k) for k in REQUEST_FAULTS)
        if any(not 0.0 <= getattr(self, k) <= 1.0 for k in REQUEST_FAULTS) or total > 1.0:
            raise ValueError(f"fault probabilities must be in 0..1 and sum to <= 1, got {total}")
        bad = [k for k in self.schedule.values() if k not in REQUEST_FAULTS]
        if bad:
            raise ValueError(f"unknown scheduled fault(s) {bad}; known: {', '.join(REQUEST_FAULTS)}")


@dataclass
class Shaped:
    """A reply after faults: ``writes`` are (delay after now in s, bytes)."""

    writes: list[tuple[float, bytes]]
    reboot: bool = False
    silent_s: float = 0.0


class Faults:
    """The fault state of one emulator run.

    Args:
        plan: The plan (default: no faults).

    Attributes:
        counts: Faults applied so far, per kind.
        log: ``(request number, kind)`` of every fault applied.
    """

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self.plan = plan or FaultPlan()
        self._rng = random.Random(self.plan.seed)
        self._queued: deque[str] = deque()
        self._device = None
        self.requests = 0
        self.counts = {k: 0 for k in FAULT_KINDS}
        self.log: list[tuple[int, str]] = []

    def bind(self, device) -> None:
        """Attaches the device (reboots and out-of-range modules act on it)."""
        self._device = device
        for index, mode in self.plan.out_of_range.items():
            device.set_out_of_range(index, mode)

    def trigger(self, kind: str, count: int = 1, *, module: int | None = None, mode: str | None = "nak") -> None:
        """Applies a fault on demand: to the next ``count`` requests, or now for ``out_of_range``.

        Raises:
            ValueError: Unknown kind, or ``out_of_range`` without a bound device or module.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if kind == "out_of_range":
            if self._device is None or module is None:
                raise ValueError("out_of_range needs module= and a bound device")
            self._device.set_out_of_range(module, mode)
            self.counts[kind] += 1
            self.log.append((self.requests, kind))
            return
        self._queued.extend([kind] * count)

    def choose(self) -> str | None:
        """Counts one request and returns the fault for it (None: behave)."""
        self.requests += 1
        u = self._rng.random()  # drawn every time: the sequence depends on the request count only
        if self._queued:
            kind = self._queued.popleft()
        elif self.requests in self.plan.schedule:
            kind = self.plan.schedule[self.requests]
        else:
            kind, acc = None, 0.0
            for k in REQUEST_FAULTS:
                acc += getattr(self.plan, k)
                if u < acc:
                    kind = k
                    break
        if kind is not None:
            self.counts[kind] += 1
            self.log.append((self.requests, kind))
        return kind

    def shape(self, kind: str | None, reply: bytes) -> Shaped:
        """The writes that carry ``reply`` (encoded) under fault ``kind``."""
        rng = self._rng
        if kind == "drop":
            return Shaped([])
        if kind == "late":
            return Shaped([(self.plan.late_s, reply)])
        if kind == "noise":
            lo, hi = self.plan.noise_bytes
            noise = bytes(rng.randrange(256) for _ in range(rng.randint(lo, hi)))
            if not self.plan.noise_start_bytes:
                noise = noise.replace(bytes([START]), b"\x00")
            return Shaped([(0.0, noise + reply)])
        if kind == "corrupt" and len(reply) > 3:
            bad = bytearray(reply)
            bad[rng.randrange(3, len(bad))] ^= rng.randrange(1, 256)
            return Shaped([(0.0, bytes(bad))])
        if kind == "reboot":
            return Shaped([(0.0, reply[: len(reply) // 2])], reboot=True, silent_s=self.plan.reboot_silent_ms / 1000)
        return Shaped([(0.0, reply)])
