"""Frame encoding, CRC and the streaming decoder of ``hil.codec``."""

from __future__ import annotations

import binascii

import pytest

import hil.codec as codec_pkg
from hil.codec import (
    ACK,
    BROADCAST,
    MAX_FRAME,
    MAX_PAYLOAD,
    NAK_BUSY,
    NAK_CRC,
    READ_COUNTERS,
    START,
    Codec,
    CodecV1,
    Decoder,
    Frame,
    ProtocolError,
    crc16_ccitt,
)
from hil.codec.v1 import SYNC_LIMIT

CODEC = CodecV1()
EXAMPLE = Frame(address=3, command=READ_COUNTERS, seq=9, payload=b"\xff")
EXAMPLE_WIRE = bytes.fromhex("7E 00 07 01 00 03 03 00 09 FF B6 6D")
FRAMES = [
    EXAMPLE,
    Frame(address=0, command=0x01, seq=0, payload=b""),
    Frame(address=BROADCAST, command=0x89, seq=0xFFFF, payload=bytes([0x7E] * 20)),
    Frame(address=0x0FFF, command=0x04, seq=1234, payload=bytes(range(256)) * 4),
]


def decode_all(data: bytes, chunks: list[int] | None = None) -> list[Frame | ProtocolError]:
    """Feeds ``data`` (split at ``chunks`` sizes, else whole), then flushes."""
    decoder = CODEC.decoder()
    out: list[Frame | ProtocolError] = []
    pos = 0
    for size in chunks or []:
        out += decoder.feed(data[pos : pos + size])
        pos += size
    out += decoder.feed(data[pos:])
    return out + decoder.flush()


def summary(items: list[Frame | ProtocolError]) -> list[object]:
    """Comparable form of decoder output (errors as (kind, skipped))."""
    return [item if isinstance(item, Frame) else (item.kind, item.skipped) for item in items]


def frames_of(items: list[Frame | ProtocolError]) -> list[Frame]:
    return [item for item in items if isinstance(item, Frame)]


def errors_of(items: list[Frame | ProtocolError]) -> list[ProtocolError]:
    return [item for item in items if isinstance(item, ProtocolError)]


def consumed(items: list[Frame | ProtocolError]) -> bytes:
    """The input reconstructed from frames and skipped bytes."""
    return b"".join(CODEC.encode(i) if isinstance(i, Frame) else i.skipped for i in items)


def test_crc_check_value_and_reference():
    assert crc16_ccitt(b"123456789") == 0x29B1
    assert crc16_ccitt(b"") == 0xFFFF
    data = bytes(range(256)) * 3
    assert crc16_ccitt(data) == binascii.crc_hqx(data, 0xFFFF)
    assert crc16_ccitt(data[100:], crc16_ccitt(data[:100])) == crc16_ccitt(data)


def test_encode_worked_example_from_spec():
    assert CODEC.encode(EXAMPLE) == EXAMPLE_WIRE
    assert CODEC.decoder().feed(EXAMPLE_WIRE) == [EXAMPLE]


@pytest.mark.parametrize("frame", FRAMES)
def test_round_trip(frame):
    wire = CODEC.encode(frame)
    assert wire[0] == START and len(wire) == 11 + len(frame.payload)
    assert CODEC.decoder().feed(wire) == [frame]


def test_max_length_frame():
    frame = Frame(address=1, command=0x84, seq=2, payload=bytes([0x7E]) * MAX_PAYLOAD)
    wire = CODEC.encode(frame)
    assert len(wire) == MAX_FRAME == 1035
    assert wire[1:3] == (1030).to_bytes(2, "big")
    assert decode_all(wire) == [frame]
    with pytest.raises(ValueError):
        Frame(address=1, command=4, seq=2, payload=bytes(MAX_PAYLOAD + 1))


@pytest.mark.parametrize("field,value", [("address", 0x10000), ("command", 256), ("seq", -1), ("version", 300)])
def test_frame_rejects_out_of_range_fields(field, value):
    kwargs = {"address": 1, "command": 2, "seq": 3, field: value}
    with pytest.raises(ValueError):
        Frame(**kwargs)


def test_frame_reply_and_status():
    request = Frame(address=7, command=0x03, seq=42, payload=bytearray(b"\x01"))
    assert request.payload == b"\x01" and isinstance(request.payload, bytes)
    assert not request.is_reply
    ack = request.reply(ACK, b"\x01\x02")
    assert ack == Frame(address=7, command=0x83, seq=42, payload=b"\x00\x01\x02")
    assert ack.is_reply and ack.base_command == 0x03 and ack.status == ACK and ack.data == b"\x01\x02"
    nak = request.reply(NAK_BUSY)
    assert nak.payload == bytes([NAK_BUSY]) and nak.data == b""
    with pytest.raises(ValueError):
        ack.reply(ACK)
    with pytest.raises(ValueError):
        request.reply(NAK_BUSY, b"x")
    with pytest.raises(ProtocolError) as info:
        request.status
    assert info.value.kind == "payload"


def test_protocol_error_attributes():
    err = ProtocolError("crc", "bad", bytearray(b"~"))
    assert isinstance(err, ValueError)
    assert (err.kind, err.message, err.skipped, err.frame) == ("crc", "bad", b"~", None)
    assert str(err) == "crc: bad"


def test_interfaces_and_exports():
    assert isinstance(CODEC, Codec)
    assert isinstance(CODEC.decoder(), Decoder)
    for name in codec_pkg.__all__:
        assert hasattr(codec_pkg, name), name


def test_split_at_every_boundary_decodes_identically():
    stream = b"".join(CODEC.encode(f) for f in FRAMES[:3])
    whole = decode_all(stream)
    assert whole == FRAMES[:3]
    for cut in range(len(stream) + 1):
        decoder = CODEC.decoder()
        assert decoder.feed(stream[:cut]) + decoder.feed(stream[cut:]) == FRAMES[:3]


def test_one_byte_at_a_time_identical_including_errors():
    stream = b"junk" + CODEC.encode(FRAMES[0]) + b"\x7e\x00\x01zz" + CODEC.encode(FRAMES[2]) + b"tail"
    whole = decode_all(stream)
    assert summary(decode_all(stream, [1] * len(stream))) == summary(whole)
    assert frames_of(whole) == [FRAMES[0], FRAMES[2]]
    assert consumed(whole) == stream


def test_frame_is_returned_as_soon_as_complete():
    decoder = CODEC.decoder()
    assert decoder.feed(EXAMPLE_WIRE[:-1]) == []
    assert decoder.buffered == len(EXAMPLE_WIRE) - 1
    assert decoder.feed(EXAMPLE_WIRE[-1:]) == [EXAMPLE]
    assert decoder.buffered == 0


@pytest.mark.parametrize(
    "garbage",
    [b"\x00", b"\x7e", b"\x7e\x7e\x7e", b"hello\x7e\x00", b"\x7e\x04\x06\x01", bytes(range(256))],
)
def test_garbage_before_between_and_after(garbage):
    good = [FRAMES[0], FRAMES[1], FRAMES[2]]
    stream = garbage + CODEC.encode(good[0]) + garbage + CODEC.encode(good[1]) + CODEC.encode(good[2]) + garbage
    out = decode_all(stream)
    assert frames_of(out) == good
    assert errors_of(out), "skipped bytes must be reported"
    assert consumed(out) == stream
    assert summary(decode_all(stream, [3] * (len(stream) // 3))) == summary(out)


def test_sync_error_reported_when_next_start_arrives():
    decoder = CODEC.decoder()
    assert decoder.feed(b"abc") == []
    out = decoder.feed(EXAMPLE_WIRE)
    assert summary(out) == [("sync", b"abc"), EXAMPLE]


def test_long_garbage_reported_in_pieces():
    decoder = CODEC.decoder()
    out = decoder.feed(b"\x00" * (2 * SYNC_LIMIT + 10))
    assert [len(e.skipped) for e in out] == [SYNC_LIMIT, SYNC_LIMIT]
    assert decoder.buffered == 10
    assert summary(decoder.flush()) == [("sync", b"\x00" * 10)]


@pytest.mark.parametrize("index", range(len(EXAMPLE_WIRE)))
@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_corrupted_byte_rejects_frame_and_next_is_decoded(index, mask):
    bad = bytearray(EXAMPLE_WIRE)
    bad[index] ^= mask
    follower = FRAMES[2]
    stream = bytes(bad) + CODEC.encode(follower)
    out = decode_all(stream)
    assert frames_of(out) == [follower]
    assert errors_of(out)
    assert consumed(out) == stream


def test_corrupted_byte_in_large_frame():
    wire = CODEC.encode(FRAMES[3])
    for index in (0, 1, 2, 3, 5, 100, 700, len(wire) - 2, len(wire) - 1):
        bad = bytearray(wire)
        bad[index] ^= 0x10
        out = decode_all(bytes(bad) + EXAMPLE_WIRE)
        assert frames_of(out) == [EXAMPLE], index


def test_error_kinds():
    decoder = CODEC.decoder()
    (err,) = decoder.feed(b"\x7e\x00\x05")
    assert (err.kind, err.skipped) == ("length", b"\x7e")
    sync, err = decoder.feed(b"\x7e\x00\x06\x02")
    assert (sync.kind, sync.skipped) == ("sync", b"\x00\x05")
    assert err.kind == "version"
    decoder.reset()
    bad = bytearray(EXAMPLE_WIRE)
    bad[-1] ^= 1
    out = decoder.feed(bytes(bad))
    assert out[0].kind == "crc" and out[0].frame == EXAMPLE
    assert out[0].frame.reply(NAK_CRC).seq == EXAMPLE.seq
    assert summary(decoder.flush()) == [("sync", bytes(bad[1:]))]


def test_wrong_version_frame_rejected():
    wire = CODEC.encode(Frame(address=1, command=2, seq=3, version=2))
    out = decode_all(wire + EXAMPLE_WIRE)
    assert out[0].kind == "version" and frames_of(out) == [EXAMPLE]


def test_flush_recovers_frame_behind_truncated_frame():
    truncated = CODEC.encode(FRAMES[3])[:50]
    decoder = CODEC.decoder()
    assert frames_of(decoder.feed(truncated + EXAMPLE_WIRE)) == []
    out = decoder.flush()
    assert out[0].kind == "truncated"
    assert frames_of(out) == [EXAMPLE]
    assert decoder.buffered == 0


def test_reset_discards_buffer():
    decoder = CODEC.decoder()
    decoder.feed(b"xx" + EXAMPLE_WIRE[:5])
    decoder.reset()
    assert decoder.buffered == 0
    assert decoder.feed(EXAMPLE_WIRE) == [EXAMPLE]
    assert decoder.flush() == []


def test_package_docstring_example():
    import doctest

    assert doctest.testmod(codec_pkg).failed == 0


def test_spec_examples_run():
    """The ``Typical use`` snippet of docs/serial-protocol.md runs as written."""
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "serial-protocol.md").read_text()
    snippet = doc.split("Typical use:\n\n```python\n", 1)[1].split("```", 1)[0]
    namespace = dict(vars(codec_pkg))
    exec(compile(snippet, "serial-protocol.md", "exec"), namespace)  # noqa: S102
    assert namespace["counters"] == (codec_pkg.CounterReading(0, 1234, 10),)
