"""A BALANCE site around an imported network: hierarchy, meters, modules, concentrators.

Every imported feeder (SimBench, OpenDSS, pandapower) brings a network and a
list of loads; this module turns them into a :class:`~scenarios.site.Site` the
same way :mod:`scenarios.generators.ieee` does for the built-in IEEE feeder:
region ``R1`` → city ``C1`` → district ``D1`` → street ``S1`` (the feeder),
group meters at the substation, one house per load at its bus with one
electricity meter ``M-<load>``, modules by :func:`assign_modules` and
concentrators by :func:`place_concentrators` anchored beside the transformer.
Bus coordinates are shifted so that the transformer's LV bus is at (0, 0)
(OpenDSS feeders, as the built-in IEEE site); pandapower nets keep their frame
(in WGS84 degrees they are projected around that bus anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.errors import InputError
from scenarios.generators.concentrators import place_concentrators
from scenarios.generators.hierarchy import SiteParts, upper_chain
from scenarios.generators.metering import CABLE_LENGTH_MAX_M, assign_modules
from scenarios.site import PHASES, Bus, Consumer, Level, Meter, MeterKind, Network, Position, Site

#: Pulse weight of the house meters, imp/kWh (Mercury, DOMAIN.md).
HOUSE_IMP_PER_KWH = 3200.0
#: Where the concentrator is mounted relative to the transformer, m.
CONCENTRATOR_OFFSET_M = (3.0, 3.0)


@dataclass(frozen=True)
class ImportedLoad:
    """One load of an imported feeder, to become a consumer.

    Attributes:
        name: Unique load name (becomes the consumer id).
        bus: Bus it is connected to (a bus of the network).
        phase: ``A``, ``B``, ``C`` or ``ABC``.
        profile: Profile reference for the load models (e.g. ``"ieee:12"``,
            ``"simbench:H0-A*3.0"``), or ``None``.
    """

    name: str
    bus: str
    phase: str
    profile: str | None = None


def assemble_site(name: str, network: Network, loads: list[ImportedLoad], seed: int = 0,
                  origin_lonlat: tuple[float, float] | None = None,
                  cable_length_max_m: float = CABLE_LENGTH_MAX_M, shift_to_lv_bus: bool = True) -> Site:
    """Builds the site of an imported network.

    Args:
        name: Site name.
        network: The network (bus coordinates in metres, any origin).
        loads: One entry per consumer.
        seed: Seed of the occupant (1..5) and floor-area (70-180 m²) draws.
        origin_lonlat: WGS84 ``(lon, lat)`` of the transformer's LV bus when
            the coordinates were projected from degrees.
        cable_length_max_m: Longest meter-to-module pulse cable.
        shift_to_lv_bus: Move the coordinates so that the transformer's LV bus
            is at (0, 0) (False keeps the input's frame).

    Raises:
        InputError: No loads, a duplicate load name, an unknown bus or phase.
    """
    if not loads:
        raise InputError(f"site '{name}': the network has no loads to become consumers")
    by_name = {b.name: b for b in network.buses}
    origin = by_name[network.transformer.lv_bus]
    x0, y0 = (origin.x_m, origin.y_m) if shift_to_lv_bus else (0.0, 0.0)
    network.buses = [Bus(b.name, round(b.x_m - x0, 3), round(b.y_m - y0, 3)) for b in network.buses]
    at = {b.name: b for b in network.buses}
    rng = np.random.default_rng(seed)
    occupants = rng.integers(1, 6, size=len(loads))
    areas = np.round(rng.uniform(70.0, 180.0, size=len(loads)), 1)
    parts = SiteParts()
    top = upper_chain("Region", "City", name) + [("S1", Level.STREET, "Feeder")]
    substation = Position(round(origin.x_m - x0, 3), round(origin.y_m - y0, 3), 0)
    street_id = parts.add_chain(top, None, substation, "SUB")
    seen: set[str] = set()
    for i, load in enumerate(loads):
        if load.name in seen:
            raise InputError(f"site '{name}': duplicate load name '{load.name}'")
        seen.add(load.name)
        if load.bus not in at:
            raise InputError(f"site '{name}': load '{load.name}' is on bus '{load.bus}', which the network lacks")
        if load.phase not in PHASES:
            raise InputError(f"site '{name}': load '{load.name}' has phase '{load.phase}' (allowed: A, B, C, ABC)")
        bus = at[load.bus]
        where = Position(bus.x_m, bus.y_m, 0)
        parts.consumers.append(Consumer(load.name, street_id, "house", where, load.bus, load.phase,
                                        int(occupants[i]), float(areas[i]), profile=load.profile))
        parts.add_meter(Meter(f"M-{load.name}", MeterKind.ELECTRICITY, street_id, load.name, load.phase,
                              HOUSE_IMP_PER_KWH, where), load.name)
    meters, modules = assign_modules(parts.meters, parts.zones, cable_length_max_m)
    anchor = Position(substation.x_m + CONCENTRATOR_OFFSET_M[0], substation.y_m + CONCENTRATOR_OFFSET_M[1], 0)
    modules, concentrators = place_concentrators(modules, anchor)
    return Site(name, parts.groups, parts.consumers, meters, modules, concentrators, network,
                origin_lonlat=origin_lonlat)
