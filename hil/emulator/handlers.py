"""Command handlers of the emulated J100UC: request record in, ACK record out.

Each command has a checker and a handler. The checker takes the
:class:`~hil.emulator.device.Device`, the frame's address and the parsed
request (:mod:`hil.codec.commands`) and raises :class:`BadPayload` (NAK 0x03)
for values the wire format accepts but the device does not; it changes
nothing. The handler then runs the command and returns the ACK reply record.
:data:`HANDLERS` says which addresses each command is for: ``c`` the
concentrator (0x0000), ``m`` a module (0x0001..N), ``b`` broadcast (0xFFFF);
other addresses get NAK 0x07. The semantics are those of protocol v1.1
(``docs/serial-protocol.md``), e.g.:

* TIME_SYNC sets the one clock of the subnet (modules follow the J100UC).
* READ_PROFILE returns the recorded hours ``h`` with ``from <= h < to``
  (the current hour included, still counting), oldest first, at most 120;
  ``from > to`` and channel 0xFF are bad payloads.
* READ_EVENTS returns events with ``index >= since_index`` (indices count
  from 0 per log), at most 120; the concentrator's own log (reboots) is at
  address 0, each module's at its address.
* READ_NETWORK returns modules with ``index >= start`` (at most 60);
  hops 255 means no route.
* GROUP_SHED ``group`` 0 addresses every rotation group; ``classes`` 0 is a
  bad payload; RED sockets are never shed.
* READ_STATUS is answered from the concentrator's table, also for a module
  without a route (flag ``STATUS_NO_ROUTE``).
"""

from __future__ import annotations

from typing import Callable

from hil.codec import commands as c

#: Events per READ_EVENTS reply (below the codec's limit of 146).
EVENTS_PER_REPLY = 120


class BadPayload(ValueError):
    """A well-formed request whose values the device rejects (NAK 0x03)."""


def _channel_count(dev, address: int) -> int:
    return len(dev.modules[address - 1].channels)


def _one_channel(dev, address: int, channel: int) -> None:
    n = _channel_count(dev, address)
    if channel >= n:  # 0xFF (all) included: these commands take exactly one channel
        raise BadPayload(f"channel {channel} of {n}")


def check(dev, address: int, command: int, req) -> None:
    """Rejects values the device cannot take (NAK 0x03), before anything runs.

    Raises:
        BadPayload: A channel the module does not have, a weight of 0,
            ``from > to``, ``classes`` 0.
    """
    if command == c.READ_COUNTERS and req.channel != c.ALL_CHANNELS:
        _one_channel(dev, address, req.channel)
    elif command in (c.READ_PROFILE, c.SET_PULSE_WEIGHT):
        _one_channel(dev, address, req.channel)
        if command == c.READ_PROFILE and req.from_unix_s > req.to_unix_s:
            raise BadPayload(f"from {req.from_unix_s} > to {req.to_unix_s}")
        if command == c.SET_PULSE_WEIGHT and req.pulse_weight == 0:
            raise BadPayload("pulse weight 0")
    elif command == c.GROUP_SHED and req.classes == 0:
        raise BadPayload("classes 0 sheds nothing")


def identify(dev, address: int, req) -> c.IdentifyReply:
    """IDENTIFY: the J100UC (address 0) or a D100FC."""
    if address == 0:
        return c.IdentifyReply(dev.concentrator_id[:16], dev.FIRMWARE[0], c.KIND_J100UC, 0)
    mod = dev.modules[address - 1]
    return c.IdentifyReply(mod.module_id[:16], dev.FIRMWARE[1], c.KIND_D100FC, len(mod.channels))


def time_sync(dev, address: int, req) -> c.TimeSyncReply:
    """TIME_SYNC: sets the subnet clock; ACK carries the clock after the sync."""
    dev.set_time(req.unix_s)
    return c.TimeSyncReply(int(dev.unix_time()) & 0xFFFFFFFF)


def read_counters(dev, address: int, req) -> c.ReadCountersReply:
    """READ_COUNTERS: one channel or all (0xFF), counter mod 2**32 and configured weight."""
    chans = dev.modules[address - 1].channels
    which = range(len(chans)) if req.channel == c.ALL_CHANNELS else (req.channel,)
    return c.ReadCountersReply(tuple(
        c.CounterReading(k, chans[k].pulses & 0xFFFFFFFF, chans[k].pulse_weight) for k in which))


def read_profile(dev, address: int, req) -> c.ReadProfileReply:
    """READ_PROFILE: recorded hours ``from <= h < to`` of one channel, oldest first, at most 120."""
    profile = dev.modules[address - 1].channels[req.channel].profile
    hours = sorted(h for h in profile if req.from_unix_s <= h < req.to_unix_s)[: c.MAX_PROFILE_HOURS]
    return c.ReadProfileReply(tuple(c.ProfileHour(h, profile[h] & 0xFFFFFFFF) for h in hours))


def read_events(dev, address: int, req) -> c.ReadEventsReply:
    """READ_EVENTS: events with ``index >= since_index`` of the addressed log."""
    log = dev.events if address == 0 else dev.modules[address - 1].events
    chosen = [e for e in log if e.index >= req.since_index][:EVENTS_PER_REPLY]
    return c.ReadEventsReply(tuple(c.Event(e.index & 0xFFFF, e.unix_s & 0xFFFFFFFF, e.code) for e in chosen))


def read_network(dev, address: int, req) -> c.ReadNetworkReply:
    """READ_NETWORK: network-table rows from module ``start`` on."""
    rows = [mod for mod in dev.modules if mod.index >= req.start][: c.MAX_NETWORK_ENTRIES]
    return c.ReadNetworkReply(tuple(
        c.NetworkEntry(mod.index, mod.module_id[:8], mod.parent, mod.hops if mod.hops >= 0 else 255,
                       mod.rssi_dbm, mod.neighbours) for mod in rows))


def set_threshold(dev, address: int, req) -> c.SetThresholdReply:
    """SET_THRESHOLD: DLM threshold of the concentrator or a module (stored and echoed)."""
    if address == 0:
        dev.threshold_w = req.threshold_w
    else:
        dev.modules[address - 1].threshold_w = req.threshold_w
    return c.SetThresholdReply(req.threshold_w)


def relay(dev, address: int, req) -> c.RelayReply:
    """RELAY: switches the module's AD220 now; ACK has the time of the last actual switch."""
    dev.switch_relay(address, bool(req.on))
    mod = dev.modules[address - 1]
    return c.RelayReply(mod.relay_on, mod.relay_switched_unix_ms)


def group_shed(dev, address: int, req) -> c.GroupShedReply:
    """GROUP_SHED: schedules each target's switch after its broadcast delay; ACK counts modules the flood reaches."""
    return c.GroupShedReply(dev.schedule_shed(req.group, bool(req.shed), req.classes))


def set_pulse_weight(dev, address: int, req) -> c.SetPulseWeightReply:
    """SET_PULSE_WEIGHT: the weight reported for a channel (the meter's pulses are unchanged)."""
    dev.modules[address - 1].channels[req.channel].pulse_weight = req.pulse_weight
    return c.SetPulseWeightReply(req.channel, req.pulse_weight)


def read_status(dev, address: int, req) -> c.ReadStatusReply:
    """READ_STATUS: power, battery and radio status (see :meth:`Device.status`)."""
    return dev.status(address)


def read_relay(dev, address: int, req) -> c.ReadRelayReply:
    """READ_RELAY: the module's relay state, class, group and whether a shed is on its way."""
    mod = dev.modules[address - 1]
    return c.ReadRelayReply(True, mod.relay_on, mod.relay_switched_unix_ms, mod.socket_class, mod.group,
                            dev.shed_pending(address))


#: Command code -> (addresses it is for, handler).
HANDLERS: dict[int, tuple[str, Callable]] = {
    c.IDENTIFY: ("cm", identify),
    c.TIME_SYNC: ("cmb", time_sync),
    c.READ_COUNTERS: ("m", read_counters),
    c.READ_PROFILE: ("m", read_profile),
    c.READ_EVENTS: ("cm", read_events),
    c.READ_NETWORK: ("c", read_network),
    c.SET_THRESHOLD: ("cm", set_threshold),
    c.RELAY: ("m", relay),
    c.GROUP_SHED: ("b", group_shed),
    c.SET_PULSE_WEIGHT: ("m", set_pulse_weight),
    c.READ_STATUS: ("cm", read_status),
    c.READ_RELAY: ("m", read_relay),
}

#: Commands the concentrator answers from its own table, even for a module without a route.
FROM_TABLE = frozenset({c.READ_STATUS})
