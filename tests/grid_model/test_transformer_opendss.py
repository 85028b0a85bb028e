"""Validation: transformer model (Dyn and Yyn0, load and no-load losses) against OpenDSS.

A small network (one 250 kVA transformer, three cables, nine unbalanced
single-phase loads and one three-phase load) is solved at three load
snapshots by OpenDSS (``Vsource`` + ``Transformer`` with ``%noloadloss``) and
by the engine; voltages and losses must agree.
"""

import numpy as np
import pytest

pytest.importorskip("dss")

from grid_model.engine import GridEngine  # noqa: E402
from grid_model.engine.opendss_reference import solve_network_snapshots  # noqa: E402
from grid_model.network import Connection, build_net  # noqa: E402
from scenarios.generators.equipment import distribution_transformer, linecodes  # noqa: E402
from scenarios.site import Bus, Line, Network, Source  # noqa: E402


def small_network(vector_group: str) -> tuple[Network, list[Connection]]:
    tr = distribution_transformer("TR1", "LV", 250.0, vn_hv_kv=10.0, vector_group=vector_group)
    buses = [Bus("LV", 0, 0), Bus("B1", 80, 0), Bus("B2", 160, 0), Bus("B3", 80, 60)]
    lines = [Line("L1", "LV", "B1", "4c_185", 80.0), Line("L2", "B1", "B2", "4c_95_SAC_XC", 80.0),
             Line("L3", "B1", "B3", "4c_70", 60.0)]
    net = Network(Source(vn_kv=10.0), tr, buses, linecodes("4c_185", "4c_95_SAC_XC", "4c_70"), lines)
    conns = [Connection(f"c{i}", bus, ph) for i, (bus, ph) in enumerate(
        [("B1", "A"), ("B1", "B"), ("B1", "C"), ("B2", "A"), ("B2", "A"), ("B2", "B"),
         ("B3", "C"), ("B3", "C"), ("B3", "B"), ("B2", "ABC")])]
    return net, conns


def snapshots() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    p = np.column_stack([np.zeros(10), rng.uniform(0.5, 3.0, 10), rng.uniform(1.0, 5.0, 10)])
    return p, p * np.tan(np.arccos(0.95))


@pytest.mark.parametrize("group", ["Dyn", "Yyn"])
def test_engine_matches_opendss(group):
    network, conns = small_network(group)
    assert network.transformer.no_load_loss_w == 300.0  # EU 548/2014 Tier 1 Ao for 250 kVA
    p, q = snapshots()
    ref = solve_network_snapshots(network, conns, p, q)
    engine = GridEngine.from_net(build_net(network, conns), "constant_power")
    ours = engine.solve_day(p, q, network_outputs=False)
    assert np.abs(ours.v_load_pu - ref.v_load_pu).max() < 1e-4
    tr_kw = ours.p_loss_trafo_kw_by_phase.sum(axis=0)
    np.testing.assert_allclose(tr_kw, ref.p_loss_trafo_kw, rtol=1e-3)
    np.testing.assert_allclose(ours.p_loss_kw, ref.p_loss_kw, rtol=1e-3)


def test_no_load_losses_are_there_without_load():
    network, conns = small_network("Dyn")
    engine = GridEngine.from_net(build_net(network, conns), "constant_power")
    res = engine.solve_day(np.zeros((10, 1)), np.zeros((10, 1)), network_outputs=False)
    # Iron loss at the no-load voltage (source EMF 1.05 pu): P0 · 1.05².
    assert res.p_loss_trafo_kw_by_phase.sum() == pytest.approx(0.300 * 1.05**2, rel=2e-3)
    assert res.p_loss_line_kw_by_phase.sum() == pytest.approx(0.0, abs=1e-9)


def test_yyn_unbalance_shifts_voltages_more_than_dyn():
    p = np.zeros((10, 1))
    p[3:5, 0] = 3.0  # two loads on phase A at B2
    out = {}
    for group in ("Dyn", "Yyn"):
        network, conns = small_network(group)
        engine = GridEngine.from_net(build_net(network, conns), "constant_power")
        out[group] = engine.solve_day(p, 0 * p).v_bus_pu
    lv = 2  # LV busbar (after SourceEMF, SourceBus)
    spread = {g: np.nanmax(v[lv, :, 0]) - np.nanmin(v[lv, :, 0]) for g, v in out.items()}
    assert spread["Yyn"] > 3 * spread["Dyn"]
