"""The simulated mesh as GeoJSON: nodes and the links the routes use.

A ``FeatureCollection`` (RFC 7946) of

* one ``Point`` per node, properties ``id``, ``kind`` (``module`` or
  ``concentrator``), ``status`` (``ok``, ``unreachable``, ``left_out``,
  ``down``), ``unreachable`` (bool: no route to a concentrator at the end),
  ``concentrator_id``, ``parent_id``, ``hops``, ``link_margin_db``, ``floor``,
  ``meters``, ``delivery``, ``battery_life_years``;
* one ``LineString`` per routed module, from the module to its parent (next
  hop), properties ``kind`` = ``link``, ``from``, ``to``, ``hop`` (the module's
  hop count: 1 for a link into the concentrator), ``margin_db`` (received
  power above sensitivity on that link), ``concentrator_id``.

Coordinates are WGS84 ``[lon, lat]`` when the site is geo-referenced
(``origin_lonlat``), else the site's local metres ``[x_m, y_m]``; the
collection's ``crs_note`` member says which (RFC 7946 allows such foreign
members; tools that need WGS84 should be given a geo-referenced site). NaN
figures are written as ``null``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Optional

from mesh_sim.records import NodeRecord
from scenarios.sources.geo import unproject_xy

#: Statuses of a node without a route to a concentrator.
UNROUTED = ("unreachable", "left_out", "down")


def _num(value: Any, digits: int = 3) -> Any:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return round(v, digits) if math.isfinite(v) else None


def _xy(node: NodeRecord, origin: Optional[tuple[float, float]]) -> list[float]:
    if origin is None:
        return [round(node.x_m, 3), round(node.y_m, 3)]
    lon, lat = unproject_xy(node.x_m, node.y_m, origin)
    return [round(lon, 8), round(lat, 8)]


def node_feature(node: NodeRecord, origin: Optional[tuple[float, float]],
                 extra: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The ``Point`` feature of one node (module docstring)."""
    props = {
        "id": node.node_id, "kind": node.kind, "status": node.status,
        "unreachable": node.kind == "module" and node.status in UNROUTED,
        "concentrator_id": node.concentrator_id, "parent_id": node.parent_id, "hops": int(node.hops),
        "link_margin_db": _num(node.link_margin_db, 2), "floor": int(node.floor), "meters": int(node.meters),
        "delivery": _num(node.delivery, 4), "battery_life_years": _num(node.battery_life_years, 2),
    }
    props.update(extra or {})
    return {"type": "Feature", "id": node.node_id, "geometry": {"type": "Point", "coordinates": _xy(node, origin)},
            "properties": props}


def link_features(nodes: Iterable[NodeRecord], origin: Optional[tuple[float, float]]) -> list[dict[str, Any]]:
    """One ``LineString`` per routed module, module → parent (module docstring)."""
    nodes = list(nodes)
    by_id = {n.node_id: n for n in nodes}
    out = []
    for n in nodes:
        parent = by_id.get(n.parent_id) if n.parent_id else None
        if n.kind != "module" or parent is None or n.status in UNROUTED:
            continue
        out.append({"type": "Feature", "id": f"{n.node_id}->{parent.node_id}",
                    "geometry": {"type": "LineString", "coordinates": [_xy(n, origin), _xy(parent, origin)]},
                    "properties": {"kind": "link", "from": n.node_id, "to": parent.node_id, "hop": int(n.hops),
                                   "margin_db": _num(n.link_margin_db, 2), "concentrator_id": n.concentrator_id}})
    return out


def mesh_feature_collection(nodes: Iterable[NodeRecord], origin: Optional[tuple[float, float]] = None,
                            node_extra: Optional[dict[str, dict[str, Any]]] = None,
                            name: str = "mesh") -> dict[str, Any]:
    """Nodes and links as a GeoJSON ``FeatureCollection``.

    Args:
        nodes: Node records of a run (modules and concentrators).
        origin: WGS84 ``(lon, lat)`` of the site's local origin, or ``None``.
        node_extra: Further properties per node id (e.g. the meters a module reads).
        name: Collection name.
    """
    nodes = list(nodes)
    extra = node_extra or {}
    features = [node_feature(n, origin, extra.get(n.node_id)) for n in nodes] + link_features(nodes, origin)
    return {"type": "FeatureCollection", "name": name,
            "crs_note": "WGS84 lon/lat" if origin is not None else "local site frame, metres (x east, y north)",
            "origin_lonlat": list(origin) if origin is not None else None, "features": features}


def write_geojson(path: str | Path, collection: dict[str, Any]) -> Path:
    """Writes a collection as strict JSON (UTF-8); returns the path."""
    p = Path(path)
    p.write_text(json.dumps(collection, indent=1, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8")
    return p


def write_topology_geojson(path: str | Path, nodes: Iterable[NodeRecord],
                           origin: Optional[tuple[float, float]] = None) -> Path:
    """Writes ``mesh/topology.geojson`` of a run; returns the path."""
    return write_geojson(path, mesh_feature_collection(nodes, origin, name="topology"))
