"""Pacing of the emulator's serial line: bytes move no faster than a UART at the configured baud rate.

A pty (or a TCP socket) moves bytes as fast as the processes do; a real
J100UC port moves one character per ``10 / baudrate`` seconds (8N1: start,
8 data and stop bits). :class:`LinePacer` keeps both directions of the
full-duplex line honest:

* receive: a chunk read at ``now`` has not fully arrived on a real line until
  ``max(previous arrival end, now) + len * char_s``; requests it completes are
  answered no earlier than that;
* transmit: a byte is handed to the pty only once a real UART would have
  finished sending it, so the reader sees the line's rate.

``baudrate=0`` turns pacing off (bytes move at the speed of the processes).
"""

from __future__ import annotations

#: Bits per character on the wire: 8N1 = start + 8 data + stop.
BITS_PER_CHAR = 10


class LinePacer:
    """Virtual UART timing of one full-duplex line.

    Args:
        baudrate: Line speed in baud; 0 disables pacing.
        chunk: Bytes written per wake-up while transmitting (smaller is
            smoother, larger costs fewer wake-ups).
    """

    def __init__(self, baudrate: int = 0, chunk: int = 16) -> None:
        if baudrate < 0:
            raise ValueError(f"baudrate {baudrate} < 0")
        self.baudrate = int(baudrate)
        self.char_s = BITS_PER_CHAR / baudrate if baudrate else 0.0
        self.chunk = max(1, int(chunk))
        self.rx_end = 0.0      # when the last byte received has fully arrived
        self._tx_clock = 0.0   # when the last byte written has fully left

    def received(self, n: int, now: float) -> float:
        """Accounts for ``n`` bytes read at ``now``; returns when the last of them has arrived."""
        self.rx_end = max(self.rx_end, now) + n * self.char_s
        return self.rx_end

    def start_tx(self, now: float) -> None:
        """Called when bytes are queued on an idle transmitter: the line starts sending at ``now``."""
        self._tx_clock = max(self._tx_clock, now)

    def writable(self, queued: int, now: float) -> int:
        """How many of ``queued`` bytes may be handed over at ``now`` (and books them)."""
        if not self.char_s:
            return queued
        n = min(queued, int((now - self._tx_clock) / self.char_s + 1e-9))
        if n > 0:
            self._tx_clock += n * self.char_s
        return max(n, 0)

    def refund(self, n: int) -> None:
        """Gives back ``n`` booked bytes the pty did not take (its buffer was full)."""
        self._tx_clock -= n * self.char_s

    def next_write_in(self, queued: int, now: float) -> float:
        """Seconds until the next chunk of ``queued`` bytes may be written (0: now)."""
        if not self.char_s or not queued:
            return 0.0
        return max(0.0, self._tx_clock + min(queued, self.chunk) * self.char_s - now)
