"""Saving and loading sites as JSON, and validating them.

Format (``docs/site-format.md``): one JSON object with ``"format":
"balance-twin-site"``, ``"version": 1``, the site ``name`` and the lists
``groups``, ``consumers``, ``meters``, ``modules``, ``concentrators`` and an
optional ``network`` object. Every record is its dataclass in
:mod:`scenarios.site` with the same field names; positions are objects
``{"x_m", "y_m", "floor"}``; the network's line codes are a list.

Loading checks the file completely and raises :class:`InputError` with one
line naming the file and the JSON location of the first problem, e.g.
``site.json: meters[12].group_id: unknown group 'G9'``.
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import MISSING, asdict, fields
from enum import Enum
from pathlib import Path
from typing import Any

from scenarios.errors import InputError
from scenarios.site import (
    Bus,
    Concentrator,
    Consumer,
    Group,
    Line,
    LineCode,
    Meter,
    Module,
    Network,
    Position,
    Site,
    Source,
    Transformer,
)
from scenarios.generators.site_checks import site_problems

FORMAT = "balance-twin-site"
VERSION = 1
#: Top-level lists and their record types, in file order.
_LISTS = (("groups", Group), ("consumers", Consumer), ("meters", Meter), ("modules", Module),
          ("concentrators", Concentrator))


class _Bad(Exception):
    """A problem at a JSON location (turned into InputError with the file name)."""

    def __init__(self, loc: str, msg: str) -> None:
        super().__init__(f"{loc}: {msg}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def site_to_dict(site: Site) -> dict[str, Any]:
    """Returns the site as the JSON object of the file format."""
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": site.name}
    for key, _ in _LISTS:
        out[key] = [_jsonable(asdict(r)) for r in getattr(site, key)]
    net = site.network
    out["network"] = None if net is None else {
        "source": asdict(net.source),
        "transformer": asdict(net.transformer),
        "buses": [asdict(b) for b in net.buses],
        "linecodes": [asdict(c) for c in net.linecodes.values()],
        "lines": [asdict(ln) for ln in net.lines],
    }
    if site.origin_lonlat is not None:
        out["origin_lonlat"] = [float(v) for v in site.origin_lonlat]
    if net is not None and net.extra_transformers:
        out["network"]["extra_transformers"] = [asdict(t) for t in net.extra_transformers]
    return out


def save_site(site: Site, path: str | Path) -> None:
    """Writes ``site`` to ``path`` as JSON (UTF-8, indented)."""
    Path(path).write_text(json.dumps(site_to_dict(site), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _value(hint: Any, value: Any, loc: str) -> Any:
    """Converts one JSON value to the field type ``hint``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if value is None else _value(args[0], value, loc)
    if typing.get_origin(hint) is list:
        if not isinstance(value, list):
            raise _Bad(loc, f"expected an array, got {_type_name(value)}")
        return [_value(typing.get_args(hint)[0], v, f"{loc}[{i}]") for i, v in enumerate(value)]
    if isinstance(hint, type) and issubclass(hint, Enum):
        allowed = [e.value for e in hint]
        if value not in allowed:
            raise _Bad(loc, f"invalid {hint.__name__.lower()} {value!r} (expected one of {', '.join(allowed)})")
        return hint(value)
    if hint is Position:
        return _record(Position, value, loc)
    if hint is str:
        if not isinstance(value, str):
            raise _Bad(loc, f"expected a string, got {_type_name(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(loc, f"expected an integer, got {_type_name(value)} {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Bad(loc, f"expected a number, got {_type_name(value)}")
        if not math.isfinite(value):
            raise _Bad(loc, f"expected a finite number, got {value}")
        return float(value)
    raise TypeError(f"no JSON decoder for {hint!r}")  # a field type this module does not know


def _record(cls: type, obj: Any, loc: str) -> Any:
    """Builds dataclass ``cls`` from a JSON object, checking fields and types."""
    if not isinstance(obj, dict):
        raise _Bad(loc, f"expected an object, got {_type_name(obj)}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    for key in obj:
        if key not in names:
            raise _Bad(f"{loc}.{key}", f"unknown field (fields of {cls.__name__}: {', '.join(names)})")
    kwargs = {}
    for f in fields(cls):
        if f.name in obj:
            kwargs[f.name] = _value(hints[f.name], obj[f.name], f"{loc}.{f.name}")
        elif f.default is MISSING and f.default_factory is MISSING:
            raise _Bad(f"{loc}.{f.name}", "missing required field")
    return cls(**kwargs)


def _list(cls: type, value: Any, loc: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(loc, f"expected an array, got {_type_name(value)}")
    return [_record(cls, item, f"{loc}[{i}]") for i, item in enumerate(value)]


def _network(obj: Any) -> Network | None:
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise _Bad("network", f"expected an object or null, got {_type_name(obj)}")
    parts = ("source", "transformer", "buses", "linecodes", "lines", "extra_transformers")
    for key in obj:
        if key not in parts:
            raise _Bad(f"network.{key}", f"unknown field (fields of network: {', '.join(parts)})")
    for key in parts[:-1]:
        if key not in obj:
            raise _Bad(f"network.{key}", "missing required field")
    codes: dict[str, LineCode] = {}
    for i, code in enumerate(_list(LineCode, obj["linecodes"], "network.linecodes")):
        if code.name in codes:
            raise _Bad(f"network.linecodes[{i}].name", f"duplicate linecode '{code.name}'")
        codes[code.name] = code
    return Network(
        source=_record(Source, obj["source"], "network.source"),
        transformer=_record(Transformer, obj["transformer"], "network.transformer"),
        buses=_list(Bus, obj["buses"], "network.buses"),
        linecodes=codes,
        lines=_list(Line, obj["lines"], "network.lines"),
        extra_transformers=_list(Transformer, obj.get("extra_transformers", []), "network.extra_transformers"),
    )


def site_from_dict(data: Any, source: str = "site") -> Site:
    """Builds a site from the JSON object of the file format, without validating it.

    Args:
        data: The parsed JSON.
        source: What to name in an error message (the file name).

    Raises:
        InputError: A structural problem (missing field, wrong type, bad enum value).
    """
    try:
        return _site(data)
    except _Bad as exc:
        raise InputError(f"{source}: {exc}") from None


def _site(data: Any) -> Site:
    if not isinstance(data, dict):
        raise _Bad("(top level)", f"expected an object, got {_type_name(data)}")
    if data.get("format") != FORMAT:
        raise _Bad("format", f"expected {FORMAT!r}, got {data.get('format')!r}")
    if data.get("version") != VERSION:
        raise _Bad("version", f"unsupported version {data.get('version')!r} (this reader knows {VERSION})")
    known = ("format", "version", "name", "network", "origin_lonlat") + tuple(k for k, _ in _LISTS)
    for key in data:
        if key not in known:
            raise _Bad(key, f"unknown field (top-level fields: {', '.join(known)})")
    for key in known:
        if key not in data and key not in ("network", "origin_lonlat"):
            raise _Bad(key, "missing required field")
    name = _value(str, data["name"], "name")
    lists = {key: _list(cls, data[key], key) for key, cls in _LISTS}
    return Site(name=name, network=_network(data.get("network")), origin_lonlat=_origin(data.get("origin_lonlat")),
                **lists)


def _origin(value: Any) -> tuple[float, float] | None:
    """The optional ``origin_lonlat``: ``[lon, lat]`` in WGS84 degrees, or null."""
    if value is None:
        return None
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))
    if not ok or not (-180.0 <= value[0] <= 180.0 and -90.0 <= value[1] <= 90.0):
        raise _Bad("origin_lonlat", f"expected [lon, lat] in degrees, got {value!r}")
    return float(value[0]), float(value[1])


class _DuplicateKey(Exception):
    """A JSON object names the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads`` object hook: a dict, or :class:`_DuplicateKey` for a repeated key."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def duplicate_key_line(text: str, key: str) -> int | None:
    """Line of the second ``key`` within one JSON object of ``text`` (a small scanner; None if not found)."""
    stack: list[set[str]] = []
    line, i, n = 1, 0, len(text)
    expect_key = False
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "{":
            stack.append(set())
            expect_key = True
        elif ch == "}":
            if stack:
                stack.pop()
        elif ch == ",":
            expect_key = True
        elif ch == "[":
            expect_key = False
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            raw = text[i:j + 1]
            k = j + 1
            while k < n and text[k] in " \t\r\n":
                k += 1
            if expect_key and stack and k < n and text[k] == ":":
                try:
                    name = json.loads(raw)
                except ValueError:
                    name = raw[1:-1]
                if name == key and name in stack[-1]:
                    return line
                stack[-1].add(name)
            line += raw.count("\n")
            expect_key = False
            i = j
        i += 1
    return None


def validate_site(site: Site, source: str | None = None, cable_length_max_m: float | None = None) -> None:
    """Checks a site's references and limits (see :mod:`scenarios.generators.site_checks`).

    Args:
        site: The site.
        source: What to name in the message (a file name); ``site '<name>'`` by default.
        cable_length_max_m: Longest meter-to-module cable, m; the vendor's 10 m by default.

    Raises:
        InputError: ``"<source>: <location>: <problem>"`` for the first problem found.
    """
    for loc, msg in site_problems(site, cable_length_max_m):
        raise InputError(f"{source or f'site {site.name!r}'}: {loc}: {msg}")


def load_site(path: str | Path, cable_length_max_m: float | None = None) -> Site:
    """Reads and validates a site file.

    Args:
        path: The JSON file.
        cable_length_max_m: Longest meter-to-module cable, m; the vendor's 10 m by default.

    Raises:
        InputError: One line naming the file and the JSON location of the problem.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: site file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the site file ({exc})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: line {exc.lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    except _DuplicateKey as exc:
        line = duplicate_key_line(text, exc.key)
        where = f"line {line}: " if line else ""
        raise InputError(f"{p}: {where}duplicate key {exc.key!r} in one object (JSON would silently keep "
                         "the last value; write each key once)") from None
    site = site_from_dict(data, str(p))
    validate_site(site, str(p), cable_length_max_m)
    return site
