"""The v1.1 ``NAK_CRC`` rule: answer a damaged candidate only if no good frame starts inside it.

A candidate rejected for its CRC has a header only as good as its bytes. If
a frame accepted later starts inside the candidate's bytes, the candidate
swallowed the start of that frame (a truncated frame, a length damaged
upwards) and its header may be made of someone else's bytes, e.g. a ``seq``
that was never sent. :class:`NakCrcRule` follows the decoder's output by
stream offset and releases a ``NAK_CRC`` only once every byte of the
candidate has been scanned without a good frame starting among them
(``docs/serial-protocol.md``, ids RX-3 and RX-4).
"""

from __future__ import annotations

from typing import Callable

from hil.codec.frame import NAK_CRC, Frame, ProtocolError


class NakCrcRule:
    """Stream-offset bookkeeping of damaged candidates.

    Args:
        size: Bytes a decoded frame took on the wire.
    """

    def __init__(self, size: Callable[[Frame], int]) -> None:
        self._size = size
        self.reset()

    def reset(self) -> None:
        """Forgets everything (new connection, reboot, decoder reset)."""
        self.pos = 0
        self._pending: list[tuple[int, Frame]] = []

    def due(self, upto: int | None = None) -> list[Frame]:
        """NAK_CRC replies whose candidates lie wholly before stream offset ``upto`` (default: all scanned)."""
        upto = self.pos if upto is None else upto
        ready = [frame.reply(NAK_CRC) for end, frame in self._pending if end <= upto]
        self._pending = [(end, frame) for end, frame in self._pending if end > upto]
        return ready

    def see(self, item: Frame | ProtocolError) -> list[Frame]:
        """Accounts for the decoder's next item; returns the NAK_CRC replies due before it."""
        start = self.pos
        ready = self.due(start)
        if isinstance(item, ProtocolError):
            self.pos += len(item.skipped)
            if item.kind == "crc" and item.frame is not None and not item.frame.is_reply:
                self._pending.append((start + self._size(item.frame), item.frame))
            return ready
        self.pos += self._size(item)
        self._pending = [(end, f) for end, f in self._pending if end <= start]   # its header lied
        return ready
