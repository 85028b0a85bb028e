"""``loads=simbench``: SimBench's measured-style profiles mapped onto the site's consumers.

SimBench ships, with every grid, a year (2016, 366 days) of 15-minute
profiles: households (``H0-A``..``H0-C``), commercial and agricultural loads
(``G*``, ``L*``), heat pumps and storage heaters, PV and other generation. Its
loads are balanced three-phase; their demand at step ``k`` is

    P = P_rated · pload[k],   Q = Q_rated · qload[k]

and a static generator gives ``P_rated · profile[k]`` (unity power factor).
Each consumer's ``profile`` reference (:mod:`scenarios.sources.simbench_site`)
names its parts; the consumer's demand is its load minus its generation
(``pv_kw`` holds the generation).

The period is ``start_day`` (1..366) and ``minutes``; with ``step_minutes=15``
the native 15-minute values are kept (a whole year is 35 136 steps), with
``step_minutes=1`` each value is held for its 15 minutes (same energy), which
the minute-based tasks need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grid_model.load_result import LoadResult
from scenarios.errors import InputError
from scenarios.site import Site

#: Minutes of one SimBench profile step.
SIMBENCH_STEP_MIN = 15
#: Days in the SimBench profile year (2016).
SIMBENCH_DAYS = 366
#: Prefix of a consumer's SimBench profile reference.
PREFIX = "simbench:"


@dataclass(frozen=True)
class ProfileRef:
    """A consumer's SimBench parts.

    Attributes:
        load: ``(profile, p_kw, q_kvar)`` of its load, or ``None``.
        sgens: ``(profile, p_kw)`` of each generator.
    """

    load: tuple[str, float, float] | None
    sgens: tuple[tuple[str, float], ...]


def parse_ref(ref: str, where: str) -> ProfileRef:
    """Parses ``simbench:load=NAME*P*Q;sgen=NAME*P;...``.

    Raises:
        InputError: One line naming ``where`` on a malformed reference.
    """
    if not ref.startswith(PREFIX):
        raise InputError(f"{where}: profile {ref!r} is not a SimBench reference ('{PREFIX}...')")
    load, sgens = None, []
    for term in ref[len(PREFIX):].split(";"):
        kind, _, body = term.partition("=")
        parts = body.split("*")
        try:
            if kind == "load" and len(parts) == 3 and load is None:
                load = (parts[0], float(parts[1]), float(parts[2]))
                continue
            if kind == "sgen" and len(parts) == 2:
                sgens.append((parts[0], float(parts[1])))
                continue
        except ValueError:
            pass
        raise InputError(f"{where}: bad SimBench profile term {term!r} (expected load=NAME*P_KW*Q_KVAR "
                         f"or sgen=NAME*P_KW)")
    return ProfileRef(load, tuple(sgens))


def profile_tables(code: str) -> dict:
    """SimBench's profile tables of a code (``load``, ``renewables``, ...), from the installed package."""
    from scenarios.sources.simbench_site import simbench_net

    return simbench_net(code).profiles


def _column(tables: dict, table: str, column: str, where: str) -> np.ndarray:
    df = tables.get(table)
    if df is None or column not in df.columns:
        raise InputError(f"{where}: SimBench has no profile column '{column}' in its {table} profiles")
    return df[column].to_numpy(dtype=float)


def simbench_loads(site: Site, tables: dict, start_day: int = 1, minutes: int = 1440,
                   step_minutes: int = 1) -> LoadResult:
    """Demand of every consumer of ``site`` from SimBench profiles.

    Args:
        site: A site whose consumers carry SimBench profile references.
        tables: SimBench profile tables (:func:`profile_tables`).
        start_day: First day of the period, 1..366 (1 January 2016).
        minutes: Length of the period, a multiple of 15 within the year.
        step_minutes: 1 (each value held 15 minutes) or 15 (native steps).

    Raises:
        InputError: A consumer without a reference, a bad period or step.
    """
    if step_minutes not in (1, SIMBENCH_STEP_MIN):
        raise InputError(f"loads.step_minutes: must be 1 or 15, got {step_minutes}")
    if not 1 <= start_day <= SIMBENCH_DAYS:
        raise InputError(f"loads.start_day: must be in 1..{SIMBENCH_DAYS}, got {start_day}")
    if minutes <= 0 or minutes % SIMBENCH_STEP_MIN:
        raise InputError(f"loads.minutes: must be a positive multiple of 15, got {minutes}")
    k0 = (start_day - 1) * 1440 // SIMBENCH_STEP_MIN
    k1 = k0 + minutes // SIMBENCH_STEP_MIN
    if k1 > SIMBENCH_DAYS * 1440 // SIMBENCH_STEP_MIN:
        raise InputError(f"loads.minutes={minutes} from day {start_day} runs past the end of the SimBench year")
    n = len(site.consumers)
    steps = k1 - k0
    p = np.zeros((n, steps))
    q = np.zeros((n, steps))
    pv = np.zeros((n, steps))
    for i, c in enumerate(site.consumers):
        where = f"loads=simbench: consumer '{c.consumer_id}'"
        if not (c.profile or "").startswith(PREFIX):
            raise InputError(f"{where} has no SimBench profile; use site=simbench (or a SimBench pandapower net)")
        ref = parse_ref(c.profile, where)
        if ref.load is not None:
            name, p_kw, q_kvar = ref.load
            p[i] = p_kw * _column(tables, "load", f"{name}_pload", where)[k0:k1]
            q[i] = q_kvar * _column(tables, "load", f"{name}_qload", where)[k0:k1]
        for name, p_kw in ref.sgens:
            table = "renewables" if name in tables.get("renewables", {}) else "powerplants"
            pv[i] += p_kw * _column(tables, table, name, where)[k0:k1]
    if step_minutes == 1:
        p, q, pv = (np.repeat(a, SIMBENCH_STEP_MIN, axis=1) for a in (p, q, pv))
    return LoadResult(consumer_ids=[c.consumer_id for c in site.consumers], p_kw=p - pv, q_kvar=q,
                      pv_kw=pv if pv.any() else None, minutes_per_step=step_minutes)
