"""Tests of the site file format: round trip and one-line errors for bad files."""

from __future__ import annotations

import json
import re

import pytest

from scenarios.errors import InputError
from scenarios.generators import make_site
from scenarios.site_io import FORMAT, load_site, save_site, site_to_dict, validate_site


@pytest.fixture(scope="module")
def small_site():
    return make_site("district", {"buildings": 1, "streets": 1, "entrances": 2, "floors": 3, "gas": True}, 4)


@pytest.mark.parametrize("kind", ["district", "rural", "ieee_eu_lv"])
def test_round_trip_gives_an_equal_site(kind, tmp_path, request):
    fixture = {"district": "district_site", "rural": "rural_site", "ieee_eu_lv": "ieee_site"}[kind]
    site = request.getfixturevalue(fixture)
    path = tmp_path / "site.json"
    save_site(site, path)
    loaded = load_site(path)
    assert loaded == site
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT and data["version"] == 1


def test_site_without_network_round_trips(small_site, tmp_path):
    small_site_copy = load_site(_write(tmp_path, site_to_dict(small_site)))
    small_site_copy.network = None
    path = tmp_path / "nonet.json"
    save_site(small_site_copy, path)
    assert load_site(path) == small_site_copy


def _write(tmp_path, data, name="site.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1))
    return path


def _first(data, key, pred):
    return next(i for i, r in enumerate(data[key]) if pred(r))


def _mutations():
    """(what, edit of the JSON dict, expected location in the message, message part)."""

    def module_of_three(d):
        return _first(d, "modules", lambda m: len(m["meter_ids"]) == 3)

    return [
        ("unknown group", lambda d: d["meters"][5].update(group_id="G9"), "meters[5].group_id", "unknown group 'G9'"),
        ("missing field", lambda d: d["consumers"][2].pop("bus"), "consumers[2].bus", "missing required field"),
        ("wrong type", lambda d: d["meters"][1].update(pulse_weight="3200"), "meters[1].pulse_weight",
         "expected a number"),
        ("unknown field", lambda d: d["modules"][0].update(colour="red"), "modules[0].colour", "unknown field"),
        ("bad level", lambda d: d["groups"][3].update(level="block"), "groups[3].level", "invalid level 'block'"),
        ("bad meter kind", lambda d: d["meters"][0].update(kind="steam"), "meters[0].kind", "invalid meterkind"),
        ("bad phase", lambda d: d["consumers"][0].update(phase="D"), "consumers[0].phase", "invalid phase 'D'"),
        ("bad consumer kind", lambda d: d["consumers"][1].update(kind="shop"), "consumers[1].kind", "invalid kind"),
        ("duplicate id", lambda d: d["consumers"][3].update(consumer_id=d["consumers"][2]["consumer_id"]),
         "consumers[3].consumer_id", "duplicate consumer id"),
        ("unknown parent", lambda d: d["groups"][1].update(parent_id="X"), "groups[1].parent_id", "unknown group 'X'"),
        ("unknown group meter", lambda d: d["groups"][0].update(group_meter_id="GM-X"), "groups[0].group_meter_id",
         "unknown meter"),
        ("unknown consumer", lambda d: d["meters"][_first(d, "meters", lambda m: m["consumer_id"])].update(
            consumer_id="nobody"), "meters[{i}].consumer_id", "unknown consumer 'nobody'"),
        ("unknown module", lambda d: d["meters"][4].update(module_id="MOD9999"), "meters[4].module_id",
         "unknown module 'MOD9999'"),
        ("module lists unknown meter", lambda d: d["modules"][2]["meter_ids"].__setitem__(0, "M-X"),
         "modules[2].meter_ids[0]", "unknown meter 'M-X'"),
        ("four meters on a module", lambda d: d["modules"][module_of_three(d)]["meter_ids"].append("M-extra"),
         "modules[{i}].meter_ids", "at most 3"),
        ("unknown concentrator", lambda d: d["modules"][0].update(concentrator_id="J99"), "modules[0].concentrator_id",
         "unknown concentrator 'J99'"),
        ("cable too long", lambda d: d["modules"][1]["position"].update(x_m=d["modules"][1]["position"]["x_m"] + 50),
         "modules[1].meter_ids[0]", "cables reach 10 m"),
        ("unknown bus", lambda d: d["consumers"][0].update(bus="nowhere"), "consumers[0].bus", "unknown bus 'nowhere'"),
        ("line to unknown bus", lambda d: d["network"]["lines"][2].update(to_bus="nowhere"),
         "network.lines[2].to_bus", "unknown bus"),
        ("zero length", lambda d: d["network"]["lines"][1].update(length_m=0), "network.lines[1].length_m", "> 0"),
        ("unknown linecode", lambda d: d["network"]["lines"][0].update(linecode="4c_999"), "network.lines[0].linecode",
         "unknown linecode"),
        ("loop", lambda d: d["network"]["lines"].append(dict(d["network"]["lines"][-1], name="L-loop", from_bus="LV")),
         "network.lines[{n}]", "closes a loop"),
        ("unknown transformer bus", lambda d: d["network"]["transformer"].update(lv_bus="HV"),
         "network.transformer.lv_bus", "unknown bus 'HV'"),
        ("island bus", lambda d: d["network"]["buses"].append({"name": "island", "x_m": 0.0, "y_m": 0.0}),
         "network.buses[{n_bus}]", "not connected"),
        ("negative resistance", lambda d: d["network"]["linecodes"][0].update(r1_ohm_per_km=-1.0),
         "network.linecodes[0].r1_ohm_per_km", ">= 0"),
        ("bad format", lambda d: d.update(format="other"), "format", "balance-twin-site"),
        ("bad version", lambda d: d.update(version=2), "version", "unsupported version"),
        ("float floor", lambda d: d["meters"][0]["position"].update(floor=1.5), "meters[0].position.floor",
         "expected an integer"),
    ]


@pytest.mark.parametrize("what,edit,loc,part", _mutations(), ids=[m[0] for m in _mutations()])
def test_malformed_file_names_file_and_location(what, edit, loc, part, small_site, tmp_path):
    data = site_to_dict(small_site)
    data = json.loads(json.dumps(data))
    edit(data)
    if "{i}" in loc:
        key = loc.split("[")[0]
        if key == "meters":
            i = _first(data, "meters", lambda m: m["consumer_id"] == "nobody")
        else:
            i = _first(data, "modules", lambda m: len(m["meter_ids"]) == 4)
        loc = loc.replace("{i}", str(i))
    loc = loc.replace("{n}", str(len(data["network"]["lines"]) - 1) if "network" in data and data["network"] else "")
    if "{n_bus}" in loc:
        loc = loc.replace("{n_bus}", str(len(data["network"]["buses"]) - 1))
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_site(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {loc}: "), message
    assert part.lower() in message.lower(), message


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n "format": "balance-twin-site",\n "version": 1,\n "name": "x",,\n}\n')
    with pytest.raises(InputError, match=re.escape(f"{path}: line 4: invalid JSON")):
        load_site(path)


def test_missing_file_and_wrong_top_level(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_site(tmp_path / "absent.json")
    with pytest.raises(InputError, match=r"\(top level\): expected an object"):
        load_site(_write(tmp_path, [1, 2]))


def test_concentrator_limits_are_checked(district_site, tmp_path):
    data = json.loads(json.dumps(site_to_dict(district_site)))
    for mod in data["modules"]:
        mod["concentrator_id"] = "J01"
    n = len(data["modules"])
    assert n > 240
    with pytest.raises(InputError, match=rf"concentrators\[0\]: 'J01' serves {n} modules, a J100UC serves at most 240"):
        load_site(_write(tmp_path, data))


def test_validate_site_on_generated_site(small_site):
    validate_site(small_site)
    data = json.loads(json.dumps(site_to_dict(small_site)))
    data["consumers"][0]["phase"] = "D"
    from scenarios.site_io import site_from_dict

    site = site_from_dict(data)
    with pytest.raises(InputError, match=r"^site 'district': consumers\[0\]\.phase: invalid phase"):
        validate_site(site)


def test_documented_example_loads(tmp_path):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "site-format.md").read_text()
    block = doc.split("```json\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.json"
    path.write_text(block)
    site = load_site(path)
    assert [c.consumer_id for c in site.consumers] == ["H01"]
    assert site.group("S1").parent_id == "R1"


def test_building_types_round_trip_and_bad_type_is_named(tmp_path):
    site = make_site("district", {"buildings": 1, "streets": 1, "floors": 2, "building_type": "brick"}, seed=1)
    houses = make_site("rural", {"houses": 3, "building_type": "timber_house"}, seed=1)
    assert {g.building_type for g in site.groups if g.level.value == "building"} == {"brick"}
    assert {c.building_type for c in houses.consumers} == {"timber_house"}
    path = tmp_path / "s.json"
    save_site(site, path)
    assert load_site(path) == site
    data = json.loads(path.read_text())
    k = next(i for i, g in enumerate(data["groups"]) if g["level"] == "building")
    data["groups"][k]["building_type"] = "igloo"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=rf"groups\[{k}\]\.building_type: unknown building type 'igloo'"):
        load_site(path)
    with pytest.raises(InputError, match="district.building_type"):
        make_site("district", {"building_type": "igloo"}, seed=1)
