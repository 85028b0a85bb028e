"""SimBench low-voltage benchmark grids as BALANCE sites (``site=simbench site.code=...``).

The ``simbench`` package ships the German SimBench grids as pandapower nets,
with a year of 15-minute profiles, and needs no network access. Every LV code
it ships (:func:`lv_codes`: six grids ``rural1..3``, ``semiurb4..5``,
``urban6``, scenarios 0 (today), 1 and 2 (future load and generation), with
and without switches) is read through :mod:`scenarios.sources.pandapower_net`.

Each SimBench load becomes a three-phase house (SimBench loads are balanced)
named as in SimBench, e.g. ``LV1.101 Load 3``; its ``profile`` records the
SimBench profiles it follows and their rated powers, which ``loads=simbench``
(:mod:`grid_model.simbench_loads`) turns into demand::

    simbench:load=H0-A*3.0*1.186;sgen=PV5*40.0

``load=NAME*P_KW*Q_KVAR`` is the load profile ``NAME`` times its rated active
and reactive power; each ``sgen=NAME*P_KW`` is a static generator (rooftop PV)
on the same bus, times its rating, subtracted as generation. A generator on a
bus without a load becomes a consumer of its own, with only the ``sgen`` part.
"""

from __future__ import annotations

import copy
from functools import lru_cache

from scenarios.errors import InputError
from scenarios.site import Site
from scenarios.sources import report_unsupported
from scenarios.sources.assemble import ImportedLoad, assemble_site
from scenarios.sources.pandapower_net import NetImport, load_base, read_net

#: Prefix of the profile references written by this module.
PROFILE_PREFIX = "simbench:"


@lru_cache(maxsize=1)
def lv_codes() -> tuple[str, ...]:
    """Every low-voltage SimBench code the installed package ships (36 in simbench 1.6)."""
    import simbench

    return tuple(c for c in simbench.collect_all_simbench_codes() if c.split("-")[1] == "LV")


def simbench_net(code: str):
    """The SimBench pandapower net of an LV code (with its ``profiles``), a copy the caller may change.

    Raises:
        InputError: The code is not one of :func:`lv_codes`.
    """
    return copy.deepcopy(_net(code))


@lru_cache(maxsize=2)
def _net(code: str):
    """Reads a code's net once per process (the site and ``loads=simbench`` both need it)."""
    import simbench

    codes = lv_codes()
    if code not in codes:
        grids = sorted({c.split("-")[2] for c in codes})
        raise InputError(f"site.code: '{code}' is not a SimBench LV code; use 1-LV-<grid>--<0|1|2>-<sw|no_sw> "
                         f"with grid one of {', '.join(grids)}, e.g. {codes[0]}")
    return simbench.get_simbench_net(code)


def _profile(net, table: str, index: int) -> str | None:
    name = net[table].at[index, "profile"] if "profile" in net[table].columns else None
    return name if isinstance(name, str) and name.strip() else None


def with_profiles(net, imp: NetImport) -> tuple[list[ImportedLoad], list[str]]:
    """The loads of ``imp`` with their SimBench profile references (module docstring).

    A load whose ``profile`` already is a reference (``ieee:12``, ``simbench:...``,
    as in the nets ``task=grid`` writes) keeps it. Nets without a ``profile``
    column (not from SimBench) keep ``profile=None``
    for their loads; their static generators are returned as not imported.

    Returns:
        The consumers' loads and the phrases for the not-imported list.
    """
    loads: list[ImportedLoad] = []
    by_bus: dict[str, int] = {}
    for ld in imp.loads:
        table, idx = imp.load_rows[ld.name]
        name = _profile(net, table, idx)
        ref = None
        if name is not None and ":" in name:  # a reference this package wrote (grid/net.json)
            ref = name
        elif name is not None:
            p_kw, q_kvar = load_base(net, table, idx)
            ref = f"{PROFILE_PREFIX}load={name}*{p_kw:.6g}*{q_kvar:.6g}"
        by_bus.setdefault(ld.bus, len(loads))
        loads.append(ImportedLoad(ld.name, ld.bus, ld.phase, ref))
    skipped = 0
    for gen in imp.generators:
        name = _profile(net, "sgen", gen.index)
        if name is None:
            skipped += 1
            continue
        row = net.sgen.loc[gen.index]
        term = f"sgen={name}*{float(row.p_mw) * 1e3 * float(row.get('scaling', 1.0) or 1.0):.6g}"
        k = by_bus.get(gen.bus)
        if k is None:
            by_bus[gen.bus] = len(loads)
            loads.append(ImportedLoad(gen.name, gen.bus, "ABC", PROFILE_PREFIX + term))
            continue
        old = loads[k]
        ref = (old.profile + ";" + term) if old.profile else PROFILE_PREFIX + term
        loads[k] = ImportedLoad(old.name, old.bus, old.phase, ref)
    return loads, ([f"sgen without a profile ({skipped})"] if skipped else [])


def site_from_net(net, name: str, where: str, seed: int = 0) -> Site:
    """A site from any pandapower LV net, with SimBench profile references when it has them."""
    imp = read_net(net, where)
    loads, extra = with_profiles(net, imp)
    report_unsupported(where, imp.unsupported + extra)
    return assemble_site(name, imp.network, loads, seed, imp.origin_lonlat, shift_to_lv_bus=False)


def make_simbench_site(code: str, seed: int = 0) -> Site:
    """Builds the site of a SimBench LV code (the site is named after the code).

    Raises:
        InputError: Unknown code, or a net the site model cannot hold.
    """
    return site_from_net(simbench_net(code), code, f"simbench {code}", seed)
