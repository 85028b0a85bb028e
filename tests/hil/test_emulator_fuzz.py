"""Wire-level fuzzing of the running emulator over a pty (hypothesis).

Each example writes a sequence of pieces to the emulator's pty: valid
requests (any command, address and payload, so ACKs and every NAK), the same
truncated, with a byte flipped, with the length field damaged, random bytes
rich in start bytes, and idle gaps. Then one more valid request. A reader
thread timestamps every reply. Properties (docs/serial-protocol.md, RX-2,
RX-5): the emulator never stops answering, every valid request is answered
(a reply with its seq and address) within the reply timeout of its last
byte, and nothing inside the device fails.
"""

from __future__ import annotations

import threading
import time

import pytest
import serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hil.bench import default_device
from hil.codec import CodecV1, Frame
from hil.codec import commands as c
from hil.emulator import EmuClock, EmulatorServer

CODEC = CodecV1()
T_REPLY_S = 0.5
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))

_COMMANDS = st.sampled_from(sorted(c.COMMAND_NAMES) + [0x00, 0x3F])
_ADDRESSES = st.sampled_from([0, 1, 2, 5, 10, 11, 0x0FFF, 0x1234, 0xFFFF])
_PAYLOAD = st.one_of(st.binary(max_size=12), st.just(b"\xff"), st.binary(min_size=9, max_size=9))

valid = st.tuples(st.just("valid"), _ADDRESSES, _COMMANDS, _PAYLOAD)
bad = st.one_of(
    st.tuples(st.just("truncated"), _ADDRESSES, _COMMANDS, _PAYLOAD, st.integers(1, 20)),
    st.tuples(st.just("flipped"), _ADDRESSES, _COMMANDS, _PAYLOAD, st.integers(1, 20), st.integers(1, 255)),
    st.tuples(st.just("long"), _ADDRESSES, _COMMANDS, _PAYLOAD, st.integers(1, 1024)),
    st.tuples(st.just("noise"), st.lists(st.sampled_from([0x7E, 0x00, 0x01, 0x04]) | st.integers(0, 255),
                                         max_size=40).map(bytes)),
    st.tuples(st.just("gap"), st.sampled_from([0.0, 0.005, 0.03, 0.06])),
)
sequences = st.lists(st.one_of(valid, bad), min_size=1, max_size=8)


class Reader(threading.Thread):
    """Reads the pty, timestamps every reply frame."""

    def __init__(self, port: serial.Serial) -> None:
        super().__init__(daemon=True)
        self.port, self.stop, self.got = port, threading.Event(), []
        self.decoder = CODEC.decoder()

    def run(self) -> None:
        while not self.stop.is_set():
            data = self.port.read(max(1, self.port.in_waiting))
            now = time.monotonic()
            self.got += [(f.address, f.seq, now) for f in self.decoder.feed(data) if isinstance(f, Frame)]


@pytest.fixture(scope="module")
def line():
    device = default_device(42, clock=EmuClock(speed=60.0), history_h=48)
    server = EmulatorServer(device, "pty")
    server.start()
    port = serial.serial_for_url(server.url, baudrate=115200, timeout=0.01)
    reader = Reader(port)
    reader.start()
    yield server, port, reader
    reader.stop.set()
    reader.join(1)
    port.close()
    server.stop()


_seq = [0]


def _next_seq() -> int:
    _seq[0] = _seq[0] % 0xFFFF + 1
    return _seq[0]


def _encode(address: int, command: int, payload: bytes) -> tuple[int, bytes]:
    seq = _next_seq()
    return seq, CODEC.encode(Frame(address, command, seq, payload))


@FUZZ
@given(sequences)
def test_every_valid_request_is_answered_within_the_reply_timeout(line, pieces) -> None:
    server, port, reader = line
    expected: list[tuple[int, int, float]] = []      # (address, seq, time its last byte was written)
    for piece in pieces + [("valid", 0, c.IDENTIFY, b"")]:
        kind = piece[0]
        if kind == "gap":
            time.sleep(piece[1])
            continue
        if kind == "noise":
            port.write(piece[1])
            continue
        seq, raw = _encode(*piece[1:4])
        if kind == "truncated":
            raw = raw[: max(1, len(raw) - piece[4])]
        elif kind == "flipped":
            k = min(piece[4], len(raw) - 1)
            raw = raw[:k] + bytes([raw[k] ^ piece[5]]) + raw[k + 1 :]
        elif kind == "long":
            raw = raw[:1] + min(1030, 6 + len(piece[3]) + piece[4]).to_bytes(2, "big") + raw[3:]
        port.write(raw)
        port.flush()
        if kind == "valid" and not (piece[2] & 0x80):
            expected.append((piece[1], seq, time.monotonic()))
    deadline = time.monotonic() + T_REPLY_S + 0.1
    while time.monotonic() < deadline and not _all_answered(reader.got, expected):
        time.sleep(0.005)
    answered = {(a, s): t for a, s, t in reader.got}
    late = []
    for address, seq, sent in expected:
        t = answered.get((address, seq))
        if t is None or t - sent > T_REPLY_S:
            late.append((address, seq, None if t is None else round(t - sent, 3)))
    assert not late, f"not answered within {T_REPLY_S} s: {late} (pieces {pieces})"
    assert server.errors == 0
    time.sleep(0.06)                                # the next example starts on a quiet line


def _all_answered(got, expected) -> bool:
    have = {(a, s) for a, s, _ in got}
    return all((a, s) in have for a, s, _ in expected)
