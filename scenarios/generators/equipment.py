"""Standard LV equipment used by the generators: cable/line types and transformers.

Line codes (sequence impedances per km, conductor temperature 20 °C):

* ``4c_185``, ``4c_95_SAC_XC``, ``4c_70``: 4-core underground cables, values copied
  from the IEEE PES European LV test feeder (``scenarios/data/ieee_eu_lv/LineCode.txt``),
  so that generated networks and the IEEE feeder use the same cable data. Thermal
  limits are those of NAYY 4-core cables laid in ground (VDE 0276-603; the
  pandapower standard types give 142/242/270 A for 50/120/150 mm², the values
  here are interpolated for 70/95/185 mm²).
* ``4c_150``, ``4c_240``: NAYY 4-core cables (pandapower standard type values
  for 150 mm², 0.206 Ω/km, 270 A; 240 mm² 0.125 Ω/km, 360 A), zero sequence
  R0 = 3.5·R1 and X0 = 1.15·X1, the ratios of the IEEE ``4c_185`` code.
* ``ABC_3x70_54.6`` and ``ABC_4x16``: aerial bundled cables (Russian SIP-2 3×70+1×54.6
  trunk and SIP-4 4×16 service drop), with the trunk sizes ``ABC_3x50_54.6``,
  ``ABC_3x95_70``, ``ABC_3x120_95`` the rural design may choose. Phase and neutral
  resistances and current ratings from GOST 31946-2012 (Al 50 mm²: 0.641 Ω/km,
  195 A; 70 mm²: 0.443 Ω/km, 240 A; 95 mm²: 0.320 Ω/km, 300 A; 120 mm²: 0.253 Ω/km,
  340 A; AlMgSi 54.6 mm²: 0.630 Ω/km; Al 16 mm²: 1.91 Ω/km, 100 A); positive-sequence reactance 0.08 Ω/km,
  typical of bundled LV cables. Zero-sequence values assume the return current
  flows in the neutral only: R0 = R1 + 3·Rn, and X0 = 1.2·X1, the X0/X1 ratio of the
  IEEE 4-core codes (an approximation).

Transformers: standard ratings 160-1000 kVA, short-circuit voltage 4 % up to
630 kVA and 6 % above (EN 50588-1 / IEC 60076-5 usual values), load losses at the
maximum allowed by EU Regulation 548/2014 Annex I Table I.1, Tier 1 (Ck), giving
the winding resistance r% = P_k / S_n · 100.
"""

from __future__ import annotations

import math

from scenarios.errors import InputError
from scenarios.site import LineCode, Transformer

#: Line-code catalogue, by name.
LINECODES: dict[str, LineCode] = {
    "4c_185": LineCode("4c_185", 0.166, 0.068, 0.58, 0.078, max_i_ka=0.31),
    "4c_95_SAC_XC": LineCode("4c_95_SAC_XC", 0.322, 0.074, 0.804, 0.093, max_i_ka=0.21),
    "4c_70": LineCode("4c_70", 0.446, 0.071, 1.505, 0.083, max_i_ka=0.18),
    "4c_150": LineCode("4c_150", 0.206, 0.08, 3.5 * 0.206, 1.15 * 0.08, max_i_ka=0.27),
    "4c_240": LineCode("4c_240", 0.125, 0.078, 3.5 * 0.125, 1.15 * 0.078, max_i_ka=0.36),
    "ABC_3x50_54.6": LineCode("ABC_3x50_54.6", 0.641, 0.080, 0.641 + 3 * 0.630, 1.2 * 0.080, max_i_ka=0.195),
    "ABC_3x70_54.6": LineCode("ABC_3x70_54.6", 0.443, 0.080, 0.443 + 3 * 0.630, 1.2 * 0.080, max_i_ka=0.24),
    "ABC_3x95_70": LineCode("ABC_3x95_70", 0.320, 0.080, 0.320 + 3 * 0.443, 1.2 * 0.080, max_i_ka=0.30),
    "ABC_3x120_95": LineCode("ABC_3x120_95", 0.253, 0.080, 0.253 + 3 * 0.320, 1.2 * 0.080, max_i_ka=0.34),
    "ABC_4x16": LineCode("ABC_4x16", 1.91, 0.080, 4 * 1.91, 1.2 * 0.080, max_i_ka=0.10),
}

#: Standard distribution-transformer ratings, kVA.
STANDARD_SN_KVA: tuple[float, ...] = (160.0, 250.0, 400.0, 630.0, 800.0, 1000.0)
#: Maximum load losses (EU 548/2014 Tier 1, Ck), W, by rating in kVA.
_LOAD_LOSS_W = {160.0: 2350.0, 250.0: 3250.0, 400.0: 4600.0, 630.0: 6500.0, 800.0: 8400.0, 1000.0: 10500.0}
#: Maximum no-load losses (EU 548/2014 Tier 1, Ao), W, by rating in kVA.
_NO_LOAD_LOSS_W = {160.0: 210.0, 250.0: 300.0, 400.0: 430.0, 630.0: 600.0, 800.0: 650.0, 1000.0: 770.0}


def parallel_code(name: str, k: int) -> LineCode:
    """``k`` cables of catalogue type ``name`` laid in parallel, as one line code ``"{k}x{name}"``."""
    c = LINECODES[name]
    return LineCode(f"{k}x{name}", c.r1_ohm_per_km / k, c.x1_ohm_per_km / k, c.r0_ohm_per_km / k,
                    c.x0_ohm_per_km / k, c.max_i_ka * k)


def linecodes(*names: str) -> dict[str, LineCode]:
    """Returns the catalogue entries ``names`` (copies), by name.

    Raises:
        InputError: A name is not in the catalogue.
    """
    out = {}
    for name in names:
        if name not in LINECODES:
            raise InputError(f"linecode '{name}': unknown (known: {', '.join(sorted(LINECODES))})")
        c = LINECODES[name]
        out[name] = LineCode(c.name, c.r1_ohm_per_km, c.x1_ohm_per_km, c.r0_ohm_per_km, c.x0_ohm_per_km, c.max_i_ka)
    return out


def choose_sn_kva(load_kw: float, margin: float, power_factor: float = 0.95, key: str = "sn_kva") -> float:
    """Returns the smallest standard rating that carries ``load_kw`` with ``margin``.

    Args:
        load_kw: After-diversity peak demand, kW.
        margin: Multiplier on the demand (1.2 = 20 % reserve).
        power_factor: Load power factor.
        key: Config key to name in the error message.

    Raises:
        InputError: The demand exceeds the largest standard rating.
    """
    need_kva = load_kw * margin / power_factor
    for sn in STANDARD_SN_KVA:
        if sn >= need_kva:
            return sn
    raise InputError(
        f"{key}: {load_kw:.0f} kW needs {need_kva:.0f} kVA, more than the largest standard "
        f"rating {STANDARD_SN_KVA[-1]:.0f} kVA; set sn_kva explicitly or make the site smaller"
    )


def distribution_transformer(name: str, lv_bus: str, sn_kva: float, vn_hv_kv: float = 10.0,
                             vn_lv_kv: float = 0.4, vector_group: str = "Dyn") -> Transformer:
    """Returns a distribution transformer with standard impedance and losses for its rating.

    Ratings between the standard sizes take the load-loss percentage of the
    next larger size and its no-load loss scaled by the rating; ratings above
    1000 kVA scale the 1000 kVA values.

    Args:
        name: Transformer name.
        lv_bus: LV busbar name.
        sn_kva: Rating, kVA.
        vn_hv_kv: HV line-to-line voltage, kV.
        vn_lv_kv: LV line-to-line voltage, kV.
        vector_group: ``"Dyn"`` or ``"Yyn"`` (Yyn0).
    """
    if sn_kva <= 0:
        raise InputError(f"sn_kva: must be positive, got {sn_kva}")
    uk_percent = 4.0 if sn_kva <= 630.0 else 6.0
    ref = next((s for s in STANDARD_SN_KVA if s >= sn_kva), STANDARD_SN_KVA[-1])
    r_percent = _LOAD_LOSS_W[ref] / (ref * 1000.0) * 100.0
    x_percent = math.sqrt(uk_percent**2 - r_percent**2)
    no_load_w = _NO_LOAD_LOSS_W[ref] * sn_kva / ref
    return Transformer(name=name, lv_bus=lv_bus, sn_kva=float(sn_kva), vn_hv_kv=vn_hv_kv,
                       vn_lv_kv=vn_lv_kv, x_percent=round(x_percent, 4), r_percent=round(r_percent, 4),
                       vector_group=vector_group, no_load_loss_w=round(no_load_w, 1))
