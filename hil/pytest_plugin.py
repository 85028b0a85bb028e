"""pytest plugin: HIL tests as plain pytest against the twin, the emulator or hardware.

Use with ``pytest -p hil.pytest_plugin --hil-target=emulator`` (or ``twin``,
or ``serial --hil-port=/dev/ttyUSB0 --hil-rig-port=/dev/ttyUSB1``). Fixtures:

* ``bench``: the whole bench (:class:`hil.bench.Bench`), one per session;
* ``concentrator``: the J100UC driver;
* ``module``: the first module with a reachable electricity channel;
* ``rig``: the pulse generator / relay input (virtual on twin and emulator).

Markers: ``hil_faults`` (needs fault injection: emulator only),
``hil_oracle`` (compares with the device model: twin and emulator only).
The concentrator's and modules' serial numbers and firmware versions go into
the JUnit report's properties.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from hil.bench import DEFAULT_CODEC, TARGETS, open_bench


def pytest_addoption(parser: pytest.Parser) -> None:
    """The target options."""
    group = parser.getgroup("hil", "BALANCE hardware-in-the-loop")
    group.addoption("--hil-target", default=os.environ.get("BALANCE_HIL_TARGET", "emulator"), choices=TARGETS,
                    help="twin (pure simulation), emulator (over a pty) or serial (hardware)")
    group.addoption("--hil-port", default=os.environ.get("BALANCE_HIL_PORT", ""),
                    help="J100UC port: device path or pyserial URL (target=serial)")
    group.addoption("--hil-rig-port", default=os.environ.get("BALANCE_HIL_RIG_PORT", ""),
                    help="test rig port (target=serial)")
    group.addoption("--hil-traffic", default="", help="append the raw traffic to this file")
    group.addoption("--hil-seed", type=int, default=42, help="seed of the emulated site")
    group.addoption("--hil-codec", default=os.environ.get("BALANCE_HIL_CODEC", DEFAULT_CODEC),
                    help="frame codec on the wire, package.module:Class (target=serial; the vendor's codec)")


def pytest_configure(config: pytest.Config) -> None:
    """Registers the markers."""
    config.addinivalue_line("markers", "hil_faults: needs fault injection on the wire (emulator only)")
    config.addinivalue_line("markers", "hil_oracle: compares with the device model (twin and emulator only)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skips what the chosen target cannot do."""
    target = config.getoption("--hil-target")
    for item in items:
        if "hil_faults" in item.keywords and target != "emulator":
            item.add_marker(pytest.mark.skip(reason=f"fault injection needs target=emulator, not {target}"))
        if "hil_oracle" in item.keywords and target == "serial":
            item.add_marker(pytest.mark.skip(reason="no device model on hardware"))


@pytest.fixture(scope="session")
def bench(request: pytest.FixtureRequest, record_testsuite_property):
    """The bench for the chosen target, open for the whole session."""
    opt = request.config.getoption
    with open_bench(opt("--hil-target"), opt("--hil-port"), opt("--hil-rig-port"), opt("--hil-seed"),
                    opt("--hil-traffic") or None, codec=opt("--hil-codec")) as b:
        for key, value in b.properties.items():
            record_testsuite_property(key, value)
        yield b


@pytest.fixture
def concentrator(bench):
    """The J100UC driver."""
    return bench.concentrator


@dataclass(frozen=True)
class ModuleRef:
    """A module under test: its address (network index) and an electricity channel."""

    index: int
    channel: int
    module_id: str


@pytest.fixture
def module(bench) -> ModuleRef:
    """The first module in the network table that is routed (hops > 0)."""
    for entry in bench.concentrator.network_table():
        if entry.hops > 0:
            return ModuleRef(entry.index, 0, entry.module_id)
    pytest.skip("no routed module in the network table")


@pytest.fixture
def rig(bench):
    """The test rig."""
    if bench.rig is None:
        pytest.skip("no rig (give --hil-rig-port)")
    return bench.rig
