"""Balance units of a group hierarchy: which meters a group's balance compares.

A group's balance compares its group meter (the input) with the meters
directly below it: the consumer meters of the same kind that belong to the
group, plus the group meters of its child groups. A child group without a
meter of its own is looked through: its members count as the parent's. The
roll-up ("subtree") balance compares the group meter with every consumer
meter below it, at any depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: Levels from the bottom up (the interchange format's ``level`` values).
LEVELS_UP: tuple[str, ...] = ("entrance", "building", "street", "district", "city", "region")


@dataclass
class BalanceUnit:
    """One metered group and the meters its balance compares.

    Attributes:
        group_id: The group.
        level: Its level.
        kind: Kind of its group meter (the balance compares meters of that kind).
        input_meter_id: The group meter.
        member_meter_ids: Meters directly below: consumer meters and child group meters.
        consumer_meter_ids: Members that are consumer meters.
        subtree_consumer_meter_ids: Every consumer meter below the group, at any depth.
        child_group_ids: Metered child groups whose meters are members.
        depth: 0 for the top group.
    """

    group_id: str
    level: str
    kind: str
    input_meter_id: str
    member_meter_ids: list[str] = field(default_factory=list)
    consumer_meter_ids: list[str] = field(default_factory=list)
    subtree_consumer_meter_ids: list[str] = field(default_factory=list)
    child_group_ids: list[str] = field(default_factory=list)
    depth: int = 0


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def balance_units(meters: pd.DataFrame, groups: pd.DataFrame) -> list[BalanceUnit]:
    """The balance unit of every group that has a group meter, top groups first.

    Args:
        meters: ``meter_id, kind, group_id, phase, customer_id, pulse_weight``.
        groups: ``group_id, parent_id, level, group_meter_id``.
    """
    parent = {str(g): (None if _blank(p) else str(p)) for g, p in zip(groups["group_id"], groups["parent_id"])}
    level = dict(zip(groups["group_id"].astype(str), groups["level"].astype(str)))
    gmeter = {str(g): (None if _blank(m) else str(m)) for g, m in zip(groups["group_id"], groups["group_meter_id"])}
    kind = dict(zip(meters["meter_id"].astype(str), meters["kind"].astype(str)))
    children: dict[str, list[str]] = {g: [] for g in parent}
    for g, p in parent.items():
        if p is not None:
            children[p].append(g)
    consumers: dict[str, list[str]] = {g: [] for g in parent}
    for m, g, c in zip(meters["meter_id"].astype(str), meters["group_id"].astype(str), meters["customer_id"]):
        if not _blank(c):
            consumers[g].append(m)

    def depth(g: str) -> int:
        d = 0
        while parent[g] is not None:
            g, d = parent[g], d + 1
        return d

    def direct(g: str, k: str) -> tuple[list[str], list[str], list[str]]:
        """Consumer members, child group meters and metered child groups of g, looking through unmetered groups."""
        cons = [m for m in consumers[g] if kind[m] == k]
        metered, child_meters = [], []
        for c in children[g]:
            if gmeter[c] is not None and kind.get(gmeter[c]) == k:
                metered.append(c)
                child_meters.append(gmeter[c])
            else:
                sub_c, sub_m, sub_g = direct(c, k)
                cons += sub_c
                child_meters += sub_m
                metered += sub_g
        return cons, child_meters, metered

    def subtree(g: str, k: str) -> list[str]:
        out = [m for m in consumers[g] if kind[m] == k]
        for c in children[g]:
            out += subtree(c, k)
        return out

    units = []
    for g in parent:
        m = gmeter[g]
        if m is None:
            continue
        k = kind[m]
        cons, child_meters, metered = direct(g, k)
        units.append(BalanceUnit(group_id=g, level=level[g], kind=k, input_meter_id=m,
                                 member_meter_ids=cons + child_meters, consumer_meter_ids=cons,
                                 subtree_consumer_meter_ids=subtree(g, k), child_group_ids=metered, depth=depth(g)))
    units.sort(key=lambda u: (u.depth, u.group_id))
    return units
