"""Link budget: noise floor, FSK bit error rate, packet error rate, LinkTable."""

import numpy as np
import pytest

from mesh_sim.bands import BANDS
from mesh_sim.links import (Link, ber_noncoherent_fsk, build_link_table, ebn0_db_from_snr,
                            implementation_loss_db, noise_floor_dbm, packet_error_rate,
                            per_from_rssi, required_ebn0_db)
from mesh_sim.propagation import Nodes, PropagationConfig
from scenarios.site import Position


def test_noise_floor():
    assert noise_floor_dbm(1.0, 0.0) == pytest.approx(-174.0)
    assert noise_floor_dbm(100_000.0, 7.0) == pytest.approx(-117.0)
    assert noise_floor_dbm(2e6, 3.0) == pytest.approx(-174 + 63.0103 + 3, abs=1e-3)


def test_ber_of_noncoherent_fsk():
    assert float(ber_noncoherent_fsk(10.0)) == pytest.approx(0.5 * np.exp(-5.0))
    assert float(ber_noncoherent_fsk(0.0)) == pytest.approx(0.5 * np.exp(-0.5))
    assert float(ber_noncoherent_fsk(-60.0)) == pytest.approx(0.5, abs=1e-6)
    assert np.all(np.diff(ber_noncoherent_fsk(np.linspace(-5, 20, 50))) < 0)


def test_ebn0_from_snr():
    assert float(ebn0_db_from_snr(10.0, 100_000.0, 38_400.0)) == pytest.approx(10 + 4.1567, abs=1e-3)
    assert float(ebn0_db_from_snr(3.0, 50_000.0, 50_000.0)) == 3.0


def test_packet_error_rate():
    assert float(packet_error_rate(0.0, 32)) == 0.0
    assert float(packet_error_rate(0.5, 32)) == pytest.approx(1.0)
    assert float(packet_error_rate(1e-3, 10)) == pytest.approx(1 - 0.999 ** 80)
    assert float(packet_error_rate(1e-9, 100)) == pytest.approx(800e-9, rel=1e-6)
    assert packet_error_rate(1e-4, 64) > packet_error_rate(1e-4, 16)
    with pytest.raises(ValueError, match="packet_bytes"):
        packet_error_rate(1e-3, 0)


def test_model_meets_datasheet_sensitivity():
    for name, band in BANDS.items():
        per = float(per_from_rssi(band.sensitivity_dbm, band, band.sensitivity_packet_bytes))
        assert per == pytest.approx(0.01, rel=1e-6), name
        assert float(per_from_rssi(band.sensitivity_dbm + 3, band, 20)) < 1e-3
        assert float(per_from_rssi(band.sensitivity_dbm - 3, band, 20)) > 0.3
    # 433 MHz defaults: floor -117 dBm, SNR 13 dB at -104 dBm, 17.16 dB Eb/N0 vs 12.54 needed.
    assert required_ebn0_db(20) == pytest.approx(12.54, abs=0.01)
    assert implementation_loss_db(BANDS["433"]) == pytest.approx(4.61, abs=0.01)


def _line(n, spacing_m, own_buildings=True):
    """Nodes on a line, each in its own building (outdoor links) by default."""
    pos = [Position(i * spacing_m, 0.0, 0) for i in range(n)]
    buildings = list(range(n)) if own_buildings else None
    return Nodes.from_positions([f"n{i}" for i in range(n)], pos, buildings)


def test_per_monotonic_in_distance_and_table_fields():
    nodes = _line(40, 20.0)
    table = build_link_table(nodes, PropagationConfig(BANDS["433"], shadowing=False), packet_bytes=32)
    per = table.per[0, 1:]
    assert np.all(np.diff(per) >= 0) and per[0] < 1e-6 and per[-1] > 0.99
    assert np.all(np.diff(table.margin_db[0, 1:]) < 0)
    link = table.link("n0", "n5")
    assert isinstance(link, Link)
    assert link.rssi_dbm == pytest.approx(10.0 - link.path_loss_db)
    assert link.margin_db == pytest.approx(link.rssi_dbm + 104.0)
    assert link.snr_db == pytest.approx(link.rssi_dbm + 117.0)
    assert table.per[0, 0] == 1.0 and table.rssi_dbm[0, 0] == -np.inf


def test_per_node_power_and_gain_make_links_asymmetric():
    nodes = _line(3, 10.0)
    cfg = PropagationConfig(BANDS["868"], seed=3)
    table = build_link_table(nodes, cfg, tx_power_dbm=np.array([14.0, 0.0, 0.0]), antenna_gain_dbi=2.0)
    np.testing.assert_array_equal(table.path_loss_db, table.path_loss_db.T)
    assert table.rssi_dbm[0, 1] - table.rssi_dbm[1, 0] == pytest.approx(14.0)
    assert table.rssi_dbm[1, 2] == pytest.approx(0.0 + 4.0 - table.path_loss_db[1, 2])
    with pytest.raises(ValueError, match="tx_power_dbm"):
        build_link_table(nodes, cfg, tx_power_dbm=np.nan)


def test_to_frame_filters_on_margin():
    nodes = _line(30, 20.0)
    table = build_link_table(nodes, PropagationConfig(BANDS["433"], seed=1))
    frame = table.to_frame()
    assert len(frame) == 30 * 29
    good = table.to_frame(min_margin_db=10.0)
    assert 0 < len(good) < len(frame) and (good["margin_db"] >= 10.0).all()
    row = good.iloc[0]
    assert table.link(row.tx_id, row.rx_id).per == pytest.approx(row.per)


def test_433_reaches_further_than_2400_on_the_same_path():
    nodes = _line(60, 5.0, own_buildings=False)
    t433 = build_link_table(nodes, PropagationConfig(BANDS["433"], shadowing=False), tx_power_dbm=0.0)
    t24 = build_link_table(nodes, PropagationConfig(BANDS["2400"], shadowing=False), tx_power_dbm=0.0)
    reach = [int(np.sum(t.margin_db[0] >= 0)) for t in (t433, t24)]
    assert reach[0] > reach[1]
