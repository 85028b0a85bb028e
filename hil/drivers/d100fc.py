"""Driver of a D100FC radio module on its own service port.

On the service port the module is address 0 (itself), so every call here
sends to address 0; otherwise it is the same BALANCE v1 command set as the
:class:`~hil.drivers.j100uc.J100UC` driver, limited to what a module does:
no network table and no group shedding (those are the concentrator's).
Records and errors are those of :mod:`hil.drivers.j100uc`.
"""

from __future__ import annotations

from hil.codec import commands as c
from hil.drivers.j100uc import CommandDriver

SELF = 0
"""Address of the module on its own service port."""


class D100FC(CommandDriver):
    """A module reached through its service port.

    Args:
        transport: The open transport to the service port.
    """

    def identify(self) -> c.IdentifyReply:
        """IDENTIFY: serial, firmware, kind (``KIND_D100FC``) and channel count."""
        return self.call(SELF, c.IdentifyRequest())

    def time_sync(self, unix_s: int) -> int:
        """TIME_SYNC: sets the module clock; returns it after the sync (Unix s)."""
        return self.call(SELF, c.TimeSyncRequest(int(unix_s))).unix_s

    def read_counters(self, channel: int = c.ALL_CHANNELS) -> list[c.CounterReading]:
        """READ_COUNTERS: pulse counters of one channel or all (``0xFF``)."""
        return list(self.call(SELF, c.ReadCountersRequest(channel)).counters)

    def read_profile(self, channel: int, from_unix_s: int, to_unix_s: int) -> list[c.ProfileHour]:
        """READ_PROFILE, paged (120 hours per reply): hourly pulses, oldest first."""
        return self._profile(SELF, channel, from_unix_s, to_unix_s)

    def read_events(self, since: int = 0) -> list[c.Event]:
        """READ_EVENTS, paged: events with ``index >= since``, oldest first."""
        return self._events(SELF, since)

    def set_threshold(self, threshold_w: int) -> int:
        """SET_THRESHOLD: returns the threshold now in force (W)."""
        return self.call(SELF, c.SetThresholdRequest(int(threshold_w))).threshold_w

    def relay(self, on: bool) -> c.RelayReply:
        """RELAY: switches the relay; returns its state and switching time (Unix ms)."""
        return self.call(SELF, c.RelayRequest(bool(on)))

    def set_pulse_weight(self, channel: int, pulse_weight: int) -> c.SetPulseWeightReply:
        """SET_PULSE_WEIGHT: returns the channel and the weight now in force."""
        return self.call(SELF, c.SetPulseWeightRequest(channel, pulse_weight))

    def read_status(self) -> c.ReadStatusReply:
        """READ_STATUS (v1.1): battery, supply voltage and radio status."""
        return self.call(SELF, c.ReadStatusRequest())

    def read_relay(self) -> c.ReadRelayReply:
        """READ_RELAY (v1.1): relay state, socket class and group."""
        return self.call(SELF, c.ReadRelayRequest())
