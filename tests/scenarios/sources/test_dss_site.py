"""OpenDSS feeders as sites: the IEEE feeder read through OpenDSS equals the built-in one and its day."""

from __future__ import annotations

import logging

import numpy as np
import pytest

pytest.importorskip("dss")

from grid_model.engine import GridEngine  # noqa: E402
from grid_model.engine.opendss_reference import solve_feeder_day  # noqa: E402
from grid_model.network import Connection, build_net  # noqa: E402
from grid_model.profiles import ieee_profiles  # noqa: E402
from scenarios import ieee_eu_lv  # noqa: E402
from scenarios.errors import InputError  # noqa: E402
from scenarios.generators import make_ieee_eu_lv_site  # noqa: E402
from scenarios.site_io import validate_site  # noqa: E402
from scenarios.sources.dss_site import read_dss  # noqa: E402

#: Minutes of the OpenDSS day compared (the night and early morning; the full day is test_opendss_validation).
MINUTES = 180

SMALL_FEEDER = """clear
New circuit.small basekv=10 pu=1.02 isc3=2000 isc1=1500
New Transformer.T1 buses=[sourcebus lv] conns=[delta wye] kvs=[10 0.4] kvas=[250 250] xhl=4 %loadloss=1.2 %noloadloss=0.2
New LineCode.cab nphases=3 r1=0.3 x1=0.08 r0=1.2 x0=0.3 units=km normamps=200
New Line.L1 bus1=lv bus2=n1 linecode=cab length=120 units=m
New Line.L2 bus1=n1 bus2=n2 linecode=cab length=0.08 units=km
New Load.H1 bus1=n1.2 phases=1 kv=0.23 kw=3 pf=0.95
New Load.H2 bus1=n2 phases=3 kv=0.4 kw=9 pf=0.95
New Load.D1 bus1=n2.1.2 phases=1 kv=0.4 kw=2 pf=0.95
New Capacitor.C1 bus1=n2 phases=3 kvar=20 kv=0.4
New PVSystem.PV1 bus1=n1 phases=3 kv=0.4 kva=5 pmpp=5
Set voltagebases=[10 0.4]
Calcvoltagebases
"""


@pytest.fixture(scope="module")
def sites():
    return read_dss(ieee_eu_lv.data_dir() / "Master.dss"), make_ieee_eu_lv_site(0)


def test_ieee_feeder_read_through_opendss_equals_the_builtin_one(sites):
    dss, ref = sites
    validate_site(dss)
    a, b = dss.network, ref.network
    assert a.source == b.source
    for field in ("lv_bus", "sn_kva", "vn_hv_kv", "vn_lv_kv", "x_percent", "r_percent", "no_load_loss_w"):
        assert getattr(a.transformer, field) == pytest.approx(getattr(b.transformer, field))
    bus_b = {x.name: (x.x_m, x.y_m) for x in b.buses}
    assert {x.name for x in a.buses} == set(bus_b)
    assert max(abs(x.x_m - bus_b[x.name][0]) + abs(x.y_m - bus_b[x.name][1]) for x in a.buses) < 1e-6
    lines_b = {ln.name.lower(): ln for ln in b.lines}  # OpenDSS keeps names in lower case
    assert len(a.lines) == len(lines_b)
    for ln in a.lines:
        other = lines_b[ln.name]
        assert (ln.from_bus, ln.to_bus, ln.linecode) == (other.from_bus, other.to_bus, other.linecode.lower())
        assert ln.length_m == pytest.approx(other.length_m)
        ca, cb = a.linecodes[ln.linecode], b.linecodes[other.linecode]
        assert (ca.r1_ohm_per_km, ca.x1_ohm_per_km, ca.r0_ohm_per_km, ca.x0_ohm_per_km) == pytest.approx(
            (cb.r1_ohm_per_km, cb.x1_ohm_per_km, cb.r0_ohm_per_km, cb.x0_ohm_per_km))
    assert [(c.consumer_id.upper(), c.bus, c.phase, c.profile) for c in dss.consumers] == \
        [(c.consumer_id, c.bus, c.phase, c.profile) for c in ref.consumers]


def test_ieee_feeder_read_through_opendss_solves_opendss_day(sites):
    site, _ = sites
    loads = ieee_profiles(site.consumers)
    conns = [Connection(c.consumer_id, c.bus, c.phase) for c in site.consumers]
    engine = GridEngine.from_net(build_net(site.network, conns), "opendss", vminpu=0.95, vmaxpu=1.05, load_kv=0.23)
    ours = engine.solve_day(loads.p_kw[:, :MINUTES], loads.q_kvar[:, :MINUTES], network_outputs=False)
    ref = solve_feeder_day(MINUTES)
    assert [n.upper() for n in ours.load_names] == ref.load_names
    dv = np.abs(ours.v_load_pu - ref.v_load_pu)
    assert dv.max() <= 1e-3  # measured about 5e-6 pu


def test_unsupported_elements_are_listed_in_one_line(tmp_path, caplog):
    (tmp_path / "Master.dss").write_text(SMALL_FEEDER)
    with caplog.at_level(logging.WARNING):
        site = read_dss(tmp_path / "Master.dss")
    lines = [r.getMessage() for r in caplog.records if "not imported" in r.getMessage()]
    assert len(lines) == 1
    for item in ("two-phase or delta loads (1)", "capacitor (1)", "pvsystem (1)"):
        assert item in lines[0]
    assert {(c.consumer_id, c.bus, c.phase) for c in site.consumers} == {("h1", "n1", "B"), ("h2", "n2", "ABC")}
    net = site.network
    assert net.source.vn_kv == 10 and net.source.vm_pu == pytest.approx(1.02)
    assert net.transformer.r_percent == pytest.approx(1.2) and net.transformer.sn_kva == 250
    assert net.transformer.no_load_loss_w == pytest.approx(500.0) and net.transformer.vector_group == "Dyn"
    assert sorted(ln.length_m for ln in net.lines) == pytest.approx([80.0, 120.0])
    code = net.linecodes["cab"]
    assert (code.r1_ohm_per_km, code.x0_ohm_per_km, code.max_i_ka) == pytest.approx((0.3, 0.3, 0.2))


def test_bad_master_file_is_one_clear_line(tmp_path):
    with pytest.raises(InputError, match="master file not found"):
        read_dss(tmp_path / "nope.dss")
    (tmp_path / "Master.dss").write_text("clear\nNew circuit.x basekv=10\n")
    with pytest.raises(InputError, match="exactly one Transformer"):
        read_dss(tmp_path / "Master.dss")
