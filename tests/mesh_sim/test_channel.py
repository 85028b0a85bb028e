"""The shared channel: overlaps, carrier sense, half duplex, capture, PER draws, foreign traffic."""

import math
import random

import pytest

from mesh_sim.bands import band
from mesh_sim.channel import Channel
from mesh_sim.links import noise_floor_dbm, per_from_rssi
from mesh_sim.linkstate import PerTable

B433 = band("433")
NOISE_DBM = noise_floor_dbm(B433.bandwidth_hz, B433.noise_figure_db)  # -117 dBm
NOISE_MW = 10.0 ** (NOISE_DBM / 10.0)
CCA_MW = 1e-10  # -100 dBm
PER32 = PerTable(B433, 32)


def mw(dbm: float) -> float:
    return 10.0 ** (dbm / 10.0)


def channel(pw, capture=True, threshold_db=6.0, seed=1) -> Channel:
    return Channel(pw, NOISE_MW, CCA_MW, capture, threshold_db, random.Random(seed))


def three_nodes(p02=-70.0, p12=-85.0, p01=-70.0) -> list[list[float]]:
    """Received powers in mW; symmetric; node 2 hears 0 strongly and 1 weaker."""
    pw = [[0.0] * 3 for _ in range(3)]
    for (a, b), dbm in {(0, 1): p01, (0, 2): p02, (1, 2): p12}.items():
        pw[a][b] = pw[b][a] = mw(dbm)
    return pw


def test_noise_floor_is_the_thermal_floor():
    # -174 dBm/Hz + 10 log10(100 kHz) + 7 dB NF
    assert NOISE_DBM == pytest.approx(-174.0 + 50.0 + 7.0)


# -- overlaps and pruning ----------------------------------------------------------------------
def test_overlap_bookkeeping_both_ways_and_pruning():
    ch = channel(three_nodes())
    a = ch.transmit(0, 0.0, 1.0)
    b = ch.transmit(1, 0.5, 1.5)
    assert a.overlaps == [b] and b.overlaps == [a]
    # c starts exactly when a ends: a is pruned and does not overlap c.
    c = ch.transmit(2, 1.0, 2.0)
    assert c.overlaps == [b]
    assert b.overlaps == [a, c]
    assert a.overlaps == [b]
    assert ch.active == [b, c]
    assert ch.transmissions == 3
    # Carrier sense prunes too; once everything has ended nothing is on air.
    assert not ch.busy(0, 2.0)
    assert ch.active == []
    d = ch.transmit(0, 5.0, 6.0)
    assert d.overlaps == [] and ch.transmissions == 4


def test_busy_sums_powers_and_own_transmission():
    # Each transmitter is 3 dB below the -100 dBm CCA threshold at node 2: alone not busy,
    # together (sum 0.6e-10 + 0.6e-10 mW) busy.
    pw = three_nodes(p02=10 * math.log10(0.6e-10), p12=10 * math.log10(0.6e-10))
    ch = channel(pw)
    ch.transmit(0, 0.0, 1.0)
    assert not ch.busy(2, 0.1)
    assert ch.busy(0, 0.1)  # its own transmission
    ch.transmit(1, 0.2, 1.0)
    assert ch.busy(2, 0.3)
    assert not ch.busy(2, 1.0)  # both ended at 1.0


# -- reception -----------------------------------------------------------------------------------
def test_clean_strong_packet_is_received():
    ch = channel(three_nodes())
    tx = ch.transmit(0, 0.0, 0.01)
    assert ch.received(tx, 2, PER32)
    assert ch.received(tx, 1, PER32)


def test_half_duplex_receiver_that_transmits_misses_the_packet():
    ch = channel(three_nodes())
    own = ch.transmit(1, 0.0, 0.5)      # 1 starts before the packet and ends during it
    tx = ch.transmit(0, 0.2, 1.0)
    later = ch.transmit(2, 0.9, 1.5)     # 2 starts during the packet
    assert not ch.received(tx, 1, PER32)
    assert not ch.received(tx, 2, PER32)
    # Node 0 was sending tx while the other two packets were on air: it decodes neither.
    assert not ch.received(own, 0, PER32)
    assert not ch.received(later, 0, PER32)


@pytest.mark.parametrize("capture", [True, False])
def test_capture_stronger_packet_survives_only_with_capture(capture):
    # At node 2: packet of 0 at -60 dBm, packet of 1 at -85 dBm: SINR +25 dB and -25 dB.
    ch = channel(three_nodes(p02=-60.0, p12=-85.0), capture=capture)
    strong = ch.transmit(0, 0.0, 0.01)
    weak = ch.transmit(1, 0.005, 0.015)
    assert ch.received(strong, 2, PER32) is capture
    assert not ch.received(weak, 2, PER32)


@pytest.mark.parametrize("sinr_db, ok", [(20.2, True), (19.8, False)])
def test_capture_threshold_boundary(sinr_db, ok):
    # SINR = 10 log10(s / (noise + i)) just above / below a 20 dB threshold (PER ~1e-17 there,
    # so only the capture rule decides).
    interferer_mw = mw(-85.0)
    signal_mw = 10 ** (sinr_db / 10.0) * (NOISE_MW + interferer_mw)
    ch = channel(three_nodes(p02=10 * math.log10(signal_mw), p12=-85.0), threshold_db=20.0)
    tx = ch.transmit(0, 0.0, 0.01)
    ch.transmit(1, 0.001, 0.002)
    assert all(ch.received(tx, 2, PER32) is ok for _ in range(50))


def test_capture_uses_the_sum_of_interferers():
    # Signal -50 dBm; one interferer at -71.5 dBm leaves SINR 21.5 dB (>= 20), two leave
    # 18.5 dB (< 20): the interference is summed over every overlapping packet.
    pw = [[0.0] * 4 for _ in range(4)]
    pw[0][3] = mw(-50.0)
    pw[1][3] = pw[2][3] = mw(-71.5)
    one = channel(pw, threshold_db=20.0)
    tx = one.transmit(0, 0.0, 1.0)
    one.transmit(1, 0.1, 0.2)
    assert one.received(tx, 3, PER32)
    two = channel(pw, threshold_db=20.0)
    tx = two.transmit(0, 0.0, 1.0)
    two.transmit(1, 0.1, 0.2)
    two.transmit(2, 0.5, 0.6)        # after the first interferer ended: still summed
    assert not two.received(tx, 3, PER32)


def test_inaudible_overlap_does_not_destroy_without_capture():
    # An overlap received below the noise floor is not "audible": the packet survives even
    # without capture.
    pw = three_nodes(p02=-70.0, p12=NOISE_DBM - 10.0)
    ch = channel(pw, capture=False)
    tx = ch.transmit(0, 0.0, 0.01)
    ch.transmit(1, 0.002, 0.02)
    assert ch.received(tx, 2, PER32)


def test_per_draw_is_deterministic_with_a_seeded_random():
    # SNR 10.5 dB is 2.5 dB below the sensitivity SNR (13 dB): PER of 32 bytes about one half.
    snr_db = 10.5
    pw = [[0.0, NOISE_MW * 10 ** (snr_db / 10.0)], [0.0, 0.0]]
    per = PER32.per(snr_db)
    exact = float(per_from_rssi(NOISE_DBM + snr_db, B433, 32))
    assert 0.2 < per < 0.8
    assert per >= exact - 1e-12  # table value at or below the SINR: conservative
    assert per == pytest.approx(exact, abs=0.02)
    ch = channel(pw, seed=42)
    tx = ch.transmit(0, 0.0, 0.01)
    draws = [ch.received(tx, 1, PER32) for _ in range(4000)]
    replica = random.Random(42)
    assert draws == [replica.random() >= per for _ in range(4000)]
    again = channel(pw, seed=42)
    tx2 = again.transmit(0, 0.0, 0.01)
    assert [again.received(tx2, 1, PER32) for _ in range(4000)] == draws
    assert sum(draws) / len(draws) == pytest.approx(1.0 - per, abs=0.03)


def test_link_updates_are_read_through_pw_mw():
    ch = channel(three_nodes())
    tx = ch.transmit(0, 0.0, 0.01)
    ch.pw_mw = three_nodes(p02=-140.0)  # node 2 now far below the noise floor
    assert not ch.received(tx, 2, PER32)


# -- foreign transmissions ----------------------------------------------------------------------
def test_foreign_transmission_power_carrier_sense_and_loss():
    ch = channel(three_nodes(p02=-70.0), capture=True)
    f = ch.transmit(-1, 0.0, 0.05, ext_mw=mw(-90.0))
    assert ch.power_mw(f, 0) == ch.power_mw(f, 2) == mw(-90.0)
    assert ch.busy(2, 0.01)           # -90 dBm > -100 dBm CCA threshold, at every node
    assert ch.busy(0, 0.01)
    assert not ch.busy(2, 0.05)       # ended
    # A packet at -70 dBm overlapped by a -90 dBm foreign packet: SINR 20 dB, captured.
    tx = ch.transmit(0, 0.1, 0.11)
    ch.transmit(-1, 0.105, 0.2, ext_mw=mw(-90.0))
    assert ch.received(tx, 2, PER32)
    # ... but not under a -68 dBm one (SINR -2 dB), and never without capture.
    tx = ch.transmit(0, 1.0, 1.01)
    ch.transmit(-1, 1.005, 1.1, ext_mw=mw(-68.0))
    assert not ch.received(tx, 2, PER32)
    nc = channel(three_nodes(p02=-70.0), capture=False)
    tx = nc.transmit(0, 0.0, 0.01)
    nc.transmit(-1, 0.005, 0.1, ext_mw=mw(-90.0))
    assert not nc.received(tx, 2, PER32)


def test_foreign_transmission_below_cca_threshold_is_not_busy():
    ch = channel(three_nodes())
    ch.transmit(-1, 0.0, 1.0, ext_mw=mw(-105.0))
    assert not ch.busy(2, 0.5)


def test_no_signal_at_all_is_a_loss_not_a_crash():
    # pw 0 mW (e.g. a link faded beyond float range): SINR -inf, PER 1.
    pw = three_nodes()
    pw[0][2] = 0.0
    ch = channel(pw)
    tx = ch.transmit(0, 0.0, 0.01)
    assert not ch.received(tx, 2, PER32)
