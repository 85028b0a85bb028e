"""The IEEE PES European LV test feeder as a BALANCE site.

The network is the shipped feeder (:func:`scenarios.ieee_eu_lv.load_network`)
with every bus shifted so that the transformer LV bus (``"1"``) is at the
origin. Each of its 55 loads becomes a house at its bus: ``consumer_id`` is the
load name (``LOAD1``...), bus and phase as in Loads.txt, ``profile`` is
``"ieee:<shape>"``; each house has one electricity meter ``M-LOAD1``....

The feeder leaves the transformer as a single LV feeder, so the hierarchy is
region ``R1`` → city ``C1`` → district ``D1`` → street ``S1`` (the one feeder),
all group meters at the transformer (the district meter on its LV terminals,
the street meter at the feeder head). One concentrator hangs at the substation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scenarios import ieee_eu_lv
from scenarios.site import Bus, Consumer, Level, Meter, MeterKind, Position, Site
from scenarios.generators.concentrators import place_concentrators
from scenarios.generators.hierarchy import SiteParts, upper_chain
from scenarios.generators.metering import CABLE_LENGTH_MAX_M, assign_modules

#: Pulse weight of the house meters, imp/kWh (Mercury, DOMAIN.md).
HOUSE_IMP_PER_KWH = 3200.0
#: Where the concentrator is mounted relative to the transformer, m.
CONCENTRATOR_OFFSET_M = (3.0, 3.0)


def make_ieee_eu_lv_site(seed: int = 0, directory: Path | None = None,
                         cable_length_max_m: float = CABLE_LENGTH_MAX_M) -> Site:
    """Builds the IEEE European LV feeder site.

    Args:
        seed: Seed of the random draws (occupants 1..5, floor area 70-180 m²).
        directory: Folder with the feeder's OpenDSS files; the shipped copy by default.
        cable_length_max_m: Longest meter-to-module pulse cable.

    Returns:
        The site: 55 houses, 59 meters, their modules and one concentrator.
    """
    network = ieee_eu_lv.load_network(directory)
    loads = ieee_eu_lv.load_loads(directory)
    by_name = {b.name: b for b in network.buses}
    origin = by_name[network.transformer.lv_bus]
    x0, y0 = origin.x_m, origin.y_m
    network.buses = [Bus(b.name, round(b.x_m - x0, 3), round(b.y_m - y0, 3)) for b in network.buses]
    at = {b.name: b for b in network.buses}
    rng = np.random.default_rng(seed)
    occupants = rng.integers(1, 6, size=len(loads))
    areas = np.round(rng.uniform(70.0, 180.0, size=len(loads)), 1)
    parts = SiteParts()
    substation = Position(0.0, 0.0, 0)
    top = upper_chain("Region", "City", "IEEE European LV feeder") + [("S1", Level.STREET, "Feeder 1")]
    street_id = parts.add_chain(top, None, substation, "SUB")
    for i, load in enumerate(loads):
        bus = at[load.bus]
        where = Position(bus.x_m, bus.y_m, 0)
        parts.consumers.append(Consumer(load.name, street_id, "house", where, load.bus, load.phase,
                                        int(occupants[i]), float(areas[i]), profile=f"ieee:{load.shape}"))
        parts.add_meter(Meter(f"M-{load.name}", MeterKind.ELECTRICITY, street_id, load.name, load.phase,
                              HOUSE_IMP_PER_KWH, where), load.name)
    meters, modules = assign_modules(parts.meters, parts.zones, cable_length_max_m)
    modules, concentrators = place_concentrators(modules, Position(*CONCENTRATOR_OFFSET_M, 0))
    return Site("ieee_eu_lv", parts.groups, parts.consumers, meters, modules, concentrators, network)
