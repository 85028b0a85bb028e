"""Command handlers of the emulated J100UC: request record in, ACK record out.

Each handler takes the :class:`~hil.emulator.device.Device`, the frame's
address and the parsed request (:mod:`hil.codec.commands`) and returns the
ACK reply record, or raises :class:`BadPayload` (NAK 0x03) for values the
wire format accepts but the device does not. :data:`WHERE` says which
addresses each command is for: ``c`` the concentrator (0x0000), ``m`` a
module (0x0001..N), ``b`` broadcast (0xFFFF); other addresses get NAK 0x07.

Semantics the protocol document leaves open, as emulated here:

* TIME_SYNC sets the one clock of the subnet (modules follow the J100UC).
* READ_PROFILE returns the recorded hours ``h`` with
  ``floor(from / 3600) * 3600 <= h < to`` (the current hour included, still
  counting), oldest first, at most 120; ``from > to`` is a bad payload.
* READ_EVENTS returns events with ``index >= since_index`` (indices count
  from 0 per log), at most 120; the concentrator's own log (reboots) is at
  address 0, each module's at its address.
* READ_NETWORK returns modules with ``index >= start`` (at most 60);
  hops 255 means no route.
* GROUP_SHED ``group`` 0 addresses every rotation group.
"""

from __future__ import annotations

from typing import Callable

from hil.codec import commands as c

#: Events per READ_EVENTS reply (below the codec's limit of 146).
EVENTS_PER_REPLY = 120


class BadPayload(ValueError):
    """A well-formed request whose values the device rejects (NAK 0x03)."""


def _channels(dev, address: int, channel: int) -> list[int]:
    n = len(dev.modules[address - 1].channels)
    if channel == c.ALL_CHANNELS:
        return list(range(n))
    if channel >= n:
        raise BadPayload(f"channel {channel} of {n}")
    return [channel]


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
    return c.ReadCountersReply(tuple(
        c.CounterReading(k, chans[k].pulses & 0xFFFFFFFF, chans[k].pulse_weight)
        for k in _channels(dev, address, req.channel)))


def read_profile(dev, address: int, req) -> c.ReadProfileReply:
    """READ_PROFILE: recorded hours of one channel in the window (see module doc)."""
    if req.channel == c.ALL_CHANNELS or req.from_unix_s > req.to_unix_s:
        raise BadPayload("one channel and from <= to")
    (k,) = _channels(dev, address, req.channel)
    profile = dev.modules[address - 1].channels[k].profile
    lo = req.from_unix_s // 3600 * 3600
    hours = sorted(h for h in profile if lo <= h < req.to_unix_s)[: c.MAX_PROFILE_HOURS]
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
    (k,) = _channels(dev, address, req.channel)
    if req.pulse_weight == 0:
        raise BadPayload("pulse weight 0")
    dev.modules[address - 1].channels[k].pulse_weight = req.pulse_weight
    return c.SetPulseWeightReply(k, req.pulse_weight)


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
}
