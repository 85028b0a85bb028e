"""UART pacing of the emulator's line (hil.emulator.line) and the NAK_CRC rule (hil.emulator.nak_crc)."""

from __future__ import annotations

import pytest

from hil.codec import CodecV1, Frame
from hil.codec import commands as c
from hil.codec.frame import NAK_CRC
from hil.emulator.line import LinePacer
from hil.emulator.nak_crc import NakCrcRule

CODEC = CodecV1()


def test_pacer_releases_bytes_at_the_character_time() -> None:
    pacer = LinePacer(115200, chunk=16)
    char = 10 / 115200
    assert pacer.char_s == pytest.approx(86.8e-6, rel=1e-3)
    pacer.start_tx(100.0)
    assert pacer.writable(1000, 100.0) == 0                      # nothing has left the UART yet
    assert pacer.next_write_in(1000, 100.0) == pytest.approx(16 * char)
    assert pacer.writable(1000, 100.0 + 10.5 * char) == 10       # ten whole characters
    assert pacer.writable(1000, 100.0 + 0.05) == int(0.05 / char) - 10   # late wake-up: catches up, no more
    pacer.refund(5)                                                      # the pty took 5 fewer
    assert pacer.writable(1000, 100.0 + 0.05) == 5


def test_receive_side_counts_arrival_time_and_zero_baud_is_unpaced() -> None:
    pacer = LinePacer(9600)
    assert pacer.received(96, 10.0) == pytest.approx(10.1)       # 96 characters at 9600 baud: 0.1 s
    assert pacer.received(96, 10.05) == pytest.approx(10.2)      # queued behind the first burst
    assert pacer.received(96, 11.0) == pytest.approx(11.1)       # after a pause
    free = LinePacer(0)
    assert free.writable(500, 0.0) == 500 and free.next_write_in(500, 0.0) == 0.0
    with pytest.raises(ValueError):
        LinePacer(-1)


def _items(raw: bytes) -> list:
    decoder = CODEC.decoder()
    return decoder.feed(raw) + decoder.flush()


def test_nak_crc_for_a_damaged_frame_but_not_for_one_that_swallowed_a_good_frame() -> None:
    size = lambda f: len(CODEC.encode(f))  # noqa: E731
    good = CODEC.encode(Frame(0, c.IDENTIFY, 0x0202))
    damaged = bytearray(CODEC.encode(Frame(3, c.READ_COUNTERS, 0x0101, b"\xff")))
    damaged[-1] ^= 0x01
    rule = NakCrcRule(size)
    naks = [n for item in _items(bytes(damaged) + good) for n in rule.see(item)] + rule.due()
    assert [(n.address, n.seq, n.status) for n in naks] == [(3, 0x0101, NAK_CRC)]
    rule = NakCrcRule(size)
    cut = CODEC.encode(Frame(0, c.IDENTIFY, 0x0303))[:8]         # header cut: its seq would come from `good`
    naks = [n for item in _items(cut + good) for n in rule.see(item)] + rule.due()
    assert naks == []
