"""Frames, resynchronisation and line timing (spec sections "Physical line and timing", "Frame")."""

from __future__ import annotations

import struct
import time

import pytest

from hil.conformance import wire as w
from hil.conformance.wire import build

spec = pytest.mark.spec


def _identify(wire, address: int = 0) -> tuple[int, bytes]:
    seq = wire.next_seq()
    wire.sent_seqs.add((address, seq))
    return seq, build(address, w.IDENTIFY, seq)


def _only_reply_to(replies, seq: int) -> bool:
    return [r.seq for r in replies] == [seq] and replies[0].status == w.ACK


@spec("FRM-1")
def test_frm_1_a_well_formed_request_is_answered(wire) -> None:
    reply = wire.request(0, w.IDENTIFY)
    assert reply is not None and reply.status == w.ACK


@spec("FRM-2")
def test_frm_2_reply_header_mirrors_the_request(wire, net) -> None:
    for address, command, payload in ((0, w.IDENTIFY, b""), (net.module.index, w.READ_COUNTERS, b"\xff")):
        seq = wire.next_seq()
        wire.send(build(address, command, seq, payload))
        replies = wire.read_for(w.T_REPLY_S, lambda got: bool(got))
        assert replies, "no reply"
        r = replies[0]
        assert (r.command, r.address, r.seq, r.version) == (command | 0x80, address, seq, 1)
        assert struct.unpack_from(">H", r.raw, 1)[0] == 6 + len(r.payload)  # the CRC was checked by parse()


@spec("FRM-3")
def test_frm_3_every_seq_value_is_accepted(wire) -> None:
    for seq in (0x0000, 0xFFFF, 0x7E7E):
        reply = wire.request(0, w.IDENTIFY, seq=seq)
        assert reply is not None and reply.seq == seq


@spec("FRM-4")
def test_frm_4_length_out_of_range_is_not_answered_frame_behind_is(wire) -> None:
    for bad_length in (5, 1031, 0xFFFF):
        bad_seq = wire.next_seq()
        bad = build(0, w.IDENTIFY, bad_seq, length=bad_length)
        seq, good = _identify(wire)
        wire.send(bad + good)
        replies = wire.read_for(w.T_REPLY_S + w.T_IDLE_MAX_S)
        assert _only_reply_to(replies, seq), [(r.seq, r.status) for r in replies]


@spec("FRM-5")
def test_frm_5_unknown_version_is_not_answered_frame_behind_is(wire) -> None:
    for version in (0, 2, 0x7E):
        bad = build(0, w.IDENTIFY, wire.next_seq(), version=version)
        seq, good = _identify(wire)
        wire.send(bad + good)
        replies = wire.read_for(w.T_REPLY_S + w.T_IDLE_MAX_S)
        assert _only_reply_to(replies, seq), [(r.seq, r.status) for r in replies]


@spec("FRM-6")
def test_frm_6_a_bad_crc_is_never_executed(wire, net, weights) -> None:
    mod = net.module
    new = (weights[0] % 60000) + 7
    frame = bytearray(build(mod.index, w.SET_PULSE_WEIGHT, wire.next_seq(), struct.pack(">BH", 0, new)))
    frame[-1] ^= 0x5A
    wire.send(bytes(frame))
    wire.read_for(w.T_REPLY_S + w.T_IDLE_MAX_S)
    data = wire.ack(mod.index, w.READ_COUNTERS, b"\x00")
    assert struct.unpack_from(">BIH", data, 1)[2] == weights[0]


@spec("FRM-7")
def test_frm_7_garbage_before_a_frame_is_skipped(wire) -> None:
    for garbage in (b"\x00", bytes(range(0x80, 0xFF)) * 3, b"AT+RESET\r\n" * 20):
        seq, good = _identify(wire)
        wire.send(garbage + good)
        assert _only_reply_to(wire.read_for(w.T_REPLY_S, lambda got: bool(got)), seq)


@spec("FRM-8")
def test_frm_8_start_bytes_inside_a_frame_do_not_break_it(wire) -> None:
    reply = wire.request(0, w.SET_THRESHOLD, b"\x7e\x7e\x7e\x7e", seq=0x017E)
    assert reply is not None and reply.status == w.ACK and reply.data == b"\x7e\x7e\x7e\x7e"
    wire.ack(0, w.SET_THRESHOLD, struct.pack(">I", 0))


@spec("FRM-9")
def test_frm_9_a_reply_is_never_answered(wire) -> None:
    seq = wire.next_seq()
    echoed = build(0, w.IDENTIFY | 0x80, seq, b"\x00" + b"X" * 32 + b"\x00\x00")
    wire.send(echoed + build(0, w.IDENTIFY | 0x80, wire.next_seq(), b"\x02"))
    assert wire.read_for(w.T_REPLY_S + w.T_IDLE_MAX_S) == []


@spec("FRM-10")
def test_frm_10_gaps_of_10_ms_inside_a_frame_are_accepted(wire) -> None:
    seq, good = _identify(wire)
    for k in range(0, len(good), 4):
        wire.send(good[k : k + 4])
        time.sleep(0.010)
    assert _only_reply_to(wire.read_for(w.T_REPLY_S, lambda got: bool(got)), seq)


@spec("RX-1")
def test_rx_1_an_incomplete_frame_is_given_up_after_the_idle_gap(wire) -> None:
    seq, good = _identify(wire)
    head = bytes([w.START]) + struct.pack(">H", 1024) + b"\x01"   # waits for 1029 bytes that never come
    t_sent = wire.send(head + good)                              # the good frame hides inside it
    replies = wire.read_for(w.T_REPLY_S + w.T_IDLE_MAX_S, lambda got: bool(got))
    assert _only_reply_to(replies, seq)
    waited = replies[0].t - t_sent
    assert 0.020 <= waited <= w.T_IDLE_MAX_S + 0.15, f"answered {waited * 1000:.0f} ms after the last byte"


@spec("RX-2")
def test_rx_2_a_frame_right_after_a_damaged_one_is_answered_in_time(wire, net) -> None:
    _, sample = _identify(wire)
    damaged = bytearray(sample)
    damaged[-3] ^= 0x10
    over_long = bytearray(sample)
    over_long[2] = 0xF0                                   # length damaged upwards
    for bad in (sample[:5], sample[:-1], bytes(damaged), bytes(over_long), sample[:3] + b"\x01" * 40):
        seq, good = _identify(wire, net.module.index)
        t_sent = wire.send(bad + good)
        replies = wire.read_for(w.T_REPLY_S, lambda got: any(r.seq == seq for r in got))
        mine = [r for r in replies if r.seq == seq]
        assert mine and mine[0].t - t_sent <= w.T_REPLY_S, bad.hex()
        wire.drain()


@spec("RX-3")
def test_rx_3_no_nak_crc_for_a_candidate_that_swallowed_a_good_frame(wire, net) -> None:
    _, sample = _identify(wire)
    over_long = bytearray(build(0, w.READ_EVENTS, wire.next_seq(), b"\x00\x00"))
    over_long[2] += 5                                      # the candidate ends inside the next frame
    for bad in (sample[:5], sample[:8], bytes(over_long)):
        seq, good = _identify(wire, net.module.index)
        wire.send(bad + good)
        replies = wire.read_for(w.T_REPLY_S + w.T_IDLE_MAX_S)
        assert [(r.seq, r.status) for r in replies] == [(seq, w.ACK)], [(r.seq, r.status) for r in replies]


@spec("RX-4")
def test_rx_4_a_complete_frame_with_a_bad_crc_gets_nak_crc(wire, net) -> None:
    seq = wire.next_seq()
    frame = bytearray(build(net.module.index, w.READ_COUNTERS, seq, b"\xff"))
    frame[-2] ^= 0x01
    t_sent = wire.send(bytes(frame))
    replies = wire.read_for(w.T_REPLY_S, lambda got: bool(got))
    assert [(r.address, r.command, r.seq, r.payload) for r in replies] == [
        (net.module.index, w.READ_COUNTERS | 0x80, seq, bytes([w.NAK_CRC]))]
    assert replies[0].t - t_sent <= w.T_REPLY_S


@spec("RX-5")
def test_rx_5_replies_are_complete_within_the_reply_timeout(wire, net) -> None:
    worst = 0.0
    for address, command, payload in ((0, w.IDENTIFY, b""), (0, w.READ_NETWORK, b"\x00\x00"),
                                      (net.module.index, w.READ_PROFILE, struct.pack(">BII", 0, 0, 0xFFFFFFFF))):
        seq = wire.next_seq()
        t_sent = wire.send(build(address, command, seq, payload))
        replies = wire.read_for(w.T_REPLY_S + 0.2, lambda got: bool(got))
        assert replies and replies[0].seq == seq
        worst = max(worst, replies[0].t - t_sent)
    assert worst <= w.T_REPLY_S, f"slowest reply {worst * 1000:.0f} ms"


@spec("RX-6")
def test_rx_6_four_pipelined_requests_are_answered_in_order(wire, net) -> None:
    frames, seqs = b"", []
    for address, command, payload in ((0, w.IDENTIFY, b""), (net.module.index, w.READ_COUNTERS, b"\xff"),
                                      (0, w.READ_STATUS, b""), (net.module.index, w.IDENTIFY, b"")):
        seqs.append(wire.next_seq())
        frames += build(address, command, seqs[-1], payload)
    wire.send(frames)
    replies = wire.read_for(2 * w.T_REPLY_S, lambda got: len(got) >= 4)
    assert [r.seq for r in replies] == seqs and all(r.status == w.ACK for r in replies)
