"""Relays and group shedding: RELAY, READ_RELAY (1.1), GROUP_SHED (last: it sheds real loads)."""

from __future__ import annotations

import struct

import pytest

from hil.conformance import wire as w

spec = pytest.mark.spec


def _clock_ms(wire) -> int:
    return struct.unpack_from(">I", wire.ack(0, w.READ_STATUS), 14)[0] * 1000


def _relay(wire, module: int, on: int) -> tuple[int, int]:
    return struct.unpack(">BQ", wire.ack(module, w.RELAY, bytes([on])))


def _read_relay(wire, module: int) -> tuple[int, int, int, int, int, int]:
    return struct.unpack(">BBQBBB", wire.ack(module, w.READ_RELAY))


@pytest.fixture
def relay_module(wire, net):
    """A reachable module with an AD220 fitted; its relay is left on."""
    for mod in net.modules:
        if mod.reachable and _read_relay(wire, mod.index)[0] == 1:
            yield mod.index
            wire.ack(mod.index, w.RELAY, b"\x01")
            return
    pytest.skip("no reachable module with a relay")


@spec("RLY-1")
def test_rly_1_relay_switches_and_stamps_the_device_clock(wire, relay_module) -> None:
    _relay(wire, relay_module, 1)
    for target in (0, 1):
        t0 = _clock_ms(wire)
        on, switched = _relay(wire, relay_module, target)
        t1 = _clock_ms(wire)
        assert on == target and t0 - 1000 <= switched <= t1 + 1000, (t0, switched, t1)


@spec("RLY-2")
def test_rly_2_relay_to_its_present_state_switches_nothing(wire, relay_module) -> None:
    _, last = _relay(wire, relay_module, 1)
    for _ in range(2):
        assert _relay(wire, relay_module, 1) == (1, last)
    _, off_at = _relay(wire, relay_module, 0)
    assert _relay(wire, relay_module, 0) == (0, off_at)


@spec("RLY-3")
def test_rly_3_read_relay_matches_the_last_relay_reply(wire, net, relay_module) -> None:
    for target in (0, 1):
        on, switched = _relay(wire, relay_module, target)
        fitted, on_read, switched_read, socket_class, group, pending = _read_relay(wire, relay_module)
        assert (fitted, on_read, switched_read) == (1, on, switched)
        assert socket_class in (0, 1, 2) and 1 <= group <= 255 and pending in (0, 1)
    for mod in net.modules:
        if mod.reachable:
            fitted, on, switched, socket_class, group, pending = _read_relay(wire, mod.index)
            assert fitted in (0, 1) and on in (0, 1) and socket_class in (0, 1, 2) and 1 <= group <= 255
            assert fitted or (on, switched) == (1, 0)


@spec("SHD-1")
def test_shd_1_classes_zero_or_reserved_bits(wire) -> None:
    for classes in (0x00, 0x04, 0x83, 0xFF):
        payload = bytes([0, 1, classes])
        assert wire.status_of(w.BROADCAST, w.GROUP_SHED, payload) == w.NAK_BAD_PAYLOAD, hex(classes)


@spec("SHD-2")
def test_shd_2_modules_reached_and_the_switch_on_its_way(wire, net) -> None:
    relays = {m.index: _read_relay(wire, m.index) for m in net.modules if m.reachable}
    groups = sorted({r[4] for r in relays.values() if r[0]})
    if not groups:
        pytest.skip("no module with a relay")
    unused = next(g for g in range(255, 0, -1) if g not in {r[4] for r in relays.values()})
    assert struct.unpack(">H", wire.ack(w.BROADCAST, w.GROUP_SHED, bytes([unused, 1, 3])))[0] == 0
    try:
        for group, classes in ((groups[0], 0x01), (0, 0x03)):
            reached = struct.unpack(">H", wire.ack(w.BROADCAST, w.GROUP_SHED, bytes([group, 1, classes])))[0]
            matching = {i for i, r in relays.items() if r[0] and group in (0, r[4]) and r[3] & classes}
            on_its_way = set()
            for i in relays:
                _, on, _, socket_class, _, pending = _read_relay(wire, i)
                if pending or (on == 0 and i in matching):
                    on_its_way.add(i)
                if socket_class == 0:
                    assert not pending and i not in on_its_way, f"RED socket of module {i} is being shed"
            assert on_its_way <= matching and reached == len(on_its_way & matching), (reached, on_its_way, matching)
    finally:
        wire.ack(w.BROADCAST, w.GROUP_SHED, bytes([0, 0, 3]))
