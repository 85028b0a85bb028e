"""Reader for the IEEE PES European LV test feeder shipped with the package.

The feeder is distributed as OpenDSS scripts (``scenarios/data/ieee_eu_lv``,
BSD-3 licence in ``LICENSE-EPRI.txt``). This module parses them into the typed
:class:`~scenarios.site.Network` and a list of :class:`FeederLoad`, so that the
grid model and OpenDSS see exactly the same lines, transformer and source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from scenarios.errors import InputError
from scenarios.site import Bus, Line, LineCode, Network, Source, Transformer

#: Nominal LV phase-to-neutral voltage the feeder's results are expressed in.
V_BASE_LN_KV = 0.416 / np.sqrt(3.0)
#: Power factor of every load in Loads.txt.
LOAD_POWER_FACTOR = 0.95
#: OpenDSS node number → phase letter.
_NODE_PHASE = {"1": "A", "2": "B", "3": "C"}


@dataclass(frozen=True)
class FeederLoad:
    """One of the feeder's 55 single-phase loads.

    Attributes:
        name: Name as in Loads.txt, e.g. ``"LOAD1"``.
        bus: Bus name.
        phase: ``"A"``, ``"B"`` or ``"C"``.
        kv: Rated voltage of the load (0.23 kV).
        shape: Index of its daily shape (``load_profile_<shape>.txt``).
    """

    name: str
    bus: str
    phase: str
    kv: float
    shape: int


def data_dir() -> Path:
    """Returns the directory holding the shipped feeder files."""
    return Path(str(resources.files("scenarios"))) / "data" / "ieee_eu_lv"


def _props(line: str) -> dict[str, str]:
    """Parses ``key=value`` pairs of one OpenDSS ``New`` command (keys lower-case)."""
    out: dict[str, str] = {}
    for m in re.finditer(r"(\w[\w%]*)\s*=\s*(\[[^\]]*\]|\([^)]*\)|\S+)", line):
        out[m.group(1).lower()] = m.group(2)
    return out


def _commands(path: Path, kind: str) -> list[tuple[str, dict[str, str]]]:
    """Returns (name, properties) of every ``New <kind>.<name>`` line of a file."""
    if not path.is_file():
        raise InputError(f"{path}: feeder file not found")
    found = []
    pattern = re.compile(rf"^\s*New\s+{kind}\.(\S+)\s+(.*)$", re.IGNORECASE)
    for row, text in enumerate(path.read_text().splitlines(), start=1):
        m = pattern.match(text)
        if m:
            found.append((m.group(1), _props(m.group(2))))
    if not found:
        raise InputError(f"{path}: no '{kind}' definitions found")
    return found


def _list(value: str) -> list[str]:
    return [v for v in re.split(r"[\s,]+", value.strip("[]() ")) if v]


def _float(path: Path, name: str, props: dict[str, str], key: str, default: float | None = None) -> float:
    if key not in props:
        if default is None:
            raise InputError(f"{path}: {name} has no '{key}='")
        return default
    try:
        return float(props[key])
    except ValueError as exc:
        raise InputError(f"{path}: {name} has a non-numeric '{key}={props[key]}'") from exc


def load_network(directory: Path | None = None) -> Network:
    """Parses the feeder's source, transformer, line codes, lines and buses.

    Args:
        directory: Folder with the OpenDSS files; the shipped copy by default.

    Returns:
        The feeder as a :class:`Network`. Lines keep their OpenDSS names.
    """
    d = Path(directory) if directory else data_dir()
    codes: dict[str, LineCode] = {}
    for name, p in _commands(d / "LineCode.txt", "LineCode"):
        codes[name] = LineCode(
            name=name,
            r1_ohm_per_km=_float(d, name, p, "r1"),
            x1_ohm_per_km=_float(d, name, p, "x1"),
            r0_ohm_per_km=_float(d, name, p, "r0"),
            x0_ohm_per_km=_float(d, name, p, "x0"),
        )
    lines = []
    for name, p in _commands(d / "Lines.txt", "Line"):
        code = p.get("linecode", "")
        if code not in codes:
            raise InputError(f"{d / 'Lines.txt'}: {name} uses unknown linecode '{code}'")
        if p.get("units", "m").lower() != "m":
            raise InputError(f"{d / 'Lines.txt'}: {name} length units must be 'm'")
        lines.append(Line(name, p["bus1"].split(".")[0], p["bus2"].split(".")[0], code, _float(d, name, p, "length")))
    buses = []
    coords = d / "Buscoords.txt"
    for row, text in enumerate(coords.read_text().splitlines(), start=1):
        parts = text.split()
        if not parts:
            continue
        try:
            buses.append(Bus(parts[0], float(parts[1]), float(parts[2])))
        except (IndexError, ValueError) as exc:
            raise InputError(f"{coords}: row {row}: expected 'bus x y', got {text!r}") from exc
    (tname, tp), = _commands(d / "Transformers.txt", "Transformer")[:1]
    kvs = [float(v) for v in _list(tp["kvs"])]
    kvas = [float(v) for v in _list(tp["kvas"])]
    conns = [c.lower() for c in _list(tp.get("conns", "[delta wye]"))]
    r_pct = 2 * float(tp.get("%r", 0.2)) if "%loadloss" not in tp else float(tp["%loadloss"])
    transformer = Transformer(
        name=tname,
        lv_bus=_list(tp["buses"])[1].split(".")[0],
        sn_kva=kvas[0],
        vn_hv_kv=kvs[0],
        vn_lv_kv=kvs[1],
        x_percent=float(tp.get("xhl", 7.0)),
        r_percent=r_pct,
        vector_group=("D" if conns[0].startswith("d") else "Y") + ("yn" if conns[1].startswith("w") else "d"),
    )
    source = _parse_source(d / "Master.dss")
    return Network(source=source, transformer=transformer, buses=buses, linecodes=codes, lines=lines)


def _parse_source(master: Path) -> Source:
    """Reads the ``Edit Vsource.Source`` line of Master.dss."""
    for text in master.read_text().splitlines():
        if re.match(r"^\s*Edit\s+Vsource\.Source", text, re.IGNORECASE):
            p = _props(text)
            return Source(
                vn_kv=_float(master, "Vsource", p, "basekv"),
                vm_pu=_float(master, "Vsource", p, "pu", 1.0),
                isc3_a=_float(master, "Vsource", p, "isc3", 10000.0),
                isc1_a=_float(master, "Vsource", p, "isc1", 10500.0),
                x1r1=_float(master, "Vsource", p, "x1r1", 4.0),
                x0r0=_float(master, "Vsource", p, "x0r0", 3.0),
            )
    raise InputError(f"{master}: no 'Edit Vsource.Source' line")


def load_loads(directory: Path | None = None) -> list[FeederLoad]:
    """Parses Loads.txt and LoadShapes.txt into the feeder's 55 loads."""
    d = Path(directory) if directory else data_dir()
    shapes: dict[str, int] = {}
    for name, p in _commands(d / "LoadShapes.txt", "Loadshape"):
        m = re.search(r"load_profile_(\d+)\.txt", p.get("mult", ""))
        if not m:
            raise InputError(f"{d / 'LoadShapes.txt'}: {name} does not point at a load_profile_N.txt file")
        shapes[name.lower()] = int(m.group(1))
    loads = []
    for name, p in _commands(d / "Loads.txt", "Load"):
        bus, _, node = p["bus1"].partition(".")
        if node not in _NODE_PHASE:
            raise InputError(f"{d / 'Loads.txt'}: {name} bus1={p['bus1']} is not on a single phase node 1-3")
        shape = p.get("yearly", p.get("daily", "")).lower()
        if shape not in shapes:
            raise InputError(f"{d / 'Loads.txt'}: {name} uses unknown load shape '{shape}'")
        loads.append(FeederLoad(name, bus, _NODE_PHASE[node], _float(d, name, p, "kv"), shapes[shape]))
    return loads


def load_shape(shape: int, directory: Path | None = None) -> np.ndarray:
    """Returns daily shape ``shape`` (1..100) as 1440 values of kW, one per minute."""
    d = Path(directory) if directory else data_dir()
    path = d / "Daily_1min_100profiles" / f"load_profile_{shape}.txt"
    if not path.is_file():
        raise InputError(f"{path}: load shape {shape} not found (shapes are 1..100)")
    values = []
    for row, text in enumerate(path.read_text().splitlines(), start=1):
        if not text.strip():
            continue
        try:
            values.append(float(text))
        except ValueError as exc:
            raise InputError(f"{path}: row {row}: not a number: {text.strip()!r}") from exc
    if len(values) != 1440:
        raise InputError(f"{path}: expected 1440 one-minute values, found {len(values)}")
    return np.asarray(values)


def all_shapes(directory: Path | None = None) -> np.ndarray:
    """Returns all 100 daily shapes as an array of shape (100, 1440), kW."""
    return np.vstack([load_shape(i, directory) for i in range(1, 101)])
