"""A bare-bytes client of protocol v1.1, written from ``docs/serial-protocol.md`` alone.

The conformance suite drives the device only through this: it builds frames
with ``struct`` and its own CRC, writes raw bytes (whole, in pieces, damaged
or truncated) and reads back whatever comes, parsing replies strictly. It
imports nothing of ``hil`` (not the codec, not the emulator), so a bug in
our codec cannot hide the same bug in the device.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass

import serial

START = 0x7E
BROADCAST = 0xFFFF
T_REPLY_S = 0.5
T_IDLE_MAX_S = 0.1

# command codes and statuses, as in the spec's tables
IDENTIFY, TIME_SYNC, READ_COUNTERS, READ_PROFILE, READ_EVENTS, READ_NETWORK = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
SET_THRESHOLD, RELAY, GROUP_SHED, SET_PULSE_WEIGHT, READ_STATUS, READ_RELAY = 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C
ACK, NAK_CRC, NAK_UNKNOWN_COMMAND, NAK_BAD_PAYLOAD, NAK_UNKNOWN_ADDRESS = 0, 1, 2, 3, 4
NAK_BUSY, NAK_UNREACHABLE, NAK_NOT_SUPPORTED, NAK_SEQ_REUSED = 5, 6, 7, 8


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE, bit by bit (poly 0x1021, init 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def build(address: int, command: int, seq: int, payload: bytes = b"", version: int = 1,
          length: int | None = None) -> bytes:
    """One frame's bytes; ``length`` overrides the length field (the CRC covers what is written)."""
    body = struct.pack(">HBHBH", 6 + len(payload) if length is None else length, version, address, command,
                       seq) + payload
    return bytes([START]) + body + struct.pack(">H", crc16(body))


@dataclass(frozen=True)
class Reply:
    """A frame read from the device (CRC verified)."""

    address: int
    command: int
    seq: int
    payload: bytes
    version: int
    raw: bytes
    t: float  # time.monotonic() when its last byte was read

    @property
    def status(self) -> int:
        return self.payload[0] if self.payload else -1

    @property
    def data(self) -> bytes:
        return self.payload[1:]


def parse(buf: bytearray, t: float) -> list[Reply]:
    """Takes every complete valid frame off the head of ``buf`` (resynchronising on junk)."""
    out = []
    while True:
        i = buf.find(bytes([START]))
        if i < 0:
            buf.clear()
            return out
        del buf[:i]
        if len(buf) < 3:
            return out
        (length,) = struct.unpack_from(">H", buf, 1)
        if not 6 <= length <= 1030:
            del buf[:1]
            continue
        if len(buf) < length + 5:
            return out
        body = bytes(buf[1 : 3 + length])
        if struct.unpack_from(">H", buf, 3 + length)[0] != crc16(body):
            del buf[:1]
            continue
        _, version, address, command, seq = struct.unpack_from(">HBHBH", body)
        out.append(Reply(address, command, seq, body[8:], version, bytes(buf[: length + 5]), t))
        del buf[: length + 5]


class Wire:
    """The port, opened raw.

    Args:
        url: Device path or pyserial URL.
        baudrate: Line speed (115200 by the spec).
        seq0: First sequence number used by :meth:`next_seq`.
    """

    def __init__(self, url: str, baudrate: int = 115200, seq0: int = 1) -> None:
        self.url = url
        self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.005, write_timeout=2.0)
        self._buf = bytearray()
        self._seq = seq0 & 0xFFFF
        self.sent_seqs: set[tuple[int, int]] = set()
        self.bytes_out = self.bytes_in = 0

    def close(self) -> None:
        self.port.close()

    def next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    def send(self, raw: bytes, note_seq: tuple[int, int] | None = None) -> float:
        """Writes bytes; returns the time the write finished."""
        if note_seq is not None:
            self.sent_seqs.add(note_seq)
        self.port.write(raw)
        self.port.flush()
        self.bytes_out += len(raw)
        return time.monotonic()

    def read_for(self, seconds: float, until=None) -> list[Reply]:
        """Reads replies for ``seconds`` (or until ``until(replies)`` is true)."""
        deadline, got = time.monotonic() + seconds, []
        while time.monotonic() < deadline:
            chunk = self.port.read(max(1, self.port.in_waiting))
            if chunk:
                self.bytes_in += len(chunk)
                self._buf += chunk
                got += parse(self._buf, time.monotonic())
                if until is not None and until(got):
                    break
        return got

    def drain(self, quiet_s: float = T_IDLE_MAX_S) -> list[Reply]:
        """Waits until the line has been quiet ``quiet_s`` (the device has given up any partial frame)."""
        got = []
        while True:
            more = self.read_for(quiet_s)
            got += more
            if not more:
                self._buf.clear()
                return got

    def request(self, address: int, command: int, payload: bytes = b"", seq: int | None = None,
                timeout_s: float = T_REPLY_S) -> Reply | None:
        """Sends one request and returns the reply with its seq and command (None: none within the timeout)."""
        seq = self.next_seq() if seq is None else seq
        self.send(build(address, command, seq, payload), (address, seq))
        want = lambda r: r.seq == seq and r.command == command | 0x80  # noqa: E731
        return next((r for r in self.read_for(timeout_s, lambda got: any(map(want, got))) if want(r)), None)

    def ack(self, address: int, command: int, payload: bytes = b"") -> bytes:
        """Request that must be ACKed; returns the ACK data."""
        reply = self.request(address, command, payload)
        assert reply is not None, f"no reply to command {command:#04x} at {address:#06x}"
        assert reply.status == ACK, f"command {command:#04x} at {address:#06x}: status {reply.status:#04x}"
        return reply.data

    def status_of(self, address: int, command: int, payload: bytes = b"", seq: int | None = None) -> int:
        """The reply's status byte (-1: no reply)."""
        reply = self.request(address, command, payload, seq)
        return -1 if reply is None else reply.status
