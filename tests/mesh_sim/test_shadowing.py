"""Spatially correlated shadowing (Gudmundson) and the routing fade margin."""

import numpy as np
import pytest

from mesh_sim.bands import band
from mesh_sim.config import TopologyConfig
from mesh_sim.propagation import Nodes, PropagationConfig, path_loss_matrix_db, shadow_field
from mesh_sim.topology import admissible_links


def test_field_has_gudmundson_exponential_correlation():
    # Gudmundson (1991): R(dx) = exp(-dx / d_c). Estimated over many seeds at fixed separations.
    d_c = 10.0
    seps = np.array([0.0, 2.0, 5.0, 10.0, 20.0, 40.0])
    x = np.concatenate([[0.0], seps[1:]])
    vals = np.array([shadow_field(x, np.zeros_like(x), np.zeros_like(x), seed, 0, d_c)
                     for seed in range(1500)])
    assert vals[:, 0].mean() == pytest.approx(0.0, abs=0.06)
    assert vals[:, 0].std() == pytest.approx(1.0, abs=0.06)
    corr = [np.corrcoef(vals[:, 0], vals[:, k])[0, 1] for k in range(1, len(seps))]
    assert corr == pytest.approx(list(np.exp(-seps[1:] / d_c)), abs=0.07)


def _grid_nodes(n=12, spacing=7.0):
    xs, ys = np.meshgrid(np.arange(n) * spacing, np.arange(n) * spacing)
    ids = tuple(f"N{i:03d}" for i in range(n * n))
    return Nodes(ids, xs.ravel(), ys.ravel(), np.zeros(n * n, np.int64), np.full(n * n, -1, np.int64))


def test_correlated_links_are_symmetric_order_free_reproducible_and_have_sigma():
    nd = _grid_nodes()
    cfg = PropagationConfig(band("433"), building_type="site", seed=3, shadow_decorrelation_m=10.0)
    mean = path_loss_matrix_db(nd, cfg, with_shadowing=False)
    a = path_loss_matrix_db(nd, cfg)
    assert np.array_equal(a, path_loss_matrix_db(nd, cfg))
    assert np.allclose(a, a.T)
    perm = np.random.default_rng(0).permutation(len(nd))
    b = path_loss_matrix_db(nd.subset(perm), cfg)
    assert np.allclose(b, a[np.ix_(perm, perm)])
    iu = np.triu_indices(len(nd), 1)
    with np.errstate(invalid="ignore"):
        s = (a - mean)[iu]
    assert s.std() == pytest.approx(band("433").outdoor_shadow_sigma_db, rel=0.3)


def test_links_sharing_an_end_neighbourhood_share_their_shadowing():
    # Links from one node to two receivers 1 m apart are strongly correlated; to receivers
    # 60 m apart far less (the independent-draw model gave 0 for both).
    near, far = [], []
    for seed in range(300):
        nd = Nodes(("t", "r1", "r2", "r3"), np.array([0.0, 100.0, 101.0, 160.0]), np.zeros(4),
                   np.zeros(4, np.int64), np.full(4, -1, np.int64))
        cfg = PropagationConfig(band("433"), building_type="site", seed=seed, shadow_decorrelation_m=10.0)
        with np.errstate(invalid="ignore"):
            s = path_loss_matrix_db(nd, cfg) - path_loss_matrix_db(nd, cfg, with_shadowing=False)
        near.append((s[0, 1], s[0, 2]))
        far.append((s[0, 1], s[0, 3]))
    r_near = np.corrcoef(np.array(near).T)[0, 1]
    r_far = np.corrcoef(np.array(far).T)[0, 1]
    assert r_near > 0.85 and r_far < 0.65


def test_admissible_links_need_fade_margin_and_a_closing_mean_both_ways():
    static = np.array([[0.0, 7.0, 20.0], [5.0, 0.0, 9.0], [20.0, 9.0, 0.0]])
    mean = np.array([[0.0, 3.0, -1.0], [3.0, 0.0, 1.0], [-1.0, 1.0, 0.0]])
    ok = admissible_links(static, mean, TopologyConfig(fade_margin_db=6.0, mean_margin_min_db=0.0))
    # 0-1: 5 dB one way < 6; 0-2: lucky (mean -1 dB); 1-2: both hold.
    assert ok.tolist() == [[False, False, False], [False, False, True], [False, True, False]]
    off = admissible_links(static, mean, TopologyConfig(fade_margin_db=None, mean_margin_min_db=None))
    assert off.sum() == 6
