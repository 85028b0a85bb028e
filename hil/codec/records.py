"""Typed payload records of protocol version 1 (one per request and ACK reply).

Import them from :mod:`hil.codec.commands` (or :mod:`hil.codec`), which adds
the per-command ``pack_*``/``unpack_*`` helpers and the dispatch tables.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

from hil.codec._wire import _Fixed, _List
from hil.codec.frame import MAX_PAYLOAD

IDENTIFY = 0x01
TIME_SYNC = 0x02
READ_COUNTERS = 0x03
READ_PROFILE = 0x04
READ_EVENTS = 0x05
READ_NETWORK = 0x06
SET_THRESHOLD = 0x07
RELAY = 0x08
GROUP_SHED = 0x09
SET_PULSE_WEIGHT = 0x0A
READ_STATUS = 0x0B  # v1.1
READ_RELAY = 0x0C  # v1.1

ALL_CHANNELS = 0xFF  # READ_COUNTERS channel: every channel
KIND_J100UC = 0
KIND_D100FC = 1
EVENT_MAGNET = 1
EVENT_PULSE_LINE_OPEN = 2
EVENT_PULSE_LINE_SHORT = 3
EVENT_BATTERY_LOW = 4
EVENT_REBOOT = 5
CLASS_YELLOW = 0x01  # GROUP_SHED classes bit mask
CLASS_GREEN = 0x02
CLASS_RED = 0x00  # READ_RELAY socket_class: never shed (not a GROUP_SHED bit)
POWER_BATTERY, POWER_MAINS, POWER_SOLAR = 0, 1, 2  # READ_STATUS power
NO_BATTERY = 0xFF  # READ_STATUS battery_pct of a device without a battery
NO_RSSI = -128  # READ_STATUS rssi_dbm when there is no parent link
STATUS_BATTERY_LOW, STATUS_PULSE_LINE_FAULT, STATUS_MAGNET, STATUS_NO_ROUTE = 0x01, 0x02, 0x04, 0x08  # flags

MAX_PROFILE_HOURS = 120
MAX_NETWORK_ENTRIES = 60
_MAX_DATA = MAX_PAYLOAD - 1  # a reply payload also holds the status byte
MAX_COUNTERS = (_MAX_DATA - 1) // 7  # 146: what fits in one reply
MAX_EVENTS = (_MAX_DATA - 1) // 7  # 146


@dataclass(frozen=True)
class IdentifyRequest(_Fixed):
    """IDENTIFY request: empty payload."""

    COMMAND: ClassVar[int] = IDENTIFY


@dataclass(frozen=True)
class IdentifyReply(_Fixed):
    """IDENTIFY ACK: ``serial``/``firmware`` ASCII (16 bytes each), ``kind``, ``channels``."""

    COMMAND: ClassVar[int] = IDENTIFY
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">16s16sBB")
    _TEXT: ClassVar[dict[str, int]] = {"serial": 16, "firmware": 16}
    serial: str
    firmware: str
    kind: int  # KIND_J100UC or KIND_D100FC
    channels: int


@dataclass(frozen=True)
class TimeSyncRequest(_Fixed):
    """TIME_SYNC request: ``unix_s`` (u32)."""

    COMMAND: ClassVar[int] = TIME_SYNC
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">I")
    unix_s: int


@dataclass(frozen=True)
class TimeSyncReply(_Fixed):
    """TIME_SYNC ACK: ``unix_s`` (u32, device clock after the sync)."""

    COMMAND: ClassVar[int] = TIME_SYNC
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">I")
    unix_s: int


@dataclass(frozen=True)
class ReadCountersRequest(_Fixed):
    """READ_COUNTERS request: ``channel`` (u8, ``ALL_CHANNELS`` = all)."""

    COMMAND: ClassVar[int] = READ_COUNTERS
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">B")
    channel: int = ALL_CHANNELS


@dataclass(frozen=True)
class CounterReading(_Fixed):
    """One READ_COUNTERS item: ``channel`` (u8), ``pulses`` (u32), ``pulse_weight`` (u16)."""

    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">BIH")
    channel: int
    pulses: int
    pulse_weight: int


@dataclass(frozen=True)
class ReadCountersReply(_List):
    """READ_COUNTERS ACK: ``n`` (u8) then ``n`` :class:`CounterReading`."""

    COMMAND: ClassVar[int] = READ_COUNTERS
    _COUNT: ClassVar[struct.Struct] = struct.Struct(">B")
    _ITEM: ClassVar[type] = CounterReading
    _MAX: ClassVar[int] = MAX_COUNTERS
    counters: tuple[CounterReading, ...] = ()


@dataclass(frozen=True)
class ReadProfileRequest(_Fixed):
    """READ_PROFILE request: ``channel`` (u8), ``from_unix_s``, ``to_unix_s`` (u32)."""

    COMMAND: ClassVar[int] = READ_PROFILE
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">BII")
    channel: int
    from_unix_s: int
    to_unix_s: int


@dataclass(frozen=True)
class ProfileHour(_Fixed):
    """One READ_PROFILE item: ``hour_unix_s`` (u32), ``pulses`` (u32)."""

    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">II")
    hour_unix_s: int
    pulses: int


@dataclass(frozen=True)
class ReadProfileReply(_List):
    """READ_PROFILE ACK: ``n`` (u16, at most 120) then ``n`` :class:`ProfileHour`."""

    COMMAND: ClassVar[int] = READ_PROFILE
    _COUNT: ClassVar[struct.Struct] = struct.Struct(">H")
    _ITEM: ClassVar[type] = ProfileHour
    _MAX: ClassVar[int] = MAX_PROFILE_HOURS
    hours: tuple[ProfileHour, ...] = ()


@dataclass(frozen=True)
class ReadEventsRequest(_Fixed):
    """READ_EVENTS request: ``since_index`` (u16)."""

    COMMAND: ClassVar[int] = READ_EVENTS
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">H")
    since_index: int


@dataclass(frozen=True)
class Event(_Fixed):
    """One READ_EVENTS item: ``index`` (u16), ``unix_s`` (u32), ``code`` (u8, ``EVENT_*``)."""

    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">HIB")
    index: int
    unix_s: int
    code: int


@dataclass(frozen=True)
class ReadEventsReply(_List):
    """READ_EVENTS ACK: ``n`` (u8) then ``n`` :class:`Event`."""

    COMMAND: ClassVar[int] = READ_EVENTS
    _COUNT: ClassVar[struct.Struct] = struct.Struct(">B")
    _ITEM: ClassVar[type] = Event
    _MAX: ClassVar[int] = MAX_EVENTS
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class ReadNetworkRequest(_Fixed):
    """READ_NETWORK request: ``start`` (u16, first module index)."""

    COMMAND: ClassVar[int] = READ_NETWORK
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">H")
    start: int


@dataclass(frozen=True)
class NetworkEntry(_Fixed):
    """One READ_NETWORK item.

    ``index`` (u16), ``module_id`` (8 bytes ASCII, NUL-padded), ``parent``
    (u16, 0 = concentrator), ``hops`` (u8), ``rssi_dbm`` (i8), ``neighbours`` (u8).
    """

    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">H8sHBbB")
    _TEXT: ClassVar[dict[str, int]] = {"module_id": 8}
    index: int
    module_id: str
    parent: int
    hops: int
    rssi_dbm: int
    neighbours: int


@dataclass(frozen=True)
class ReadNetworkReply(_List):
    """READ_NETWORK ACK: ``n`` (u8, at most 60) then ``n`` :class:`NetworkEntry`."""

    COMMAND: ClassVar[int] = READ_NETWORK
    _COUNT: ClassVar[struct.Struct] = struct.Struct(">B")
    _ITEM: ClassVar[type] = NetworkEntry
    _MAX: ClassVar[int] = MAX_NETWORK_ENTRIES
    modules: tuple[NetworkEntry, ...] = ()


@dataclass(frozen=True)
class SetThresholdRequest(_Fixed):
    """SET_THRESHOLD request: ``threshold_w`` (u32)."""

    COMMAND: ClassVar[int] = SET_THRESHOLD
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">I")
    threshold_w: int


@dataclass(frozen=True)
class SetThresholdReply(_Fixed):
    """SET_THRESHOLD ACK: ``threshold_w`` (u32, the value now in force)."""

    COMMAND: ClassVar[int] = SET_THRESHOLD
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">I")
    threshold_w: int


@dataclass(frozen=True)
class RelayRequest(_Fixed):
    """RELAY request: ``on`` (u8 0/1, a bool here)."""

    COMMAND: ClassVar[int] = RELAY
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">B")
    _FLAGS: ClassVar[tuple[str, ...]] = ("on",)
    on: bool


@dataclass(frozen=True)
class RelayReply(_Fixed):
    """RELAY ACK: ``on`` (u8 0/1, a bool here), ``switched_unix_ms`` (u64)."""

    COMMAND: ClassVar[int] = RELAY
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">BQ")
    _FLAGS: ClassVar[tuple[str, ...]] = ("on",)
    on: bool
    switched_unix_ms: int


@dataclass(frozen=True)
class GroupShedRequest(_Fixed):
    """GROUP_SHED request (sent to BROADCAST).

    ``group`` (u8), ``shed`` (u8: 1 shed / 0 restore, a bool here),
    ``classes`` (u8 bit mask of ``CLASS_YELLOW`` | ``CLASS_GREEN``; other
    bits must be 0).
    """

    COMMAND: ClassVar[int] = GROUP_SHED
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">BBB")
    _FLAGS: ClassVar[tuple[str, ...]] = ("shed",)
    _MASKS: ClassVar[dict[str, int]] = {"classes": CLASS_YELLOW | CLASS_GREEN}
    group: int
    shed: bool
    classes: int = CLASS_YELLOW | CLASS_GREEN


@dataclass(frozen=True)
class GroupShedReply(_Fixed):
    """GROUP_SHED ACK: ``modules_reached`` (u16)."""

    COMMAND: ClassVar[int] = GROUP_SHED
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">H")
    modules_reached: int


@dataclass(frozen=True)
class SetPulseWeightRequest(_Fixed):
    """SET_PULSE_WEIGHT request: ``channel`` (u8), ``pulse_weight`` (u16)."""

    COMMAND: ClassVar[int] = SET_PULSE_WEIGHT
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">BH")
    channel: int
    pulse_weight: int


@dataclass(frozen=True)
class SetPulseWeightReply(_Fixed):
    """SET_PULSE_WEIGHT ACK: ``channel`` (u8), ``pulse_weight`` (u16, now in force)."""

    COMMAND: ClassVar[int] = SET_PULSE_WEIGHT
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">BH")
    channel: int
    pulse_weight: int


@dataclass(frozen=True)
class ReadStatusRequest(_Fixed):
    """READ_STATUS request (v1.1): empty payload."""

    COMMAND: ClassVar[int] = READ_STATUS


@dataclass(frozen=True)
class ReadStatusReply(_Fixed):
    """READ_STATUS ACK (v1.1): power, battery and radio status of the concentrator or a module.

    ``kind`` (u8), ``power`` (u8: ``POWER_*``), ``supply_mv`` (u16: battery
    terminal voltage, or the supply rail of a mains device), ``battery_pct``
    (u8 0..100, ``NO_BATTERY``), ``flags`` (u8: ``STATUS_*`` bits),
    ``rssi_dbm`` (i8, ``NO_RSSI``), ``hops`` (u8, 255 no route), ``parent``
    (u16), ``uptime_s`` (u32), ``last_heard_unix_s`` (u32).
    """

    COMMAND: ClassVar[int] = READ_STATUS
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">BBHBBbBHII")
    _MASKS: ClassVar[dict[str, int]] = {
        "flags": STATUS_BATTERY_LOW | STATUS_PULSE_LINE_FAULT | STATUS_MAGNET | STATUS_NO_ROUTE}
    kind: int
    power: int
    supply_mv: int
    battery_pct: int
    flags: int
    rssi_dbm: int
    hops: int
    parent: int
    uptime_s: int
    last_heard_unix_s: int


@dataclass(frozen=True)
class ReadRelayRequest(_Fixed):
    """READ_RELAY request (v1.1): empty payload."""

    COMMAND: ClassVar[int] = READ_RELAY


@dataclass(frozen=True)
class ReadRelayReply(_Fixed):
    """READ_RELAY ACK (v1.1): a module's AD220 relay.

    ``fitted`` (u8 0/1), ``on`` (u8 0/1), ``switched_unix_ms`` (u64, 0 never
    switched), ``socket_class`` (u8: ``CLASS_RED`` 0, ``CLASS_YELLOW`` 1,
    ``CLASS_GREEN`` 2), ``group`` (u8, 1..255), ``pending`` (u8 0/1: a
    GROUP_SHED switch is on its way).
    """

    COMMAND: ClassVar[int] = READ_RELAY
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">BBQBBB")
    _FLAGS: ClassVar[tuple[str, ...]] = ("fitted", "on", "pending")
    fitted: bool
    on: bool
    switched_unix_ms: int
    socket_class: int
    group: int
    pending: bool
