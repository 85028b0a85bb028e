"""LPL MAC: preamble lengths, wake-up schedule, backoff, and one unicast through simpy."""

import random
from dataclasses import replace

import pytest
import simpy

from mesh_sim.bands import band
from mesh_sim.channel import Channel
from mesh_sim.config import MacConfig, RadioConfig
from mesh_sim.links import noise_floor_dbm
from mesh_sim.linkstate import PerTable
from mesh_sim.mac import HEADER_BYTES, Mac

B433 = band("433")
NOISE_MW = 10.0 ** (noise_floor_dbm(B433.bandwidth_hz, B433.noise_figure_db) / 10.0)
RATE = B433.bit_rate_bps                   # 38.4 kbit/s
DATA_AIR = (32 + 8) * 8 / 38_400.0         # 1/120 s
ACK_AIR = (10 + 8) * 8 / 38_400.0          # 3.75 ms
HEADER_AIR = (HEADER_BYTES + 8) * 8 / 38_400.0
TURN = 0.0005
T_W = 30.0


def make(always_on=(False, False), mac_cfg: MacConfig | None = None, pw_dbm=-70.0, seed=3):
    env = simpy.Environment()
    n = len(always_on)
    p = 10.0 ** (pw_dbm / 10.0)
    pw = [[0.0 if a == b else p for b in range(n)] for a in range(n)]
    rng = random.Random(seed)
    ch = Channel(pw, NOISE_MW, 1e-10, True, 6.0, rng)
    mac = Mac(env, ch, mac_cfg or MacConfig(), RadioConfig(), RATE, list(always_on),
              PerTable(B433, 32), PerTable(B433, 10), rng)
    return env, ch, mac


def run_unicast(env, mac, i, j, alive, **kw):
    out = {}

    def proc():
        out["t0"] = env.now
        out["result"] = yield from mac.unicast(i, j, alive, **kw)
        out["t1"] = env.now

    env.process(proc())
    env.run()
    return out


# -- timing -------------------------------------------------------------------------------------
def test_data_and_ack_airtime():
    _, _, mac = make()
    assert mac.data_air_s == pytest.approx(DATA_AIR) == pytest.approx(1 / 120)
    assert mac.ack_air_s == pytest.approx(ACK_AIR)
    assert mac.header_s == pytest.approx(HEADER_AIR)


def test_preamble_full_wake_interval_before_first_contact():
    _, _, mac = make()
    assert mac.preamble_s(0, 1, 1234.0) == T_W


def test_preamble_after_contact_covers_drift():
    _, _, mac = make()
    mac.last_contact[0][1] = 100.0
    # 4 * 40 ppm * 3600 s + 3 ms = 0.579 s
    assert mac.preamble_s(0, 1, 3700.0) == pytest.approx(4 * 40e-6 * 3600 + 0.003)
    assert mac.preamble_s(0, 1, 100.0) == pytest.approx(0.003)
    # Capped at one wake interval: 4 * 40e-6 * L + 3 ms >= 30 s once L >= ~52 h.
    assert mac.preamble_s(0, 1, 100.0 + 200_000.0) == T_W
    # Contact is per direction-owner: 1 has not learned 0's phase.
    assert mac.preamble_s(1, 0, 3700.0) == T_W


def test_no_preamble_to_an_always_on_node():
    _, _, mac = make(always_on=(False, True))
    assert mac.preamble_s(0, 1, 50.0) == 0.0
    assert mac.preamble_s(1, 0, 50.0) == T_W


def test_next_wake():
    _, _, mac = make()
    mac.phase_s[1] = 7.0
    assert mac.next_wake_s(1, 0.0) == pytest.approx(7.0)
    assert mac.next_wake_s(1, 7.0) == pytest.approx(7.0)
    assert mac.next_wake_s(1, 7.001) == pytest.approx(37.0)
    assert mac.next_wake_s(1, 100.0) == pytest.approx(127.0)
    assert all(0.0 <= p < T_W for p in mac.phase_s)


def test_backoff_range():
    _, _, mac = make()
    slot = 0.004
    for tries, be in [(0, 3), (1, 4), (3, 6), (10, 6)]:
        draws = {round(mac.backoff_s(tries) / slot, 9) for _ in range(3000)}
        assert draws == set(range(1, 2 ** be + 1)), (tries, be)


# -- one unicast ---------------------------------------------------------------------------------
def test_first_unicast_full_preamble_rx_booked_and_ack_learns_phase():
    env, ch, mac = make()
    out = run_unicast(env, mac, 0, 1, [True, True])
    assert out["result"] == (True, True)
    data_end = T_W + DATA_AIR                      # started at once: channel free
    ack_end = data_end + TURN + ACK_AIR
    assert out["t1"] == pytest.approx(ack_end)
    assert mac.tx_s[0] == pytest.approx(T_W + DATA_AIR)
    # The receiver woke, on average, in the middle of the preamble.
    assert mac.rx_s[1] == pytest.approx(T_W / 2 + DATA_AIR)
    assert mac.tx_s[1] == pytest.approx(ACK_AIR)
    assert mac.rx_s[0] == pytest.approx(TURN + ACK_AIR)
    assert mac.last_contact[0][1] == pytest.approx(ack_end)
    assert mac.last_contact[1][0] == pytest.approx(ack_end)
    # A neighbour waking into the preamble hears 1.5 wake-up frames and sleeps: never the preamble.
    assert mac.overhear_src_s[0] == pytest.approx(1.0 * 1.5 * HEADER_AIR)
    assert mac.attempts == [1, 0] and mac.packets_handled == [1, 1]
    assert ch.transmissions == 2


def test_learned_unicast_is_aimed_at_the_receivers_wake_up():
    env, ch, mac = make()
    mac.phase_s[1] = 10.0
    mac.last_contact[0][1] = 0.0
    starts = []
    orig = ch.transmit

    def spy(src, start_s, end_s, ext_mw=0.0, now_s=None):
        starts.append((src, start_s, end_s))
        return orig(src, start_s, end_s, ext_mw, now_s)

    ch.transmit = spy
    env.run(until=3600.0)
    out = run_unicast(env, mac, 0, 1, [True, True])
    preamble = 4 * 40e-6 * 3600.0 + 0.003
    # The preamble is centred on 1's next wake-up at 3610 s.
    start = 3610.0 - preamble / 2
    assert starts[0] == (0, pytest.approx(start), pytest.approx(start + preamble + DATA_AIR))
    assert starts[1][0] == 1
    assert out["t1"] == pytest.approx(start + preamble + DATA_AIR + TURN + ACK_AIR)
    assert mac.tx_s[0] == pytest.approx(preamble + DATA_AIR)
    assert mac.rx_s[1] == pytest.approx(preamble / 2 + DATA_AIR)
    assert mac.last_contact[0][1] == pytest.approx(out["t1"])


def test_unicast_to_always_on_receiver_has_no_preamble_and_books_no_rx():
    env, ch, mac = make(always_on=(False, True))
    out = run_unicast(env, mac, 0, 1, [True, True])
    assert out["result"] == (True, True)
    assert mac.tx_s[0] == pytest.approx(DATA_AIR)
    assert out["t1"] == pytest.approx(DATA_AIR + TURN + ACK_AIR)
    assert mac.rx_s[1] == 0.0 and mac.packets_handled[1] == 0
    assert mac.overhear_src_s[0] == 0.0


def test_unicast_to_a_dead_or_full_receiver_is_not_acked():
    for alive, accept in [([True, False], True), ([True, True], False)]:
        env, ch, mac = make()
        out = run_unicast(env, mac, 0, 1, alive, accept=accept)
        assert out["result"] == (False, False)
        assert out["t1"] == pytest.approx(T_W + DATA_AIR + TURN + ACK_AIR)  # waited for the ACK
        assert mac.rx_s[0] == pytest.approx(TURN + ACK_AIR)
        assert mac.rx_s[1] == 0.0 and mac.tx_s[1] == 0.0
        assert 1 not in mac.last_contact[0]
        assert ch.transmissions == 1


def test_receiver_room_is_judged_when_the_packet_arrives():
    # The receiver's queue fills while the 30 s preamble is on air: it must not ACK.
    env, ch, mac = make()
    full = [False]

    def fill():
        yield env.timeout(10.0)
        full[0] = True

    env.process(fill())
    out = run_unicast(env, mac, 0, 1, [True, True], accept=lambda: not full[0])
    assert out["result"] == (False, False)


def test_no_ack_mode_sends_no_ack():
    env, ch, mac = make(mac_cfg=replace(MacConfig(), ack=False))
    out = run_unicast(env, mac, 0, 1, [True, True])
    assert out["result"] == (True, True)
    assert out["t1"] == pytest.approx(T_W + DATA_AIR)
    assert ch.transmissions == 1 and mac.rx_s[0] == 0.0
    assert 1 not in mac.last_contact[0]


def test_csma_gives_up_on_a_busy_channel_aloha_does_not():
    for protocol, sent in [("csma", False), ("aloha", True)]:
        env, ch, mac = make(mac_cfg=replace(MacConfig(), protocol=protocol))
        ch.transmit(-1, 0.0, 1e6, ext_mw=1e-6)    # -60 dBm foreign carrier for ever
        out = run_unicast(env, mac, 0, 1, [True, True])
        assert mac.attempts[0] == (1 if sent else 0)
        if not sent:
            assert out["result"] == (False, False)
            # max_backoffs + 1 assessments, each followed by a backoff of 1..2**be slots.
            assert 6 * 0.004 <= out["t1"] <= sum(2 ** min(3 + k, 6) for k in range(6)) * 0.004
        else:
            assert out["result"] == (False, False)  # the foreign carrier destroys it


def test_broadcast_uses_a_full_wake_interval_and_books_listeners():
    env, ch, mac = make(always_on=(True, False, False))
    got = {}

    def proc():
        got["tx"] = yield from mac.broadcast(0)

    env.process(proc())
    env.run()
    tx = got["tx"]
    assert tx.end_s - tx.start_s == pytest.approx(T_W + DATA_AIR)
    assert mac.tx_s[0] == pytest.approx(T_W + DATA_AIR)
    mac.book_broadcast_rx(1, tx)
    mac.book_broadcast_rx(0, tx)                  # always-on: nothing booked
    assert mac.rx_s == [0.0, pytest.approx(T_W / 2 + DATA_AIR), 0.0]
