"""Building balance-group hierarchies with a group meter at every level.

Each group gets an electricity group meter ``f"GM-{group_id}"`` (three-phase,
``ABC``) at the group's position. By convention a group meter measures the
energy flowing into exactly the consumers of its group and of its descendant
groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scenarios.site import Consumer, Group, Level, Meter, MeterKind, Position

#: Pulse weight of the group meters, imp/kWh (Mercury three-phase meters, DOMAIN.md).
GROUP_METER_IMP_PER_KWH = 1000.0


def group_meter_id(group_id: str) -> str:
    """Returns the id of the group meter of ``group_id``."""
    return f"GM-{group_id}"


@dataclass
class SiteParts:
    """Groups, consumers and meters collected while a generator lays out a site.

    Attributes:
        group_meter_imp_per_kwh: Pulse weight given to new group meters, imp/kWh.
        groups: Groups, parents before children.
        consumers: Consumers in creation order.
        meters: Meters in creation order.
        zones: Meter id → mounting zone (see :func:`metering.assign_modules`).
        group_meters: Give every group an electricity group meter.
    """

    group_meter_imp_per_kwh: float = GROUP_METER_IMP_PER_KWH
    groups: list[Group] = field(default_factory=list)
    consumers: list[Consumer] = field(default_factory=list)
    meters: list[Meter] = field(default_factory=list)
    zones: dict[str, str] = field(default_factory=dict)
    group_meters: bool = True

    def add_group(self, group_id: str, level: Level, parent_id: str | None, name: str,
                  position: Position, zone: str) -> Group:
        """Adds a group and (if ``group_meters``) its electricity group meter at ``position``."""
        meter_id = group_meter_id(group_id) if self.group_meters else None
        group = Group(group_id, level, parent_id, name, meter_id, position)
        self.groups.append(group)
        if meter_id is None:
            return group
        self.add_meter(Meter(meter_id, MeterKind.ELECTRICITY, group_id, None, "ABC",
                             self.group_meter_imp_per_kwh, position), zone)
        return group

    def add_chain(self, chain: list[tuple[str, Level, str]], parent_id: str | None,
                  position: Position, zone: str) -> str:
        """Adds groups each the child of the previous one, all metered at ``position``.

        Args:
            chain: ``(group_id, level, name)`` from the top down.
            parent_id: Parent of the first group.
            position: Where all their group meters are (e.g. the substation).
            zone: Mounting zone of the group meters.

        Returns:
            The id of the last group.
        """
        for group_id, level, name in chain:
            self.add_group(group_id, level, parent_id, name, position, zone)
            parent_id = group_id
        return parent_id

    def add_meter(self, meter: Meter, zone: str) -> Meter:
        """Adds a meter mounted in ``zone``."""
        self.meters.append(meter)
        self.zones[meter.meter_id] = zone
        return meter


def upper_chain(region: str, city: str, district: str) -> list[tuple[str, Level, str]]:
    """Returns the region → city → district top of a hierarchy.

    A generated site is one district, so the ids are simply ``"R1"``, ``"C1"``
    and ``"D1"``; the names are the given ones.
    """
    return [("R1", Level.REGION, region), ("C1", Level.CITY, city), ("D1", Level.DISTRICT, district)]
