"""Fixtures of the conformance suite: a raw port and what the device says about its network.

Run with ``pytest hil/conformance --conf-url=<port or pyserial URL>``
(``balance-twin task=hil`` does it for the emulator and for ``target=serial``).
Each test is marked ``@pytest.mark.spec("FRM-1")`` with the id of the spec
sentence it checks; the id is written to the JUnit report as the property
``spec_id``. The device is learnt over the wire only (READ_NETWORK,
IDENTIFY), so the suite runs unchanged against hardware.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field

import pytest

from hil.conformance import wire as w


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--conf-url`` (the port) and ``--conf-baud``."""
    group = parser.getgroup("conformance", "BALANCE protocol v1.1 conformance")
    group.addoption("--conf-url", default=os.environ.get("BALANCE_CONF_URL", ""), help="device port or URL")
    group.addoption("--conf-baud", type=int, default=115200, help="line speed")


def pytest_configure(config: pytest.Config) -> None:
    """Registers the ``spec`` marker."""
    config.addinivalue_line("markers", "spec(id): the docs/serial-protocol.md sentence the test checks")


@pytest.fixture(scope="session")
def wire(request: pytest.FixtureRequest):
    """The raw port, for the whole session (sequence numbers from a random start)."""
    url = request.config.getoption("--conf-url")
    if not url:
        pytest.skip("no device: give --conf-url")
    port = w.Wire(url, request.config.getoption("--conf-baud"), seq0=1000 + int.from_bytes(os.urandom(2)) % 50000)
    port.drain()
    yield port
    port.close()


@pytest.fixture(autouse=True)
def _quiet_line(request: pytest.FixtureRequest, record_property) -> None:
    """Records the spec id; starts every test on a quiet line with no partial frame pending."""
    marker = request.node.get_closest_marker("spec")
    if marker is not None:
        record_property("spec_id", marker.args[0])
    if "wire" in request.fixturenames:
        request.getfixturevalue("wire").drain()


@dataclass
class Module:
    """A module as learnt over the wire."""

    index: int
    hops: int
    channels: int = 0
    reachable: bool = True


@dataclass
class Net:
    """The device's network: its modules, one usable module, one unreachable one (if any)."""

    modules: list[Module] = field(default_factory=list)

    @property
    def module(self) -> Module:
        """The first reachable module with a pulse input."""
        for mod in self.modules:
            if mod.reachable and mod.channels:
                return mod
        pytest.skip("no reachable module with a pulse input")

    @property
    def unreachable(self) -> Module:
        """A module answering NAK_UNREACHABLE (skips when every module is reachable)."""
        for mod in self.modules:
            if not mod.reachable:
                return mod
        pytest.skip("needs a module without a route (every module answered)")

    @property
    def unknown_index(self) -> int:
        """A module index that is not in the table."""
        return len(self.modules) + 1 if len(self.modules) < 0x0FFF else 0x1000


@pytest.fixture(scope="session")
def net(wire) -> Net:
    """READ_NETWORK paged, then IDENTIFY of every module."""
    found, start = Net(), 0
    while True:
        data = wire.ack(0, w.READ_NETWORK, struct.pack(">H", start))
        n = data[0]
        for k in range(n):
            index, _mid, _parent, hops, _rssi, _nb = struct.unpack_from(">H8sHBbB", data, 1 + 15 * k)
            found.modules.append(Module(index, hops))
        if n == 0:
            return _identify_all(wire, found)
        start = found.modules[-1].index + 1


def _identify_all(wire, found: Net) -> Net:
    for mod in found.modules:
        reply = wire.request(mod.index, w.IDENTIFY)
        if reply is not None and reply.status == w.ACK:
            mod.channels = reply.data[33]
        else:
            mod.reachable = False
    return found


@pytest.fixture
def weights(wire, net):
    """The module's pulse weights before the test, put back after it."""
    mod = net.module
    data = wire.ack(mod.index, w.READ_COUNTERS, b"\xff")
    before = [struct.unpack_from(">BIH", data, 1 + 7 * k) for k in range(data[0])]
    yield {ch: weight for ch, _, weight in before}
    for ch, _, weight in before:
        wire.ack(mod.index, w.SET_PULSE_WEIGHT, struct.pack(">BH", ch, weight))
