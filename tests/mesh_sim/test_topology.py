"""Mesh formation: ETX, routing trees, hop limit, concentrator capacity."""

import networkx as nx
import numpy as np
import pytest

from mesh_sim.config import TopologyConfig
from mesh_sim.topology import Routes, build_routes, link_etx

INF = np.inf


def _etx(n, links):
    """Symmetric ETX matrix from ``{(i, j): etx}``; everything else inf."""
    e = np.full((n, n), INF)
    for (i, j), v in links.items():
        e[i, j] = e[j, i] = v
    return e


def _build(etx, conc=(0,), meters=None, alive=None, **cfg):
    n = len(etx)
    is_conc = np.isin(np.arange(n), conc)
    meters = np.where(is_conc, 0, 1) if meters is None else np.asarray(meters)
    alive = np.ones(n, bool) if alive is None else np.asarray(alive)
    return build_routes(etx, is_conc, meters, alive, TopologyConfig(**cfg))


def _check_forest(r: Routes, etx, max_hops=30):
    """Tree invariants every result must satisfy."""
    for i in np.flatnonzero(r.parent >= 0):
        p = r.parent[i]
        assert r.hops[i] == r.hops[p] + 1 and r.root[i] == r.root[p]
        assert r.path_etx[i] == pytest.approx(r.path_etx[p] + etx[i, p])
        path = r.path(i)
        assert path[-1] == r.root[i] and len(path) == r.hops[i] + 1
    assert r.hops.max(initial=0) <= max_hops
    assert np.all((r.hops < 0) == np.isinf(r.path_etx))
    assert np.all((r.hops < 0) == (r.root < 0))


def _chain(n, etx=1.25):
    return _etx(n, {(i, i + 1): etx for i in range(n - 1)})


def _random_mesh(n, seed, n_conc=1, side=1000.0, range_m=150.0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, side, (n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    prr = rng.uniform(0.85, 1.0, (n, n)) / (1 + np.exp((d - range_m) / 20.0))
    return link_etx(prr, 0.5), np.isin(np.arange(n), np.arange(n_conc))


def test_link_etx():
    prr = np.array([[1.0, 0.8, 0.4], [0.5, 1.0, 0.9], [0.9, 0.9, 1.0]])
    e = link_etx(prr, 0.5)
    assert e[0, 1] == pytest.approx(1 / 0.4) and e[1, 0] == pytest.approx(1 / 0.4)
    assert e[1, 2] == pytest.approx(1 / 0.81)
    assert e[0, 2] == INF and e[2, 0] == INF          # 0 -> 2 below 0.5
    assert np.all(np.isinf(np.diag(e)))
    assert link_etx(prr, 0.3)[0, 2] == pytest.approx(1 / 0.36)
    assert link_etx(np.zeros((2, 2)), 0.0)[0, 1] == INF


def test_chain_hops_and_etx():
    r = _build(_chain(5))
    assert r.parent.tolist() == [-1, 0, 1, 2, 3]
    assert r.hops.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(r.path_etx, [0, 1.25, 2.5, 3.75, 5.0])
    assert r.root.tolist() == [0] * 5
    assert r.path(4) == [4, 3, 2, 1, 0] and r.path(0) == [0]
    assert r.children(2).tolist() == [3] and r.members(0).tolist() == [1, 2, 3, 4]
    assert r.left_out == () and r.unreachable == ()
    _check_forest(r, _chain(5))


def test_chain_skip_link_taken_only_when_cheaper():
    e = _chain(4)
    e[0, 2] = e[2, 0] = 2.0                           # < 1.25 + 1.25
    r = _build(e)
    assert r.parent.tolist() == [-1, 0, 0, 2] and r.hops.tolist() == [0, 1, 1, 2]
    np.testing.assert_allclose(r.path_etx, [0, 1.25, 2.0, 3.25])
    e[0, 2] = e[2, 0] = 2.6
    assert _build(e).parent.tolist() == [-1, 0, 1, 2]


def test_grid_with_diagonals():
    # 4 x 4 grid, concentrator in a corner, straight links ETX 1, diagonal 1.5:
    # best = diagonals first, cost 1.5 min(r, c) + |r - c|, hops max(r, c).
    k = 4
    idx = lambda r, c: r * k + c  # noqa: E731
    links = {}
    for r in range(k):
        for c in range(k):
            if c + 1 < k:
                links[idx(r, c), idx(r, c + 1)] = 1.0
            if r + 1 < k:
                links[idx(r, c), idx(r + 1, c)] = 1.0
            if r + 1 < k and c + 1 < k:
                links[idx(r, c), idx(r + 1, c + 1)] = 1.5
            if r + 1 < k and c > 0:
                links[idx(r, c), idx(r + 1, c - 1)] = 1.5
    e = _etx(k * k, links)
    r = _build(e)
    for row in range(k):
        for col in range(k):
            i = idx(row, col)
            assert r.path_etx[i] == pytest.approx(1.5 * min(row, col) + abs(row - col))
            assert r.hops[i] == max(row, col)
    assert r.path(idx(3, 3)) == [15, 10, 5, 0]
    _check_forest(r, e)


@pytest.mark.parametrize("seed", range(5))
def test_equals_networkx_shortest_paths(seed):
    n_conc = 1 + seed % 3
    e, is_conc = _random_mesh(150, seed, n_conc)
    r = build_routes(e, is_conc, np.where(is_conc, 0, 2), np.ones(150, bool), TopologyConfig())
    g = nx.DiGraph()
    for i, j in zip(*np.nonzero(np.isfinite(e))):
        if not is_conc[i]:
            g.add_edge(int(j), int(i), weight=e[i, j])      # reversed: concentrator -> child
    g.add_nodes_from(range(150))
    dist, paths = nx.multi_source_dijkstra(g, set(np.flatnonzero(is_conc).tolist()))
    assert r.hops.max() < 30                                # the hop limit does not bind
    assert len(dist) > 100 and r.left_out == ()
    for i in range(150):
        if i in dist:
            assert r.path_etx[i] == pytest.approx(dist[i], rel=1e-12)
            assert r.path(i) == paths[i][::-1]
        else:
            assert r.hops[i] == -1 and i in r.unreachable
    _check_forest(r, e)


def test_hop_limit_on_a_chain():
    e = _chain(32, etx=1.0)                           # concentrator + 31 modules
    r = _build(e)
    assert r.hops[30] == 30 and r.unreachable == (31,) and r.left_out == ()
    r5 = _build(e, max_hops=5)
    assert r5.hops[5] == 5 and r5.unreachable == tuple(range(6, 32))
    _check_forest(r5, e, 5)


def test_cheap_shortcut_is_the_shortest_path():
    e = _chain(32, etx=1.0)
    e[0, 16] = e[16, 0] = 1.5
    r = _build(e)
    assert r.unreachable == () and r.hops[31] == 16 and r.path_etx[31] == pytest.approx(16.5)
    assert r.parent[8] == 7 and r.parent[9] == 10      # 8.0 < 1.5 + 8, 1.5 + 7 < 9.0


def test_expensive_shortcut_used_when_the_hop_limit_binds():
    # The least-ETX route of 31 has 31 hops; through the shortcut it has 16.
    e = _chain(32, etx=1.0)
    e[0, 16] = e[16, 0] = 20.0
    r = _build(e)
    assert r.unreachable == () and r.hops[31] == 16
    assert r.parent[16] == 0 and r.path_etx[31] == pytest.approx(35.0)
    assert r.hops[15] == 15 and r.path_etx[15] == pytest.approx(15.0)   # untouched
    _check_forest(r, e)
    assert _build(e, max_hops=15).unreachable == (31,)


def test_repair_never_lengthens_a_subtree():
    # H = 4. 4 is at hop 4 on 0-1-2-3-4 (cost 4; its direct link costs 5), so 5
    # cannot use it and takes 0 directly (cost 10), carrying 6-7-8 (8 at hop 4).
    # 12 is at hop 4 on 0-9-10-11-12 (cost 4); 13 only hears 12. The cheapest
    # 4-hop route to 13, 0-4-5-12-13 (cost 8), would push 5 to hop 2 and 8 to hop
    # 5; the repair takes 0-5-12-13 (cost 12) instead.
    e = _etx(14, {(0, 1): 1, (1, 2): 1, (2, 3): 1, (3, 4): 1, (0, 4): 5, (4, 5): 1, (0, 5): 10,
                  (5, 6): 1, (6, 7): 1, (7, 8): 1, (0, 9): 1, (9, 10): 1, (10, 11): 1,
                  (11, 12): 1, (5, 12): 1, (12, 13): 1})
    r = _build(e, max_hops=4)
    assert r.unreachable == () and r.path(13) == [13, 12, 5, 0]
    assert r.path_etx[13] == 12.0 and r.hops[8] == 4 and r.path(4) == [4, 3, 2, 1, 0]
    _check_forest(r, e, 4)


@pytest.mark.parametrize("seed,max_hops", [(0, 3), (1, 4), (2, 5), (3, 6), (4, 2)])
def test_routed_iff_a_route_within_the_hop_limit_exists(seed, max_hops):
    e, is_conc = _random_mesh(120, seed, 1 + seed % 2, side=1200.0)
    r = build_routes(e, is_conc, np.where(is_conc, 0, 1), np.ones(120, bool),
                     TopologyConfig(max_hops=max_hops))
    g = nx.Graph([(int(i), int(j)) for i, j in zip(*np.nonzero(np.isfinite(e)))
                  if not (is_conc[i] and is_conc[j])])
    g.add_nodes_from(range(120))
    fewest = nx.multi_source_dijkstra_path_length(g, set(np.flatnonzero(is_conc).tolist()),
                                                  weight=None)
    for i in np.flatnonzero(~is_conc):
        assert (r.hops[i] >= 0) == (fewest.get(int(i), 99) <= max_hops), i
    assert set(r.unreachable) == {i for i in np.flatnonzero(~is_conc).tolist() if r.hops[i] < 0}
    _check_forest(r, e, max_hops)


def _star(n_mod, base=1.0, step=0.1):
    return _etx(n_mod + 1, {(0, i): base + step * i for i in range(1, n_mod + 1)})


def test_module_capacity_leaves_out_the_farthest():
    r = _build(_star(10), modules_per_concentrator_max=6)
    assert r.left_out == (7, 8, 9, 10) and r.unreachable == ()
    assert r.members(0).tolist() == [1, 2, 3, 4, 5, 6] and np.all(r.hops[7:] == -1)


def test_meter_capacity_first_fit():
    r = _build(_star(5), meters=[0, 3, 3, 3, 3, 1], meters_per_concentrator_max=10)
    assert r.members(0).tolist() == [1, 2, 3, 5] and r.left_out == (4,)


def test_refused_relay_strands_its_subtree():
    r = _build(_chain(4), modules_per_concentrator_max=2)
    assert r.left_out == (3,)
    # 2 (5 meters) does not fit; 3 would, but not through 2.
    r = _build(_chain(4), meters=[0, 1, 5, 1], meters_per_concentrator_max=5)
    assert r.members(0).tolist() == [1] and r.left_out == (2, 3)
    e = _chain(4)
    e[1, 3] = e[3, 1] = 4.0                           # 3 also hears 1, expensively
    r = _build(e, meters=[0, 1, 5, 1], meters_per_concentrator_max=5)
    assert r.members(0).tolist() == [1, 3] and r.parent[3] == 1 and r.left_out == (2,)
    # 3 (orphan of the refused 2) takes no room from 4 in the same round.
    e = _chain(4)
    e = np.pad(e, ((0, 1), (0, 1)), constant_values=INF)
    e[1, 4] = e[4, 1] = 3.0
    r = _build(e, meters=[0, 1, 5, 1, 4], meters_per_concentrator_max=5)
    assert r.members(0).tolist() == [1, 4] and r.left_out == (2, 3)


def test_two_concentrators_share_load_through_relays():
    # A = 0, B = 1; modules 2..7 close to A, ETX 3 to B; 8 only hears 7.
    links = {(0, i): 1.0 + 0.1 * (i - 2) for i in range(2, 8)}
    links.update({(1, i): 3.0 for i in range(2, 8)})
    links[7, 8] = 1.0
    links[5, 6] = 0.5                                 # refused 6 may not reach A through 5
    e = _etx(9, links)
    r = _build(e, conc=(0, 1), modules_per_concentrator_max=4)
    assert r.members(0).tolist() == [2, 3, 4, 5]
    assert r.members(1).tolist() == [6, 7, 8] and r.parent[8] == 7 and r.parent[6] == 1
    assert r.path_etx[8] == pytest.approx(4.0) and r.left_out == ()
    _check_forest(r, e)
    free = _build(e, conc=(0, 1))
    assert free.members(0).tolist() == list(range(2, 9)) and free.members(1).size == 0


def test_total_overload_leaves_out_exactly_the_excess():
    e, is_conc = _random_mesh(250, 7, 2, side=900.0)
    cfg = TopologyConfig(modules_per_concentrator_max=100)
    r = build_routes(e, is_conc, np.where(is_conc, 0, 1), np.ones(250, bool), cfg)
    counts = [r.members(c).size for c in (0, 1)]
    assert max(counts) <= 100
    assert len(r.left_out) + len(r.unreachable) + sum(counts) == 248
    assert len(r.left_out) >= 248 - 200 - len(r.unreachable)
    _check_forest(r, e)


def _diamond():
    # 0 concentrator; 1 and 2 hear it; 3 hears 1 (ETX 1) and 2 (ETX 1.5).
    return _etx(4, {(0, 1): 1.0, (0, 2): 1.2, (1, 3): 1.0, (2, 3): 1.5})


def test_dead_parent_children_reroute():
    assert _build(_diamond()).parent[3] == 1
    r = _build(_diamond(), alive=[True, False, True, True])
    assert r.parent[3] == 2 and r.path_etx[3] == pytest.approx(2.7)
    assert r.hops[1] == -1 and r.parent[1] == -1 and r.unreachable == ()
    assert np.all(r.parent != 1)


def test_banned_link_avoided():
    banned = np.zeros((4, 4), bool)
    banned[1, 3] = True                               # the parent's direction is irrelevant
    r = build_routes(_diamond(), np.eye(4, dtype=bool)[0], np.ones(4), np.ones(4, bool),
                     TopologyConfig(), banned=banned)
    assert r.parent[3] == 1
    banned[3, 1] = True
    r = build_routes(_diamond(), np.eye(4, dtype=bool)[0], np.ones(4), np.ones(4, bool),
                     TopologyConfig(), banned=banned)
    assert r.parent[3] == 2


def test_concentrator_down():
    r = _build(_diamond(), alive=[False, True, True, True])
    assert r.unreachable == (1, 2, 3) and np.all(r.hops == -1) and np.all(r.root == -1)
    e = _etx(5, {(0, 2): 1.0, (2, 3): 1.0, (3, 1): 2.5, (4, 1): 1.0})
    assert _build(e, conc=(0, 1)).root.tolist() == [0, 1, 0, 0, 1]
    r = _build(e, conc=(0, 1), alive=[False, True, True, True, True])
    assert r.root.tolist() == [-1, 1, 1, 1, 1] and r.hops[2] == 2


def test_unreachable_best_margin():
    e = _etx(4, {(0, 1): 1.0})
    margin = np.array([[0, 20, -5, -9], [20, 0, -3, -1], [-5, -3, 0, 30], [-9, -1, 30, 0.0]])
    r = _build(e, alive=[True, True, True, False])
    assert r.unreachable == (2,)
    r = build_routes(e, np.eye(4, dtype=bool)[0], np.ones(4), np.array([True, True, True, False]),
                     TopologyConfig(), margin_db=margin)
    assert r.best_margin_db[2] == -3.0                # 30 dB to 3 does not count: 3 is dead
    assert r.best_margin_db[1] == 20.0
    assert np.all(np.isnan(_build(e).best_margin_db))


def test_ties_lowest_index_and_deterministic():
    e = _etx(5, {(0, 1): 1.0, (0, 2): 1.0, (1, 4): 1.0, (2, 4): 1.0, (3, 4): 1.0, (0, 3): 1.0})
    a, b = _build(e), _build(e)
    assert a.parent[4] == 1
    # 2 settles before 1 (cost 1 < 2), both give 4 a cost of 3: the lower index wins.
    e = _etx(4, {(0, 2): 1.0, (0, 1): 2.0, (2, 3): 2.0, (1, 3): 1.0})
    assert _build(e).parent[3] == 1 and _build(e).path_etx[3] == 3.0
    for f in ("parent", "hops", "path_etx", "root"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    e2, is_conc = _random_mesh(200, 3, 2)
    runs = [build_routes(e2, is_conc, np.ones(200), np.ones(200, bool),
                         TopologyConfig(max_hops=4, modules_per_concentrator_max=60))
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0].parent, runs[1].parent)
    assert runs[0].left_out == runs[1].left_out


def test_invalid_input():
    with pytest.raises(ValueError, match="max_hops"):
        _build(_chain(3), max_hops=31)
    with pytest.raises(ValueError, match="n x n"):
        build_routes(np.ones((3, 2)), np.zeros(3, bool), np.ones(3), np.ones(3, bool),
                     TopologyConfig())
    with pytest.raises(ValueError, match="positive"):
        _build(_etx(3, {(0, 1): 0.0}))
    r = _build(_chain(3))
    with pytest.raises(ValueError):
        r.parent[1] = 2                               # read-only result
