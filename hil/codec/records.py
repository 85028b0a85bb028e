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
