"""Frame record, protocol constants and the protocol error.

See ``docs/serial-protocol.md`` for the wire format. A :class:`Frame` is the
decoded content of one frame (everything except ``start``, ``length`` and
``crc``, which the codec computes).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

__all__ = [
    "ACK",
    "BROADCAST",
    "CONCENTRATOR",
    "HEADER_SIZE",
    "MAX_FRAME",
    "MAX_LENGTH",
    "MAX_MODULE",
    "MAX_PAYLOAD",
    "MIN_LENGTH",
    "NAK_BAD_PAYLOAD",
    "NAK_BUSY",
    "NAK_CRC",
    "NAK_NOT_SUPPORTED",
    "NAK_SEQ_REUSED",
    "NAK_UNKNOWN_ADDRESS",
    "NAK_UNKNOWN_COMMAND",
    "NAK_UNREACHABLE",
    "REPLY_BIT",
    "START",
    "STATUS_NAMES",
    "VERSION",
    "Frame",
    "ProtocolError",
]

START = 0x7E
VERSION = 1
MAX_PAYLOAD = 1024
HEADER_SIZE = 6  # version (1) + address (2) + command (1) + seq (2)
MIN_LENGTH = HEADER_SIZE  # value of the length field for an empty payload
MAX_LENGTH = HEADER_SIZE + MAX_PAYLOAD  # 1030
MAX_FRAME = 1 + 2 + MAX_LENGTH + 2  # 1035 bytes on the wire

CONCENTRATOR = 0x0000
MAX_MODULE = 0x0FFF
BROADCAST = 0xFFFF
REPLY_BIT = 0x80

ACK = 0x00
NAK_CRC = 0x01
NAK_UNKNOWN_COMMAND = 0x02
NAK_BAD_PAYLOAD = 0x03
NAK_UNKNOWN_ADDRESS = 0x04
NAK_BUSY = 0x05
NAK_UNREACHABLE = 0x06
NAK_NOT_SUPPORTED = 0x07
NAK_SEQ_REUSED = 0x08  # v1.1: (address, seq) of a cached reply with another command or payload

STATUS_NAMES = {
    ACK: "ACK",
    NAK_CRC: "NAK_CRC",
    NAK_UNKNOWN_COMMAND: "NAK_UNKNOWN_COMMAND",
    NAK_BAD_PAYLOAD: "NAK_BAD_PAYLOAD",
    NAK_UNKNOWN_ADDRESS: "NAK_UNKNOWN_ADDRESS",
    NAK_BUSY: "NAK_BUSY",
    NAK_UNREACHABLE: "NAK_UNREACHABLE",
    NAK_NOT_SUPPORTED: "NAK_NOT_SUPPORTED",
    NAK_SEQ_REUSED: "NAK_SEQ_REUSED",
}


class ProtocolError(ValueError):
    """Bytes that cannot be decoded, or a payload that cannot be parsed.

    Decoders *return* these (they never raise them); the payload helpers in
    :mod:`hil.codec.commands` raise them with ``kind="payload"``.

    Attributes:
        kind: ``"sync"`` (bytes before a start byte), ``"length"`` (length
            field out of range), ``"version"``, ``"crc"``, ``"truncated"``
            (incomplete frame discarded by ``flush()``) or ``"payload"``.
        message: Human-readable detail.
        skipped: The bytes the decoder discarded from the stream because of
            this error (empty for payload errors). For a rejected frame
            (``length``, ``version``, ``crc``, ``truncated``) that is only its
            start byte: the bytes after it are scanned again.
        frame: For ``kind="crc"`` only, the frame as read despite the bad
            CRC (unverified; lets a responder NAK with the right address,
            command and seq). ``None`` otherwise.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        skipped: bytes = b"",
        frame: Frame | None = None,
    ) -> None:
        super().__init__(kind, message, bytes(skipped), frame)
        self.kind = kind
        self.message = message
        self.skipped = bytes(skipped)
        self.frame = frame

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"

    def __repr__(self) -> str:
        return f"ProtocolError({self.kind!r}, {self.message!r}, skipped={self.skipped!r})"


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes:
        address: 0x0000 the concentrator, 0x0001-0x0FFF a module, 0xFFFF
            broadcast (any u16 is accepted here; routing is not the codec's
            business).
        command: Command code; a reply has bit 7 set.
        seq: Sequence number chosen by the requester, echoed in the reply.
        payload: Command-specific bytes (at most ``MAX_PAYLOAD``). For a
            reply, the status byte followed by the ACK data.
        version: Protocol version byte.

    Raises:
        ValueError: If a field is out of range.
    """

    address: int
    command: int
    seq: int
    payload: bytes = b""
    version: int = VERSION

    def __post_init__(self) -> None:
        if not isinstance(self.payload, bytes):
            object.__setattr__(self, "payload", bytes(self.payload))
        for name, top in (("address", 0xFFFF), ("command", 0xFF), ("seq", 0xFFFF), ("version", 0xFF)):
            value = getattr(self, name)
            try:
                number = operator.index(value)  # accepts numpy integers, stores an int
            except TypeError:
                raise ValueError(f"Frame.{name}={value!r} is not an integer") from None
            if not 0 <= number <= top:
                raise ValueError(f"Frame.{name}={value!r} out of range 0..{top:#x}")
            object.__setattr__(self, name, number)
        if len(self.payload) > MAX_PAYLOAD:
            raise ValueError(f"payload of {len(self.payload)} bytes exceeds {MAX_PAYLOAD}")

    @property
    def is_reply(self) -> bool:
        """Whether bit 7 of the command is set."""
        return bool(self.command & REPLY_BIT)

    @property
    def base_command(self) -> int:
        """The command code without the reply bit."""
        return self.command & ~REPLY_BIT

    @property
    def status(self) -> int:
        """The status byte of a reply (``ACK`` or a ``NAK_*`` code).

        Raises:
            ProtocolError: (kind ``"payload"``) if this is not a reply or
                the payload is empty.
        """
        if not self.is_reply or not self.payload:
            raise ProtocolError("payload", f"no status byte in {self!r}")
        return self.payload[0]

    @property
    def data(self) -> bytes:
        """The ACK data of a reply (payload after the status byte).

        Raises:
            ProtocolError: As for :attr:`status`.
        """
        self.status  # noqa: B018 -- validates
        return self.payload[1:]

    def reply(self, status: int = ACK, data: bytes = b"") -> Frame:
        """Builds the reply to this request.

        Args:
            status: ``ACK`` or one of the ``NAK_*`` codes.
            data: ACK data (must be empty for a NAK).

        Returns:
            A frame with ``command | 0x80``, the same address, seq and
            version, and payload ``bytes([status]) + data``.

        Raises:
            ValueError: If this frame is itself a reply, the status is not a
                byte, data accompanies a NAK, or the payload would be too long.
        """
        if self.is_reply:
            raise ValueError("cannot reply to a reply")
        if not 0 <= status <= 0xFF:
            raise ValueError(f"status {status!r} out of range")
        if status != ACK and data:
            raise ValueError("a NAK carries no data")
        return Frame(self.address, self.command | REPLY_BIT, self.seq, bytes([status]) + bytes(data), self.version)
