"""What the emulator server reports about its traffic: one record per read, write or event."""

from __future__ import annotations

from dataclasses import dataclass, field

from hil.codec.commands import COMMAND_NAMES
from hil.codec.frame import STATUS_NAMES, Frame, ProtocolError

__all__ = ["TrafficRecord", "describe"]


def describe(item: Frame | ProtocolError) -> str:
    """One-line summary of a frame or decoder error."""
    if isinstance(item, ProtocolError):
        return f"<{item.kind}: {len(item.skipped)} byte(s)>"
    name = COMMAND_NAMES.get(item.base_command, f"0x{item.base_command:02X}") + ("|reply" if item.is_reply else "")
    text = f"{name} addr={item.address} seq={item.seq}"
    if item.is_reply and item.payload:
        text += f" status={STATUS_NAMES.get(item.payload[0], item.payload[0])}"
    return text + f" len={len(item.payload)}"


@dataclass
class TrafficRecord:
    """One line of emulator traffic.

    Attributes:
        t: Wall-clock time (``time.time()``).
        direction: ``"rx"`` (bytes to the emulator), ``"tx"`` (from it) or ``"ev"``.
        raw: The bytes.
        decoded: Frames and decoder errors of ``raw`` (rx), the reply frame (tx).
        note: Fault applied, or event text.
    """

    t: float
    direction: str
    raw: bytes
    decoded: list = field(default_factory=list)
    note: str = ""

    @property
    def hex(self) -> str:
        """``raw`` in hex."""
        return self.raw.hex()
