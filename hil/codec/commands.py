"""Command codes, typed payload records and ``pack_*``/``unpack_*`` helpers.

Every request and every ACK reply in ``docs/serial-protocol.md`` has a frozen
dataclass here with ``pack() -> bytes`` and ``unpack(payload)`` (a
classmethod); the module-level ``pack_<command>_request``,
``unpack_<command>_request``, ``pack_<command>_reply`` and
``unpack_<command>_reply`` functions are the same operations. Reply helpers
work on the ACK *data*, i.e. the reply payload without its status byte
(``Frame.reply(ACK, data)`` adds it, ``Frame.data`` strips it). All fields
are big-endian. Malformed payloads, and out-of-range values on packing,
raise ``ProtocolError(kind="payload")``.
"""

from __future__ import annotations

from hil.codec.records import (
    ALL_CHANNELS,
    CLASS_GREEN,
    CLASS_RED,
    CLASS_YELLOW,
    NO_BATTERY,
    NO_RSSI,
    POWER_BATTERY,
    POWER_MAINS,
    POWER_SOLAR,
    READ_RELAY,
    READ_STATUS,
    STATUS_BATTERY_LOW,
    STATUS_MAGNET,
    STATUS_NO_ROUTE,
    STATUS_PULSE_LINE_FAULT,
    ReadRelayReply,
    ReadRelayRequest,
    ReadStatusReply,
    ReadStatusRequest,
    EVENT_BATTERY_LOW,
    EVENT_MAGNET,
    EVENT_PULSE_LINE_OPEN,
    EVENT_PULSE_LINE_SHORT,
    EVENT_REBOOT,
    GROUP_SHED,
    IDENTIFY,
    KIND_D100FC,
    KIND_J100UC,
    MAX_COUNTERS,
    MAX_EVENTS,
    MAX_NETWORK_ENTRIES,
    MAX_PROFILE_HOURS,
    READ_COUNTERS,
    READ_EVENTS,
    READ_NETWORK,
    READ_PROFILE,
    RELAY,
    SET_PULSE_WEIGHT,
    SET_THRESHOLD,
    TIME_SYNC,
    CounterReading,
    Event,
    GroupShedReply,
    GroupShedRequest,
    IdentifyReply,
    IdentifyRequest,
    NetworkEntry,
    ProfileHour,
    ReadCountersReply,
    ReadCountersRequest,
    ReadEventsReply,
    ReadEventsRequest,
    ReadNetworkReply,
    ReadNetworkRequest,
    ReadProfileReply,
    ReadProfileRequest,
    RelayReply,
    RelayRequest,
    SetPulseWeightReply,
    SetPulseWeightRequest,
    SetThresholdReply,
    SetThresholdRequest,
    TimeSyncReply,
    TimeSyncRequest,
)
from hil.codec.frame import REPLY_BIT, ProtocolError

__all__ = [
    "CLASS_RED",
    "NO_BATTERY",
    "NO_RSSI",
    "POWER_BATTERY",
    "POWER_MAINS",
    "POWER_SOLAR",
    "READ_RELAY",
    "READ_STATUS",
    "STATUS_BATTERY_LOW",
    "STATUS_MAGNET",
    "STATUS_NO_ROUTE",
    "STATUS_PULSE_LINE_FAULT",
    "ReadRelayReply",
    "ReadRelayRequest",
    "ReadStatusReply",
    "ReadStatusRequest",
    "pack_read_status_request",
    "pack_read_status_reply",
    "unpack_read_status_request",
    "unpack_read_status_reply",
    "pack_read_relay_request",
    "pack_read_relay_reply",
    "unpack_read_relay_request",
    "unpack_read_relay_reply",
    "ALL_CHANNELS",
    "CLASS_GREEN",
    "CLASS_YELLOW",
    "COMMAND_NAMES",
    "CounterReading",
    "EVENT_BATTERY_LOW",
    "EVENT_MAGNET",
    "EVENT_PULSE_LINE_OPEN",
    "EVENT_PULSE_LINE_SHORT",
    "EVENT_REBOOT",
    "Event",
    "GROUP_SHED",
    "GroupShedReply",
    "GroupShedRequest",
    "IDENTIFY",
    "IdentifyReply",
    "IdentifyRequest",
    "KIND_D100FC",
    "KIND_J100UC",
    "MAX_COUNTERS",
    "MAX_EVENTS",
    "MAX_NETWORK_ENTRIES",
    "MAX_PROFILE_HOURS",
    "NetworkEntry",
    "ProfileHour",
    "READ_COUNTERS",
    "READ_EVENTS",
    "READ_NETWORK",
    "READ_PROFILE",
    "RELAY",
    "REPLIES",
    "REQUESTS",
    "ReadCountersReply",
    "ReadCountersRequest",
    "ReadEventsReply",
    "ReadEventsRequest",
    "ReadNetworkReply",
    "ReadNetworkRequest",
    "ReadProfileReply",
    "ReadProfileRequest",
    "RelayReply",
    "RelayRequest",
    "SET_PULSE_WEIGHT",
    "SET_THRESHOLD",
    "SetPulseWeightReply",
    "SetPulseWeightRequest",
    "SetThresholdReply",
    "SetThresholdRequest",
    "TIME_SYNC",
    "TimeSyncReply",
    "TimeSyncRequest",
    "pack_group_shed_reply",
    "pack_group_shed_request",
    "pack_identify_reply",
    "pack_identify_request",
    "pack_payload",
    "pack_read_counters_reply",
    "pack_read_counters_request",
    "pack_read_events_reply",
    "pack_read_events_request",
    "pack_read_network_reply",
    "pack_read_network_request",
    "pack_read_profile_reply",
    "pack_read_profile_request",
    "pack_relay_reply",
    "pack_relay_request",
    "pack_set_pulse_weight_reply",
    "pack_set_pulse_weight_request",
    "pack_set_threshold_reply",
    "pack_set_threshold_request",
    "pack_time_sync_reply",
    "pack_time_sync_request",
    "unpack_group_shed_reply",
    "unpack_group_shed_request",
    "unpack_identify_reply",
    "unpack_identify_request",
    "unpack_read_counters_reply",
    "unpack_read_counters_request",
    "unpack_read_events_reply",
    "unpack_read_events_request",
    "unpack_read_network_reply",
    "unpack_read_network_request",
    "unpack_read_profile_reply",
    "unpack_read_profile_request",
    "unpack_relay_reply",
    "unpack_relay_request",
    "unpack_reply",
    "unpack_request",
    "unpack_set_pulse_weight_reply",
    "unpack_set_pulse_weight_request",
    "unpack_set_threshold_reply",
    "unpack_set_threshold_request",
    "unpack_time_sync_reply",
    "unpack_time_sync_request",
]

COMMAND_NAMES: dict[int, str] = {
    IDENTIFY: "IDENTIFY",
    TIME_SYNC: "TIME_SYNC",
    READ_COUNTERS: "READ_COUNTERS",
    READ_PROFILE: "READ_PROFILE",
    READ_EVENTS: "READ_EVENTS",
    READ_NETWORK: "READ_NETWORK",
    SET_THRESHOLD: "SET_THRESHOLD",
    RELAY: "RELAY",
    GROUP_SHED: "GROUP_SHED",
    SET_PULSE_WEIGHT: "SET_PULSE_WEIGHT",
    READ_STATUS: "READ_STATUS",
    READ_RELAY: "READ_RELAY",
}

#: Request record class for each command code.
REQUESTS: dict[int, type] = {
    IDENTIFY: IdentifyRequest,
    TIME_SYNC: TimeSyncRequest,
    READ_COUNTERS: ReadCountersRequest,
    READ_PROFILE: ReadProfileRequest,
    READ_EVENTS: ReadEventsRequest,
    READ_NETWORK: ReadNetworkRequest,
    SET_THRESHOLD: SetThresholdRequest,
    RELAY: RelayRequest,
    GROUP_SHED: GroupShedRequest,
    SET_PULSE_WEIGHT: SetPulseWeightRequest,
    READ_STATUS: ReadStatusRequest,
    READ_RELAY: ReadRelayRequest,
}

#: ACK-data record class for each command code (without the reply bit).
REPLIES: dict[int, type] = {
    IDENTIFY: IdentifyReply,
    TIME_SYNC: TimeSyncReply,
    READ_COUNTERS: ReadCountersReply,
    READ_PROFILE: ReadProfileReply,
    READ_EVENTS: ReadEventsReply,
    READ_NETWORK: ReadNetworkReply,
    SET_THRESHOLD: SetThresholdReply,
    RELAY: RelayReply,
    GROUP_SHED: GroupShedReply,
    SET_PULSE_WEIGHT: SetPulseWeightReply,
    READ_STATUS: ReadStatusReply,
    READ_RELAY: ReadRelayReply,
}


def _lookup(table: dict[int, type], command: int) -> type:
    try:
        return table[command & ~REPLY_BIT]
    except KeyError:
        raise ProtocolError("payload", f"unknown command {command:#04x}") from None


def unpack_request(command: int, payload: bytes):
    """Parses a request payload into the record for ``command``.

    Args:
        command: Command code (the reply bit is ignored).
        payload: The request frame's payload.

    Returns:
        The request record, e.g. :class:`ReadCountersRequest`.

    Raises:
        ProtocolError: kind ``"payload"``, for an unknown command or a
            malformed payload.
    """
    return _lookup(REQUESTS, command).unpack(payload)


def unpack_reply(command: int, data: bytes):
    """Parses ACK data (reply payload without the status byte).

    Args:
        command: Command code, with or without the reply bit.
        data: The ACK data, e.g. ``Frame.data``.

    Returns:
        The reply record, e.g. :class:`ReadCountersReply`.

    Raises:
        ProtocolError: kind ``"payload"``, for an unknown command or
            malformed data.
    """
    return _lookup(REPLIES, command).unpack(data)


def pack_payload(record) -> bytes:
    """Packs any request or reply record (same as ``record.pack()``)."""
    return record.pack()


# Per-command helpers: pack_X(record) -> bytes, unpack_X(payload) -> record.
pack_identify_request = IdentifyRequest.pack
unpack_identify_request = IdentifyRequest.unpack
pack_identify_reply = IdentifyReply.pack
unpack_identify_reply = IdentifyReply.unpack
pack_time_sync_request = TimeSyncRequest.pack
unpack_time_sync_request = TimeSyncRequest.unpack
pack_time_sync_reply = TimeSyncReply.pack
unpack_time_sync_reply = TimeSyncReply.unpack
pack_read_counters_request = ReadCountersRequest.pack
unpack_read_counters_request = ReadCountersRequest.unpack
pack_read_counters_reply = ReadCountersReply.pack
unpack_read_counters_reply = ReadCountersReply.unpack
pack_read_profile_request = ReadProfileRequest.pack
unpack_read_profile_request = ReadProfileRequest.unpack
pack_read_profile_reply = ReadProfileReply.pack
unpack_read_profile_reply = ReadProfileReply.unpack
pack_read_events_request = ReadEventsRequest.pack
unpack_read_events_request = ReadEventsRequest.unpack
pack_read_events_reply = ReadEventsReply.pack
unpack_read_events_reply = ReadEventsReply.unpack
pack_read_network_request = ReadNetworkRequest.pack
unpack_read_network_request = ReadNetworkRequest.unpack
pack_read_network_reply = ReadNetworkReply.pack
unpack_read_network_reply = ReadNetworkReply.unpack
pack_set_threshold_request = SetThresholdRequest.pack
unpack_set_threshold_request = SetThresholdRequest.unpack
pack_set_threshold_reply = SetThresholdReply.pack
unpack_set_threshold_reply = SetThresholdReply.unpack
pack_relay_request = RelayRequest.pack
unpack_relay_request = RelayRequest.unpack
pack_relay_reply = RelayReply.pack
unpack_relay_reply = RelayReply.unpack
pack_group_shed_request = GroupShedRequest.pack
unpack_group_shed_request = GroupShedRequest.unpack
pack_group_shed_reply = GroupShedReply.pack
unpack_group_shed_reply = GroupShedReply.unpack
pack_set_pulse_weight_request = SetPulseWeightRequest.pack
unpack_set_pulse_weight_request = SetPulseWeightRequest.unpack
pack_set_pulse_weight_reply = SetPulseWeightReply.pack
unpack_set_pulse_weight_reply = SetPulseWeightReply.unpack
pack_read_status_request = ReadStatusRequest.pack
unpack_read_status_request = ReadStatusRequest.unpack
pack_read_status_reply = ReadStatusReply.pack
unpack_read_status_reply = ReadStatusReply.unpack
pack_read_relay_request = ReadRelayRequest.pack
unpack_read_relay_request = ReadRelayRequest.unpack
pack_read_relay_reply = ReadRelayReply.pack
unpack_read_relay_reply = ReadRelayReply.unpack
