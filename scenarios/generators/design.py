"""LV network design rules the generators follow, as a distribution utility applies them.

* Design (diversified) demand of ``n`` flats: ``n · p(n)`` with ``p(n)`` the
  specific design load per flat of SP 256.1325800.2016 table 7.1 (flats with
  natural-gas stoves; linear interpolation between the table's columns, as
  the code prescribes; the same row is in SP 31-110-2003 table 6.1).
* Transformer: the smallest standard rating whose loading at the design
  demand stays at or below ``loading_max`` (default 80 %).
* Cable: the smallest 4-core cable of :data:`FEEDER_CABLES`, single or (when
  allowed) two in parallel, that carries the design current and keeps the
  balanced three-phase voltage drop ``ΔU = P·(R + X·tan φ)·L / U²`` within the
  budget.
"""

from __future__ import annotations

import math

import numpy as np

from scenarios.generators.equipment import LINECODES, STANDARD_SN_KVA

#: SP 256.1325800.2016 table 7.1, flats with natural-gas stoves: flats → kW per flat.
SP256_GAS_STOVE_KW: dict[int, float] = {5: 4.5, 6: 2.8, 9: 2.3, 12: 2.0, 15: 1.8, 18: 1.65, 24: 1.4, 40: 1.2,
                                        60: 1.05, 100: 0.85, 200: 0.77, 400: 0.71, 600: 0.69, 1000: 0.67}
#: Design power factor of flats.
DESIGN_POWER_FACTOR = 0.95
#: Underground feeder cables the design may choose, smallest first.
FEEDER_CABLES: tuple[str, ...] = ("4c_70", "4c_95_SAC_XC", "4c_150", "4c_185", "4c_240")
#: Aerial bundled trunk conductors the rural design may choose, smallest first.
TRUNK_CABLES: tuple[str, ...] = ("ABC_3x50_54.6", "ABC_3x70_54.6", "ABC_3x95_70", "ABC_3x120_95")
#: Nominal LV line-to-line voltage, V.
U_LV_V = 400.0


def design_kw_per_flat(n_flats: int) -> float:
    """Specific design load per flat for ``n_flats`` flats, kW (SP 256 table 7.1)."""
    xs = np.array(sorted(SP256_GAS_STOVE_KW), dtype=float)
    ys = np.array([SP256_GAS_STOVE_KW[int(x)] for x in xs])
    return float(np.interp(max(n_flats, 1), xs, ys))


def design_kw(n_flats: int) -> float:
    """Design (diversified) demand of ``n_flats`` flats, kW."""
    return n_flats * design_kw_per_flat(n_flats)


def choose_rating(load_kw: float, loading_max: float) -> float | None:
    """Smallest standard rating loaded at most ``loading_max`` by ``load_kw``; ``None`` if none is."""
    need_kva = load_kw / DESIGN_POWER_FACTOR / loading_max
    return next((sn for sn in STANDARD_SN_KVA if sn >= need_kva), None)


def drop_pct(load_kw: float, length_m: float, code: str, parallel: int = 1) -> float:
    """Balanced three-phase voltage drop of a cable carrying ``load_kw`` at its end, % of 400 V."""
    c = LINECODES[code]
    tan_phi = math.tan(math.acos(DESIGN_POWER_FACTOR))
    z = (c.r1_ohm_per_km + c.x1_ohm_per_km * tan_phi) * length_m / 1e3 / parallel
    return 100.0 * load_kw * 1e3 * z / U_LV_V**2


def current_a(load_kw: float) -> float:
    """Design phase current of a balanced three-phase load, A."""
    return load_kw * 1e3 / (math.sqrt(3.0) * U_LV_V * DESIGN_POWER_FACTOR)


def choose_trunk(load_kw: float, length_m: float, budget_pct: float, smallest: str) -> str:
    """Smallest overhead trunk, not below ``smallest``, for ``load_kw`` spread evenly along ``length_m``.

    An evenly loaded line drops half of what the whole load at its end would.
    Returns the largest conductor when none meets the limits.
    """
    options = TRUNK_CABLES[TRUNK_CABLES.index(smallest):] if smallest in TRUNK_CABLES else (smallest,)
    for code in options:
        if current_a(load_kw) <= 1e3 * LINECODES[code].max_i_ka and drop_pct(load_kw, length_m / 2.0, code) <= budget_pct:
            return code
    return options[-1]


def choose_cable(load_kw: float, length_m: float, budget_pct: float, allow_double: bool) -> tuple[str, int]:
    """Smallest cable (and number in parallel) meeting current and voltage-drop limits.

    Returns the largest double cable when nothing meets them (the caller's
    check of the finished design then reports it).
    """
    options = [(code, 1) for code in FEEDER_CABLES] + ([(code, 2) for code in FEEDER_CABLES] if allow_double else [])
    for code, k in options:
        if current_a(load_kw) <= 1e3 * LINECODES[code].max_i_ka * k and drop_pct(load_kw, length_m, code, k) <= budget_pct:
            return code, k
    return options[-1]
