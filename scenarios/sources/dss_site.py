"""Any OpenDSS feeder as a BALANCE site (``site=dss site.path=Master.dss``).

The script is compiled by OpenDSS itself through dss-python (in a private
engine context, from a temporary copy of its folder so that OpenDSS's side
files and ``cd`` stay there); the compiled circuit is then read element by
element, so every way of writing a feeder (line codes, ``batchedit``,
``redirect``, ``~`` continuations) gives the same site:

* ``Vsource`` → :class:`~scenarios.site.Source`: ``basekv``, ``pu``,
  ``isc3``, ``isc1``, ``x1r1``, ``x0r0``.
* ``Transformer`` (exactly one, two windings) → :class:`~scenarios.site.Transformer`:
  kV and kVA of both windings, ``xhl``, ``%r`` of both windings summed,
  ``%noloadloss`` as the no-load loss. Delta-wye is ``Dyn``, wye-wye ``Yyn``;
  a delta LV winding is modelled as ``Dyn`` and reported.
* ``Line`` reached from the transformer's LV bus → lines with the sequence
  impedances OpenDSS computed (``R1``, ``X1``, ``R0``, ``X0`` converted to
  Ω/km from the line's length unit), ``normamps`` as the thermal limit;
  one line code per distinct ``linecode`` (or per line without one).
* ``Load`` → consumers: single-phase wye loads on node 1, 2 or 3 become phase
  ``A``, ``B`` or ``C``; three-phase loads ``ABC``. A load following a
  ``Shape_<N>`` load shape (the IEEE feeder's naming) replays IEEE shape N with
  ``loads=ieee_shapes``.
* Bus coordinates (``buscoords``) in metres, or WGS84 degrees (projected
  around the LV busbar); buses without coordinates are placed along their lines.

Energy meters and monitors measure and do not change the network. Every other
element in the circuit (capacitors, PV systems, storage, regulators,
two-phase or delta loads, lines that are not three-phase, ...) is listed in
one line, not silently dropped.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from scenarios.errors import InputError
from scenarios.site import Bus, Line, LineCode, Network, Site, Source, Transformer
from scenarios.sources import report_unsupported
from scenarios.sources.assemble import ImportedLoad, assemble_site
from scenarios.sources.geo import fill_missing, looks_like_lonlat, project_lonlat
from scenarios.sources.topology import reachable

#: Kilometres per OpenDSS length unit (none, mi, kft, km, m, ft, in, cm, mm); "none" is taken as km.
KM_PER_UNIT = {0: 1.0, 1: 1.609344, 2: 0.3048, 3: 1.0, 4: 1e-3, 5: 3.048e-4, 6: 2.54e-5, 7: 1e-5, 8: 1e-6}
#: Element classes that read or measure only.
IGNORED = {"energymeter", "monitor"}
#: Element classes mapped onto the site.
MAPPED = {"vsource", "transformer", "line", "load"}
_NODE_PHASE = {1: "A", 2: "B", 3: "C"}
_SHAPE = re.compile(r"^shape_(\d+)$", re.IGNORECASE)


def _bus(name: str) -> tuple[str, list[int]]:
    base, *nodes = name.split(".")
    return base, [int(n) for n in nodes if n.isdigit()]


def _query(dss, prop: str) -> str:
    dss.Text.Command = f"? {prop}"
    return dss.Text.Result


def _compile(dss, master: Path) -> None:
    dss.Text.Command = "clear"
    try:
        dss.Text.Command = f"compile [{master}]"
    except Exception as exc:  # dss-python raises its own DSSException
        raise InputError(f"{master}: OpenDSS could not compile it ({str(exc).splitlines()[0]})") from None
    if dss.ActiveCircuit is None or not dss.ActiveCircuit.Name:
        raise InputError(f"{master}: defines no circuit")


def _source(dss, where: str) -> Source:
    vs = dss.ActiveCircuit.Vsources
    if vs.Count != 1:
        raise InputError(f"{where}: needs exactly one Vsource, found {vs.Count}")
    vs.First
    name = vs.Name

    def num(key: str) -> float:
        return float(_query(dss, f"Vsource.{name}.{key}"))

    return Source(vn_kv=vs.BasekV, vm_pu=vs.pu, isc3_a=num("isc3"), isc1_a=num("isc1"),
                  x1r1=num("x1r1"), x0r0=num("x0r0"))


def _transformer(dss, where: str, unsupported: list[str]) -> tuple[Transformer, str]:
    tr = dss.ActiveCircuit.Transformers
    if tr.Count != 1:
        raise InputError(f"{where}: needs exactly one Transformer (the MV/LV substation), found {tr.Count}")
    tr.First
    if tr.NumWindings != 2:
        raise InputError(f"{where}: transformer {tr.Name} has {tr.NumWindings} windings; two are supported")
    wdg = []
    for w in (1, 2):
        tr.Wdg = w
        wdg.append((tr.kV, tr.kVA, tr.R, tr.IsDelta))
    buses = dss.ActiveCircuit.ActiveCktElement.BusNames
    kind = "Yyn" if not wdg[0][3] and not wdg[1][3] else "Dyn"
    if wdg[1][3]:
        unsupported.append(f"transformer {tr.Name} connection {'D' if wdg[0][3] else 'Y'}d (modelled as Dyn)")
    no_load_pct = float(_query(dss, f"Transformer.{tr.Name}.%noloadloss") or 0.0)
    lv_bus = _bus(buses[1])[0]
    return Transformer(name=tr.Name, lv_bus=lv_bus, sn_kva=wdg[0][1], vn_hv_kv=wdg[0][0], vn_lv_kv=wdg[1][0],
                       x_percent=tr.Xhl, r_percent=wdg[0][2] + wdg[1][2], vector_group=kind,
                       no_load_loss_w=no_load_pct / 100.0 * wdg[0][1] * 1e3), buses[0]


def _lines(dss, lv_bus: str, unsupported: list[str]) -> tuple[list[Line], dict[str, LineCode], set[str]]:
    ln = dss.ActiveCircuit.Lines
    raw = []
    odd_phases = 0
    ok = ln.First
    while ok:
        if ln.Phases != 3:
            odd_phases += 1
        km = KM_PER_UNIT.get(ln.Units, 1.0)
        per_km = 1.0 / km
        raw.append((ln.Name, _bus(ln.Bus1)[0], _bus(ln.Bus2)[0], ln.LineCode, ln.Length * km * 1e3,
                    ln.R1 * per_km, ln.X1 * per_km, ln.R0 * per_km, ln.X0 * per_km, ln.NormAmps / 1e3))
        ok = ln.Next
    if odd_phases:
        unsupported.append(f"lines that are not three-phase ({odd_phases}, modelled as three-phase)")
    reached, used = reachable(lv_bus, [(r[1], r[2]) for r in raw])
    codes: dict[str, LineCode] = {}
    lines = []
    for i in used:
        name, a, b, code, length_m, r1, x1, r0, x0, i_ka = raw[i]
        lc = LineCode(code or f"line:{name}", round(r1, 9), round(x1, 9), round(r0, 9), round(x0, 9), i_ka)
        if lc.name in codes and codes[lc.name] != lc:
            lc = LineCode(f"{lc.name}:{name}", lc.r1_ohm_per_km, lc.x1_ohm_per_km, lc.r0_ohm_per_km,
                          lc.x0_ohm_per_km, i_ka)
        codes.setdefault(lc.name, lc)
        lines.append(Line(name, a, b, lc.name, length_m))
    if len(raw) > len(used):
        unsupported.append(f"lines outside the LV feeder ({len(raw) - len(used)})")
    return lines, codes, reached


def _loads(dss, reached: set[str], unsupported: list[str]) -> list[ImportedLoad]:
    ld = dss.ActiveCircuit.Loads
    circuit = dss.ActiveCircuit
    out, odd = [], Counter()
    ok = ld.First
    while ok:
        bus, nodes = _bus(circuit.ActiveCktElement.BusNames[0])
        phases = ld.Phases
        if bus not in reached:
            odd["loads off the LV feeder"] += 1
        elif phases == 3 and not ld.IsDelta:
            out.append(ImportedLoad(ld.Name, bus, "ABC", _profile(ld)))
        elif phases == 1 and not ld.IsDelta and len(nodes) >= 1 and nodes[0] in _NODE_PHASE \
                and all(n == 0 for n in nodes[1:]):
            out.append(ImportedLoad(ld.Name, bus, _NODE_PHASE[nodes[0]], _profile(ld)))
        else:
            odd["two-phase or delta loads"] += 1
        ok = ld.Next
    unsupported.extend(f"{k} ({v})" for k, v in odd.items())
    return out


def _profile(ld) -> str | None:
    for shape in (ld.Yearly, ld.daily):
        m = _SHAPE.match(shape or "")
        if m:
            return f"ieee:{int(m.group(1))}"
    return None


def _coords(dss, names: list[str]) -> dict[str, tuple[float, float] | None]:
    circuit = dss.ActiveCircuit
    out = {}
    for name in names:
        circuit.SetActiveBus(name)
        bus = circuit.ActiveBus
        out[name] = (float(bus.x), float(bus.y)) if bus.Coorddefined else None
    return out


def read_dss(master: str | Path, seed: int = 0) -> Site:
    """Compiles an OpenDSS feeder and builds its site (module docstring).

    Args:
        master: The master script (``Master.dss``); its folder is copied to a
            temporary folder first.
        seed: Seed of the consumers' occupant and floor-area draws.

    Raises:
        InputError: Missing file, a script OpenDSS rejects, or a circuit the
            site model cannot hold (no or several transformers, ...).
    """
    from dss import DSS

    path = Path(master)
    if not path.is_file():
        raise InputError(f"{path}: OpenDSS master file not found")
    where = str(path)
    dss = DSS.NewContext()
    cwd = os.getcwd()
    unsupported: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "feeder"
        shutil.copytree(path.parent, work)
        try:
            _compile(dss, work / path.name)
            source = _source(dss, where)
            transformer, _ = _transformer(dss, where, unsupported)
            lines, codes, reached = _lines(dss, transformer.lv_bus, unsupported)
            loads = _loads(dss, reached, unsupported)
            kinds = Counter(e.split(".")[0].lower() for e in dss.ActiveCircuit.AllElementNames)
            unsupported.extend(f"{k} ({v})" for k, v in sorted(kinds.items()) if k not in MAPPED | IGNORED)
            names = sorted(reached, key=lambda b: (b != transformer.lv_bus, b))
            xy = _coords(dss, names)
        finally:
            dss.Text.Command = "clear"
            os.chdir(cwd)
    if abs(source.vn_kv - transformer.vn_hv_kv) > 1e-6:
        raise InputError(f"{where}: Vsource basekv {source.vn_kv} differs from transformer "
                         f"{transformer.name}'s HV winding {transformer.vn_hv_kv} kV")
    known = [v for v in xy.values() if v is not None]
    origin = None
    if known and xy.get(transformer.lv_bus) and looks_like_lonlat([x for x, _ in known], [y for _, y in known]):
        origin = xy[transformer.lv_bus]
        xy = {b: (project_lonlat(*v, origin) if v else None) for b, v in xy.items()}
    if any(v is None for v in xy.values()):
        xy = fill_missing(xy, transformer.lv_bus, [(ln.from_bus, ln.to_bus, ln.length_m) for ln in lines])
    buses = [Bus(b, xy[b][0], xy[b][1]) for b in names]
    report_unsupported(where, unsupported)
    network = Network(source, transformer, buses, codes, lines)
    return assemble_site(path.stem if path.stem.lower() != "master" else path.parent.name or "dss", network,
                         loads, seed, origin)
