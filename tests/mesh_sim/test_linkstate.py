"""Link state over time: static budget, fading epochs, fault fades, PER table, airtime."""

import math

import numpy as np
import pytest

from mesh_sim.bands import band
from mesh_sim.config import RadioConfig
from mesh_sim.links import noise_floor_dbm, per_from_rssi
from mesh_sim.linkstate import LinkState, PerTable, airtime_s, radio_band
from mesh_sim.propagation import Nodes

B433 = band("433")
NOISE_DBM = noise_floor_dbm(B433.bandwidth_hz, B433.noise_figure_db)


def outdoor(xy) -> Nodes:
    n = len(xy)
    return Nodes(tuple(f"N{k}" for k in range(n)), np.array([p[0] for p in xy], float),
                 np.array([p[1] for p in xy], float), np.zeros(n, np.int64), np.full(n, -1, np.int64))


def fspl_1m_db(f_mhz: float) -> float:
    return 20 * math.log10(4 * math.pi * f_mhz * 1e6 / 299_792_458.0)


NODES3 = outdoor([(0.0, 0.0), (100.0, 0.0), (0.0, 300.0)])


def test_airtime():
    assert airtime_s(32, 8, 38_400.0) == pytest.approx(1 / 120)
    assert airtime_s(10, 8, 38_400.0) == pytest.approx(18 * 8 / 38_400.0)
    assert airtime_s(0, 8, 1000.0) == pytest.approx(0.064)


def test_static_budget_by_hand():
    ls = LinkState(NODES3, RadioConfig(shadowing=False, fade_sigma_db=0.0), seed=1)
    # Outdoor log-distance, exponent 3 from 1 m: 100 m -> FSPL(1 m) + 60 dB; 10 dBm TX.
    loss_100 = fspl_1m_db(433.92) + 30 * math.log10(100.0)
    assert loss_100 == pytest.approx(85.2, abs=0.1)
    assert ls.rssi_dbm[0, 1] == pytest.approx(10.0 - loss_100)
    assert ls.rssi_dbm[1, 2] == pytest.approx(10.0 - fspl_1m_db(433.92) - 30 * math.log10(math.hypot(100, 300)))
    assert ls.margin_db[0, 1] == pytest.approx(10.0 - loss_100 + 104.0)
    assert np.all(np.isneginf(np.diag(ls.rssi_dbm)))
    assert np.all(np.diag(ls.prr) == 0.0)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(ls.prr[off], 1.0 - per_from_rssi(ls.rssi_dbm[off], B433, 32))
    np.testing.assert_allclose(np.asarray(ls.pw_mw)[off], 10 ** (ls.rssi_dbm[off] / 10))
    assert ls.noise_dbm == pytest.approx(NOISE_DBM)
    assert ls.tx_power_dbm == 10.0
    assert LinkState(NODES3, RadioConfig(shadowing=False, fade_sigma_db=0.0, tx_power_dbm=0.0),
                     1).rssi_dbm[0, 1] == pytest.approx(ls.rssi_dbm[0, 1] - 10.0)


def test_unknown_band_names_the_setting():
    with pytest.raises(ValueError, match="mesh.radio.band"):
        radio_band(RadioConfig(band="123"))


def test_per_table_matches_per_from_rssi():
    per = PerTable(B433, 32)
    grid = np.arange(-5.0, 25.0, 0.05)
    exact = per_from_rssi(grid + NOISE_DBM, B433, 32)
    table = np.array([per.per(s + 1e-9) for s in grid])
    np.testing.assert_allclose(table, exact, rtol=1e-6, atol=1e-12)
    # Between grid points the table gives the value at the point below: conservative, and
    # never more than one step off.
    mid = grid[:-1] + 0.025
    t_mid = np.array([per.per(s) for s in mid])
    assert np.all(t_mid >= per_from_rssi(mid + NOISE_DBM, B433, 32) - 1e-15)
    assert np.all(t_mid <= per_from_rssi(grid[:-1] + NOISE_DBM, B433, 32) + 1e-12)
    # Clamped outside -20..40 dB.
    assert per.per(-100.0) == per.per(-20.0) == pytest.approx(1.0)
    assert per.per(100.0) == per.table[-1]
    # No signal at all (0 mW -> -inf dB, as Channel.received passes it) is a lost packet.
    assert per.per(-math.inf) == pytest.approx(1.0)
    assert per.per(math.inf) == per.table[-1]
    # A shorter ACK fails less often at the same SINR.
    assert PerTable(B433, 10).per(11.0) < per.per(11.0)


def test_fading_epochs():
    nodes = outdoor([(37.0 * k, 11.0 * (k % 5)) for k in range(40)])
    cfg = RadioConfig(shadowing=False, fade_sigma_db=4.0)
    ls = LinkState(nodes, cfg, seed=9)
    off = ~np.eye(40, dtype=bool)
    static = ls.static_rssi_dbm
    f0 = ls.rssi_dbm[off] - static[off]
    rssi0 = ls.rssi_dbm.copy()
    np.testing.assert_array_equal(ls.rssi_dbm, ls.rssi_dbm.T)
    # The draws have the configured spread (780 links).
    assert np.std(f0) == pytest.approx(4.0, rel=0.1)
    assert abs(np.mean(f0)) < 0.5
    ls.update(1)
    assert ls.epoch == 1
    np.testing.assert_array_equal(ls.rssi_dbm, ls.rssi_dbm.T)
    f1 = ls.rssi_dbm[off] - static[off]
    assert np.all(f1 != f0)
    assert abs(np.corrcoef(f0, f1)[0, 1]) < 0.15          # independent re-draw
    np.testing.assert_allclose(ls.prr[off], 1.0 - per_from_rssi(ls.rssi_dbm[off], B433, 32))
    # Same epoch, same values; same seed in a new object, same values.
    ls.update(0)
    np.testing.assert_array_equal(ls.rssi_dbm, rssi0)
    np.testing.assert_array_equal(LinkState(nodes, cfg, seed=9).rssi_dbm, rssi0)
    assert not np.array_equal(LinkState(nodes, cfg, seed=10).rssi_dbm[off], rssi0[off])
    # No fading: the static budget.
    flat = LinkState(nodes, RadioConfig(shadowing=False, fade_sigma_db=0.0), seed=9)
    flat.update(3)
    np.testing.assert_array_equal(flat.rssi_dbm[off], static[off])


def test_set_node_loss():
    ls = LinkState(NODES3, RadioConfig(shadowing=False, fade_sigma_db=2.0), seed=4)
    before = ls.rssi_dbm.copy()
    ls.set_node_loss(1, 10.0)
    np.testing.assert_allclose(ls.rssi_dbm[1, [0, 2]], before[1, [0, 2]] - 10.0)
    np.testing.assert_allclose(ls.rssi_dbm[[0, 2], 1], before[[0, 2], 1] - 10.0)
    assert ls.rssi_dbm[0, 2] == before[0, 2]
    assert ls.pw_mw[0][1] == pytest.approx(10 ** ((before[0, 1] - 10.0) / 10))
    assert ls.margin_db[0, 1] == pytest.approx(before[0, 1] - 10.0 + 104.0)
    # Two faded ends add up; the fade survives a new fading epoch's update.
    ls.set_node_loss(2, 5.0)
    assert ls.rssi_dbm[1, 2] == pytest.approx(before[1, 2] - 15.0)
    ls.update(1)
    ls.update(0)
    assert ls.rssi_dbm[1, 2] == pytest.approx(before[1, 2] - 15.0)
    ls.set_node_loss(1, 0.0)
    ls.set_node_loss(2, 0.0)
    np.testing.assert_allclose(ls.rssi_dbm, before)
