"""Assertions shared by the generator tests."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from scenarios.generators.metering import cable_length_m
from scenarios.site import (
    METERS_PER_CONCENTRATOR_MAX,
    METERS_PER_MODULE_MAX,
    MODULES_PER_CONCENTRATOR_MAX,
    Site,
)


def assert_metering_limits(site: Site, cable_length_max_m: float = 10.0) -> None:
    """Every meter on exactly one module; module and concentrator limits hold."""
    meters = {m.meter_id: m for m in site.meters}
    wired = [mid for mod in site.modules for mid in mod.meter_ids]
    assert sorted(wired) == sorted(meters), "every meter is on exactly one module"
    for mod in site.modules:
        assert 1 <= len(mod.meter_ids) <= METERS_PER_MODULE_MAX
        for mid in mod.meter_ids:
            assert meters[mid].module_id == mod.module_id
            assert cable_length_m(mod.position, meters[mid].position) <= cable_length_max_m
            assert meters[mid].position.floor == mod.position.floor
    hubs = {c.concentrator_id for c in site.concentrators}
    assert all(mod.concentrator_id in hubs for mod in site.modules)
    n_mod = Counter(mod.concentrator_id for mod in site.modules)
    n_met = Counter()
    for mod in site.modules:
        n_met[mod.concentrator_id] += len(mod.meter_ids)
    assert max(n_mod.values()) <= MODULES_PER_CONCENTRATOR_MAX
    assert max(n_met.values()) <= METERS_PER_CONCENTRATOR_MAX


def assert_radial_connected(site: Site) -> None:
    """The network is a tree over its buses, and consumers sit on its buses."""
    net = site.network
    names = [b.name for b in net.buses]
    assert len(set(names)) == len(names)
    graph = nx.Graph()
    graph.add_nodes_from(names)
    for ln in net.lines:
        assert ln.from_bus in graph and ln.to_bus in graph
        assert ln.linecode in net.linecodes and ln.length_m > 0
        graph.add_edge(ln.from_bus, ln.to_bus)
    assert nx.is_tree(graph)
    assert len(net.lines) == len(names) - 1
    assert net.transformer.lv_bus in graph
    assert all(c.bus in graph for c in site.consumers)
