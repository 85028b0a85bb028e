"""Consistency checks of a site: ids, references, vendor limits and the network.

:func:`site_problems` lists ``(location, problem)`` pairs, where the location
is the JSON path of the offending value in the site file format
(``meters[12].group_id``), so that :mod:`scenarios.site_io` can report file
errors and generated sites can be checked the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from scenarios.site import (
    LEVEL_ORDER,
    METERS_PER_CONCENTRATOR_MAX,
    METERS_PER_MODULE_MAX,
    MODULES_PER_CONCENTRATOR_MAX,
    PHASES,
    MeterKind,
    Network,
    Site,
)
from scenarios.generators.metering import CABLE_LENGTH_MAX_M, cable_length_m

#: Allowed consumer kinds.
CONSUMER_KINDS = ("flat", "house")
#: Radio building types a group or house may name (mesh_sim.building_types.BUILDING_TYPES).
BUILDING_TYPES = ("panel_concrete", "brick", "timber_house")

#: ``(rank, location, problem)``: rank 0 for a bad value or an unknown reference,
#: rank 1 for two records that disagree (reported only when no rank-0 problem is).
Problem = tuple[int, str, str]


def _unique(items: list, key: str, what: str, loc: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            yield 0, f"{loc}[{i}].{key}", f"duplicate {what} id '{value}'"
        seen.add(value)


def site_problems(site: Site, cable_length_max_m: float | None = None) -> list[tuple[str, str]]:
    """Returns every problem of ``site`` as ``(location, problem)``.

    Bad values and unknown references come first (in file order of the
    sections), then disagreements between records, so the first problem is
    the one to fix first.

    Args:
        site: The site.
        cable_length_max_m: Longest meter-to-module cable, m (default 10 m).
    """
    found = sorted(_all(site, cable_length_max_m), key=lambda p: p[0])
    return [(loc, msg) for _, loc, msg in found]


def _all(site: Site, cable_length_max_m: float | None) -> Iterator[Problem]:
    yield from _unique(site.groups, "group_id", "group", "groups")
    yield from _unique(site.consumers, "consumer_id", "consumer", "consumers")
    yield from _unique(site.meters, "meter_id", "meter", "meters")
    yield from _unique(site.modules, "module_id", "module", "modules")
    yield from _unique(site.concentrators, "concentrator_id", "concentrator", "concentrators")
    yield from _groups(site)
    yield from _consumers(site)
    yield from _meters(site)
    yield from _modules(site, CABLE_LENGTH_MAX_M if cable_length_max_m is None else cable_length_max_m)
    yield from _concentrators(site)
    if site.network is not None:
        yield from _network(site.network)


def _groups(site: Site) -> Iterator[Problem]:
    meters = {m.meter_id: m for m in site.meters}
    level_of: dict[str, int] = {}
    for i, g in enumerate(site.groups):
        loc = f"groups[{i}]"
        rank = LEVEL_ORDER.index(g.level)
        if g.parent_id is not None:
            if g.parent_id not in level_of:
                known = any(h.group_id == g.parent_id for h in site.groups)
                yield 0, f"{loc}.parent_id", (f"parent '{g.parent_id}' must be listed before its child" if known
                                           else f"unknown group '{g.parent_id}'")
            elif level_of[g.parent_id] >= rank:
                yield 0, f"{loc}.level", f"level '{g.level.value}' is not below the level of its parent '{g.parent_id}'"
        if g.group_meter_id is not None:
            m = meters.get(g.group_meter_id)
            if m is None:
                yield 0, f"{loc}.group_meter_id", f"unknown meter '{g.group_meter_id}'"
            elif m.group_id != g.group_id or m.consumer_id is not None:
                yield 1, f"{loc}.group_meter_id", f"meter '{m.meter_id}' is not a group meter of '{g.group_id}'"
        if g.building_type is not None and g.building_type not in BUILDING_TYPES:
            yield 0, f"{loc}.building_type", (f"unknown building type '{g.building_type}' "
                                              f"(expected one of {', '.join(BUILDING_TYPES)})")
        level_of.setdefault(g.group_id, rank)


def _consumers(site: Site) -> Iterator[Problem]:
    groups = {g.group_id for g in site.groups}
    buses = None if site.network is None else {b.name for b in site.network.buses}
    for i, c in enumerate(site.consumers):
        loc = f"consumers[{i}]"
        if c.group_id not in groups:
            yield 0, f"{loc}.group_id", f"unknown group '{c.group_id}'"
        if c.kind not in CONSUMER_KINDS:
            yield 0, f"{loc}.kind", f"invalid kind '{c.kind}' (expected one of {', '.join(CONSUMER_KINDS)})"
        if c.phase not in PHASES:
            yield 0, f"{loc}.phase", f"invalid phase '{c.phase}' (expected one of {', '.join(PHASES)})"
        if buses is not None and c.bus not in buses:
            yield 0, f"{loc}.bus", f"unknown bus '{c.bus}' (not in network.buses)"
        if c.occupants < 0:
            yield 0, f"{loc}.occupants", f"must be >= 0, got {c.occupants}"
        if not c.floor_area_m2 > 0:
            yield 0, f"{loc}.floor_area_m2", f"must be > 0, got {c.floor_area_m2}"
        if c.building_type is not None and c.building_type not in BUILDING_TYPES:
            yield 0, f"{loc}.building_type", (f"unknown building type '{c.building_type}' "
                                              f"(expected one of {', '.join(BUILDING_TYPES)})")


def _meters(site: Site) -> Iterator[Problem]:
    groups = {g.group_id for g in site.groups}
    consumers = {c.consumer_id: c for c in site.consumers}
    modules = {m.module_id: m for m in site.modules}
    for i, m in enumerate(site.meters):
        loc = f"meters[{i}]"
        if m.group_id not in groups:
            yield 0, f"{loc}.group_id", f"unknown group '{m.group_id}'"
        if m.consumer_id is not None:
            c = consumers.get(m.consumer_id)
            if c is None:
                yield 0, f"{loc}.consumer_id", f"unknown consumer '{m.consumer_id}'"
            elif c.group_id != m.group_id:
                yield 1, f"{loc}.group_id", f"'{m.group_id}' differs from its consumer's group '{c.group_id}'"
            elif m.kind == MeterKind.ELECTRICITY and m.phase != c.phase:
                yield 1, f"{loc}.phase", f"'{m.phase}' differs from its consumer's phase '{c.phase}'"
        if m.kind == MeterKind.ELECTRICITY and m.phase not in PHASES:
            yield 0, f"{loc}.phase", (f"invalid phase {m.phase!r} for an electricity meter "
                                      f"(expected one of {', '.join(PHASES)})")
        if m.kind != MeterKind.ELECTRICITY and m.phase is not None:
            yield 0, f"{loc}.phase", f"must be null for a {m.kind.value} meter"
        if not m.pulse_weight > 0:
            yield 0, f"{loc}.pulse_weight", f"must be > 0, got {m.pulse_weight}"
        if m.module_id is not None:
            mod = modules.get(m.module_id)
            if mod is None:
                yield 0, f"{loc}.module_id", f"unknown module '{m.module_id}'"
            elif m.meter_id not in mod.meter_ids:
                yield 1, f"{loc}.module_id", f"module '{m.module_id}' does not list meter '{m.meter_id}'"


def _modules(site: Site, cable_length_max_m: float) -> Iterator[Problem]:
    meters = {m.meter_id: m for m in site.meters}
    hubs = {c.concentrator_id for c in site.concentrators}
    wired: dict[str, str] = {}
    for i, mod in enumerate(site.modules):
        loc = f"modules[{i}]"
        if len(mod.meter_ids) > METERS_PER_MODULE_MAX:
            yield 0, f"{loc}.meter_ids", f"{len(mod.meter_ids)} meters, a D100FC reads at most {METERS_PER_MODULE_MAX}"
        for j, meter_id in enumerate(mod.meter_ids):
            m = meters.get(meter_id)
            if m is None:
                yield 0, f"{loc}.meter_ids[{j}]", f"unknown meter '{meter_id}'"
                continue
            if meter_id in wired:
                yield 1, f"{loc}.meter_ids[{j}]", f"meter '{meter_id}' is already wired to module '{wired[meter_id]}'"
            wired[meter_id] = mod.module_id
            if m.module_id != mod.module_id:
                yield 1, f"{loc}.meter_ids[{j}]", f"meter '{meter_id}' names module {m.module_id!r}"
            length_m = cable_length_m(mod.position, m.position)
            if length_m > cable_length_max_m + 1e-9:
                yield (1, f"{loc}.meter_ids[{j}]",
                       f"meter '{meter_id}' is {length_m:.1f} m away, cables reach {cable_length_max_m:g} m")
        if mod.concentrator_id is not None and mod.concentrator_id not in hubs:
            yield 0, f"{loc}.concentrator_id", f"unknown concentrator '{mod.concentrator_id}'"


def _concentrators(site: Site) -> Iterator[Problem]:
    n_modules: Counter[str] = Counter()
    n_meters: Counter[str] = Counter()
    for mod in site.modules:
        if mod.concentrator_id is not None:
            n_modules[mod.concentrator_id] += 1
            n_meters[mod.concentrator_id] += len(mod.meter_ids)
    for i, c in enumerate(site.concentrators):
        loc = f"concentrators[{i}]"
        if n_modules[c.concentrator_id] > MODULES_PER_CONCENTRATOR_MAX:
            yield 0, loc, (f"'{c.concentrator_id}' serves {n_modules[c.concentrator_id]} modules, "
                        f"a J100UC serves at most {MODULES_PER_CONCENTRATOR_MAX}")
        if n_meters[c.concentrator_id] > METERS_PER_CONCENTRATOR_MAX:
            yield 0, loc, (f"'{c.concentrator_id}' serves {n_meters[c.concentrator_id]} meters, "
                        f"a J100UC subnet holds at most {METERS_PER_CONCENTRATOR_MAX}")


def _network(net: Network) -> Iterator[Problem]:
    yield from _unique(net.buses, "name", "bus", "network.buses")
    yield from _unique(net.lines, "name", "line", "network.lines")
    index = {b.name: i for i, b in enumerate(net.buses)}
    if net.transformer.lv_bus not in index:
        yield 0, "network.transformer.lv_bus", f"unknown bus '{net.transformer.lv_bus}'"
    for key in ("sn_kva", "vn_hv_kv", "vn_lv_kv"):
        if not getattr(net.transformer, key) > 0:
            yield 0, f"network.transformer.{key}", f"must be > 0, got {getattr(net.transformer, key)}"
    for i, code in enumerate(net.linecodes.values()):
        for key in ("r1_ohm_per_km", "x1_ohm_per_km", "r0_ohm_per_km", "x0_ohm_per_km"):
            if getattr(code, key) < 0:
                yield 0, f"network.linecodes[{i}].{key}", f"must be >= 0, got {getattr(code, key)}"
        if not code.max_i_ka > 0:
            yield 0, f"network.linecodes[{i}].max_i_ka", f"must be > 0, got {code.max_i_ka}"
    root = list(range(len(net.buses)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for i, ln in enumerate(net.lines):
        loc = f"network.lines[{i}]"
        bad = False
        for key in ("from_bus", "to_bus"):
            if getattr(ln, key) not in index:
                bad = True
                yield 0, f"{loc}.{key}", f"unknown bus '{getattr(ln, key)}'"
        if ln.linecode not in net.linecodes:
            yield 0, f"{loc}.linecode", f"unknown linecode '{ln.linecode}'"
        if not ln.length_m > 0:
            yield 0, f"{loc}.length_m", f"must be > 0, got {ln.length_m}"
        if bad:
            continue
        a, b = find(index[ln.from_bus]), find(index[ln.to_bus])
        if a == b:
            yield 0, loc, f"line '{ln.name}' closes a loop; the network must be radial"
        root[a] = b
    if net.transformer.lv_bus in index:
        top = find(index[net.transformer.lv_bus])
        for i, bus in enumerate(net.buses):
            if find(i) != top:
                yield 0, f"network.buses[{i}]", f"bus '{bus.name}' is not connected to the transformer LV bus"
                break
