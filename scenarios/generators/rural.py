"""Generator of a rural street of detached houses on an overhead line.

Layout (metres): a pole-mounted transformer at the origin, the street along x.
Houses stand on one side or alternately on both sides, ``spacing_m`` apart
along the street, set back ``setback_m`` ± ``setback_jitter_m`` (drawn from the
seed) from it. The aerial bundled trunk line runs from the transformer pole
(bus ``LV``) along poles ``P01``, ``P02``... one per house position; each house
(bus ``H01``...) hangs on its pole by a service drop.

Hierarchy: region → city → district → street. A house is a single customer, so
a per-house group would only repeat the house meter: the street is the lowest
level and the consumers belong to it. All group meters are at the transformer
pole (the street meter at the feeder head).

Ids: houses ``H01``; meters ``M-H01-E`` (electricity, on the facade), ``-W``
(water, in the cellar or meter pit), ``-G`` (gas, beside the house).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from scenarios.errors import InputError
from scenarios.site import Bus, Consumer, Level, Line, Meter, MeterKind, Network, Position, Site, Source
from scenarios.generators import checks
from scenarios.generators.site_checks import BUILDING_TYPES
from scenarios.generators.concentrators import place_concentrators
from scenarios.generators.equipment import distribution_transformer, linecodes
from scenarios.generators.hierarchy import SiteParts, upper_chain
from scenarios.generators.metering import assign_modules
from scenarios.generators.phasing import allocate_phases

#: Where the water and gas meters are relative to the electricity meter, m.
WATER_OFFSET_M = (1.5, 2.0)
GAS_OFFSET_M = (-2.0, 0.5)


@dataclass
class RuralConfig:
    """Shape of a generated rural street.

    Attributes:
        name: Site name.
        region_name: Name of the region group.
        city_name: Name of the city (village) group.
        district_name: Name of the district group.
        street_name: Name of the street group.
        houses: Number of houses.
        both_sides: Houses stand on both sides of the street, in pairs.
        spacing_m: Distance between neighbouring house positions along the street.
        first_house_m: Distance of the first house position from the transformer.
        setback_m: Mean distance of a house's facade from the pole line.
        setback_jitter_m: Largest random deviation of the setback.
        water: Each house has a water meter.
        gas: Each house has a gas meter.
        electricity_imp_per_kwh: House electricity meters' pulse weight (Mercury).
        water_imp_per_m3: Water meters' pulse weight.
        gas_imp_per_m3: Gas meters' pulse weight.
        group_meter_imp_per_kwh: Group meters' pulse weight.
        three_phase_share: Share of houses with a three-phase connection.
        occupants_max: Occupants per house are drawn from 1..occupants_max.
        floor_area_min_m2: Smallest house.
        floor_area_max_m2: Largest house.
        sn_kva: Pole transformer rating.
        vn_hv_kv: MV voltage.
        trunk_linecode: Overhead line along the poles.
        service_linecode: Service drop from a pole to a house.
        cable_length_max_m: Longest meter-to-module pulse cable.
        building_type: Radio building-type preset of every house (``brick``,
            ``timber_house``, ...); null leaves it to ``mesh.radio.house_type_default``.
    """

    name: str = "rural"
    region_name: str = "Region"
    city_name: str = "Village"
    district_name: str = "District"
    street_name: str = "Street"
    houses: int = 40
    both_sides: bool = True
    spacing_m: float = 25.0
    first_house_m: float = 20.0
    setback_m: float = 12.0
    setback_jitter_m: float = 4.0
    water: bool = True
    gas: bool = True
    electricity_imp_per_kwh: float = 3200.0
    water_imp_per_m3: float = 100.0
    gas_imp_per_m3: float = 100.0
    group_meter_imp_per_kwh: float = 1000.0
    three_phase_share: float = 0.2
    occupants_max: int = 5
    floor_area_min_m2: float = 70.0
    floor_area_max_m2: float = 180.0
    sn_kva: float = 160.0
    vn_hv_kv: float = 10.0
    trunk_linecode: str = "ABC_3x70_54.6"
    service_linecode: str = "ABC_4x16"
    cable_length_max_m: float = 10.0
    building_type: Optional[str] = None


def _check(cfg: RuralConfig) -> None:
    if cfg.building_type is not None and cfg.building_type not in BUILDING_TYPES:
        raise InputError(f"rural.building_type: unknown '{cfg.building_type}' (expected one of "
                         f"{', '.join(BUILDING_TYPES)})")
    checks.at_least(cfg, "rural", 1, "houses", "occupants_max")
    checks.positive(cfg, "rural", "spacing_m", "first_house_m", "setback_m", "electricity_imp_per_kwh",
                    "water_imp_per_m3", "gas_imp_per_m3", "group_meter_imp_per_kwh", "floor_area_min_m2",
                    "sn_kva", "vn_hv_kv", "cable_length_max_m")
    checks.at_least(cfg, "rural", 0.0, "setback_jitter_m")
    checks.at_least(cfg, "rural", cfg.floor_area_min_m2, "floor_area_max_m2")
    checks.share(cfg, "rural", "three_phase_share")
    if cfg.setback_jitter_m >= cfg.setback_m:
        checks.at_least(cfg, "rural", cfg.setback_jitter_m + 1.0, "setback_m")


def make_rural_street(cfg: RuralConfig, seed: int) -> Site:
    """Generates a street of detached houses fed by an overhead line.

    Args:
        cfg: Shape of the street.
        seed: Seed of the random draws (setbacks, three-phase houses, occupants,
            floor areas).

    Returns:
        The site, with modules and one or more concentrators assigned.

    Raises:
        InputError: A config value is out of range.
    """
    _check(cfg)
    rng = np.random.default_rng(seed)
    parts = SiteParts(group_meter_imp_per_kwh=cfg.group_meter_imp_per_kwh)
    pole_tr = Position(0.0, 0.0, 0)
    top = upper_chain(cfg.region_name, cfg.city_name, cfg.district_name) + [("S1", Level.STREET, cfg.street_name)]
    street_id = parts.add_chain(top, None, pole_tr, "SUB")
    buses = [Bus("LV", 0.0, 0.0)]
    lines: list[Line] = []
    n = cfg.houses
    setbacks = cfg.setback_m + rng.uniform(-cfg.setback_jitter_m, cfg.setback_jitter_m, size=n)
    phases = allocate_phases(n, cfg.three_phase_share, rng)
    occupants = rng.integers(1, cfg.occupants_max + 1, size=n)
    areas = np.round(rng.uniform(cfg.floor_area_min_m2, cfg.floor_area_max_m2, size=n), 1)
    n_poles = 0
    for i in range(n):
        slot = i // 2 if cfg.both_sides else i
        side = -1.0 if cfg.both_sides and i % 2 else 1.0
        x = cfg.first_house_m + slot * cfg.spacing_m
        pole = f"P{slot + 1:02d}"
        if slot == n_poles:
            buses.append(Bus(pole, x, 0.0))
            prev, span = ("LV", cfg.first_house_m) if slot == 0 else (f"P{slot:02d}", cfg.spacing_m)
            lines.append(Line(f"L-{pole}", prev, pole, cfg.trunk_linecode, span))
            n_poles += 1
        house_id = f"H{i + 1:02d}"
        facade = Position(round(x, 3), round(side * float(setbacks[i]), 3), 0)
        buses.append(Bus(house_id, facade.x_m, facade.y_m))
        lines.append(Line(f"L-{house_id}", pole, house_id, cfg.service_linecode, abs(facade.y_m)))
        parts.consumers.append(Consumer(house_id, street_id, "house", facade, house_id, phases[i],
                                        int(occupants[i]), float(areas[i]), building_type=cfg.building_type))
        _house_meters(cfg, parts, street_id, house_id, facade, side, phases[i])
    network = Network(source=Source(vn_kv=cfg.vn_hv_kv), buses=buses, linecodes=linecodes(cfg.trunk_linecode,
                      cfg.service_linecode), lines=lines,
                      transformer=distribution_transformer("TR1", "LV", cfg.sn_kva, vn_hv_kv=cfg.vn_hv_kv))
    meters, modules = assign_modules(parts.meters, parts.zones, cfg.cable_length_max_m)
    modules, concentrators = place_concentrators(modules, Position(2.0, 2.0, 0))
    return Site(cfg.name, parts.groups, parts.consumers, meters, modules, concentrators, network)


def _house_meters(cfg: RuralConfig, parts: SiteParts, street_id: str, house_id: str, facade: Position,
                  side: float, phase: str) -> None:
    """Adds a house's electricity meter and, per config, its water and gas meters."""
    parts.add_meter(Meter(f"M-{house_id}-E", MeterKind.ELECTRICITY, street_id, house_id, phase,
                          cfg.electricity_imp_per_kwh, facade), house_id)
    extra = [(cfg.water, MeterKind.WATER, "W", cfg.water_imp_per_m3, WATER_OFFSET_M),
             (cfg.gas, MeterKind.GAS, "G", cfg.gas_imp_per_m3, GAS_OFFSET_M)]
    for on, kind, suffix, weight, (dx, dy) in extra:
        if on:
            where = Position(facade.x_m + dx, facade.y_m + side * dy, 0)
            parts.add_meter(Meter(f"M-{house_id}-{suffix}", kind, street_id, house_id, None, weight, where), house_id)
