"""Test rig: pulse generator and digital-input board (text line protocol).

The rig drives the pulse inputs of the modules under test and reads their
relay outputs back. Its protocol is one ASCII line per request and one per
reply (``docs/serial-protocol.md``, section "Rig line protocol")::

    ID                              -> RIG <serial> <fw>
    TIME                            -> TIME <unix_ms>
    PULSE <module> <channel> <rate_hz> <count>  -> OK
    PULSES <module> <channel>       -> PULSES <module> <channel> <sent> <pending>
    STOP                            -> OK
    READ RELAY <module>             -> RELAY <module> 0|1 <unix_ms>
    any                             -> ERR <text>

Same timeout, retry, reconnect and one-line error behaviour as
:class:`~hil.transport.Transport`, except that ``PULSE`` is sent once:
without sequence numbers a retry could double the burst.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from hil.errors import Nak
from hil.traffic import TrafficLog
from hil.transport import PORT_ERRORS, PortLink

MAX_LINE = 120
"""Longest valid line in bytes, newline excluded."""

KEYWORDS = ("RIG", "TIME", "OK", "PULSES", "RELAY", "ERR")
"""First words of the reply lines."""

_ERR = re.compile(r"ERR(?: (.*))?")


@dataclass(frozen=True)
class RigIdentity:
    """Reply to ``ID``."""

    serial: str
    firmware: str


@dataclass(frozen=True)
class PulseStatus:
    """Reply to ``PULSES``: pulses sent and still to send on one output."""

    module: int
    channel: int
    sent: int
    pending: int


@dataclass(frozen=True)
class RelayInput:
    """Reply to ``READ RELAY``: the relay as seen by the rig's digital input.

    Attributes:
        module: Module index whose relay output is wired to the input.
        on: Relay closed.
        changed_unix_ms: Rig clock at the last change, 0 if never changed.
    """

    module: int
    on: bool
    changed_unix_ms: int


class Rig(PortLink):
    """Client of the rig's line protocol.

    Args:
        url: Device path or pyserial URL of the rig.
        baudrate: Line speed.
        timeout_s: How long each try waits for the reply line.
        retries: How many times an idempotent request is sent in all.
        backoff_s: Pause before the 2nd try; doubled for each further try.
        reconnect_s: How long to keep reopening a vanished port.
        traffic: Where lines are logged; a memory-only log by default.

    Raises:
        PortNotFound: If the port cannot be opened.
    """

    def __init__(self, url: str, baudrate: int = 115200, timeout_s: float = 0.5, retries: int = 3,
                 backoff_s: float = 0.05, reconnect_s: float = 5.0, traffic: TrafficLog | None = None) -> None:
        self._buf = bytearray()
        super().__init__(url, baudrate, timeout_s, retries, backoff_s, reconnect_s, traffic)

    def _opened(self) -> None:
        self._buf.clear()

    def identify(self) -> RigIdentity:
        """``ID``: the rig's serial number and firmware."""
        m = self.command("ID", r"RIG (\S+) (\S+)", "RIG <serial> <fw>")
        return RigIdentity(m[1], m[2])

    def time_ms(self) -> int:
        """``TIME``: the rig clock (Unix milliseconds) that stamps relay changes."""
        return int(self.command("TIME", r"TIME (\d+)", "TIME <unix_ms>")[1])

    def pulse(self, module: int, channel: int, rate_hz: float, count: int) -> None:
        """``PULSE``: starts a burst of ``count`` pulses at ``rate_hz`` (sent once)."""
        rate = f"{float(rate_hz):.6f}".rstrip("0").rstrip(".")  # decimal, never 1e+06
        self.command(f"PULSE {int(module)} {int(channel)} {rate} {int(count)}", "OK", "OK", idempotent=False)

    def pulses(self, module: int, channel: int) -> PulseStatus:
        """``PULSES``: progress of the burst on one output."""
        m = self.command(
            f"PULSES {module} {channel}", rf"PULSES {module} {channel} (\d+) (\d+)",
            "PULSES <module> <channel> <sent> <pending>",
        )
        return PulseStatus(module, channel, int(m[1]), int(m[2]))

    def stop(self) -> None:
        """``STOP``: stops every burst."""
        self.command("STOP", "OK", "OK")

    def read_relay(self, module: int) -> RelayInput:
        """``READ RELAY``: the relay input wired to ``module``."""
        m = self.command(f"READ RELAY {module}", rf"RELAY {module} ([01]) (\d+)", "RELAY <module> 0|1 <unix_ms>")
        return RelayInput(module, m[1] == "1", int(m[2]))

    def command(self, line: str, pattern: str, shape: str, idempotent: bool = True) -> re.Match:
        """Sends one request line and returns its reply line, matched.

        Args:
            line: The request without newline.
            pattern: Regular expression the whole reply line must match.
            shape: The expected reply for messages (``"RIG <serial> <fw>"``).
            idempotent: Whether the request may be sent again on timeout.

        Returns:
            The match of ``pattern`` on the reply line.

        Raises:
            Nak: The rig answered ``ERR <text>``.
            NoAnswer: No reply after all tries.
            Garbage: Only unusable bytes came back (a ``NoAnswer``).
            PortLost: The port vanished and did not come back in time.
        """
        name = " ".join(line.split()[:2]) if line.startswith("READ ") else line.split()[0]
        expect = re.compile(pattern)
        with self._lock:
            self._drop_stale()
            match = self._exchange(
                (line + "\n").encode("ascii"), line, (name, "the rig", f"a rig line '{shape}'"),
                lambda junk: self._await_line(expect, junk), idempotent,
            )
        if match.re is _ERR:
            raise Nak(self.url, name, "the rig", match[1] or "ERR without text")
        return match

    def _drop_stale(self) -> None:
        """Logs and drops what arrived since the last reply (late answers)."""
        port = self._port
        try:
            stale = bytes(self._buf) + (port.read(port.in_waiting) if port and port.in_waiting else b"")
        except PORT_ERRORS:
            return  # noticed again, and handled, when the request is sent
        if stale:
            self.stats.strays += 1
            self.traffic.rx(stale, "(stale, dropped)")
        self._buf.clear()

    def _await_line(self, expect: re.Pattern, junk: dict[str, int]) -> re.Match | None:
        """Reads lines until the expected one (or ``ERR``) or the timeout."""
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            chunk = self._read_some()
            if not chunk:
                continue
            self._buf += chunk
            notes, found = [], None
            while b"\n" in self._buf and found is None:
                raw, _, rest = bytes(self._buf).partition(b"\n")
                self._buf[:] = rest
                text = raw.rstrip(b"\r").decode("ascii", "replace")
                words = text.split()
                if not raw.isascii() or len(raw) > MAX_LINE or not words or words[0] not in KEYWORDS:
                    junk["bytes"] += len(raw) + 1
                    self.stats.resyncs += 1
                    notes.append(f"<not a rig line: {text[:40]!r}>")
                elif (m := _ERR.fullmatch(text) or expect.fullmatch(text)) is not None:
                    junk["replies"] += 1
                    found = m
                    notes.append(text)
                else:
                    junk["replies"] += 1
                    self.stats.strays += 1
                    notes.append(f"{text} (stray, dropped)")
            if len(self._buf) > MAX_LINE:  # no newline in sight: noise
                junk["bytes"] += len(self._buf)
                self.stats.resyncs += 1
                notes.append(f"<{len(self._buf)} bytes without newline>")
                self._buf.clear()
            self.traffic.rx(chunk, "; ".join(notes))
            if found is not None:
                return found
        if self._buf:  # a partial line at idle: noise
            junk["bytes"] += len(self._buf)
            self.traffic.error(f"dropped {len(self._buf)} bytes without newline")
            self._buf.clear()
        return None
