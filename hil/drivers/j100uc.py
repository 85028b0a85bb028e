"""Driver of the J100UC concentrator: BALANCE v1 commands as typed calls.

The driver speaks commands; the :class:`~hil.transport.Transport` below it
moves bytes (sequence numbers, retries, resync, reconnect). Every call packs
its request with :mod:`hil.codec.commands`, sends it to one address and
returns the parsed ACK data as the codec's frozen records
(:class:`~hil.codec.records.CounterReading`, ``ProfileHour``, ``Event``,
``NetworkEntry``, ...). Paged reads (network table, profile, events) ask
again until the device has nothing more.

Errors: :class:`~hil.errors.Nak`, :class:`~hil.errors.NoAnswer` (and
``Garbage``), :class:`~hil.errors.PortLost` from the transport, and
:class:`~hil.errors.BadPayload` when the ACK data does not parse or a
value does not fit its field.
"""

from __future__ import annotations

from typing import Any

from hil.codec import commands as c
from hil.codec.frame import BROADCAST, ProtocolError
from hil.errors import BadPayload
from hil.traffic import command_name, describe_address
from hil.transport import Transport


class CommandDriver:
    """Common part of the J100UC and D100FC drivers: one request, one record.

    Args:
        transport: The open transport to the device.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def call(self, address: int, request: Any) -> Any:
        """Sends a request record to ``address`` and returns the reply record.

        Args:
            address: Target address (0 the device itself).
            request: A request record of :mod:`hil.codec.commands`.

        Returns:
            The ACK data parsed into the command's reply record.

        Raises:
            BadPayload: A value does not fit, or the reply does not parse.
        """
        command = request.COMMAND
        try:
            payload = request.pack()
        except ProtocolError as exc:
            raise BadPayload(self.transport.url, command_name(command), describe_address(address),
                             exc.message, reply=False) from exc
        frame = self.transport.request(address, command, payload)
        try:
            return c.unpack_reply(command, frame.data)
        except ProtocolError as exc:
            raise BadPayload(self.transport.url, command_name(command), describe_address(address),
                             exc.message) from exc

    # The address-taking implementations, shared with D100FC (address 0).

    def _profile(self, address: int, channel: int, from_unix_s: int, to_unix_s: int) -> list[c.ProfileHour]:
        hours: list[c.ProfileHour] = []
        start = from_unix_s
        while True:
            page = self.call(address, c.ReadProfileRequest(channel, start, to_unix_s)).hours
            hours.extend(page)
            if len(page) < c.MAX_PROFILE_HOURS:
                return hours
            nxt = page[-1].hour_unix_s + 3600
            if nxt >= to_unix_s or nxt <= start:
                return hours
            start = nxt

    def _events(self, address: int, since: int) -> list[c.Event]:
        events: list[c.Event] = []
        while since <= 0xFFFF:
            page = self.call(address, c.ReadEventsRequest(since)).events
            fresh = [e for e in page if e.index >= since]
            if not fresh:
                return events
            events.extend(fresh)
            since = fresh[-1].index + 1
        return events


class J100UC(CommandDriver):
    """The concentrator (address 0) and, through it, its modules (1..0x0FFF).

    ``module`` arguments are module addresses (their index in the network
    table); ``module=0`` addresses the concentrator itself where the command
    allows it.

    Args:
        transport: The open transport to the concentrator.
    """

    def identify(self, module: int = 0) -> c.IdentifyReply:
        """IDENTIFY: serial, firmware, kind and channel count."""
        return self.call(module, c.IdentifyRequest())

    def time_sync(self, unix_s: int, module: int = 0) -> int:
        """TIME_SYNC: sets the clock; returns the device clock after the sync (Unix s)."""
        return self.call(module, c.TimeSyncRequest(int(unix_s))).unix_s

    def network_table(self) -> list[c.NetworkEntry]:
        """READ_NETWORK, paged: every module the concentrator knows, by index."""
        entries: list[c.NetworkEntry] = []
        start = 0
        while True:
            page = self.call(0, c.ReadNetworkRequest(start)).modules
            entries.extend(e for e in page if e.index >= start)
            if len(page) < c.MAX_NETWORK_ENTRIES or page[-1].index + 1 <= start or page[-1].index >= 0xFFFF:
                return entries
            start = page[-1].index + 1

    def read_counters(self, module: int, channel: int = c.ALL_CHANNELS) -> list[c.CounterReading]:
        """READ_COUNTERS: pulse counters of one channel or all (``0xFF``)."""
        return list(self.call(module, c.ReadCountersRequest(channel)).counters)

    def read_profile(self, module: int, channel: int, from_unix_s: int, to_unix_s: int) -> list[c.ProfileHour]:
        """READ_PROFILE, paged (120 hours per reply): hourly pulses, oldest first."""
        return self._profile(module, channel, from_unix_s, to_unix_s)

    def read_events(self, module: int, since: int = 0) -> list[c.Event]:
        """READ_EVENTS, paged: events with ``index >= since``, oldest first."""
        return self._events(module, since)

    def set_threshold(self, module: int, threshold_w: int) -> int:
        """SET_THRESHOLD: returns the threshold now in force (W)."""
        return self.call(module, c.SetThresholdRequest(int(threshold_w))).threshold_w

    def relay(self, module: int, on: bool) -> c.RelayReply:
        """RELAY: switches a module's relay; returns its state and switching time (Unix ms)."""
        return self.call(module, c.RelayRequest(bool(on)))

    def group_shed(self, group: int, shed: bool, classes: int = c.CLASS_YELLOW | c.CLASS_GREEN) -> int:
        """GROUP_SHED (broadcast): sheds or restores a group; returns the modules reached."""
        return self.call(BROADCAST, c.GroupShedRequest(group, bool(shed), classes)).modules_reached

    def set_pulse_weight(self, module: int, channel: int, pulse_weight: int) -> c.SetPulseWeightReply:
        """SET_PULSE_WEIGHT: returns the channel and the weight now in force (pulses per unit)."""
        return self.call(module, c.SetPulseWeightRequest(channel, pulse_weight))

    def read_status(self, module: int = 0) -> c.ReadStatusReply:
        """READ_STATUS (v1.1): power, battery and radio status of the concentrator (0) or a module.

        Answered from the concentrator's table, also for a module without a
        route (``flags & STATUS_NO_ROUTE``), so failing modules can be found.
        """
        return self.call(module, c.ReadStatusRequest())

    def read_relay(self, module: int) -> c.ReadRelayReply:
        """READ_RELAY (v1.1): a module's relay state, socket class, group and a pending shed."""
        return self.call(module, c.ReadRelayRequest())

    def failing_modules(self) -> list[tuple[int, c.ReadStatusReply]]:
        """Every module whose status flags a low battery, a pulse-line fault, a magnet or no route."""
        out = []
        for entry in self.network_table():
            status = self.read_status(entry.index)
            if status.flags:
                out.append((entry.index, status))
        return out

    def protocol_version(self) -> str:
        """``"1.1"`` if the device answers READ_STATUS, ``"1.0"`` if it NAKs it as an unknown command."""
        from hil.codec.frame import NAK_UNKNOWN_COMMAND
        from hil.errors import Nak

        try:
            self.read_status(0)
        except Nak as exc:
            if exc.status == NAK_UNKNOWN_COMMAND:
                return "1.0"
            raise
        return "1.1"
