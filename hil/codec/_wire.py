"""Packing machinery shared by the payload records (:mod:`hil.codec.records`)."""

from __future__ import annotations

import struct
from dataclasses import fields
from typing import ClassVar

from hil.codec.frame import ProtocolError


def _fail(record: type, detail: str) -> ProtocolError:
    return ProtocolError("payload", f"{record.__name__}: {detail}")


def _flag(record: type, name: str, value: object) -> int:
    """Wire value of a 0/1 field (bool or int); rejects anything else."""
    if value not in (0, 1):
        raise _fail(record, f"{name} must be 0/1 or a bool, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def _text(record: type, name: str, value: str, size: int) -> bytes:
    """ASCII text, NUL-padded to ``size`` bytes."""
    try:
        raw = value.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise _fail(record, f"{name} must be ASCII text, got {value!r}") from None
    if len(raw) > size or b"\0" in raw:
        raise _fail(record, f"{name} {value!r} longer than {size} bytes or contains NUL")
    return raw.ljust(size, b"\0")


def _untext(record: type, name: str, raw: bytes) -> str:
    """Decodes NUL-padded ASCII (trailing NULs stripped, none allowed inside)."""
    text = raw.rstrip(b"\0")
    if b"\0" in text or not text.isascii():
        raise _fail(record, f"{name} is not NUL-padded ASCII: {raw!r}")
    return text.decode("ascii")


class _Fixed:
    """Base of fixed-size records: one ``struct`` format, fields in order.

    Subclasses declare ``_STRUCT`` and, for fields that are not plain
    integers, ``_TEXT`` (name -> width: ASCII, NUL-padded, ``str`` in the
    record), ``_FLAGS`` (names of 0/1 fields, ``bool`` in the record) and
    ``_MASKS`` (name -> allowed bits).
    """

    COMMAND: ClassVar[int]
    _STRUCT: ClassVar[struct.Struct] = struct.Struct(">")
    _TEXT: ClassVar[dict[str, int]] = {}
    _FLAGS: ClassVar[tuple[str, ...]] = ()
    _MASKS: ClassVar[dict[str, int]] = {}

    @classmethod
    def _check_masks(cls, values: dict[str, object]) -> None:
        for name, allowed in cls._MASKS.items():
            value = values[name]
            if isinstance(value, int) and value & ~allowed:
                raise _fail(cls, f"{name}={value:#04x} has bits outside {allowed:#04x}")

    def _wire(self) -> tuple:
        cls = type(self)
        values = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        cls._check_masks(values)
        for name in cls._FLAGS:
            values[name] = _flag(cls, name, values[name])
        for name, size in cls._TEXT.items():
            values[name] = _text(cls, name, values[name], size)
        return tuple(values.values())

    @classmethod
    def _from_wire(cls, raw: tuple):
        values = dict(zip((f.name for f in fields(cls)), raw))  # type: ignore[arg-type]
        cls._check_masks(values)
        for name in cls._FLAGS:
            values[name] = bool(_flag(cls, name, values[name]))
        for name in cls._TEXT:
            values[name] = _untext(cls, name, values[name])
        return cls(**values)

    def pack(self) -> bytes:
        """Serialises the record to its payload bytes.

        Raises:
            ProtocolError: kind ``"payload"``, if a value does not fit.
        """
        try:
            return self._STRUCT.pack(*self._wire())
        except struct.error as exc:
            raise _fail(type(self), str(exc)) from None

    @classmethod
    def unpack(cls, payload: bytes):
        """Parses payload bytes into a record.

        Raises:
            ProtocolError: kind ``"payload"``, if the payload is malformed.
        """
        if len(payload) != cls._STRUCT.size:
            raise _fail(cls, f"{len(payload)} bytes, expected {cls._STRUCT.size}")
        return cls._from_wire(cls._STRUCT.unpack(payload))


class _List:
    """Base of list replies: a count (u8 or u16), then fixed-size items."""

    COMMAND: ClassVar[int]
    _COUNT: ClassVar[struct.Struct]
    _ITEM: ClassVar[type[_Fixed]]
    _MAX: ClassVar[int]

    def __post_init__(self) -> None:
        name = fields(self)[0].name  # type: ignore[arg-type]
        object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def items(self) -> tuple:
        """The list field (``counters``, ``hours``, ``events`` or ``modules``)."""
        return getattr(self, fields(self)[0].name)  # type: ignore[arg-type]

    def pack(self) -> bytes:
        """Serialises the count and the items (same contract as ``_Fixed.pack``)."""
        items = self.items
        if len(items) > self._MAX:
            raise _fail(type(self), f"{len(items)} items, at most {self._MAX}")
        for item in items:
            if not isinstance(item, self._ITEM):
                raise _fail(type(self), f"item {item!r} is not a {self._ITEM.__name__}")
        return self._COUNT.pack(len(items)) + b"".join(item.pack() for item in items)

    @classmethod
    def unpack(cls, payload: bytes):
        """Parses the count and the items (same contract as ``_Fixed.unpack``)."""
        head, size = cls._COUNT.size, cls._ITEM._STRUCT.size
        if len(payload) < head:
            raise _fail(cls, "missing item count")
        (n,) = cls._COUNT.unpack_from(payload)
        if n > cls._MAX:
            raise _fail(cls, f"{n} items, at most {cls._MAX}")
        if len(payload) != head + n * size:
            raise _fail(cls, f"{len(payload)} bytes for {n} items, expected {head + n * size}")
        return cls(tuple(cls._ITEM.unpack(payload[i : i + size]) for i in range(head, len(payload), size)))
