"""Tests of the pandapower network builder."""

import math

import numpy as np
import pandapower as pp
import pytest

from grid_model.network import (
    Connection,
    SOURCE_BUS,
    SOURCE_EMF_BUS,
    build_ieee_net,
    build_net,
    set_loads,
    source_impedance,
)
from scenarios import ieee_eu_lv
from scenarios.errors import InputError
from scenarios.site import Line, Source
from tests.grid_model.networks import small_network


def test_source_impedance_matches_opendss_vsource():
    z = source_impedance(Source(vn_kv=11.0, isc3_a=3000.0, isc1_a=5.0, x1r1=4.0, x0r0=3.0))
    # OpenDSS reports Z1 = 0.51344 + j2.05374 and Z0 = 1203.65 + j3610.96 ohm for this Vsource.
    assert z.r1_ohm == pytest.approx(0.513436, rel=1e-5)
    assert z.x1_ohm == pytest.approx(2.053744, rel=1e-5)
    assert z.r0_ohm == pytest.approx(1203.6547, rel=1e-4)
    assert z.x0_ohm == pytest.approx(3610.9641, rel=1e-4)


def test_ieee_net_has_the_feeder_elements():
    net = build_ieee_net()
    assert len(net.bus) == 906 + 2
    assert len(net.line) == 905 + 1
    assert int(net.line["source_impedance"].sum()) == 1
    assert len(net.asymmetric_load) == 55
    assert set(net.asymmetric_load["phase"]) == {"A", "B", "C"}
    tr = net.trafo.iloc[0]
    assert tr["vk_percent"] == pytest.approx(math.hypot(4.0, 0.4))
    assert tr["vkr_percent"] == pytest.approx(0.4)
    assert tr["vector_group"] == "Dyn"
    line = net.line[net.line["name"] == "LINE1"].iloc[0]
    assert line["r_ohm_per_km"] == pytest.approx(0.446)
    assert line["r0_ohm_per_km"] == pytest.approx(1.505)
    assert line["length_km"] == pytest.approx(1.098e-3)
    names = net.bus["name"].tolist()
    assert names[:2] == [SOURCE_EMF_BUS, SOURCE_BUS]
    first = ieee_eu_lv.load_loads()[0]
    row = net.asymmetric_load.iloc[0]
    assert (row["name"], net.bus.at[row["bus"], "name"], row["phase"]) == (first.name, first.bus, first.phase)


def test_small_net_solves_in_runpp_3ph_with_three_phase_consumer():
    net = build_net(small_network(), [Connection("c1", "B2", "A"), Connection("c2", "B3", "ABC")])
    set_loads(net, np.array([5.0, 9.0]), np.array([1.0, 3.0]))
    row = net.asymmetric_load.iloc[1]
    assert row["p_a_mw"] == row["p_b_mw"] == row["p_c_mw"] == pytest.approx(0.003)
    pp.runpp_3ph(net)
    vm = net.res_bus_3ph["vm_a_pu"].to_numpy()
    assert np.all(vm[2:] < 1.0)  # LV voltages drop below the 1.0 pu EMF under load
    assert net.res_bus_3ph.at[net.bus.index[net.bus.name == "B2"][0], "vm_a_pu"] < vm[2]


@pytest.mark.parametrize(
    "connections, message",
    [
        ([Connection("c1", "nowhere", "A")], "unknown LV bus"),
        ([Connection("c1", "B1", "D")], "phase 'D'"),
        ([Connection("c1", "B1", "A"), Connection("c1", "B2", "B")], "duplicate consumer"),
        ([Connection("c1", SOURCE_BUS, "A")], "unknown LV bus"),
    ],
)
def test_bad_connections_raise_input_error(connections, message):
    with pytest.raises(InputError, match=message):
        build_net(small_network(), connections)


def test_unknown_linecode_raises():
    network = small_network()
    network.lines.append(Line("L9", "B1", "B3", "nope", 10.0))
    with pytest.raises(InputError, match="L9: unknown line code"):
        build_net(network, [])


def test_set_loads_checks_length():
    net = build_net(small_network(), [Connection("c1", "B2", "A")])
    with pytest.raises(InputError, match="expected 1 values"):
        set_loads(net, np.array([1.0, 2.0]), np.array([0.0, 0.0]))
