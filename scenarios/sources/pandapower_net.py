"""A pandapower net as a BALANCE network and load list.

Reads what a low-voltage feeder in pandapower holds and maps it onto the
site model (:class:`~scenarios.site.Network`):

* ``ext_grid`` (exactly one in service) → :class:`~scenarios.site.Source`:
  its ``vm_pu``, and a Thevenin impedance from ``s_sc_max_mva`` / ``rx_max``
  when given (else a stiff source). A net written by this package (an
  ``ext_grid`` behind a line flagged ``source_impedance``) gives back its
  source exactly.
* ``trafo`` (one or more in service, all on the same MV bus: the first is the
  site's transformer, the others its further substations) → :class:`~scenarios.site.Transformer`:
  ``sn_mva``, ``vn_hv_kv``, ``vn_lv_kv``, ``vk_percent``/``vkr_percent``,
  ``pfe_kw`` (no-load loss), ``Dyn`` or ``Yyn``; an off-neutral tap is folded
  into the source voltage. The magnetising current (``i0_percent``) is left out.
* ``bus`` of the LV side (reached from a transformer's LV bus through lines
  and closed bus-bus switches; such switches merge their buses), coordinates
  from ``bus.geo`` (GeoJSON points) or ``bus_geodata``: WGS84 degrees are
  projected to metres around the LV busbar, whose lon/lat is returned.
* ``line`` in service (and not opened by a line switch) → lines with their
  positive-sequence impedance; zero sequence from ``r0_ohm_per_km`` /
  ``x0_ohm_per_km`` when present, else 4 × the positive sequence (a four-core
  cable whose neutral equals a phase conductor: R0 = Rph + 3·Rn); ``parallel``
  circuits divide the impedance. Shunt capacitance is left out.
* ``load`` → balanced three-phase loads (``ABC``); ``asymmetric_load`` →
  its ``phase`` column when written by this package, else the phase carrying
  power (``ABC`` when several do).
* ``sgen`` → returned as generators for the caller to map (SimBench PV).

Everything else in service (``gen``, ``storage``, ``shunt``, ``trafo3w``,
``impedance``, ``ward``, MV loads, ...) is named in :attr:`NetImport.unsupported`,
which the caller reports in one line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from scenarios.errors import InputError
from scenarios.site import Bus, Line, LineCode, Network
from scenarios.sources.assemble import ImportedLoad
from scenarios.sources.geo import fill_missing, looks_like_lonlat, project_lonlat
from scenarios.sources.pandapower_mv import finite, in_service, one_in_service, read_source, read_transformer
from scenarios.sources.topology import reachable

#: Zero-sequence over positive-sequence impedance when the net gives none.
ZERO_SEQUENCE_RATIO = 4.0
#: Element tables this reader maps; any other non-empty table is reported.
SUPPORTED = ("bus", "line", "trafo", "ext_grid", "load", "asymmetric_load", "sgen", "switch")
#: Tables that hold network elements (pandapower's element list, results excluded).
ELEMENT_TABLES = ("gen", "storage", "shunt", "ward", "xward", "impedance", "dcline", "trafo3w", "motor",
                  "svc", "tcsc", "ssc", "vsc", "asymmetric_sgen", "bus_dc", "line_dc", "source_dc", "load_dc")


@dataclass
class Generator:
    """A static generator (``sgen``) on an LV bus.

    Attributes:
        name: Unique name.
        bus: Bus name.
        index: Row index in ``net.sgen``.
    """

    name: str
    bus: str
    index: int


@dataclass
class NetImport:
    """What :func:`read_net` found.

    Attributes:
        network: The LV network (coordinates in metres, LV busbar at the origin
            when projected from degrees).
        loads: One entry per in-service LV load (profile ``None``).
        load_rows: Load name → ``(table, index)`` in the net.
        generators: In-service LV static generators.
        origin_lonlat: WGS84 lon/lat of the LV busbar, or ``None``.
        unsupported: One phrase per element kind that was not imported.
    """

    network: Network
    loads: list[ImportedLoad]
    load_rows: dict[str, tuple[str, int]]
    generators: list[Generator]
    origin_lonlat: tuple[float, float] | None
    unsupported: list[str] = field(default_factory=list)


def _coords(net, idx: int) -> tuple[float, float] | None:
    """(x, y) of a bus from ``bus.geo`` (GeoJSON) or ``bus_geodata``."""
    if "geo" in net.bus.columns:
        geo = net.bus.at[idx, "geo"]
        if isinstance(geo, str) and geo:
            try:
                c = json.loads(geo).get("coordinates")
                return float(c[0]), float(c[1])
            except (ValueError, AttributeError, TypeError, IndexError):
                return None
        if isinstance(geo, dict):
            c = geo.get("coordinates")
            return (float(c[0]), float(c[1])) if c else None
    geodata = net.get("bus_geodata") if hasattr(net, "get") else None
    if isinstance(geodata, pd.DataFrame) and idx in geodata.index:
        x, y = geodata.at[idx, "x"], geodata.at[idx, "y"]
        if finite(x) and finite(y):
            return float(x), float(y)
    return None


class _Union:
    """Union-find over bus indices (closed bus-bus switches merge buses)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, a: int) -> int:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _phase_of(row: pd.Series) -> str:
    if isinstance(row.get("phase"), str) and row["phase"] in ("A", "B", "C", "ABC"):
        return row["phase"]
    live = [ph for ph in "abc" if abs(float(row.get(f"p_{ph}_mw", 0) or 0)) + abs(float(row.get(f"q_{ph}_mvar", 0) or 0)) > 0]
    return live[0].upper() if len(live) == 1 else "ABC"


def _unique_names(df: pd.DataFrame, prefix: str) -> dict[int, str]:
    names = df["name"] if "name" in df.columns else pd.Series([None] * len(df), index=df.index)
    counts = names.value_counts(dropna=True)
    out = {}
    for idx, nm in names.items():
        ok = isinstance(nm, str) and nm.strip() and counts.get(nm, 0) == 1
        out[int(idx)] = nm.strip() if ok else f"{prefix}{idx}"
    return out


def read_net(net, where: str) -> NetImport:
    """Maps a pandapower LV feeder onto the site model (module docstring).

    Args:
        net: The pandapower net.
        where: What to name in messages (a file name or a SimBench code).

    Raises:
        InputError: One line naming ``where`` and the problem.
    """
    eg = one_in_service(net, "ext_grid", "external grid", where)
    trafos = in_service(net.trafo)
    if len(trafos) == 0:
        raise InputError(f"{where}: needs at least one two-winding transformer in service (trafo), found 0")
    trafo = trafos.iloc[0]
    if (trafos["hv_bus"] != trafo["hv_bus"]).any():
        raise InputError(f"{where}: the transformers sit on different MV buses; substations must share one MV bus")
    source, mv_buses, source_lines = read_source(net, eg, trafo, where)
    union = _Union()
    switches = net.switch if "switch" in net else pd.DataFrame()
    open_lines: set[int] = set()
    for _, sw in switches.iterrows():
        closed = bool(sw.get("closed", True))
        if sw["et"] == "b" and closed:
            union.join(int(sw["bus"]), int(sw["element"]))
        elif sw["et"] == "l" and not closed:
            open_lines.add(int(sw["element"]))
    lines = in_service(net.line)
    lines = lines[~lines.index.isin(open_lines) & ~lines.index.isin(source_lines)]
    lv_roots = [union.find(int(b)) for b in trafos["lv_bus"]]
    lv_root = lv_roots[0]
    index = list(lines.index)
    edges = [(union.find(int(lines.at[i, "from_bus"])), union.find(int(lines.at[i, "to_bus"]))) for i in index]
    reached, hit = set(), set()
    for root in lv_roots:  # every substation's LV network
        more, more_hit = reachable(root, edges)
        reached |= more
        hit |= set(more_hit)
    used = [index[k] for k in sorted(hit)]
    bus_names = _unique_names(net.bus, "bus")
    name_of = {b: bus_names[b] for b in reached}
    xy_raw = {b: _coords(net, b) for b in reached}
    known = [v for v in xy_raw.values() if v is not None]
    origin = None
    lv_xy = xy_raw.get(lv_root)
    if known and lv_xy is not None and looks_like_lonlat([x for x, _ in known], [y for _, y in known]):
        origin = lv_xy
        xy = {b: (project_lonlat(*v, origin) if v is not None else None) for b, v in xy_raw.items()}
    else:
        xy = dict(xy_raw)
    if any(v is None for v in xy.values()):
        edges = [(union.find(int(lines.at[i, "from_bus"])), union.find(int(lines.at[i, "to_bus"])),
                  float(lines.at[i, "length_km"]) * 1e3) for i in used]
        for root in lv_roots:
            xy = fill_missing(xy, root, edges)
    buses = [Bus(name_of[b], float(xy[b][0]), float(xy[b][1])) for b in sorted(reached)]
    linecodes: dict[str, LineCode] = {}
    net_lines: list[Line] = []
    line_names = _unique_names(net.line, "line")
    for idx in sorted(used):
        ln = lines.loc[idx]
        par = float(ln.get("parallel", 1) or 1)
        r1, x1 = float(ln.r_ohm_per_km) / par, float(ln.x_ohm_per_km) / par
        r0 = float(ln.r0_ohm_per_km) / par if "r0_ohm_per_km" in ln and finite(ln.r0_ohm_per_km) else ZERO_SEQUENCE_RATIO * r1
        x0 = float(ln.x0_ohm_per_km) / par if "x0_ohm_per_km" in ln and finite(ln.x0_ohm_per_km) else ZERO_SEQUENCE_RATIO * x1
        code = LineCode(_code_name(ln, r1, x1), r1, x1, r0, x0, float(ln.max_i_ka) * par if finite(ln.max_i_ka) else 0.3)
        if code.name in linecodes and linecodes[code.name] != code:
            code = LineCode(f"{code.name}#{len(linecodes)}", r1, x1, r0, x0, code.max_i_ka)
        linecodes.setdefault(code.name, code)
        net_lines.append(Line(line_names[idx], name_of[union.find(int(ln.from_bus))],
                              name_of[union.find(int(ln.to_bus))], code.name, float(ln.length_km) * 1e3))
    tr_names = _unique_names(net.trafo, "trafo")
    unsupported: list[str] = []
    transformers, taps = [], []
    for (idx, row), root in zip(trafos.iterrows(), lv_roots):
        tr, tap, note = read_transformer(row, name_of[root], tr_names[int(idx)])
        transformers.append(tr)
        taps.append(tap)
        if note:
            unsupported.append(note)
    source.vm_pu *= taps[0]
    if any(abs(t - taps[0]) > 1e-9 for t in taps[1:]):
        unsupported.append("tap positions differing between transformers (the first one's is used)")
    loads, rows = _loads(net, union, name_of, mv_buses, unsupported)
    generators = _generators(net, union, name_of, unsupported)
    for table in ELEMENT_TABLES:
        df = net[table] if table in net else None
        if isinstance(df, pd.DataFrame) and len(in_service(df)):
            unsupported.append(f"{table} ({len(in_service(df))})")
    dropped_lines = len(in_service(net.line)) - len(used) - len(source_lines) - len(open_lines & set(net.line.index))
    if dropped_lines > 0:
        unsupported.append(f"line outside the LV feeder ({dropped_lines})")
    network = Network(source, transformers[0], buses, linecodes, net_lines, extra_transformers=transformers[1:])
    return NetImport(network, loads, rows, generators, origin, unsupported)


def _code_name(ln: pd.Series, r1: float, x1: float) -> str:
    std = ln.get("std_type")
    if isinstance(std, str) and std.strip():
        return std.strip()
    return f"R{r1:.4g}X{x1:.4g}"


def _loads(net, union: _Union, name_of: dict[int, str], mv_buses: set[int],
           unsupported: list[str]) -> tuple[list[ImportedLoad], dict[str, tuple[str, int]]]:
    out: list[ImportedLoad] = []
    rows: dict[str, tuple[str, int]] = {}
    off = 0
    for table in ("load", "asymmetric_load"):
        if table not in net:
            continue
        df = in_service(net[table])
        names = _unique_names(net[table], f"{table}")
        for idx, row in df.iterrows():
            bus = union.find(int(row["bus"]))
            if bus not in name_of:
                off += 1
                continue
            name = names[int(idx)]
            if name in rows:
                name = f"{table}{idx}"
            phase = "ABC" if table == "load" else _phase_of(row)
            out.append(ImportedLoad(name, name_of[bus], phase))
            rows[name] = (table, int(idx))
    if off:
        unsupported.append(f"loads off the LV feeder ({off})")
    return out, rows


def _generators(net, union: _Union, name_of: dict[int, str], unsupported: list[str]) -> list[Generator]:
    if "sgen" not in net:
        return []
    out, off = [], 0
    names = _unique_names(net.sgen, "sgen")
    for idx, row in in_service(net.sgen).iterrows():
        bus = union.find(int(row["bus"]))
        if bus not in name_of:
            off += 1
            continue
        out.append(Generator(names[int(idx)], name_of[bus], int(idx)))
    if off:
        unsupported.append(f"sgen off the LV feeder ({off})")
    return out


def load_base(net, table: str, index: int) -> tuple[float, float]:
    """Rated ``(p_kw, q_kvar)`` of a load row (three phases summed for asymmetric loads)."""
    row = net[table].loc[index]
    scale = float(row.get("scaling", 1.0) or 1.0)
    if table == "load":
        return float(row.p_mw) * 1e3 * scale, float(row.q_mvar) * 1e3 * scale
    p = sum(float(row.get(f"p_{ph}_mw", 0) or 0) for ph in "abc")
    q = sum(float(row.get(f"q_{ph}_mvar", 0) or 0) for ph in "abc")
    return p * 1e3 * scale, q * 1e3 * scale

