"""Device drivers over :class:`hil.transport.Transport` (labgrid-style layering).

Drivers speak commands and return typed records; the transport moves bytes
(sequence numbers, retries with the same seq, resynchronisation,
reconnection) and logs them (:class:`hil.traffic.TrafficLog`).

* :class:`J100UC` -- the concentrator and, through it, its modules.
* :class:`D100FC` -- one module on its service port (address 0).
* :class:`Rig` -- pulse generator and digital-input board (text lines).

Example::

    from hil.drivers import J100UC
    from hil.transport import Transport

    with Transport("/dev/ttyUSB0") as port:
        conc = J100UC(port)
        print(conc.identify(), conc.read_counters(12))
"""

from hil.drivers.d100fc import D100FC
from hil.drivers.j100uc import J100UC, CommandDriver
from hil.drivers.rig import PulseStatus, RelayInput, Rig, RigIdentity

__all__ = ["D100FC", "J100UC", "CommandDriver", "PulseStatus", "RelayInput", "Rig", "RigIdentity"]
