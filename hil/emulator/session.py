"""An emulator ready to serve on its own: device, running clock, fault plan, paced line.

Used by ``balance-twin task=emulate`` (another team's client or firmware test
pointed at it) and by ``task=hil`` (the conformance suite's device). A fault
plan is a JSON or YAML mapping with the fields of
:class:`~hil.emulator.faults.FaultPlan`, e.g.::

    {"seed": 1, "noise": 0.02, "drop": 0.01, "late_s": 1.5,
     "schedule": {"5": "reboot"}, "out_of_range": {"3": "nak"}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from hil.emulator.faults import FaultPlan
from hil.emulator.model import DEFAULT_START_UNIX_S, EmuClock
from hil.emulator.server import EmulatorServer
from scenarios.errors import InputError

#: The line rate of protocol v1.1 (docs/serial-protocol.md).
LINE_BAUD = 115200


@dataclass
class EmulatorOptions:
    """How to serve the emulator.

    Attributes:
        transport: ``pty`` (a ``/dev/pts/N`` path) or ``tcp`` (``socket://host:port``).
        host: TCP host.
        port: TCP port (0: any free port).
        baudrate: Pace the line like a UART at this rate; 0: as fast as the processes go.
        clock_speed: Emulated seconds per real second (0 freezes the clock).
        start_unix_s: Device clock at start.
        history_h: Hours of profile the modules already recorded before the start.
        seed: Seed of the emulated site and its mesh.
        fault_plan: A :class:`FaultPlan`, a mapping of its fields, or None (no faults).
    """

    transport: str = "pty"
    host: str = "127.0.0.1"
    port: int = 0
    baudrate: int = LINE_BAUD
    clock_speed: float = 1.0
    start_unix_s: int = DEFAULT_START_UNIX_S
    history_h: int = 168
    seed: int = 42
    fault_plan: Any = None


def load_fault_plan(source: str | Path | dict | FaultPlan | None, where: str = "fault_plan") -> FaultPlan | None:
    """A :class:`FaultPlan` from a JSON/YAML file path, inline JSON text, a mapping or a plan.

    Raises:
        InputError: One line naming ``where`` (the file or key) and what is wrong.
    """
    if source is None or isinstance(source, FaultPlan) or source == "":
        return source or None
    if isinstance(source, (str, Path)):
        text = str(source).strip()
        if not text.startswith("{"):
            path = Path(text)
            if not path.is_file():
                raise InputError(f"{where}: file '{path}' does not exist")
            where, text = str(path), path.read_text()
        try:
            import yaml

            data = yaml.safe_load(text) if not text.lstrip().startswith("{") else json.loads(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise InputError(f"{where}: not valid JSON/YAML ({' '.join(str(exc).split())[:120]})") from exc
    else:
        data = dict(source)
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping of FaultPlan fields, got {type(data).__name__}")
    known = {f.name for f in fields(FaultPlan)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; known: {', '.join(sorted(known))}")
    data = dict(data)
    for key in ("schedule", "out_of_range"):
        if key in data:
            try:
                data[key] = {int(k): v for k, v in dict(data[key]).items()}
            except (TypeError, ValueError) as exc:
                raise InputError(f"{where}: {key} needs integer keys ({exc})") from exc
    if "noise_bytes" in data:
        data["noise_bytes"] = tuple(data["noise_bytes"])
    try:
        return FaultPlan(**data)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from exc


def build_server(options: EmulatorOptions, traffic_log=None) -> EmulatorServer:
    """The default site's J100UC with a running clock, served as ``options`` say (not started).

    Raises:
        InputError: A bad transport, speed, baud rate or fault plan (one line).
    """
    from hil.bench import default_device

    if options.transport not in ("pty", "tcp"):
        raise InputError(f"transport: '{options.transport}' is not allowed; allowed: pty, tcp")
    if options.clock_speed < 0:
        raise InputError(f"clock_speed: {options.clock_speed} < 0 (0 freezes the clock)")
    if options.baudrate < 0:
        raise InputError(f"baudrate: {options.baudrate} < 0 (0 turns pacing off)")
    plan = load_fault_plan(options.fault_plan)
    device = default_device(options.seed, clock=EmuClock(options.start_unix_s, options.clock_speed),
                            history_h=options.history_h)
    if plan is not None:
        bad = [i for i in plan.out_of_range if not 1 <= i <= len(device.modules)]
        if bad:
            raise InputError(f"fault_plan: out_of_range names module(s) {bad}; the network has 1..{len(device.modules)}")
    return EmulatorServer(device, options.transport, faults=plan, host=options.host, port=options.port,
                          traffic_log=traffic_log, baudrate=options.baudrate)
