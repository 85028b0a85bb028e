"""Path-loss model against independent references and its shadowing contract."""


import numpy as np
import pytest

from mesh_sim.bands import BANDS, COST231_FLOOR_LOSS_DB, Environment, band
from mesh_sim.propagation import (Nodes, PropagationConfig, fspl_db, link_normal,
                                  log_distance_loss_db, multiwall_loss_db, node_keys,
                                  p1238_loss_db, path_loss_matrix_db, path_loss_pairs_db,
                                  wall_counts)
from scenarios.site import Position


def test_fspl_matches_the_km_mhz_formula():
    # 20 log10(d_km) + 20 log10(f_MHz) + 32.44 -> 85.17 dB at 1 km, 433 MHz.
    assert fspl_db(1000.0, 433.0) == pytest.approx(85.2, abs=0.05)
    for d_km, f in [(0.05, 868.0), (2.0, 315.0), (0.3, 2400.0)]:
        ref = 20 * np.log10(d_km) + 20 * np.log10(f) + 32.44
        assert fspl_db(d_km * 1000, f) == pytest.approx(ref, abs=0.01)


def test_band_difference_in_free_space_and_log_distance():
    d = np.array([10.0, 100.0, 2000.0])
    fs_433, fs_868, fs_2400 = (fspl_db(d, f) for f in (433.0, 868.0, 2400.0))
    np.testing.assert_allclose(fs_868 - fs_433, 20 * np.log10(868 / 433), atol=1e-9)
    assert float((fs_868 - fs_433)[0]) == pytest.approx(6.04, abs=0.01)
    # The vendor says 12 dB for 2.4 GHz; free space gives 14.9 dB.
    assert float((fs_2400 - fs_433)[0]) == pytest.approx(14.87, abs=0.01)
    # Same exponent in both bands: the difference is independent of distance.
    diff = log_distance_loss_db(d, 2400.0, 3.0) - log_distance_loss_db(d, 433.0, 3.0)
    np.testing.assert_allclose(diff, 20 * np.log10(2400 / 433), atol=1e-9)


def test_log_distance_slope_and_reference():
    assert log_distance_loss_db(1.0, 433.0, 3.5) == pytest.approx(fspl_db(1.0, 433.0))
    step = log_distance_loss_db(100.0, 433.0, 3.5) - log_distance_loss_db(10.0, 433.0, 3.5)
    assert step == pytest.approx(35.0)
    assert log_distance_loss_db(0.2, 433.0, 3.5) == log_distance_loss_db(1.0, 433.0, 3.5)


def test_p1238_worked_numbers():
    # 1.8 GHz office, 10 m, one floor (N = 30, Lf = 15): 65.11 + 30 + 15 - 28.
    assert p1238_loss_db(10.0, 1800.0, 30.0, 15.0) == pytest.approx(82.11, abs=0.01)
    # 900 MHz office, 20 m, two floors (N = 33, Lf = 19).
    ref = 20 * np.log10(900) + 33 * np.log10(20) + 19 - 28
    c = BANDS["915"].indoor[Environment.OFFICE]
    assert c.floor_loss_db(2) == 19.0
    assert p1238_loss_db(20.0, 900.0, 33.0, c.floor_loss_db(2)) == pytest.approx(ref)
    # The -28 dB constant is free space at 1 m to within half a dB.
    assert abs(p1238_loss_db(1.0, 433.0, 28.0) - fspl_db(1.0, 433.0)) < 0.5


def test_floor_penetration_factors():
    b24 = BANDS["2400"].indoor
    np.testing.assert_allclose(b24[Environment.RESIDENTIAL].floor_loss_db(np.arange(4)), [0, 4, 8, 12])
    np.testing.assert_allclose(b24[Environment.OFFICE].floor_loss_db(np.arange(4)), [0, 15, 19, 23])
    np.testing.assert_allclose(b24[Environment.COMMERCIAL].floor_loss_db(np.arange(4)), [0, 6, 9, 12])
    office_900 = BANDS["868"].indoor[Environment.OFFICE]
    np.testing.assert_allclose(office_900.floor_loss_db(np.arange(6)), [0, 9, 19, 24, 29, 34])
    assert BANDS["433"].indoor[Environment.OFFICE].extrapolated
    assert not BANDS["868"].indoor[Environment.OFFICE].extrapolated


def test_unknown_band_names_the_key():
    assert band(433).frequency_mhz == pytest.approx(433.92)
    with pytest.raises(KeyError, match="unknown band '470'"):
        band("470")


def test_wall_counts_on_the_grid():
    light, heavy = wall_counts(np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0, 1.0]),
                               np.array([2.0, 5.0, 25.0]), np.array([1.0, 1.0, 1.0]), 4.0, 12.0)
    np.testing.assert_array_equal(light, [0, 1, 4])
    np.testing.assert_array_equal(heavy, [0, 0, 2])
    light, heavy = wall_counts(25.0, 1.0, 1.0, 1.0, 4.0, 12.0)  # symmetric
    assert (int(light), int(heavy)) == (4, 2)


def test_multiwall_adds_wall_and_floor_losses():
    base = fspl_db(10.0, 868.0)
    assert multiwall_loss_db(10.0, 868.0, 2, 1, 0) == pytest.approx(base + 2 * 3.4 + 6.9)
    assert multiwall_loss_db(10.0, 868.0, 0, 0, 1) == pytest.approx(base + COST231_FLOOR_LOSS_DB)
    two = multiwall_loss_db(10.0, 868.0, 0, 0, 2) - base
    assert two == pytest.approx(2 ** (4 / 3 - 0.46) * COST231_FLOOR_LOSS_DB)


def _nodes(n, seed=0, buildings=1):
    rng = np.random.default_rng(seed)
    return Nodes(tuple(f"D100FC-{i:04d}" for i in range(n)), rng.uniform(0, 200, n),
                 rng.uniform(0, 60, n), rng.integers(0, 9, n), rng.integers(0, buildings, n))


def test_shadowing_is_deterministic_symmetric_and_order_independent():
    nodes = _nodes(50)
    cfg = PropagationConfig(BANDS["433"], seed=7)
    m1 = path_loss_matrix_db(nodes, cfg)
    np.testing.assert_array_equal(m1, path_loss_matrix_db(nodes, cfg))
    np.testing.assert_array_equal(m1, m1.T)
    a = np.array([3, 10, 42, 0]); b = np.array([17, 4, 5, 49])
    np.testing.assert_array_equal(path_loss_pairs_db(nodes, a, b, cfg), path_loss_pairs_db(nodes, b, a, cfg))
    np.testing.assert_array_equal(path_loss_pairs_db(nodes, a[::-1], b[::-1], cfg),
                                  path_loss_pairs_db(nodes, a, b, cfg)[::-1])
    # Reordering the nodes keeps every link's loss: draws follow ids, not indices.
    perm = np.random.default_rng(1).permutation(len(nodes))
    shuffled = Nodes(tuple(np.asarray(nodes.node_ids)[perm]), nodes.x_m[perm], nodes.y_m[perm],
                     nodes.floor[perm], nodes.building[perm])
    m2 = path_loss_matrix_db(shuffled, cfg)
    np.testing.assert_array_equal(m2, m1[np.ix_(perm, perm)])


def test_shadowing_changes_with_seed_and_epoch_and_is_standard_normal():
    nodes = _nodes(50)
    base = path_loss_matrix_db(nodes, PropagationConfig(BANDS["433"], seed=7))
    for cfg in (PropagationConfig(BANDS["433"], seed=8), PropagationConfig(BANDS["433"], seed=7, epoch=1)):
        other = path_loss_matrix_db(nodes, cfg)
        off = ~np.eye(len(nodes), dtype=bool)
        assert np.mean(other[off] != base[off]) > 0.99
    keys = node_keys([f"n{i}" for i in range(20_000)])
    z = link_normal(keys[:-1], keys[1:], seed=3)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert abs(np.mean(z < -1.0) - 0.1587) < 0.01


def test_shadowing_sigma_matches_the_environment():
    nodes = _nodes(200)
    plain = path_loss_matrix_db(nodes, PropagationConfig(BANDS["433"], shadowing=False))
    shadowed = path_loss_matrix_db(nodes, PropagationConfig(BANDS["433"], seed=2))
    off = ~np.eye(len(nodes), dtype=bool)
    expected = BANDS["433"].indoor[Environment.RESIDENTIAL].shadow_sigma_db
    assert np.std(shadowed[off] - plain[off]) == pytest.approx(expected, rel=0.05)


def test_regimes_indoor_outdoor_and_walls():
    pos = [Position(0, 0, 0), Position(20, 0, 0), Position(20, 0, 3)]
    same = Nodes.from_positions(["a", "b", "c"], pos, [0, 0, 0])
    apart = Nodes.from_positions(["a", "b", "c"], pos, [0, 1, 1])
    cfg = PropagationConfig(BANDS["868"], shadowing=False)
    m_same, m_apart = path_loss_matrix_db(same, cfg), path_loss_matrix_db(apart, cfg)
    coeff = BANDS["868"].indoor[Environment.RESIDENTIAL]
    assert m_same[0, 1] == pytest.approx(p1238_loss_db(20.0, 868.3, coeff.power_loss_coefficient))
    d_ac = np.hypot(20.0, 9.0)
    assert m_same[0, 2] == pytest.approx(p1238_loss_db(d_ac, 868.3, coeff.power_loss_coefficient, 12.0))
    assert m_apart[0, 1] == pytest.approx(log_distance_loss_db(20.0, 868.3, 3.0) + 2 * 6.9)
    mw = path_loss_matrix_db(same, PropagationConfig(BANDS["868"], shadowing=False, indoor_model="multiwall"))
    # Grid lines at x = 4, 8, 16, 20 (light) and 12 (heavy) are crossed.
    assert mw[0, 1] == pytest.approx(fspl_db(20.0, 868.3) + 4 * 3.4 + 1 * 6.9)
    with pytest.raises(ValueError, match="indoor_model"):
        PropagationConfig(BANDS["868"], indoor_model="raytrace")


def test_loss_increases_with_distance_without_shadowing():
    n = 30
    nodes = Nodes(tuple(f"n{i}" for i in range(n)), np.arange(n) * 5.0, np.zeros(n),
                  np.zeros(n, int), np.zeros(n, int))
    row = path_loss_matrix_db(nodes, PropagationConfig(BANDS["433"], shadowing=False))[0, 1:]
    assert np.all(np.diff(row) > 0)


def test_full_subnet_matrix_is_fast():
    nodes = _nodes(720, buildings=6)
    cfg = PropagationConfig(BANDS["433"], indoor_model="multiwall", seed=1)
    path_loss_matrix_db(nodes, cfg)
    m = path_loss_matrix_db(nodes, cfg)
    assert m.shape == (720, 720) and np.isfinite(m[~np.eye(720, dtype=bool)]).all()


def test_nodes_from_site_assigns_buildings_from_the_group_tree():
    from mesh_sim.propagation import nodes_from_site
    from scenarios.site import (Concentrator, Group, Level, Meter, MeterKind, Module, Site)

    p = Position(0, 0, 0)
    groups = [Group("st", Level.STREET, None, "street", None, p),
              Group("b1", Level.BUILDING, "st", "b1", None, p),
              Group("b2", Level.BUILDING, "st", "b2", None, p),
              Group("e1", Level.ENTRANCE, "b1", "e1", None, p)]
    meters = [Meter("m1", MeterKind.ELECTRICITY, "e1", None, "A", 1000, p),
              Meter("m2", MeterKind.WATER, "b2", None, None, 1, p)]
    modules = [Module("d1", Position(0, 0, 2), ["m1"]), Module("d2", Position(80, 0, 0), ["m2"]),
               Module("d3", Position(5, 5, 0), [])]
    site = Site("s", groups, [], meters, modules, [Concentrator("j1", Position(78, 1, 0))])
    nodes = nodes_from_site(site)
    assert nodes.node_ids == ("d1", "d2", "d3", "j1")
    b = nodes.building.tolist()
    assert b[0] != b[1] and b[0] >= 0 and b[1] >= 0 and b[2] == -1 and b[3] == b[1]
    assert nodes.floor.tolist() == [2, 0, 0, 0]
