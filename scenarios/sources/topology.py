"""Which buses and lines of an imported feeder hang off the transformer's LV bus."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def reachable(root: Hashable, edges: Sequence[tuple[Hashable, Hashable]]) -> tuple[set, list[int]]:
    """Buses reached from ``root`` through ``edges`` and the indices of the edges used.

    Args:
        root: Start bus.
        edges: ``(bus_a, bus_b)`` per line.

    Returns:
        The reached buses (``root`` included) and the sorted indices of the
        edges with both ends among them.
    """
    adj: dict = {}
    for k, (a, b) in enumerate(edges):
        adj.setdefault(a, []).append(k)
        adj.setdefault(b, []).append(k)
    reached, stack, used = {root}, [root], set()
    while stack:
        bus = stack.pop()
        for k in adj.get(bus, []):
            if k in used:
                continue
            used.add(k)
            for end in edges[k]:
                if end not in reached:
                    reached.add(end)
                    stack.append(end)
    return reached, sorted(used)
