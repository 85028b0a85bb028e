"""Property-based tests of the decoder and the payload helpers (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hil.codec as c
from hil.codec import CodecV1, Frame, ProtocolError

CODEC = CodecV1()
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

frames = st.builds(
    Frame,
    address=st.integers(0, 0xFFFF),
    command=st.integers(0, 0xFF),
    seq=st.integers(0, 0xFFFF),
    payload=st.one_of(st.binary(max_size=40), st.binary(min_size=1000, max_size=c.MAX_PAYLOAD)),
)
# Garbage rich in start bytes and plausible length/version bytes.
garbage = st.lists(st.sampled_from([0x7E, 0x00, 0x01, 0x04, 0xFF]) | st.integers(0, 255), max_size=30).map(bytes)


def feed_chunked(data: bytes, cuts: list[int]) -> list[Frame | ProtocolError]:
    """Feeds ``data`` split at the (sorted) ``cuts``, then flushes."""
    decoder = CODEC.decoder()
    out: list[Frame | ProtocolError] = []
    bounds = [0, *sorted(min(cut, len(data)) for cut in cuts), len(data)]
    for start, end in zip(bounds, bounds[1:]):
        out += decoder.feed(data[start:end])
    out += decoder.flush()
    assert decoder.buffered == 0
    return out


def summary(items: list[Frame | ProtocolError]) -> list[object]:
    return [i if isinstance(i, Frame) else (i.kind, i.skipped) for i in items]


def is_subsequence(needle: list[Frame], haystack: list[Frame]) -> bool:
    it = iter(haystack)
    return all(any(x == y for y in it) for x in needle)


@FUZZ
@given(data=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 2000), max_size=20))
def test_any_bytes_any_chunking_yields_only_frames_and_errors(data, cuts):
    out = feed_chunked(data, cuts)
    assert all(isinstance(i, (Frame, ProtocolError)) for i in out)
    assert summary(out) == summary(feed_chunked(data, []))
    # Conservation: every byte is in exactly one frame or one error.
    assert b"".join(CODEC.encode(i) if isinstance(i, Frame) else i.skipped for i in out) == data


@FUZZ
@given(parts=st.lists(st.tuples(garbage, frames), min_size=1, max_size=4), tail=garbage, data=st.data())
def test_every_frame_embedded_in_garbage_is_recovered(parts, tail, data):
    stream = b"".join(g + CODEC.encode(f) for g, f in parts) + tail
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
    out = feed_chunked(stream, cuts)
    got = [i for i in out if isinstance(i, Frame)]
    assert is_subsequence([f for _, f in parts], got)
    if not any(g for g, _ in parts) and not tail:
        assert out == [f for _, f in parts]


@FUZZ
@given(frame=frames, index=st.integers(0, 10_000), mask=st.integers(1, 255), follower=frames)
def test_corrupted_frame_rejected_and_follower_recovered(frame, index, mask, follower):
    bad = bytearray(CODEC.encode(frame))
    bad[index % len(bad)] ^= mask
    out = feed_chunked(bytes(bad) + CODEC.encode(follower), [])
    assert [i for i in out if isinstance(i, Frame)] == [follower]
    assert any(isinstance(i, ProtocolError) for i in out)


@FUZZ
@given(data=st.binary())
def test_crc_matches_reference(data):
    import binascii

    assert c.crc16_ccitt(data) == binascii.crc_hqx(data, 0xFFFF)


@FUZZ
@given(command=st.sampled_from(sorted(c.REQUESTS)), payload=st.binary(max_size=40), reply=st.booleans())
def test_unpack_arbitrary_payload_is_record_or_payload_error(command, payload, reply):
    unpack = c.unpack_reply if reply else c.unpack_request
    try:
        record = unpack(command, payload)
    except ProtocolError as err:
        assert err.kind == "payload"
    else:
        assert record.pack() == payload  # the encoding is canonical


u8, u16, u32 = st.integers(0, 0xFF), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF_FFFF)
text16 = st.text(st.characters(min_codepoint=1, max_codepoint=127), max_size=16)
records = st.one_of(
    st.builds(c.IdentifyReply, text16, text16, u8, u8),
    st.builds(c.ReadProfileRequest, u8, u32, u32),
    st.builds(c.ReadCountersReply, st.lists(st.builds(c.CounterReading, u8, u32, u16), max_size=c.MAX_COUNTERS)),
    st.builds(c.ReadProfileReply, st.lists(st.builds(c.ProfileHour, u32, u32), max_size=c.MAX_PROFILE_HOURS)),
    st.builds(c.ReadEventsReply, st.lists(st.builds(c.Event, u16, u32, u8), max_size=c.MAX_EVENTS)),
    st.builds(
        c.ReadNetworkReply,
        st.lists(
            st.builds(c.NetworkEntry, u16, text16.map(lambda s: s[:8]), u16, u8, st.integers(-128, 127), u8),
            max_size=c.MAX_NETWORK_ENTRIES,
        ),
    ),
    st.builds(c.RelayReply, st.booleans(), st.integers(0, 2**64 - 1)),
    st.builds(c.GroupShedRequest, u8, st.booleans(), st.integers(0, 3)),
)


@FUZZ
@given(record=records)
def test_records_round_trip(record):
    payload = record.pack()
    assert type(record).unpack(payload) == record
    assert len(payload) < c.MAX_PAYLOAD
