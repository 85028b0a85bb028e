"""The plan as a map for GIS tools: ``plan/map.geojson`` and ``plan/map.kml``.

``map.geojson`` is :func:`mesh_sim.geojson.mesh_feature_collection` of the
plan's final verification run: modules (with the meters they read, their
building and, for modules without a route, ``unreachable: true``),
concentrators, and one link per routed module to its next hop with ``hop``
and ``margin_db``. Coordinates are WGS84 when the points or the site were
geo-referenced, else local metres (``crs_note`` says which).

``map.kml`` holds the same features for Google Earth: a folder each for
concentrators, modules, unreachable modules and mesh links, every property in
``ExtendedData``. KML only knows WGS84, so a site without geo-reference is
drawn around lon/lat (0, 0) and the document's description says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional
from xml.etree import ElementTree as ET

from mesh_sim.geojson import mesh_feature_collection, write_geojson

from analytics.planning.planner import Plan

#: KML colours (aabbggrr) per folder.
_STYLES = {"concentrator": "ffff0000", "module": "ff00aa00", "unreachable": "ff0000ff", "link": "ff0088ff"}
#: Folder titles in the KML document.
_FOLDERS = {"concentrator": "Concentrators (J100UC)", "module": "Modules (D100FC)",
            "unreachable": "Unreachable modules", "link": "Mesh links"}


def plan_feature_collection(plan: Plan, origin: Optional[tuple[float, float]]) -> dict[str, Any]:
    """The plan's nodes and links with the module's meters (module docstring)."""
    from analytics.planning.sitebuild import building_of

    meters = {m.meter_id: m for m in plan.site.meters}
    extra = {}
    for mod in plan.site.modules:
        first = meters.get(mod.meter_ids[0]) if mod.meter_ids else None
        extra[mod.module_id] = {"meter_ids": list(mod.meter_ids),
                                "building": (building_of(plan.site, first.group_id) or first.group_id) if first else ""}
    return mesh_feature_collection(plan.nodes, origin, extra, name="plan")


def _folder_of(feature: dict[str, Any]) -> str:
    props = feature["properties"]
    if props.get("kind") == "link":
        return "link"
    if props.get("unreachable"):
        return "unreachable"
    return "concentrator" if props.get("kind") == "concentrator" else "module"


def _coords(points: list[list[float]]) -> str:
    return " ".join(f"{lon:.8f},{lat:.8f},0" for lon, lat in points)


def collection_to_kml(collection: dict[str, Any], geo_referenced: bool) -> ET.ElementTree:
    """A KML document of a WGS84 feature collection, one folder per kind of feature."""
    ns = "http://www.opengis.net/kml/2.2"
    ET.register_namespace("", ns)
    kml = ET.Element(f"{{{ns}}}kml")
    doc = ET.SubElement(kml, f"{{{ns}}}Document")
    ET.SubElement(doc, f"{{{ns}}}name").text = f"BALANCE {collection.get('name', 'plan')}"
    ET.SubElement(doc, f"{{{ns}}}description").text = (
        "WGS84" if geo_referenced else "Not geo-referenced: the site's local metres drawn around lon/lat (0, 0)")
    for key, colour in _STYLES.items():
        style = ET.SubElement(doc, f"{{{ns}}}Style", id=key)
        if key == "link":
            line = ET.SubElement(style, f"{{{ns}}}LineStyle")
            ET.SubElement(line, f"{{{ns}}}color").text = colour
            ET.SubElement(line, f"{{{ns}}}width").text = "2"
        else:
            icon = ET.SubElement(style, f"{{{ns}}}IconStyle")
            ET.SubElement(icon, f"{{{ns}}}color").text = colour
    folders = {k: ET.SubElement(doc, f"{{{ns}}}Folder") for k in _FOLDERS}
    for key, folder in folders.items():
        ET.SubElement(folder, f"{{{ns}}}name").text = _FOLDERS[key]
    for feature in collection["features"]:
        key = _folder_of(feature)
        mark = ET.SubElement(folders[key], f"{{{ns}}}Placemark")
        ET.SubElement(mark, f"{{{ns}}}name").text = str(feature.get("id", ""))
        ET.SubElement(mark, f"{{{ns}}}styleUrl").text = f"#{key}"
        data = ET.SubElement(mark, f"{{{ns}}}ExtendedData")
        for name, value in feature["properties"].items():
            item = ET.SubElement(data, f"{{{ns}}}Data", name=name)
            text = ";".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
            ET.SubElement(item, f"{{{ns}}}value").text = text
        geom = feature["geometry"]
        if geom["type"] == "Point":
            point = ET.SubElement(mark, f"{{{ns}}}Point")
            ET.SubElement(point, f"{{{ns}}}coordinates").text = _coords([geom["coordinates"]])
        else:
            line = ET.SubElement(mark, f"{{{ns}}}LineString")
            ET.SubElement(line, f"{{{ns}}}coordinates").text = _coords(geom["coordinates"])
    return ET.ElementTree(kml)


def write_plan_geo(out_dir: str | Path, plan: Plan, origin: Optional[tuple[float, float]] = None) -> list[Path]:
    """Writes ``map.geojson`` and ``map.kml`` into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    geojson = write_geojson(out / "map.geojson", plan_feature_collection(plan, origin))
    tree = collection_to_kml(plan_feature_collection(plan, origin or (0.0, 0.0)), origin is not None)
    ET.indent(tree)
    kml = out / "map.kml"
    tree.write(kml, encoding="utf-8", xml_declaration=True)
    return [geojson, kml]
