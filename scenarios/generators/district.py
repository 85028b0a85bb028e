"""Generator of a district of multi-storey blocks of flats.

Layout (metres, substation at the origin): ``streets`` parallel streets along x,
``street_spacing_m`` apart; the buildings are split evenly over the streets and
stand in a row along their street, ``building_gap_m`` apart, set back
``setback_m`` from it. A building is ``entrances`` stairwells wide
(``entrance_width_m`` each). Flat electricity meters sit in the floor panel on
the stairwell landing; water, gas and heat meters inside the flats,
``in_flat_meter_offset_m`` to either side of the landing.

Ids: buildings ``B01``, entrances ``B01-E2``, flats ``B01-E2-F05-01`` (storey
number as people count it, ``F01`` is the ground floor with
``Position.floor == 0``; flat number on the landing). Meters ``M-<flat>-E``
(electricity), ``-W`` (water), ``-G`` (gas), ``-H`` (heat); group meters
``GM-<group>``.

Network: an MV source, a Dyn transformer (busbar ``LV``), one feeder cable from
the busbar to each building's main board (bus ``B01``), a link cable from the
board to the foot of each entrance riser, and a riser with one bus per floor
(``B01-E2-F05``) to which the floor's flats connect. A street meter is the
summation of the feeder heads of its buildings at the substation.
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
from scenarios.generators.equipment import choose_sn_kva, distribution_transformer, linecodes
from scenarios.generators.hierarchy import SiteParts, upper_chain
from scenarios.generators.metering import assign_modules
from scenarios.generators.phasing import allocate_phases

#: Extra cable at each end of a feeder or link (terminations, route bends), m.
CABLE_SLACK_M = 3.0


@dataclass
class DistrictConfig:
    """Shape of a generated district of blocks of flats.

    Attributes:
        name: Site name.
        region_name: Name of the region group.
        city_name: Name of the city group.
        district_name: Name of the district group.
        buildings: Number of buildings.
        streets: Number of streets the buildings are split over.
        entrances: Entrances (stairwells) per building.
        floors: Storeys per building.
        flats_per_floor: Flats per storey of an entrance.
        entrance_width_m: Length of building per entrance.
        building_gap_m: Gap between neighbouring buildings of a street.
        street_spacing_m: Distance between parallel streets.
        setback_m: Distance of the buildings from their street.
        floor_height_m: Storey height.
        in_flat_meter_offset_m: Distance of in-flat meters from the landing.
        water: Each flat has a water meter.
        gas: Each flat has a gas meter.
        heat: Each flat has a heat meter.
        electricity_imp_per_kwh: Flat electricity meters' pulse weight (Mercury).
        water_imp_per_m3: Water meters' pulse weight.
        gas_imp_per_m3: Gas meters' pulse weight.
        heat_imp_per_m3: Heat meters' pulse weight (volume output).
        group_meter_imp_per_kwh: Group meters' pulse weight.
        group_meters: Meter every group (district, street, building, entrance);
            off for a radio study of the flats' meters alone.
        three_phase_share: Share of flats with a three-phase connection.
        occupants_max: Occupants per flat are drawn from 1..occupants_max.
        floor_area_min_m2: Smallest flat.
        floor_area_max_m2: Largest flat.
        diversified_kw_per_flat: After-diversity peak demand per flat, kW.
        transformer_margin: Reserve factor when choosing the transformer.
        sn_kva: Transformer rating; ``None`` picks the smallest standard size.
        vn_hv_kv: MV voltage.
        feeder_linecode: Cable from the busbar to each building.
        link_linecode: Cable from a building's board to each riser.
        riser_linecode: Riser cable between floors.
        cable_length_max_m: Longest meter-to-module pulse cable.
        building_type: Radio building-type preset of every block (``panel_concrete``,
            ``brick``, ``timber_house``); null leaves it to ``mesh.radio.block_type_default``.
    """

    name: str = "district"
    region_name: str = "Region"
    city_name: str = "City"
    district_name: str = "District"
    buildings: int = 4
    streets: int = 2
    entrances: int = 3
    floors: int = 9
    flats_per_floor: int = 4
    entrance_width_m: float = 18.0
    building_gap_m: float = 30.0
    street_spacing_m: float = 80.0
    setback_m: float = 15.0
    floor_height_m: float = 3.0
    in_flat_meter_offset_m: float = 4.0
    water: bool = True
    gas: bool = False
    heat: bool = False
    electricity_imp_per_kwh: float = 3200.0
    water_imp_per_m3: float = 100.0
    gas_imp_per_m3: float = 100.0
    heat_imp_per_m3: float = 100.0
    group_meter_imp_per_kwh: float = 1000.0
    group_meters: bool = True
    three_phase_share: float = 0.05
    occupants_max: int = 4
    floor_area_min_m2: float = 35.0
    floor_area_max_m2: float = 90.0
    diversified_kw_per_flat: float = 1.0
    transformer_margin: float = 1.2
    sn_kva: Optional[float] = None
    vn_hv_kv: float = 10.0
    feeder_linecode: str = "4c_185"
    link_linecode: str = "4c_95_SAC_XC"
    riser_linecode: str = "4c_70"
    cable_length_max_m: float = 10.0
    building_type: Optional[str] = None


def _check(cfg: DistrictConfig) -> None:
    if cfg.building_type is not None and cfg.building_type not in BUILDING_TYPES:
        raise InputError(f"district.building_type: unknown '{cfg.building_type}' (expected one of "
                         f"{', '.join(BUILDING_TYPES)})")
    checks.at_least(cfg, "district", 1, "buildings", "streets", "entrances", "floors", "flats_per_floor",
                    "occupants_max")
    checks.positive(cfg, "district", "entrance_width_m", "building_gap_m", "street_spacing_m", "setback_m",
                    "floor_height_m", "in_flat_meter_offset_m", "electricity_imp_per_kwh", "water_imp_per_m3",
                    "gas_imp_per_m3", "heat_imp_per_m3", "group_meter_imp_per_kwh", "floor_area_min_m2",
                    "diversified_kw_per_flat", "transformer_margin", "vn_hv_kv", "cable_length_max_m")
    checks.share(cfg, "district", "three_phase_share")
    checks.at_least(cfg, "district", cfg.floor_area_min_m2, "floor_area_max_m2")
    if cfg.streets > cfg.buildings:
        raise InputError(f"district.streets: {cfg.streets} streets for {cfg.buildings} buildings")
    if cfg.sn_kva is not None:
        checks.positive(cfg, "district", "sn_kva")


def _in_flat_kinds(cfg: DistrictConfig) -> list[tuple[MeterKind, str, float]]:
    kinds = [(MeterKind.WATER, "W", cfg.water_imp_per_m3, cfg.water), (MeterKind.GAS, "G", cfg.gas_imp_per_m3, cfg.gas),
             (MeterKind.HEAT, "H", cfg.heat_imp_per_m3, cfg.heat)]
    return [(k, s, w) for k, s, w, on in kinds if on]


def make_district(cfg: DistrictConfig, seed: int) -> Site:
    """Generates a district of blocks of flats.

    Args:
        cfg: Shape of the district.
        seed: Seed of the random draws (three-phase flats, occupants, floor areas).

    Returns:
        The site, with modules and concentrators assigned.

    Raises:
        InputError: A config value is out of range.
    """
    _check(cfg)
    rng = np.random.default_rng(seed)
    parts = SiteParts(group_meter_imp_per_kwh=cfg.group_meter_imp_per_kwh, group_meters=cfg.group_meters)
    substation = Position(0.0, 0.0, 0)
    top = upper_chain(cfg.region_name, cfg.city_name, cfg.district_name)
    district_id = parts.add_chain(top, None, substation, "SUB")
    codes = linecodes(cfg.feeder_linecode, cfg.link_linecode, cfg.riser_linecode)
    buses = [Bus("LV", 0.0, 0.0)]
    lines: list[Line] = []
    building_length_m = cfg.entrances * cfg.entrance_width_m
    rotation = 0
    for s in range(cfg.streets):
        street_id = f"S{s + 1}"
        parts.add_group(street_id, Level.STREET, district_id, f"Street {s + 1}", substation, "SUB")
        members = [b for b in range(cfg.buildings) if b * cfg.streets // cfg.buildings == s]
        for slot, b in enumerate(members):
            x0 = cfg.building_gap_m + slot * (building_length_m + cfg.building_gap_m)
            y = s * cfg.street_spacing_m + cfg.setback_m
            rotation = _building(cfg, parts, rng, buses, lines, street_id, b, x0, y, rotation)
    transformer_kva = cfg.sn_kva or choose_sn_kva(
        cfg.buildings * cfg.entrances * cfg.floors * cfg.flats_per_floor * cfg.diversified_kw_per_flat,
        cfg.transformer_margin, key="district.sn_kva")
    network = Network(source=Source(vn_kv=cfg.vn_hv_kv), buses=buses, linecodes=codes, lines=lines,
                      transformer=distribution_transformer("TR1", "LV", transformer_kva, vn_hv_kv=cfg.vn_hv_kv))
    meters, modules = assign_modules(parts.meters, parts.zones, cfg.cable_length_max_m, cfg.floor_height_m)
    modules, concentrators = place_concentrators(modules, None, cfg.floor_height_m)
    return Site(cfg.name, parts.groups, parts.consumers, meters, modules, concentrators, network)


def _building(cfg: DistrictConfig, parts: SiteParts, rng: np.random.Generator, buses: list[Bus],
              lines: list[Line], street_id: str, b: int, x0: float, y: float, rotation: int) -> int:
    """Lays out building ``b`` with its west end at ``x0``; returns the phase rotation count."""
    building_id = f"B{b + 1:02d}"
    board = Position(x0 + 1.0, y, 0)
    first_entrance = f"{building_id}-E1"
    group = parts.add_group(building_id, Level.BUILDING, street_id, f"Building {b + 1}", board, first_entrance)
    group.building_type = cfg.building_type
    buses.append(Bus(building_id, board.x_m, board.y_m))
    lines.append(Line(f"L-{building_id}", "LV", building_id, cfg.feeder_linecode,
                      abs(board.x_m) + abs(board.y_m) + 2 * CABLE_SLACK_M))
    kinds = _in_flat_kinds(cfg)
    n_entrance = cfg.floors * cfg.flats_per_floor
    for e in range(cfg.entrances):
        entrance_id = f"{building_id}-E{e + 1}"
        x_e = x0 + (e + 0.5) * cfg.entrance_width_m
        parts.add_group(entrance_id, Level.ENTRANCE, building_id, f"Entrance {e + 1} of building {b + 1}",
                        Position(x_e, y, 0), entrance_id)
        phases = allocate_phases(n_entrance, cfg.three_phase_share, rng, start=rotation)
        rotation += sum(p != "ABC" for p in phases)
        occupants = rng.integers(1, cfg.occupants_max + 1, size=n_entrance)
        areas = np.round(rng.uniform(cfg.floor_area_min_m2, cfg.floor_area_max_m2, size=n_entrance), 1)
        for f in range(cfg.floors):
            bus = f"{entrance_id}-F{f + 1:02d}"
            buses.append(Bus(bus, x_e, y))
            if f == 0:
                lines.append(Line(f"L-{entrance_id}", building_id, bus, cfg.link_linecode,
                                  abs(x_e - board.x_m) + CABLE_SLACK_M))
            else:
                lines.append(Line(f"L-{bus}", f"{entrance_id}-F{f:02d}", bus, cfg.riser_linecode, cfg.floor_height_m))
            for j in range(cfg.flats_per_floor):
                i = f * cfg.flats_per_floor + j
                _flat(cfg, parts, kinds, entrance_id, bus, f, j, x_e, y, phases[i], int(occupants[i]), float(areas[i]))
    return rotation


def _flat(cfg: DistrictConfig, parts: SiteParts, kinds: list[tuple[MeterKind, str, float]], entrance_id: str,
          bus: str, floor: int, j: int, x_e: float, y: float, phase: str, occupants: int, area_m2: float) -> None:
    """Adds flat ``j`` of a landing with its meters."""
    flat_id = f"{bus}-{j + 1:02d}"
    panel = Position(x_e + (j - (cfg.flats_per_floor - 1) / 2) * 0.3, y, floor)
    parts.consumers.append(Consumer(flat_id, entrance_id, "flat", panel, bus, phase, occupants, area_m2))
    parts.add_meter(Meter(f"M-{flat_id}-E", MeterKind.ELECTRICITY, entrance_id, flat_id, phase,
                          cfg.electricity_imp_per_kwh, panel), entrance_id)
    side = -1.0 if j < cfg.flats_per_floor / 2 else 1.0
    depth = 1.0 if j % 2 == 0 else -1.0
    for k, (kind, suffix, weight) in enumerate(kinds):
        where = Position(x_e + side * cfg.in_flat_meter_offset_m, y + depth * (1.0 + 0.5 * k), floor)
        parts.add_meter(Meter(f"M-{flat_id}-{suffix}", kind, entrance_id, flat_id, None, weight, where), entrance_id)
