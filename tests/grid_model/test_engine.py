"""Behaviour of the time-series engine on a small feeder (load models, stepper, errors)."""

import numpy as np
import pytest

from grid_model.engine import ConvergenceError, GridEngine
from grid_model.network import Connection, build_net
from scenarios.errors import InputError
from tests.grid_model.networks import small_network


CONNECTIONS = [
    Connection("c1", "B2", "A"),
    Connection("c2", "B2", "B"),
    Connection("c3", "B1", "A"),
    Connection("c4", "B3", "ABC"),
]


def demand(n_steps: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.5, 8.0, size=(len(CONNECTIONS), n_steps))
    return p, 0.3 * p


@pytest.fixture(scope="module")
def net():
    return build_net(small_network(), CONNECTIONS)


def test_result_shapes_and_names(net):
    p, q = demand(5)
    r = GridEngine.from_net(net).solve_day(p, q)
    assert r.load_names == ["c1", "c2", "c3", "c4"]
    assert r.bus_names[2:] == ["LV0", "B1", "B2", "B3"]
    assert r.v_bus_pu.shape == (6, 3, 5) and r.vuf_pct.shape == (6, 5)
    assert r.v_load_pu.shape == r.loss_share_kw.shape == (4, 5)
    assert r.p_loss_kw_by_phase.shape == (3, 5) and r.loading_pct.shape == (5,)
    assert r.i_line_max_a.shape == (4, 3) and r.n_steps == 5
    assert np.all(np.isfinite(r.v_bus_pu))


@pytest.mark.parametrize("kind, exponent", [("constant_power", 0), ("constant_current", 1), ("constant_impedance", 2)])
def test_load_models_scale_power_with_voltage(net, kind, exponent):
    p, q = demand()
    r = GridEngine.from_net(net, kind).solve_day(p, q)
    # Rated voltage defaults to the bus nominal, the base of v_load_pu
    # (single-phase consumers: v_load_pu is their own phase's voltage).
    single = slice(0, 3)
    np.testing.assert_allclose(r.p_load_kw[single], p[single] * r.v_load_pu[single] ** exponent, rtol=1e-7)
    assert r.v_load_pu.min() < 0.995  # the check above is not trivially at 1 pu


def test_opendss_model_is_constant_power_inside_the_band_and_impedance_outside(net):
    p, q = demand()
    inside = GridEngine.from_net(net, "opendss", vminpu=0.5, vmaxpu=1.5).solve_day(p, q)
    np.testing.assert_allclose(inside.p_load_kw, p, rtol=1e-7)
    low = GridEngine.from_net(net, "opendss", vminpu=0.999, vmaxpu=1.5).solve_day(p, q)
    v = low.v_load_pu[:3]
    assert (v < 0.999).any() and (v > 0.999).any()
    expected = np.where(v < 0.999, p[:3] * (v / 0.999) ** 2, p[:3])
    np.testing.assert_allclose(low.p_load_kw[:3], expected, rtol=1e-7)


def test_opendss_model_above_the_band_uses_the_vmax_impedance(net):
    p, q = demand()
    engine = GridEngine.from_net(net, "opendss", vminpu=0.5, vmaxpu=1.05, load_kv=0.2)
    r = engine.solve_day(p, q)
    v_rated_pu = r.v_load_pu * (0.416 / np.sqrt(3)) / 0.2  # single-phase rated 0.2 kV
    single = np.array([True, True, True, False])
    assert np.all(v_rated_pu[single] > 1.05)
    np.testing.assert_allclose(r.p_load_kw[single], p[single] * (v_rated_pu[single] / 1.05) ** 2, rtol=1e-6)


def test_three_phase_consumer_is_balanced(net):
    p = np.zeros((4, 2))
    p[3] = [6.0, 12.0]
    r = GridEngine.from_net(net, "constant_power").solve_day(p, 0.2 * p)
    b3 = r.bus_names.index("B3")
    assert np.ptp(r.v_bus_pu[b3], axis=0).max() < 1e-9
    assert r.vuf_pct[b3].max() < 1e-6
    assert r.i_trafo_neutral_a.max() < 1e-6
    np.testing.assert_allclose(r.p_load_kw[3], p[3], rtol=1e-9)


def test_losses_sum_and_shares_add_up(net):
    p, q = demand(6)
    r = GridEngine.from_net(net).solve_day(p, q)
    np.testing.assert_allclose(r.loss_share_kw.sum(axis=0), r.p_loss_kw, rtol=1e-9)
    np.testing.assert_allclose(r.p_loss_kw_by_phase.sum(axis=0), r.p_loss_kw)
    # Branch-by-branch line losses equal the busbar/terminal power balance.
    assert r.line_loss_kwh.sum() == pytest.approx(r.p_loss_line_kw_by_phase.sum() / 60.0, rel=1e-9)
    # Power balance: busbar input = consumption + LV line losses.
    assert r.losses_kwh == pytest.approx(r.p_loss_kw.sum() / 60.0)
    # Shares of single consumers may be negative (mutual coupling), their sum is not.
    assert np.all(r.loss_share_kw.sum(axis=0) > 0)
    assert r.loading_pct.max() > 0


def test_stepper_matches_the_batch_and_warm_starts(net):
    p, q = demand(4)
    engine = GridEngine.from_net(net)
    day = engine.solve_day(p, q)
    stepper = engine.stepper()
    for m in range(4):
        s = stepper.step(p[:, m], q[:, m])
        assert s.step == m
        np.testing.assert_allclose(s.v_load_pu, day.v_load_pu[:, m], atol=1e-9)
        np.testing.assert_allclose(s.loss_share_kw, day.loss_share_kw[:, m], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(s.i_trafo_a, day.i_trafo_a[:, m], rtol=1e-7)
        assert s.p_loss_kw == pytest.approx(day.p_loss_kw[m], rel=1e-7)
        assert s.loading_pct == pytest.approx(day.loading_pct[m], rel=1e-7)
    cold = stepper.step(p[:, 3], q[:, 3])
    assert cold.iterations <= 2  # same demand again: starts at the solution


def test_sparse_path_matches_dense(net):
    p, q = demand(7)
    dense = GridEngine.from_net(net, dense=True).solve_day(p, q)
    sparse = GridEngine.from_net(net, dense=False).solve_day(p, q)
    np.testing.assert_allclose(sparse.v_bus_pu, dense.v_bus_pu, atol=1e-12)
    np.testing.assert_allclose(sparse.loss_share_kw, dense.loss_share_kw, rtol=1e-9, atol=1e-12)


def test_light_solve_skips_network_outputs_only(net):
    p, q = demand(3)
    engine = GridEngine.from_net(net)
    full, light = engine.solve_day(p, q), engine.solve_day(p, q, network_outputs=False)
    assert light.v_bus_pu is None and light.i_line_max_a is None
    np.testing.assert_allclose(light.v_load_pu, full.v_load_pu)
    np.testing.assert_allclose(light.p_loss_kw, full.p_loss_kw)


def test_overload_raises_naming_the_minute(net):
    p, q = demand(3)
    p[0, 1] = 5000.0
    with pytest.raises(ConvergenceError, match=r"minute\(s\) 1 ") as info:
        GridEngine.from_net(net, "constant_power").solve_day(p, q)
    assert info.value.minutes == [1]


def test_bad_demand_and_model_raise_input_error(net):
    engine = GridEngine.from_net(net)
    with pytest.raises(InputError, match="shape"):
        engine.solve_day(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(InputError, match="nan"):
        engine.solve_day(np.full((4, 2), np.nan), np.ones((4, 2)))
    with pytest.raises(InputError, match="shape"):
        engine.stepper().step(np.ones(5), np.ones(5))
    with pytest.raises(InputError, match="load_model 'zip'"):
        GridEngine.from_net(net, "zip")


def test_unsupported_elements_raise_input_error():
    net = build_net(small_network(), CONNECTIONS)
    net.trafo["i0_percent"] = 0.1
    with pytest.raises(InputError, match="magnetising"):
        GridEngine.from_net(net)
