"""Typed model of a BALANCE deployment site.

A site is the hierarchy of balance groups (region → city → district → street →
building → entrance), the consumers (flats or houses) in it, their meters, the
D100FC radio modules that read the meters, the J100UC concentrators, 3-D
positions of everything, and the low-voltage network that feeds the consumers.

All records are plain dataclasses; :mod:`scenarios.site_io` saves and loads them
(format documented in ``docs/site-format.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

#: Maximum number of meters one D100FC module reads (vendor datasheet).
METERS_PER_MODULE_MAX = 3
#: Maximum number of D100FC modules one J100UC concentrator serves.
MODULES_PER_CONCENTRATOR_MAX = 240
#: Maximum number of meters in one J100UC subnet.
METERS_PER_CONCENTRATOR_MAX = 720


class MeterKind(str, Enum):
    """What a meter measures."""

    ELECTRICITY = "electricity"
    WATER = "water"
    GAS = "gas"
    HEAT = "heat"


class Level(str, Enum):
    """Balance-group levels, from the top down."""

    REGION = "region"
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    BUILDING = "building"
    ENTRANCE = "entrance"


#: Levels in hierarchical order (index 0 is the top).
LEVEL_ORDER: tuple[Level, ...] = tuple(Level)

#: Phases an electricity meter or a consumer connection can be on.
PHASES: tuple[str, ...] = ("A", "B", "C", "ABC")


@dataclass(frozen=True)
class Position:
    """A point in the site's local frame.

    Attributes:
        x_m: Easting in metres.
        y_m: Northing in metres.
        floor: Storey, 0 for the ground floor (negative for basements).
    """

    x_m: float
    y_m: float
    floor: int = 0


@dataclass
class Group:
    """A balance group: a node of the hierarchy with a group meter.

    Attributes:
        group_id: Unique id.
        level: Level in the hierarchy.
        parent_id: Id of the parent group, ``None`` at the top.
        name: Human-readable name.
        group_meter_id: Id of the meter measuring the group's total input.
        position: Where the group meter is.
        building_type: Radio building-type preset of a BUILDING group
            (``panel_concrete``, ``brick``, ``timber_house``; mesh_sim.building_types);
            ``None``: the radio model's default for blocks.
    """

    group_id: str
    level: Level
    parent_id: str | None
    name: str
    group_meter_id: str | None
    position: Position
    building_type: str | None = None


@dataclass
class Consumer:
    """A flat or a house: one customer account with its meters.

    Attributes:
        consumer_id: Unique id.
        group_id: The lowest balance group the consumer belongs to.
        kind: ``"flat"`` or ``"house"``.
        position: Where the consumer's meters are.
        bus: Network bus the service connection is on.
        phase: ``"A"``, ``"B"``, ``"C"`` or ``"ABC"`` (three-phase connection).
        occupants: Number of people living there (drives the load model).
        floor_area_m2: Heated floor area.
        profile: Optional measured profile to replay instead of the synthetic
            model, e.g. ``"ieee:12"`` (IEEE LV feeder shape 12).
        building_type: Radio building-type preset of a house that has no
            BUILDING group of its own; ``None``: the radio model's default for houses.
    """

    consumer_id: str
    group_id: str
    kind: str
    position: Position
    bus: str
    phase: str
    occupants: int = 2
    floor_area_m2: float = 60.0
    profile: str | None = None
    building_type: str | None = None


@dataclass
class Meter:
    """A utility meter with a pulse output.

    Attributes:
        meter_id: Unique id.
        kind: What it measures.
        group_id: The balance group it belongs to (its consumer's group, or
            the group it is the group meter of).
        consumer_id: Owning consumer, ``None`` for a group meter.
        phase: Phase for electricity meters (``A``/``B``/``C``/``ABC``), else ``None``.
        pulse_weight: Pulses per unit (imp/kWh for electricity, imp/m³ otherwise).
        position: Where the meter is installed.
        module_id: The D100FC module reading it, ``None`` when not yet assigned.
    """

    meter_id: str
    kind: MeterKind
    group_id: str
    consumer_id: str | None
    phase: str | None
    pulse_weight: float
    position: Position
    module_id: str | None = None


@dataclass
class Module:
    """A D100FC battery radio module reading up to three meters.

    Attributes:
        module_id: Unique id.
        position: Mounting point.
        meter_ids: Meters wired to its pulse inputs (at most 3).
        concentrator_id: The J100UC whose subnet it joins.
    """

    module_id: str
    position: Position
    meter_ids: list[str] = field(default_factory=list)
    concentrator_id: str | None = None


@dataclass
class Concentrator:
    """A J100UC mains-powered concentrator: the root of one DMesh subnet."""

    concentrator_id: str
    position: Position


@dataclass
class Bus:
    """A network node (a point where lines meet or a consumer connects)."""

    name: str
    x_m: float
    y_m: float


@dataclass
class LineCode:
    """Sequence impedances of a cable or overhead line type, per km.

    Attributes:
        name: Type name.
        r1_ohm_per_km: Positive-sequence resistance.
        x1_ohm_per_km: Positive-sequence reactance.
        r0_ohm_per_km: Zero-sequence resistance.
        x0_ohm_per_km: Zero-sequence reactance.
        max_i_ka: Thermal current limit.
    """

    name: str
    r1_ohm_per_km: float
    x1_ohm_per_km: float
    r0_ohm_per_km: float
    x0_ohm_per_km: float
    max_i_ka: float = 0.3


@dataclass
class Line:
    """A three-phase line section between two buses."""

    name: str
    from_bus: str
    to_bus: str
    linecode: str
    length_m: float


@dataclass
class Transformer:
    """The MV/LV transformer (delta HV, grounded-wye LV).

    Attributes:
        name: Name.
        lv_bus: LV busbar name.
        sn_kva: Rating.
        vn_hv_kv: HV line-to-line voltage.
        vn_lv_kv: LV line-to-line voltage.
        x_percent: Leakage reactance, % on the rating.
        r_percent: Total winding resistance (both windings), % on the rating.
        vector_group: Winding connection, e.g. ``"Dyn"``.
    """

    name: str
    lv_bus: str
    sn_kva: float
    vn_hv_kv: float
    vn_lv_kv: float
    x_percent: float
    r_percent: float
    vector_group: str = "Dyn"


@dataclass
class Source:
    """The MV supply seen from the transformer: a Thevenin equivalent.

    Attributes:
        vn_kv: Nominal line-to-line voltage.
        vm_pu: EMF magnitude in pu.
        isc3_a: Three-phase short-circuit current.
        isc1_a: Single-phase short-circuit current.
        x1r1: X/R ratio of the positive-sequence impedance.
        x0r0: X/R ratio of the zero-sequence impedance.
    """

    vn_kv: float = 11.0
    vm_pu: float = 1.05
    isc3_a: float = 3000.0
    isc1_a: float = 5.0
    x1r1: float = 4.0
    x0r0: float = 3.0


@dataclass
class Network:
    """The low-voltage network of a site, with the MV source and transformer."""

    source: Source
    transformer: Transformer
    buses: list[Bus]
    linecodes: dict[str, LineCode]
    lines: list[Line]


@dataclass
class Site:
    """A whole deployment.

    Attributes:
        name: Site name.
        groups: Balance groups, parents before children.
        consumers: Flats and houses.
        meters: All meters, consumer and group meters.
        modules: D100FC modules.
        concentrators: J100UC concentrators.
        network: The LV network feeding the consumers, if known.
    """

    name: str
    groups: list[Group]
    consumers: list[Consumer]
    meters: list[Meter]
    modules: list[Module]
    concentrators: list[Concentrator]
    network: Network | None = None

    def group(self, group_id: str) -> Group:
        """Returns the group with this id (KeyError if absent)."""
        for g in self.groups:
            if g.group_id == group_id:
                return g
        raise KeyError(group_id)

    def meters_of_kind(self, kind: MeterKind) -> list[Meter]:
        """Returns the meters that measure ``kind``."""
        return [m for m in self.meters if m.kind == kind]

    def electricity_meter_of(self, consumer_id: str) -> Meter | None:
        """Returns the consumer's electricity meter, if it has one."""
        for m in self.meters:
            if m.consumer_id == consumer_id and m.kind == MeterKind.ELECTRICITY:
                return m
        return None
