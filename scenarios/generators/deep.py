"""Generator of a site where the mesh is really needed: a tall block and a long village street.

One panel block (``floors`` storeys, ``entrances`` stairwells, ``flats_per_floor``
flats a landing, laid out by :mod:`scenarios.generators.district`) with the
J100UC in its basement (``concentrator_floor``, below the first entrance's
landing), and a street of detached houses (:mod:`scenarios.generators.rural`)
that starts ``street_gap_m`` east of the block and runs along x. Every module
joins the one J100UC. Nothing about the radio is tuned here: the depth comes
from the building-type presets (floor, entry and basement losses) and the
street's length.

Groups: the block's hierarchy (``R1 → C1 → D1 → S1 → B01 → entrances``) and
the street as ``S2`` under ``D1``; no group meters (a radio study of the
consumers' meters). Ids as in the two generators; the houses' modules are
prefixed ``H`` (``HMOD0001``). No LV network (the site is for ``task=mesh``
and ``task=plan``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scenarios.errors import InputError
from scenarios.site import Concentrator, Position, Site
from scenarios.generators.district import DistrictConfig, make_district
from scenarios.generators.rural import RuralConfig, make_rural_street


@dataclass
class DeepConfig:
    """Shape of the block-and-street site.

    Attributes:
        name: Site name.
        floors: Storeys of the block.
        entrances: Stairwells of the block.
        flats_per_floor: Flats per landing.
        block_building_type: Radio preset of the block (null: the radio default).
        houses: Detached houses on the street.
        spacing_m: Distance between house positions along the street.
        both_sides: Houses on both sides of the street.
        street_gap_m: Distance from the block's east end to the first house.
        house_building_type: Radio preset of the houses (null: the radio default).
        concentrator_floor: Storey of the J100UC (-1: the basement).
        water: Flats and houses have a water meter.
        gas: Flats and houses have a gas meter.
        cable_length_max_m: Longest meter-to-module pulse cable.
    """

    name: str = "deep"
    floors: int = 20
    entrances: int = 2
    flats_per_floor: int = 4
    block_building_type: str | None = None
    houses: int = 80
    spacing_m: float = 36.0
    both_sides: bool = True
    street_gap_m: float = 40.0
    house_building_type: str | None = None
    concentrator_floor: int = -1
    water: bool = True
    gas: bool = True
    cable_length_max_m: float = 10.0


def make_block_and_street(cfg: DeepConfig, seed: int) -> Site:
    """Generates the block, the street and one J100UC in the block's basement.

    Raises:
        InputError: A value out of range, naming the key.
    """
    for key in ("floors", "entrances", "flats_per_floor", "houses"):
        if getattr(cfg, key) < 1:
            raise InputError(f"deep.{key}: must be >= 1, got {getattr(cfg, key)}")
    for key in ("spacing_m", "street_gap_m", "cable_length_max_m"):
        if not getattr(cfg, key) > 0:
            raise InputError(f"deep.{key}: must be > 0, got {getattr(cfg, key)}")
    block = make_district(DistrictConfig(
        name=cfg.name, buildings=1, streets=1, entrances=cfg.entrances, floors=cfg.floors,
        flats_per_floor=cfg.flats_per_floor, water=cfg.water, gas=cfg.gas, group_meters=False,
        cable_length_max_m=cfg.cable_length_max_m), seed)
    groups = [replace(g, building_type=cfg.block_building_type) if g.level.value == "building" else g
              for g in block.groups]
    b = next(g for g in block.groups if g.level.value == "building")
    entrance = next(g for g in block.groups if g.level.value == "entrance")
    east_m = max(m.position.x_m for m in block.meters)
    street = make_rural_street(RuralConfig(
        houses=cfg.houses, spacing_m=cfg.spacing_m, both_sides=cfg.both_sides, first_house_m=1.0,
        water=cfg.water, gas=cfg.gas, cable_length_max_m=cfg.cable_length_max_m), seed + 1)
    dx, dy = east_m + cfg.street_gap_m - 1.0, b.position.y_m

    def moved(p: Position) -> Position:
        return Position(round(p.x_m + dx, 3), round(p.y_m + dy, 3), p.floor)

    street_id = "S2"
    old_street = next(g for g in street.groups if g.level.value == "street")
    district_id = next(g.group_id for g in groups if g.level.value == "district")
    groups.append(replace(old_street, group_id=street_id, parent_id=district_id, group_meter_id=None,
                          position=moved(old_street.position)))
    consumers = [replace(c, group_id=street_id, position=moved(c.position), building_type=cfg.house_building_type)
                 for c in street.consumers]
    house_meters = [m for m in street.meters if m.consumer_id is not None]
    keep = {m.meter_id for m in house_meters}
    modules = [replace(m, module_id="H" + m.module_id, position=moved(m.position))
               for m in street.modules if m.meter_ids and set(m.meter_ids) <= keep]
    meters = [replace(m, group_id=street_id, position=moved(m.position), module_id="H" + m.module_id)
              for m in house_meters]
    hub = Concentrator("J01", Position(entrance.position.x_m, entrance.position.y_m, cfg.concentrator_floor))
    all_modules = [replace(m, concentrator_id=hub.concentrator_id) for m in block.modules + modules]
    return Site(cfg.name, groups, block.consumers + consumers, block.meters + meters, all_modules, [hub], None)
