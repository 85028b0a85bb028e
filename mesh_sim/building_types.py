"""Building-type presets of the radio model: floors, walls, entry and basement losses.

A :class:`BuildingType` holds what the path loss needs to know about one kind
of building at 433 MHz: the indoor distance exponent, the loss of ``k``
floors (COST-231 multi-wall form ``Lf1 * k^((k+2)/(k+1) - b)``), heavy
internal walls counted on a grid, the building-entry (external wall) loss
paid by a link leaving the building, the extra loss of a node below ground
and the shadowing standard deviation.

Each preset exists in three *cases*: ``nominal`` (the central figures),
``optimistic`` and ``harsh`` (the ends of the published spread), so that a
planner can run the same site under both ends. Every number and its source is
in ``docs/radio-model.md`` ("Building types"); the floor-loss figures of
``panel_concrete`` are fitted to a published 433 MHz campaign in concrete
buildings and checked against another one (:mod:`mesh_sim.radio_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np

#: Cases of every preset, from the mildest to the harshest.
CASES = ("optimistic", "nominal", "harsh")
#: Building-type names (the per-building ``building_type`` field of a site).
BUILDING_TYPES = ("panel_concrete", "brick", "timber_house")
#: ``mesh.radio.building_type`` values besides a preset name.
BUILDING_TYPE_MODES = ("site", "p1238")

# Floor attenuation (dB) measured at 433 MHz for 1..4 floors between TX and RX in two
# reinforced-concrete buildings: Phokharatkul (Mahidol University), "A Multifloor
# Path-Loss Model for 433 MHz LoRa-WAN in Concrete Buildings", 2023 (5-storey laboratory
# building and a parking building). The fit campaign of ``panel_concrete``.
PHOKHARATKUL_2023_FAF_DB = MappingProxyType({
    "laboratory": (6.0, 10.8, 13.9, 17.0),
    "parking": (9.8, 14.0, 17.2, 21.5),
})
#: Line-of-sight path-loss exponents of the same campaign (laboratory, parking).
PHOKHARATKUL_2023_LOS_EXPONENT = (2.03, 1.99)


@dataclass(frozen=True)
class BuildingType:
    """Propagation constants of one building type (one case), at 433 MHz.

    Attributes:
        name: Preset name, e.g. ``panel_concrete``.
        case: ``optimistic``, ``nominal`` or ``harsh``.
        exponent: Indoor distance exponent ``n`` in ``FSPL(1 m) + 10 n log10 d``.
        floor_loss_first_db: Loss of one floor ``Lf1``.
        floor_b: COST-231 floor exponent parameter ``b``.
        wall_loss_db: Loss of one heavy internal wall.
        wall_spacing_m: Spacing of heavy internal walls (square grid in plan);
            0 for none.
        entry_loss_db: Building-entry (external wall) loss, paid at each end of a
            link that leaves the building.
        underground_loss_db: Extra loss, per end, of a node below ground (floor
            < 0) on every link to a node above ground or outside.
        shadow_sigma_db: Shadowing standard deviation of indoor links.
    """

    name: str
    case: str
    exponent: float
    floor_loss_first_db: float
    floor_b: float
    wall_loss_db: float
    wall_spacing_m: float
    entry_loss_db: float
    underground_loss_db: float
    shadow_sigma_db: float

    def floor_loss_db(self, floors) -> np.ndarray | float:
        """COST-231 form ``Lf1 * k^((k+2)/(k+1) - b)`` for ``k`` floors (0 for ``k <= 0``)."""
        return cost231_floor_loss_db(floors, self.floor_loss_first_db, self.floor_b)


def cost231_floor_loss_db(floors, first_db: float, b: float) -> np.ndarray | float:
    """Loss of ``k`` floors, ``first_db * k^((k+2)/(k+1) - b)``; 0 where ``k <= 0``."""
    k = np.asarray(floors, dtype=float)
    kk = np.maximum(k, 1.0)
    out = np.where(k > 0, first_db * np.power(kk, (kk + 2.0) / (kk + 1.0) - b), 0.0)
    return float(out) if out.ndim == 0 else out


def fit_floor_model(floors, loss_db) -> tuple[float, float, float]:
    """Least-squares fit of ``(Lf1, b)`` of the COST-231 floor form to measured losses.

    Args:
        floors: Floor counts (>= 1).
        loss_db: Measured floor attenuation for each count.

    Returns:
        ``(Lf1, b, rms_error_db)``.
    """
    from scipy.optimize import least_squares

    k = np.asarray(floors, dtype=float)
    y = np.asarray(loss_db, dtype=float)
    res = least_squares(lambda p: cost231_floor_loss_db(k, p[0], p[1]) - y, x0=[float(y[0]), 0.5])
    return float(res.x[0]), float(res.x[1]), float(np.sqrt(np.mean(res.fun ** 2)))


def _fit(*tables: tuple[float, ...]) -> tuple[float, float]:
    floors = [k + 1 for t in tables for k in range(len(t))]
    losses = [v for t in tables for v in t]
    first, b, _ = fit_floor_model(floors, losses)
    return round(first, 2), round(b, 3)


_LAB = PHOKHARATKUL_2023_FAF_DB["laboratory"]
_PARK = PHOKHARATKUL_2023_FAF_DB["parking"]
#: (Lf1, b) per case: the softer building, both buildings, the harder building.
PANEL_FLOOR_FIT = MappingProxyType({
    "optimistic": _fit(_LAB), "nominal": _fit(_LAB, _PARK), "harsh": _fit(_PARK)})

# ITU-R P.2040 concrete (eps_r' 5.24, sigma = 0.0462 f^0.7822 S/m) as a slab at normal
# incidence, 433.92 MHz: 12 / 16 / 20 cm give 3.1 / 3.6 / 5.3 dB (docs/radio-model.md).
_CONCRETE_WALL_DB = {"optimistic": 3.1, "nominal": 3.6, "harsh": 5.3}
# ITU-R P.2109 building-entry loss, median, horizontal path, 433.92 MHz: traditional
# building 11.4 dB (thermally efficient, insulated with metallised glazing: 30.4 dB, not
# used: it would cut every building off at 433 MHz). Spread: +-1.28 x 3.5 dB, the standard
# deviation of the ground-floor penetration loss measured at 850 MHz by Elgannas & Kostanic
# (WCECS 2014: mean 15 dB, sd 3.5 dB), i.e. the 10 % and 90 % points.
_P2109_TRADITIONAL_DB = 11.4
_ENTRY_SPREAD_DB = 1.28 * 3.5
_ENTRY_DB = {"optimistic": round(_P2109_TRADITIONAL_DB - _ENTRY_SPREAD_DB, 1), "nominal": _P2109_TRADITIONAL_DB,
             "harsh": round(_P2109_TRADITIONAL_DB + _ENTRY_SPREAD_DB, 1)}


def _panel(case: str) -> BuildingType:
    first, b = PANEL_FLOOR_FIT[case]
    exponent = {"optimistic": 1.99, "nominal": 2.0, "harsh": 2.03}[case]
    under = {"optimistic": 5.0, "nominal": 10.0, "harsh": 20.0}[case]
    return BuildingType("panel_concrete", case, exponent, first, b, _CONCRETE_WALL_DB[case], 3.6,
                        _ENTRY_DB[case], under, 6.93)


def _brick(case: str) -> BuildingType:
    # P.1238 residential (N = 28, Lf = 4 dB a floor, sigma 8 dB) without explicit walls:
    # N already averages a house's walls. The floor term in the COST-231 form with
    # Lf1 = 4 dB and b = 0.5 gives 4.0 / 7.1 / 9.9 dB for 1 / 2 / 3 floors (P.1238: 4 / 8 / 12).
    scale = {"optimistic": 0.75, "nominal": 1.0, "harsh": 1.5}[case]
    under = {"optimistic": 5.0, "nominal": 10.0, "harsh": 20.0}[case]
    return BuildingType("brick", case, 2.8, 4.0 * scale, 0.5, 0.0, 0.0, _ENTRY_DB[case], under, 8.0)


def _timber(case: str) -> BuildingType:
    scale = {"optimistic": 0.5, "nominal": 0.75, "harsh": 1.0}[case]
    entry = {"optimistic": 3.0, "nominal": 6.0, "harsh": _P2109_TRADITIONAL_DB}[case]
    under = {"optimistic": 5.0, "nominal": 10.0, "harsh": 20.0}[case]
    return BuildingType("timber_house", case, 2.8, 4.0 * scale, 0.5, 0.0, 0.0, entry, under, 8.0)


#: Every preset, keyed by ``(name, case)``.
PRESETS: Mapping[tuple[str, str], BuildingType] = MappingProxyType({
    (t.name, t.case): t for c in CASES for t in (_panel(c), _brick(c), _timber(c))})


def building_type(name: str, case: str = "nominal") -> BuildingType:
    """The preset ``name`` in ``case``.

    Raises:
        ValueError: One line naming the unknown type or case and the allowed ones.
    """
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}; allowed: {', '.join(CASES)}")
    if name not in BUILDING_TYPES:
        raise ValueError(f"unknown building type {name!r}; allowed: {', '.join(BUILDING_TYPES)}")
    return PRESETS[(name, case)]


def parameter_table(names, case: str) -> dict[str, np.ndarray]:
    """Per-node arrays of every constant for the building-type names ``names``.

    Nodes outside any building carry ``""``; their entries are zeros (unused).
    """
    fields = ("exponent", "floor_loss_first_db", "floor_b", "wall_loss_db", "wall_spacing_m",
              "entry_loss_db", "underground_loss_db", "shadow_sigma_db")
    uniq = sorted(set(names))
    lookup = {n: (building_type(n, case) if n else None) for n in uniq}
    return {f: np.array([getattr(lookup[n], f) if lookup[n] else 0.0 for n in names], dtype=float)
            for f in fields}


def building_type_summary(node_types, is_concentrator, mode: str, environment: str = "residential",
                          case: str = "nominal") -> dict:
    """The ``building_type`` keys of ``mesh/summary.json``.

    Args:
        node_types: Preset name per node (``""`` outside a building), as in ``Nodes.building_type``.
        is_concentrator: Per node; concentrators are not counted.
        mode: ``mesh.radio.building_type``.
        environment: ``mesh.radio.environment`` (reported in ``p1238`` mode).
        case: ``mesh.radio.case``.

    Returns:
        ``building_type`` (the one type of every module inside a building, ``"mixed"``
        when several, ``"p1238:<environment>"`` in P.1238 mode, ``"outdoor"`` when no module
        is inside a building), ``building_types`` (modules per type, ``outdoor`` for those
        outside) and ``propagation_case``.
    """
    counts: dict[str, int] = {}
    for t, conc in zip(node_types, is_concentrator):
        if conc:
            continue
        key = (mode if mode in BUILDING_TYPES and t else t) or "outdoor"
        counts[key] = counts.get(key, 0) + 1
    inside = [k for k in counts if k != "outdoor"]
    if mode == "p1238":
        name = f"p1238:{environment}"
    elif not inside:
        name = "outdoor"
    else:
        name = inside[0] if len(inside) == 1 else "mixed"
    return {"building_type": name, "building_types": dict(sorted(counts.items())), "propagation_case": case}
