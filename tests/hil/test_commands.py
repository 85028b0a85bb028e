"""Payload records and ``pack_*``/``unpack_*`` helpers of ``hil.codec.commands``."""

from __future__ import annotations

import pytest

import hil.codec as c
from hil.codec import ACK, CodecV1, Frame, ProtocolError

NAMES = [
    "identify",
    "time_sync",
    "read_counters",
    "read_profile",
    "read_events",
    "read_network",
    "set_threshold",
    "relay",
    "group_shed",
    "set_pulse_weight",
    "read_status",
    "read_relay",
]

REQUESTS = [
    c.IdentifyRequest(),
    c.TimeSyncRequest(unix_s=1_700_000_000),
    c.ReadCountersRequest(),
    c.ReadProfileRequest(channel=2, from_unix_s=1_700_000_000, to_unix_s=1_700_432_000),
    c.ReadEventsRequest(since_index=65535),
    c.ReadNetworkRequest(start=1),
    c.SetThresholdRequest(threshold_w=4_294_967_295),
    c.RelayRequest(on=True),
    c.GroupShedRequest(group=3, shed=True, classes=c.CLASS_YELLOW),
    c.SetPulseWeightRequest(channel=1, pulse_weight=1000),
    c.ReadStatusRequest(),
    c.ReadRelayRequest(),
]

REPLIES = [
    c.IdentifyReply(serial="J100UC-000042", firmware="1.4.2", kind=c.KIND_J100UC, channels=4),
    c.TimeSyncReply(unix_s=1_700_000_001),
    c.ReadCountersReply([c.CounterReading(0, 123456, 1000), c.CounterReading(1, 0, 1)]),
    c.ReadProfileReply([c.ProfileHour(1_700_000_000 + 3600 * i, i * 7) for i in range(c.MAX_PROFILE_HOURS)]),
    c.ReadEventsReply([c.Event(5, 1_700_000_000, c.EVENT_MAGNET), c.Event(6, 1_700_000_100, c.EVENT_REBOOT)]),
    c.ReadNetworkReply([c.NetworkEntry(i, f"M{i:07d}", i // 2, 1 + i % 5, -40 - i, 3) for i in range(1, 61)]),
    c.SetThresholdReply(threshold_w=3500),
    c.RelayReply(on=False, switched_unix_ms=1_700_000_000_123),
    c.GroupShedReply(modules_reached=513),
    c.SetPulseWeightReply(channel=1, pulse_weight=1000),
    c.ReadStatusReply(kind=c.KIND_D100FC, power=c.POWER_BATTERY, supply_mv=3590, battery_pct=37,
                      flags=c.STATUS_BATTERY_LOW | c.STATUS_MAGNET, rssi_dbm=-97, hops=3, parent=12,
                      uptime_s=86_400, last_heard_unix_s=1_700_000_000),
    c.ReadRelayReply(fitted=True, on=False, switched_unix_ms=1_700_000_000_123, socket_class=c.CLASS_GREEN,
                     group=4, pending=False),
]


def test_tables_cover_every_command():
    codes = [getattr(c, name.upper()) for name in NAMES]
    assert codes == list(range(0x01, 0x0D))
    assert sorted(c.COMMAND_NAMES) == codes
    assert sorted(c.REQUESTS) == codes and sorted(c.REPLIES) == codes
    for code in codes:
        assert c.REQUESTS[code].COMMAND == code and c.REPLIES[code].COMMAND == code


@pytest.mark.parametrize("name,request_,reply", list(zip(NAMES, REQUESTS, REPLIES)))
def test_round_trip_every_command(name, request_, reply):
    code = getattr(c, name.upper())
    assert type(request_) is c.REQUESTS[code] and type(reply) is c.REPLIES[code]
    pack_req, unpack_req = getattr(c, f"pack_{name}_request"), getattr(c, f"unpack_{name}_request")
    pack_rep, unpack_rep = getattr(c, f"pack_{name}_reply"), getattr(c, f"unpack_{name}_reply")
    payload, data = pack_req(request_), pack_rep(reply)
    assert payload == request_.pack() == c.pack_payload(request_)
    assert unpack_req(payload) == request_ == c.unpack_request(code, payload)
    assert unpack_rep(data) == reply == c.unpack_reply(code | 0x80, data)
    # Through the wire: request frame, ACK reply frame.
    codec = CodecV1()
    frame = Frame(address=5, command=code, seq=77, payload=payload)
    (got,) = codec.decoder().feed(codec.encode(frame))
    answer = got.reply(ACK, data)
    (back,) = codec.decoder().feed(codec.encode(answer))
    assert back.seq == 77 and back.status == ACK
    assert c.unpack_reply(back.command, back.data) == reply


def test_wire_layouts_are_big_endian():
    assert c.TimeSyncRequest(0x01020304).pack() == b"\x01\x02\x03\x04"
    assert c.ReadCountersRequest().pack() == b"\xff"
    assert c.ReadCountersReply([c.CounterReading(2, 0x0A0B0C0D, 0x0102)]).pack() == bytes.fromhex("01 02 0A0B0C0D 0102")
    assert c.ReadProfileReply([c.ProfileHour(1, 2)]).pack() == bytes.fromhex("0001 00000001 00000002")
    assert c.ReadEventsReply([c.Event(0x0102, 3, 4)]).pack() == bytes.fromhex("01 0102 00000003 04")
    entry = c.NetworkEntry(1, "AB", 0, 2, -70, 5)
    assert c.ReadNetworkReply([entry]).pack() == bytes.fromhex("01 0001 4142000000000000 0000 02 BA 05")
    assert c.RelayReply(True, 1).pack() == bytes.fromhex("01 0000000000000001")
    assert c.GroupShedRequest(7, False, 3).pack() == b"\x07\x00\x03"
    ident = c.IdentifyReply("S", "F", c.KIND_D100FC, 1).pack()
    assert ident == b"S" + b"\0" * 15 + b"F" + b"\0" * 15 + b"\x01\x01"


def test_list_records_store_tuples():
    reply = c.ReadCountersReply([c.CounterReading(0, 1, 1)])
    assert isinstance(reply.counters, tuple) and reply.items == reply.counters
    assert hash(reply) == hash(c.ReadCountersReply((c.CounterReading(0, 1, 1),)))
    assert c.ReadEventsReply().pack() == b"\x00" and c.ReadProfileReply().pack() == b"\x00\x00"


def test_largest_replies_fit_in_a_frame():
    counters = c.ReadCountersReply([c.CounterReading(i, i, 1) for i in range(c.MAX_COUNTERS)])
    events = c.ReadEventsReply([c.Event(i, i, 1) for i in range(c.MAX_EVENTS)])
    request = Frame(address=1, command=c.READ_COUNTERS, seq=1)
    for reply in (counters, events, REPLIES[3], REPLIES[5]):
        assert len(request.reply(ACK, reply.pack()).payload) <= c.MAX_PAYLOAD


@pytest.mark.parametrize(
    "unpack,payload",
    [
        (c.unpack_identify_request, b"\x00"),
        (c.unpack_time_sync_request, b"\x00\x00\x00"),
        (c.unpack_time_sync_reply, b"\x00\x00\x00\x00\x00"),
        (c.unpack_read_counters_request, b""),
        (c.unpack_read_counters_reply, b""),
        (c.unpack_read_counters_reply, b"\x02" + bytes(7)),
        (c.unpack_read_counters_reply, b"\x01" + bytes(8)),
        (c.unpack_read_profile_reply, (121).to_bytes(2, "big") + bytes(121 * 8)),
        (c.unpack_read_events_reply, b"\x01" + bytes(6)),
        (c.unpack_read_network_reply, bytes([61]) + bytes(61 * 16)),
        (c.unpack_read_network_reply, b"\x01\x00\x01" + "é".encode("latin-1") + bytes(7 + 5)),
        (c.unpack_identify_reply, b"A\x00B" + bytes(13) + bytes(18)),
        (c.unpack_identify_reply, b"\xff" * 16 + bytes(18)),
        (c.unpack_relay_request, b"\x02"),
        (c.unpack_relay_reply, b"\x05" + bytes(8)),
        (c.unpack_group_shed_request, b"\x01\x02\x01"),
        (c.unpack_group_shed_request, b"\x01\x01\x04"),
        (c.unpack_set_pulse_weight_request, b"\x01\x00"),
    ],
)
def test_malformed_payload_raises_payload_error(unpack, payload):
    with pytest.raises(ProtocolError) as info:
        unpack(payload)
    assert info.value.kind == "payload"


@pytest.mark.parametrize(
    "record",
    [
        c.TimeSyncRequest(-1),
        c.TimeSyncRequest(2**32),
        c.ReadCountersRequest(256),
        c.SetPulseWeightRequest(1, 70000),
        c.RelayRequest(2),
        c.GroupShedRequest(1, True, 0x08),
        c.IdentifyReply("x" * 17, "1", 0, 1),
        c.IdentifyReply("ünicode", "1", 0, 1),
        c.NetworkEntry(1, "ABC", 0, 1, -200, 1),
        c.ReadProfileReply([c.ProfileHour(0, 0)] * 121),
        c.ReadCountersReply([c.ProfileHour(0, 0)]),
        c.TimeSyncReply(1.5),
    ],
)
def test_pack_rejects_values_that_do_not_fit(record):
    with pytest.raises(ProtocolError) as info:
        record.pack()
    assert info.value.kind == "payload"


def test_unknown_command_in_dispatch():
    with pytest.raises(ProtocolError):
        c.unpack_request(0x0D, b"")
    with pytest.raises(ProtocolError):
        c.unpack_reply(0x8D, b"")


def test_nul_padded_text_round_trip():
    reply = c.IdentifyReply("", "", 0, 0)
    assert c.unpack_identify_reply(reply.pack()) == reply
    full = c.IdentifyReply("0123456789ABCDEF", "fedcba9876543210", 1, 255)
    assert c.unpack_identify_reply(full.pack()) == full
