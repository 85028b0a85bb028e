"""Commands: IDENTIFY, READ_COUNTERS, READ_PROFILE, READ_EVENTS, READ_NETWORK, SET_THRESHOLD,
SET_PULSE_WEIGHT, READ_STATUS, TIME_SYNC (last: it moves the clock forward)."""

from __future__ import annotations

import struct

import pytest

from hil.conformance import wire as w

spec = pytest.mark.spec
HOUR = 3600


def _clock(wire) -> int:
    """The device clock: READ_STATUS at 0x0000 carries it as ``last_heard_unix_s``."""
    return struct.unpack_from(">I", wire.ack(0, w.READ_STATUS), 14)[0]


def _hours(wire, module: int, channel: int, start: int, end: int) -> list[tuple[int, int]]:
    data = wire.ack(module, w.READ_PROFILE, struct.pack(">BII", channel, start, end))
    (n,) = struct.unpack_from(">H", data)
    assert len(data) == 2 + 8 * n and n <= 120
    return [struct.unpack_from(">II", data, 2 + 8 * k) for k in range(n)]


@spec("IDN-1")
def test_idn_1_identify(wire, net) -> None:
    data = wire.ack(0, w.IDENTIFY)
    assert (data[32], data[33]) == (0, 0)
    for part in (data[:16], data[16:32]):
        text = part.rstrip(b"\0")
        assert text.isascii() and b"\0" not in text and text
    for mod in net.modules:
        if mod.reachable:
            data = wire.ack(mod.index, w.IDENTIFY)
            assert data[32] == 1 and data[33] >= 1 and data[:16].rstrip(b"\0").isascii()


@spec("CNT-1")
def test_cnt_1_read_counters_all_and_one(wire, net) -> None:
    mod = net.module
    data = wire.ack(mod.index, w.READ_COUNTERS, b"\xff")
    assert data[0] == mod.channels
    assert [data[1 + 7 * k] for k in range(data[0])] == list(range(mod.channels))
    for ch in range(mod.channels):
        one = wire.ack(mod.index, w.READ_COUNTERS, bytes([ch]))
        assert one[0] == 1 and one[1] == ch and len(one) == 8


@spec("CNT-2")
def test_cnt_2_channel_the_module_does_not_have(wire, net) -> None:
    mod = net.module
    for ch in (mod.channels, 0xFE):
        assert wire.status_of(mod.index, w.READ_COUNTERS, bytes([ch])) == w.NAK_BAD_PAYLOAD


@spec("PRF-1")
def test_prf_1_profile_window_is_from_inclusive_to_exclusive(wire, net) -> None:
    mod = net.module
    page = _hours(wire, mod.index, 0, 0, 0xFFFFFFFF)                # the oldest recorded hours
    assert page, "no recorded hour"
    times = [t for t, _ in page]
    assert times == sorted(set(times)) and all(t % HOUR == 0 for t in times)
    h = times[len(times) // 2]           # hours after it up to h + 5 h are all in the page (120 distinct hours)
    want = [t for t in times if h <= t < h + 5 * HOUR]

    def window(start: int, end: int) -> list[int]:
        got = [t for t, _ in _hours(wire, mod.index, 0, start, end)]
        assert all(start <= t < end and t % HOUR == 0 for t in got) and got == sorted(got)
        return got

    assert window(h, h + 5 * HOUR) == want and want[0] == h
    assert window(h + 1, h + 5 * HOUR) == want[1:]                 # from = h + 1 s: not the hour h
    assert window(h - 1, h + 5 * HOUR) == want                     # from = h - 1 s: not the hour before
    assert window(h, h + HOUR) == [h]                               # to is exclusive
    assert window(h, h + 3 * HOUR - 1) == [t for t in want if t < h + 3 * HOUR]


@spec("PRF-2")
def test_prf_2_from_after_to_and_an_empty_range(wire, net) -> None:
    mod, now = net.module, _clock(wire)
    assert wire.status_of(mod.index, w.READ_PROFILE, struct.pack(">BII", 0, now, now - 1)) == w.NAK_BAD_PAYLOAD
    assert _hours(wire, mod.index, 0, now - 7200, now - 7200) == []


@spec("PRF-3")
def test_prf_3_profile_of_a_channel_that_does_not_exist(wire, net) -> None:
    mod, now = net.module, _clock(wire)
    for ch in (0xFF, mod.channels):
        payload = struct.pack(">BII", ch, now - 7200, now)
        assert wire.status_of(mod.index, w.READ_PROFILE, payload) == w.NAK_BAD_PAYLOAD


@spec("EVT-1")
def test_evt_1_events_from_an_index(wire, net) -> None:
    for address in (0, net.module.index):
        data = wire.ack(address, w.READ_EVENTS, b"\x00\x00")
        n = data[0]
        assert n <= 146 and len(data) == 1 + 7 * n
        indices = [struct.unpack_from(">H", data, 1 + 7 * k)[0] for k in range(n)]
        assert indices == sorted(set(indices))
        if indices:
            later = wire.ack(address, w.READ_EVENTS, struct.pack(">H", indices[0] + 1))
            assert [struct.unpack_from(">H", later, 1 + 7 * k)[0] for k in range(later[0])][: n - 1] == indices[1:]
            beyond = wire.ack(address, w.READ_EVENTS, struct.pack(">H", indices[-1] + 1))
            assert all(struct.unpack_from(">H", beyond, 1 + 7 * k)[0] > indices[-1] for k in range(beyond[0]))
        assert wire.ack(address, w.READ_EVENTS, b"\xff\xff")[0] == 0 or not indices or indices[-1] >= 0xFF00


@spec("NET-1")
def test_net_1_network_table_pages(wire, net) -> None:
    seen, start = [], 0
    while True:
        data = wire.ack(0, w.READ_NETWORK, struct.pack(">H", start))
        n = data[0]
        assert n <= 60 and len(data) == 1 + 15 * n
        rows = [struct.unpack_from(">H8sHBbB", data, 1 + 15 * k) for k in range(n)]
        assert all(r[0] >= start for r in rows)
        seen += rows
        if n == 0:
            break
        start = rows[-1][0] + 1
    assert [r[0] for r in seen] == list(range(1, len(seen) + 1))
    assert all(r[3] == 255 or 1 <= r[3] <= 30 for r in seen)
    assert wire.ack(0, w.READ_NETWORK, struct.pack(">H", len(seen) + 1))[0] == 0


@spec("THR-1")
def test_thr_1_threshold_is_stored_and_echoed(wire, net) -> None:
    for address in (0, net.module.index):
        for value in (4_500, 0xFFFFFFFF, 0):
            assert struct.unpack(">I", wire.ack(address, w.SET_THRESHOLD, struct.pack(">I", value)))[0] == value


@spec("PW-1")
def test_pw_1_pulse_weight_is_stored_and_reported(wire, net, weights) -> None:
    mod = net.module
    for value in (1, 65535, weights[0] % 60000 + 11):
        data = wire.ack(mod.index, w.SET_PULSE_WEIGHT, struct.pack(">BH", 0, value))
        assert struct.unpack(">BH", data) == (0, value)
        assert struct.unpack_from(">BIH", wire.ack(mod.index, w.READ_COUNTERS, b"\x00"), 1)[2] == value


@spec("PW-2")
def test_pw_2_bad_weight_or_channel_changes_nothing_and_the_device_keeps_answering(wire, net, weights) -> None:
    mod = net.module
    for channel, value in ((0, 0), (0xFF, 10), (0xFF, 0), (mod.channels, 10)):
        assert wire.status_of(mod.index, w.SET_PULSE_WEIGHT, struct.pack(">BH", channel, value)) == w.NAK_BAD_PAYLOAD
        assert wire.status_of(0, w.IDENTIFY) == w.ACK
    data = wire.ack(mod.index, w.READ_COUNTERS, b"\xff")
    assert {c: wt for c, _, wt in (struct.unpack_from(">BIH", data, 1 + 7 * k) for k in range(data[0]))} == weights


def _status(wire, address: int) -> tuple:
    return struct.unpack(">BBHBBbBHII", wire.ack(address, w.READ_STATUS))


@spec("STS-1")
def test_sts_1_status_of_the_concentrator(wire) -> None:
    kind, power, _mv, _pct, flags, _rssi, hops, _parent, _up, _heard = _status(wire, 0)
    assert (kind, hops) == (0, 0) and power in (1, 2) and flags & 0xF0 == 0


@spec("STS-2")
def test_sts_2_status_of_every_module(wire, net) -> None:
    for mod in net.modules:
        kind, power, mv, pct, flags, _rssi, hops, _parent, _up, _heard = _status(wire, mod.index)
        assert (kind, power) == (1, 0) and 0 <= pct <= 100 and flags & 0xF0 == 0 and mv > 0
        assert (1 <= hops <= 30 and not flags & 0x08) or (hops == 255 and flags & 0x08), (mod.index, hops, flags)


@spec("STS-3")
def test_sts_3_status_of_a_module_without_a_route(wire, net) -> None:
    lost = net.unreachable.index
    reply = wire.request(lost, w.READ_STATUS)
    assert reply is not None and reply.status == w.ACK
    assert struct.unpack(">BBHBBbBHII", reply.data)[4] & 0x08


@spec("TIM-1")
def test_tim_1_time_sync_sets_the_clock(wire) -> None:
    target = _clock(wire) + HOUR                  # forward only: the recorded hours stay valid
    after = struct.unpack(">I", wire.ack(0, w.TIME_SYNC, struct.pack(">I", target)))[0]
    assert abs(after - target) <= 1
    assert abs(_clock(wire) - target) <= 2
