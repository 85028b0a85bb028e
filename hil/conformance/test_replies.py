"""Statuses, addresses, NAK precedence, the reply cache and version detection."""

from __future__ import annotations

import struct

import pytest

from hil.conformance import wire as w
from hil.conformance.wire import build

spec = pytest.mark.spec
UNKNOWN_COMMAND = 0x3F


def _weight(wire, module: int, channel: int = 0) -> int:
    return struct.unpack_from(">BIH", wire.ack(module, w.READ_COUNTERS, bytes([channel])), 1)[2]


def _set_weight_frame(wire, module: int, weight: int, seq: int | None = None) -> tuple[int, bytes]:
    seq = wire.next_seq() if seq is None else seq
    return seq, build(module, w.SET_PULSE_WEIGHT, seq, struct.pack(">BH", 0, weight))


def _exchange(wire, raw: bytes, seq: int):
    wire.send(raw)
    replies = wire.read_for(w.T_REPLY_S, lambda got: any(r.seq == seq for r in got))
    mine = [r for r in replies if r.seq == seq]
    assert mine, "no reply"
    return mine[0]


@spec("VER-1")
def test_ver_1_read_status_at_the_concentrator_is_acked(wire) -> None:
    assert wire.status_of(0, w.READ_STATUS) == w.ACK


@spec("RPL-1")
def test_rpl_1_ack_data_and_nak_lengths(wire, net) -> None:
    assert len(wire.ack(0, w.IDENTIFY)) == 34 and len(wire.ack(0, w.READ_STATUS)) == 18
    assert len(wire.ack(net.module.index, w.READ_RELAY)) == 13
    assert len(wire.ack(net.module.index, w.READ_STATUS)) == 18
    data = wire.ack(net.module.index, w.READ_COUNTERS, b"\xff")
    assert len(data) == 1 + 7 * data[0]
    reply = wire.request(0, UNKNOWN_COMMAND)
    assert reply.payload == bytes([w.NAK_UNKNOWN_COMMAND])


@spec("RPL-2")
def test_rpl_2_unknown_command(wire, net) -> None:
    for command in (0x00, 0x0D, UNKNOWN_COMMAND, 0x7F):
        assert wire.status_of(0, command) == w.NAK_UNKNOWN_COMMAND
    assert wire.status_of(net.module.index, 0x0D) == w.NAK_UNKNOWN_COMMAND


@spec("RPL-3")
def test_rpl_3_reserved_and_unknown_addresses(wire, net) -> None:
    for address in (net.unknown_index, 0x1000, 0x7E7E, 0xFFFE):
        assert wire.status_of(address, w.IDENTIFY) == w.NAK_UNKNOWN_ADDRESS, hex(address)


@spec("RPL-4")
def test_rpl_4_command_at_the_wrong_kind_of_address(wire, net) -> None:
    m = net.module.index
    cases = [(m, w.READ_NETWORK, b"\x00\x00"), (0, w.READ_COUNTERS, b"\xff"), (0, w.RELAY, b"\x01"),
             (0, w.GROUP_SHED, b"\x00\x00\x03"), (m, w.GROUP_SHED, b"\x00\x00\x03"), (w.BROADCAST, w.RELAY, b"\x01"),
             (w.BROADCAST, w.IDENTIFY, b""), (0, w.READ_RELAY, b""), (0, w.SET_PULSE_WEIGHT, b"\x00\x00\x01")]
    for address, command, payload in cases:
        assert wire.status_of(address, command, payload) == w.NAK_NOT_SUPPORTED, (hex(address), command)


@spec("RPL-5")
def test_rpl_5_payload_of_the_wrong_length(wire, net) -> None:
    m = net.module.index
    for address, command, payload in ((0, w.IDENTIFY, b"\x00"), (0, w.TIME_SYNC, b"\x00\x00\x00"),
                                      (m, w.READ_COUNTERS, b""), (m, w.READ_PROFILE, b"\x00" * 10),
                                      (0, w.READ_STATUS, b"\x00"), (m, w.READ_RELAY, b"\x01")):
        assert wire.status_of(address, command, payload) == w.NAK_BAD_PAYLOAD, command


@spec("RPL-6")
def test_rpl_6_flag_not_0_or_1(wire, net) -> None:
    assert wire.status_of(net.module.index, w.RELAY, b"\x02") == w.NAK_BAD_PAYLOAD
    assert wire.status_of(w.BROADCAST, w.GROUP_SHED, b"\x01\x02\x03") == w.NAK_BAD_PAYLOAD


@spec("RPL-7")
def test_rpl_7_nak_precedence(wire, net) -> None:
    m = net.module.index
    assert wire.status_of(0x2000, UNKNOWN_COMMAND, b"\x01") == w.NAK_UNKNOWN_COMMAND       # 02 before 04
    assert wire.status_of(0x2000, w.READ_NETWORK, b"\x00") == w.NAK_UNKNOWN_ADDRESS        # 04 before 07, 03
    assert wire.status_of(m, w.READ_NETWORK, b"\x00") == w.NAK_NOT_SUPPORTED              # 07 before 03
    assert wire.status_of(0, w.RELAY, b"\x05") == w.NAK_NOT_SUPPORTED
    lost = net.unreachable.index
    assert wire.status_of(lost, w.READ_COUNTERS, b"\x00\x00") == w.NAK_BAD_PAYLOAD          # 03 before 06
    assert wire.status_of(lost, w.RELAY, b"\x02") == w.NAK_BAD_PAYLOAD
    assert wire.status_of(lost, w.READ_COUNTERS, b"\xfe") == w.NAK_BAD_PAYLOAD             # value out of range too


@spec("RPL-8")
def test_rpl_8_module_without_a_route(wire, net) -> None:
    lost = net.unreachable.index
    for command, payload in ((w.IDENTIFY, b""), (w.READ_COUNTERS, b"\xff"), (w.READ_RELAY, b"")):
        assert wire.status_of(lost, command, payload) == w.NAK_UNREACHABLE
    assert wire.status_of(lost, w.READ_STATUS) == w.ACK


@spec("RPL-9")
def test_rpl_9_broadcast_is_answered_once_with_the_broadcast_address(wire) -> None:
    now = struct.unpack_from(">I", wire.ack(0, w.READ_STATUS), 14)[0]
    seq = wire.next_seq()
    wire.send(build(w.BROADCAST, w.TIME_SYNC, seq, struct.pack(">I", now)))
    replies = wire.read_for(w.T_REPLY_S + w.T_IDLE_MAX_S)
    assert [(r.seq, r.address, r.status) for r in replies] == [(seq, w.BROADCAST, w.ACK)]


@spec("CCH-1")
def test_cch_1_a_retry_gets_the_cached_reply_and_does_not_run_again(wire, net, weights) -> None:
    m, w0 = net.module.index, weights[0]
    seq, first = _set_weight_frame(wire, m, w0 % 60000 + 1)
    original = _exchange(wire, first, seq)
    wire.ack(m, w.SET_PULSE_WEIGHT, struct.pack(">BH", 0, w0 % 60000 + 2))
    again = _exchange(wire, first, seq)
    assert again.raw == original.raw and _weight(wire, m) == w0 % 60000 + 2


@spec("CCH-2")
def test_cch_2_same_seq_new_request_is_nak_seq_reused_and_not_run(wire, net, weights) -> None:
    m, w0 = net.module.index, weights[0]
    seq, first = _set_weight_frame(wire, m, w0 % 60000 + 3)
    original = _exchange(wire, first, seq)
    _, changed = _set_weight_frame(wire, m, w0 % 60000 + 4, seq)
    assert _exchange(wire, changed, seq).payload == bytes([w.NAK_SEQ_REUSED])
    assert _exchange(wire, build(m, w.READ_COUNTERS, seq, b"\xff"), seq).payload == bytes([w.NAK_SEQ_REUSED])
    assert _weight(wire, m) == w0 % 60000 + 3
    assert _exchange(wire, first, seq).raw == original.raw          # the entry is as it was


@spec("CCH-3")
def test_cch_3_the_cache_holds_the_last_256_requests(wire, net, weights) -> None:
    m, w0 = net.module.index, weights[0]
    seq, first = _set_weight_frame(wire, m, w0 % 60000 + 5)
    original = _exchange(wire, first, seq)
    for _ in range(254):
        assert wire.status_of(0, w.IDENTIFY) == w.ACK
    wire.ack(m, w.SET_PULSE_WEIGHT, struct.pack(">BH", 0, w0 % 60000 + 6))    # the 255th request after it
    assert _exchange(wire, first, seq).raw == original.raw
    assert _weight(wire, m) == w0 % 60000 + 6


@spec("CCH-4")
def test_cch_4_naks_are_cached_too(wire, net, weights) -> None:
    m, w0 = net.module.index, weights[0]
    for weight, status in ((0, w.NAK_BAD_PAYLOAD), (w0, None)):
        seq = wire.next_seq()
        address = m if status else net.unknown_index
        raw = build(address, w.SET_PULSE_WEIGHT, seq, struct.pack(">BH", 0, weight))
        nak = _exchange(wire, raw, seq)
        assert nak.status == (status or w.NAK_UNKNOWN_ADDRESS)
        assert _exchange(wire, raw, seq).raw == nak.raw
    assert _weight(wire, m) == w0


@spec("CCH-5")
def test_cch_5_same_seq_at_another_address_is_a_new_request(wire, net) -> None:
    seq = wire.next_seq()
    at0 = _exchange(wire, build(0, w.IDENTIFY, seq), seq)
    at_module = _exchange(wire, build(net.module.index, w.IDENTIFY, seq), seq)
    assert at0.data[32] == 0 and at_module.data[32] == 1 and at_module.address == net.module.index
