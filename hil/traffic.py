"""Traffic log: every byte sent and received on a port, with what it meant.

One line per write, per read chunk and per event, with a UTC timestamp in
microseconds; the raw bytes in hex and, beside them, the decoded frames (or
the decoder's errors)::

    2026-11-26T03:40:01.123456Z TX 7e0006010000010011...  IDENTIFY addr=0 seq=17 len=0
    2026-11-26T03:40:01.125002Z RX 7e0029010000810011...  IDENTIFY addr=0 seq=17 reply status=ACK len=35
    2026-11-26T03:40:01.700113Z ER no reply to READ_COUNTERS addr=12 seq=18 len=1 within 0.5 s (try 1 of 3)
    2026-11-26T03:40:01.750190Z EV retry READ_COUNTERS addr=12 seq=18 len=1 (try 2 of 3)

Directions: ``TX`` sent, ``RX`` received, ``EV`` an event (retry, reconnect,
stray reply), ``ER`` an error (timeout, undecodable bytes, port lost). The
lines go to a file (appended, flushed per line, so whatever was read before a
crash is kept) and stay in memory for reports.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TextIO

from hil.codec.commands import COMMAND_NAMES
from hil.codec.frame import BROADCAST, REPLY_BIT, STATUS_NAMES, Frame


def utc_timestamp(now: datetime | None = None) -> str:
    """Formats a time as ``2026-11-26T03:40:01.123456Z``.

    Args:
        now: The time (aware or naive UTC), default the current time.

    Returns:
        ISO 8601 UTC with microseconds and a ``Z``.
    """
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def describe_address(address: int) -> str:
    """Names an address for messages: ``module 12``, ``address 0``, ``broadcast``."""
    if address == BROADCAST:
        return "broadcast"
    return f"module {address}" if address else "address 0"


def command_name(command: int) -> str:
    """Names a command code (reply bit ignored), ``0x3F`` when unknown."""
    code = command & ~REPLY_BIT
    return COMMAND_NAMES.get(code, f"0x{code:02X}")


def describe_frame(frame: Frame) -> str:
    """One-line summary of a frame for the traffic log."""
    text = f"{command_name(frame.command)} addr={frame.address} seq={frame.seq}"
    if frame.is_reply:
        status = STATUS_NAMES.get(frame.payload[0], "?") if frame.payload else "none"
        return f"{text} reply status={status} len={len(frame.payload)}"
    return f"{text} len={len(frame.payload)}"


@dataclass
class TransportStats:
    """Counters for reports: writes (retries included), resends after a
    timeout, timeouts, decoder errors, reconnects, dropped stray replies and
    new requests after a NAK busy."""

    sent: int = 0
    retries: int = 0
    timeouts: int = 0
    resyncs: int = 0
    reconnects: int = 0
    strays: int = 0
    busy: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters as a plain dict."""
        return asdict(self)


class TrafficLog:
    """Timestamped record of a port's traffic, in memory and optionally a file.

    Thread-safe; one log may be shared by several ports (each line can carry
    the port in its summary).

    Args:
        path: File to append the lines to, or ``None`` for memory only.
        max_lines: Keep at most this many lines in memory (oldest dropped);
            ``None`` keeps all.
        clock: Returns the timestamp text (for tests); default
            :func:`utc_timestamp`.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        max_lines: int | None = None,
        clock: Callable[[], str] = utc_timestamp,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._clock = clock
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")

    def _write(self, direction: str, text: str) -> str:
        line = f"{self._clock()} {direction} {text}".rstrip()
        line = " ".join(line.splitlines())
        with self._lock:
            self._lines.append(line)
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()
        return line

    def tx(self, raw: bytes, summary: str = "") -> str:
        """Records bytes sent.

        Args:
            raw: The bytes written.
            summary: What they are (``"IDENTIFY addr=0 seq=17"``).

        Returns:
            The line written.
        """
        return self._write("TX", f"{raw.hex()}  {summary}")

    def rx(self, raw: bytes, summary: str = "") -> str:
        """Records bytes received (one read chunk).

        Args:
            raw: The bytes read.
            summary: The frames and decoder errors this chunk completed.

        Returns:
            The line written.
        """
        return self._write("RX", f"{raw.hex()}  {summary}")

    def event(self, text: str) -> str:
        """Records an event (retry, reconnect, stray reply).

        Args:
            text: What happened.

        Returns:
            The line written.
        """
        return self._write("EV", text)

    def error(self, text: str) -> str:
        """Records an error (timeout, undecodable bytes, lost port).

        Args:
            text: What went wrong.

        Returns:
            The line written.
        """
        return self._write("ER", text)

    @property
    def lines(self) -> list[str]:
        """The lines kept in memory, oldest first."""
        with self._lock:
            return list(self._lines)

    def text(self) -> str:
        """The lines kept in memory as one text, for reports."""
        return "".join(line + "\n" for line in self.lines)

    def close(self) -> None:
        """Closes the file (the in-memory lines stay)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> "TrafficLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
