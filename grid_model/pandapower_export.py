"""Writes a site's network and consumers as a pandapower JSON net (``grid/net.json``).

The net is :func:`grid_model.network.build_net`'s (ideal EMF, source-impedance
line, Dyn transformer, sequence-impedance lines, one ``asymmetric_load`` per
consumer with its ``phase`` and its ``profile`` reference, e.g. ``ieee:12`` or a
SimBench one), named after the site, loads at zero. When the
site knows where it is (``origin_lonlat``) the bus coordinates are written in
WGS84 degrees, so that GIS tools and pandapower's plots place it; otherwise in
the site's metres. ``site=pandapower site.path=net.json`` reads it back into the
same network and consumers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandapower as pp

from grid_model.network import Connection, build_net
from scenarios.site import Network, Site
from scenarios.sources.geo import unproject_xy


def site_net(site: Site, network: Network, net: pp.pandapowerNet | None = None) -> pp.pandapowerNet:
    """The pandapower net of ``site`` on ``network`` (module docstring).

    Args:
        site: The site (consumers, name, geo-reference).
        network: Its network.
        net: The net :func:`build_net` already made of them (filled in place), to save building it again.
    """
    if net is None:
        net = build_net(network, [Connection(c.consumer_id, c.bus, c.phase) for c in site.consumers])
    net.name = site.name
    net.asymmetric_load["profile"] = [c.profile or "" for c in site.consumers]
    if site.origin_lonlat is not None:
        xy = {b.name: (b.x_m, b.y_m) for b in network.buses}
        geo = net.bus["geo"].astype(object)
        for idx, name in net.bus["name"].items():
            if name in xy:
                lon, lat = unproject_xy(*xy[name], site.origin_lonlat)
                geo[idx] = json.dumps({"type": "Point", "coordinates": [round(lon, 8), round(lat, 8)]})
        net.bus["geo"] = geo
    return net


def write_site_net(path: str | Path, site: Site, network: Network, net: pp.pandapowerNet | None = None) -> Path:
    """Writes :func:`site_net` to ``path`` with ``pandapower.to_json``; returns the path."""
    p = Path(path)
    pp.to_json(site_net(site, network, net), str(p))
    return p
