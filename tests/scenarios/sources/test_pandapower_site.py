"""pandapower JSON nets as sites, and the site written back as one (round trips)."""

from __future__ import annotations

import json

import pandapower as pp
import pytest
from omegaconf import OmegaConf

from grid_model.pandapower_export import site_net, write_site_net
from scenarios.errors import InputError
from scenarios.generators import RuralConfig, make_rural_street
from scenarios.site_io import validate_site
from scenarios.sources.build import build_source_site, load_pandapower_site


def _same_network(a, b):
    assert a.source.vn_kv == b.source.vn_kv and a.source.vm_pu == pytest.approx(b.source.vm_pu)
    for f in ("isc3_a", "isc1_a", "x1r1", "x0r0"):
        assert getattr(a.source, f) == pytest.approx(getattr(b.source, f), rel=1e-9)
    for f in ("lv_bus", "sn_kva", "vn_hv_kv", "vn_lv_kv", "x_percent", "r_percent", "no_load_loss_w"):
        assert getattr(a.transformer, f) == pytest.approx(getattr(b.transformer, f))
    assert a.transformer.vector_group == b.transformer.vector_group
    xy = {x.name: (x.x_m, x.y_m) for x in b.buses}
    assert {x.name for x in a.buses} == set(xy)
    assert max(abs(x.x_m - xy[x.name][0]) + abs(x.y_m - xy[x.name][1]) for x in a.buses) < 1e-3
    lines = {ln.name: ln for ln in b.lines}
    for ln in a.lines:
        other = lines[ln.name]
        assert {ln.from_bus, ln.to_bus} == {other.from_bus, other.to_bus}
        assert ln.length_m == pytest.approx(other.length_m)
        ca, cb = a.linecodes[ln.linecode], b.linecodes[other.linecode]
        assert (ca.r1_ohm_per_km, ca.x1_ohm_per_km, ca.r0_ohm_per_km, ca.x0_ohm_per_km, ca.max_i_ka) == \
            pytest.approx((cb.r1_ohm_per_km, cb.x1_ohm_per_km, cb.r0_ohm_per_km, cb.x0_ohm_per_km, cb.max_i_ka))


def test_site_written_as_pandapower_json_reads_back_the_same(tmp_path):
    site = make_rural_street(RuralConfig(houses=12), seed=3)
    path = write_site_net(tmp_path / "net.json", site, site.network)
    back = load_pandapower_site(path)
    validate_site(back)
    _same_network(back.network, site.network)
    assert [(c.consumer_id, c.bus, c.phase, c.profile) for c in back.consumers] == \
        [(c.consumer_id, c.bus, c.phase, c.profile) for c in site.consumers]


def test_written_net_solves_in_pandapower_like_the_original(tmp_path):
    """The JSON file is a real pandapower net: its 3-phase power flow equals the one of build_net."""
    site = make_rural_street(RuralConfig(houses=8), seed=1)
    write_site_net(tmp_path / "net.json", site, site.network)
    net = pp.from_json(str(tmp_path / "net.json"))
    ref = site_net(site, site.network)
    for n in (net, ref):
        n.asymmetric_load["p_a_mw"] = 0.002
        n.asymmetric_load["q_a_mvar"] = 0.0005
        pp.runpp_3ph(n)
    assert net.res_bus_3ph.vm_a_pu.to_numpy() == pytest.approx(ref.res_bus_3ph.vm_a_pu.to_numpy(), abs=1e-9)


def test_coordinates_written_in_wgs84_when_the_site_has_them(tmp_path):
    site = make_rural_street(RuralConfig(houses=6), seed=2)
    site.origin_lonlat = (28.8638, 47.0105)  # Chisinau
    write_site_net(tmp_path / "net.json", site, site.network)
    net = pp.from_json(str(tmp_path / "net.json"))
    lonlat = [json.loads(g)["coordinates"] for g in net.bus.geo if isinstance(g, str)]
    assert all(abs(lon - 28.86) < 0.05 and abs(lat - 47.01) < 0.05 for lon, lat in lonlat)
    back = load_pandapower_site(tmp_path / "net.json")
    assert back.origin_lonlat == pytest.approx(site.origin_lonlat, abs=1e-7)
    _same_network(back.network, site.network)


def test_nets_without_transformer_or_json_are_refused_in_one_line(tmp_path):
    net = pp.create_empty_network()
    mv, lv = pp.create_bus(net, 20), pp.create_bus(net, 0.4)
    pp.create_ext_grid(net, mv)
    pp.to_json(net, str(tmp_path / "none.json"))
    with pytest.raises(InputError, match="none.json: needs at least one two-winding transformer in service"):
        load_pandapower_site(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="bad.json: not a pandapower JSON net"):
        load_pandapower_site(tmp_path / "bad.json")


def test_several_substations_round_trip(tmp_path):
    from scenarios.generators import DistrictConfig, make_district

    site = make_district(DistrictConfig(buildings=6), seed=2)
    if not site.network.extra_transformers:
        pytest.skip("this district has one substation")
    write_site_net(tmp_path / "net.json", site, site.network)
    back = load_pandapower_site(tmp_path / "net.json")
    validate_site(back)
    assert [t.lv_bus for t in back.network.transformers] == [t.lv_bus for t in site.network.transformers]
    _same_network(back.network, site.network)


def test_meshed_lv_network_is_refused_in_one_line(tmp_path):
    net = pp.create_empty_network()
    mv = pp.create_bus(net, 20)
    a, b, c = (pp.create_bus(net, 0.4, name=n) for n in ("a", "b", "c"))
    pp.create_ext_grid(net, mv)
    pp.create_transformer(net, mv, a, "0.4 MVA 20/0.4 kV")
    for f, t in ((a, b), (b, c), (c, a)):
        pp.create_line(net, f, t, 0.1, "NAYY 4x150 SE")
    pp.create_load(net, c, 0.004)
    pp.to_json(net, str(tmp_path / "ring.json"))
    with pytest.raises(InputError, match="ring.json: network.lines.*closes a loop"):
        build_source_site("pandapower", OmegaConf.create({"path": str(tmp_path / "ring.json")}), 0)
