"""The test bench: one API whatever is behind it — the twin, the emulator over a pty, or hardware.

Labgrid-style layering: the suite talks to drivers (:class:`~hil.drivers.J100UC`,
a rig), drivers talk to a transport, and only the transport differs:

* ``twin``: no bytes at all; a :class:`LocalTransport` hands frames straight
  to the emulated :class:`~hil.emulator.device.Device` (pure simulation);
* ``emulator``: the same device served by :class:`~hil.emulator.server.EmulatorServer`
  on a real pseudo-terminal, reached through :class:`~hil.transport.Transport`
  (every byte goes over the pty; faults can be injected on the wire);
* ``serial``: a real J100UC on ``port`` and the pulse/relay test rig on
  ``rig_port``.

On ``twin`` and ``emulator`` the bench also holds the device model, the
oracle the suite compares the answers with; on ``serial`` there is none and
checks that need it are skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hil.codec import ACK, Frame
from hil.codec.commands import COMMAND_NAMES
from hil.drivers.j100uc import J100UC
from hil.drivers.rig import PulseStatus, RelayInput, Rig, RigIdentity
from hil.errors import Nak, NoAnswer
from hil.traffic import TrafficLog, TransportStats

TARGETS = ("twin", "emulator", "serial")
#: Our protocol v1 (docs/serial-protocol.md).
DEFAULT_CODEC = "hil.codec.v1:CodecV1"


class LocalTransport:
    """A transport without a wire: frames go straight to the device (``target=twin``).

    Args:
        device: The emulated device.
        traffic: Optional traffic log (frames only, no bytes on a wire).
    """

    url = "twin://local"

    def __init__(self, device, traffic: TrafficLog | None = None) -> None:
        self.device, self.traffic = device, traffic
        self._seq = 0
        self.stats = TransportStats()

    def request(self, address: int, command: int, payload: bytes = b"") -> Frame:
        """Hands the request to the device; returns its ACK reply (raises like :class:`Transport`)."""
        self._seq = (self._seq + 1) & 0xFFFF
        frame = Frame(address, command, self._seq, payload)
        self.stats.sent += 1
        reply = self.device.handle(frame)
        name = COMMAND_NAMES.get(command, f"0x{command:02X}")
        if reply is None:
            raise NoAnswer(self.url, name, f"address {address}", 0.0, 1)
        if reply.status != ACK:
            from hil.codec import STATUS_NAMES

            raise Nak(self.url, name, f"address {address}", STATUS_NAMES.get(reply.status, str(reply.status)),
                      reply.status)
        return reply

    def close(self) -> None:
        """Nothing to close."""


class VirtualRig:
    """The pulse-generator and digital-input rig of the emulated modules (same calls as :class:`Rig`).

    Pulses are injected into the device's pulse inputs at once; the relay input
    reads the module's contactor state.
    """

    def __init__(self, device) -> None:
        self.device = device
        self._sent: dict[tuple[int, int], int] = {}

    def identify(self) -> RigIdentity:
        """The virtual rig's identity."""
        return RigIdentity("RIG-VIRTUAL", "virtual-1.0")

    def pulse(self, module: int, channel: int, rate_hz: float, count: int) -> None:
        """Injects ``count`` pulses into a module's input (the rate is not simulated)."""
        self.device.inject_pulses(module, channel, count)
        self._sent[(module, channel)] = self._sent.get((module, channel), 0) + count

    def pulses(self, module: int, channel: int) -> PulseStatus:
        """Pulses sent so far on one output."""
        return PulseStatus(module, channel, self._sent.get((module, channel), 0), 0)

    def read_relay(self, module: int) -> RelayInput:
        """The contactor state of a module as the rig's input sees it (device state advanced to now)."""
        self.device.sync()
        mod = self.device.modules[module - 1]
        return RelayInput(module, bool(mod.relay_on), int(mod.relay_switched_unix_ms))

    def stop(self) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to close."""


@dataclass
class Bench:
    """What a HIL test gets.

    Attributes:
        target: ``twin``, ``emulator`` or ``serial``.
        concentrator: The J100UC driver.
        rig: The pulse/relay rig (virtual on twin and emulator).
        device: The device model (the oracle), ``None`` on hardware.
        server: The emulator server (``target=emulator``), for fault injection.
        traffic: The traffic log.
        properties: Serial numbers and firmware versions (for the JUnit report and MLflow).
    """

    target: str
    concentrator: J100UC
    rig: Any
    device: Any = None
    server: Any = None
    traffic: TrafficLog | None = None
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def transport(self):
        """The transport under the drivers."""
        return self.concentrator.transport


def default_device(seed: int = 42, clock=None, history_h: int = 0):
    """The twin behind ``twin`` and ``emulator``: one building's J100UC and its modules.

    Args:
        seed: Seed of the site, its mesh and the load model.
        clock: The device's time base (default frozen at the default start).
        history_h: Hours the modules had been counting before the clock's start.
    """
    from hil.emulator.device import Device
    from scenarios.generators import make_district
    from scenarios.generators.district import DistrictConfig

    site = make_district(DistrictConfig(buildings=1, streets=1, entrances=1, floors=4, water=False), seed)
    return Device.from_site(site, seed, clock=clock, history_h=history_h)


def load_codec(spec: str):
    """The codec named ``package.module:Class`` (the vendor's codec replaces ours without other changes).

    Raises:
        InputError: The module or class cannot be loaded (one line naming the spec).
    """
    import importlib

    from scenarios.errors import InputError

    module_name, _, class_name = spec.partition(":")
    try:
        codec_cls = getattr(importlib.import_module(module_name), class_name or "Codec")
    except (ImportError, AttributeError, ValueError) as exc:
        raise InputError(f"codec: cannot load '{spec}' ({type(exc).__name__}: {exc}); "
                         "give package.module:Class") from exc
    return codec_cls()


@contextlib.contextmanager
def open_bench(target: str = "emulator", port: str = "", rig_port: str = "", seed: int = 42,
               traffic_path: str | Path | None = None, timeout_s: float = 0.5,
               codec: str = DEFAULT_CODEC) -> Iterator[Bench]:
    """Opens the bench for ``target`` and closes everything afterwards.

    Args:
        target: ``twin``, ``emulator`` or ``serial``.
        port: J100UC port (``serial``).
        rig_port: Test-rig port (``serial``; without it rig tests are skipped).
        seed: Seed of the emulated site.
        traffic_path: Append the traffic log here.
        timeout_s: Reply timeout of the transport.
        codec: ``package.module:Class`` of the frame codec on the wire (the
            emulator speaks v1; give the vendor's codec with hardware).

    Raises:
        InputError: Unknown target, ``serial`` without a port, an unloadable codec (one line).
    """
    from scenarios.errors import InputError

    if target not in TARGETS:
        raise InputError(f"target: '{target}' is not allowed; allowed: {', '.join(TARGETS)}")
    traffic = TrafficLog(traffic_path) if traffic_path else TrafficLog(None)
    with contextlib.ExitStack() as stack:
        if hasattr(traffic, "close"):
            stack.callback(traffic.close)
        if target == "serial":
            if not port:
                raise InputError("port: target=serial needs port=<device path or pyserial URL>")
            from hil.transport import Transport

            transport = stack.enter_context(contextlib.closing(
                Transport(port, codec=load_codec(codec), timeout_s=timeout_s, traffic=traffic)))
            rig = stack.enter_context(contextlib.closing(Rig(rig_port))) if rig_port else None
            bench = Bench(target, J100UC(transport), rig, traffic=traffic)
        elif target == "emulator":
            from hil.emulator.server import EmulatorServer
            from hil.transport import Transport

            device = default_device(seed)
            server = EmulatorServer(device, "pty", traffic_log=None, baudrate=115200)   # paced like the UART
            server.start()
            stack.callback(server.stop)
            transport = stack.enter_context(contextlib.closing(
                Transport(server.url, timeout_s=timeout_s, traffic=traffic)))
            bench = Bench(target, J100UC(transport), VirtualRig(device), device, server, traffic)
        else:
            device = default_device(seed)
            bench = Bench(target, J100UC(LocalTransport(device, traffic)), VirtualRig(device), device, None, traffic)
        ident = bench.concentrator.identify()
        bench.properties = {"target": target, "concentrator_serial": ident.serial,
                            "concentrator_firmware": ident.firmware}
        yield bench
