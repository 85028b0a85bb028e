"""Emulator of a J100UC concentrator and its D100FC network behind the v1 serial protocol.

Backed by the twin: a :class:`~scenarios.site.Site`, its mesh_sim formation
and a deterministic hourly load model. :class:`Device` answers frames,
:class:`FaultPlan`/:class:`Faults` make the link misbehave on purpose and
:class:`EmulatorServer` serves the device on a pseudo-terminal or a TCP port.
"""

from hil.emulator.device import Device, ShedRecord
from hil.emulator.faults import FAULT_KINDS, FaultPlan, Faults
from hil.emulator.model import DEFAULT_START_UNIX_S, EmuClock
from hil.emulator.server import EmulatorServer, TrafficRecord

__all__ = ["DEFAULT_START_UNIX_S", "FAULT_KINDS", "Device", "EmuClock", "EmulatorServer", "FaultPlan", "Faults",
           "ShedRecord", "TrafficRecord"]
