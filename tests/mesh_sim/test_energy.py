"""Energy model: TX current line, state-time currents, battery life, errors.

Expected values are hand calculations written out as literals, not calls to
the code under test.
"""

import math

import numpy as np
import pytest

from mesh_sim.config import BatteryConfig, CurrentsConfig
from mesh_sim.energy import (StateTimes, average_current_ua, battery_life_years, energy_mwh,
                             tx_current_ma, wakeup_listen_s)

DAY_S = 86400.0


def test_tx_current_hits_both_datasheet_points():
    c = CurrentsConfig(tx_ma_at_10dbm=29.2, tx_ma_at_0dbm=16.0, rx_ma=16.0, radio_sleep_ua=0.2,
                       wakeup_overhead_s=0.0005)
    assert tx_current_ma(10.0, c) == pytest.approx(29.2)
    assert tx_current_ma(0.0, c) == pytest.approx(16.0)
    # Halfway in dBm is halfway in mA: (16.0 + 29.2) / 2.
    assert tx_current_ma(5.0, c) == pytest.approx(22.6)
    # Same line beyond +10 dBm: 29.2 + 2 * 1.32.
    assert tx_current_ma(12.0, c) == pytest.approx(31.84)


def test_tx_current_is_monotonic_and_floored():
    c = CurrentsConfig(tx_ma_at_10dbm=29.2, tx_ma_at_0dbm=16.0, rx_ma=16.0, radio_sleep_ua=0.2,
                       wakeup_overhead_s=0.0005)
    p_dbm = np.linspace(-40.0, 15.0, 221)
    i_ma = tx_current_ma(p_dbm, c)
    assert isinstance(i_ma, np.ndarray) and i_ma.shape == p_dbm.shape
    assert np.all(np.diff(i_ma) >= 0)
    assert np.all(np.diff(i_ma[p_dbm >= 0]) > 0)
    # Line: 16.0 - 1.32 * 3 = 12.04 mA at -3 dBm; -30 dBm would be negative.
    assert tx_current_ma(-3.0, c) == pytest.approx(12.04)
    assert tx_current_ma(-30.0, c) == pytest.approx(11.0)
    # A radio whose 0 dBm point lies below the floor still hits it exactly.
    small = CurrentsConfig(tx_ma_at_0dbm=8.0, tx_ma_at_10dbm=12.0)
    assert tx_current_ma(0.0, small) == pytest.approx(8.0)
    assert tx_current_ma(-20.0, small) == pytest.approx(8.0)


def test_breakdown_sums_to_total_and_matches_hand_values():
    c = CurrentsConfig(tx_ma_at_10dbm=29.2, tx_ma_at_0dbm=16.0, rx_ma=16.0, radio_sleep_ua=0.2,
                       wakeup_overhead_s=0.0005)
    times = StateTimes(tx_s=np.array([0.0, 36.0, 360.0]), rx_s=np.array([0.0, 18.0, 0.0]),
                       listen_s=np.array([0.0, 36.0, 0.0]), overhear_s=np.array([0.0, 0.0, 72.0]),
                       mcu_active_s=np.array([0.0, 3.6, 0.0]), duration_s=3600.0)
    total_ua, parts = average_current_ua(times, 10.0, c)
    assert set(parts) == {"tx", "rx", "listen", "overhear", "mcu", "sleep"}
    summed = sum(parts.values())
    np.testing.assert_allclose(summed, total_ua, rtol=1e-12)
    # Node 0 only sleeps: 0.2 + 1.5 uA.
    assert total_ua[0] == pytest.approx(1.7)
    # Node 1: tx 1 % of 29.2 mA = 292 uA; rx 0.5 % of 16 mA = 80; listen 1 % = 160;
    # mcu 0.1 % of 2 mA = 2; sleep 0.2 * (1 - 0.025) + 1.5 * (1 - 0.001) = 1.6935.
    assert parts["tx"][1] == pytest.approx(292.0)
    assert parts["rx"][1] == pytest.approx(80.0)
    assert parts["listen"][1] == pytest.approx(160.0)
    assert parts["mcu"][1] == pytest.approx(2.0)
    assert parts["sleep"][1] == pytest.approx(1.6935)
    assert total_ua[1] == pytest.approx(535.6935)
    # Node 2: tx 10 % = 2920 uA, overhear 2 % = 320, sleep 0.2 * 0.88 + 1.5 = 1.676.
    assert total_ua[2] == pytest.approx(3241.676)


def test_per_node_power_and_sleep_clipped():
    c = CurrentsConfig(tx_ma_at_10dbm=29.2, tx_ma_at_0dbm=16.0, rx_ma=16.0, radio_sleep_ua=0.2,
                       wakeup_overhead_s=0.0005)
    times = StateTimes(tx_s=np.array([10.0, 10.0]), rx_s=np.zeros(2), listen_s=np.array([0.0, 200.0]),
                       overhear_s=np.zeros(2), mcu_active_s=np.zeros(2), duration_s=100.0)
    total_ua, parts = average_current_ua(times, np.array([0.0, 10.0]), c)
    assert parts["tx"][0] == pytest.approx(1600.0)  # 10 % of 16.0 mA
    assert parts["tx"][1] == pytest.approx(2920.0)  # 10 % of 29.2 mA
    # Node 1 is busy 210 s of 100 s: radio sleep is clipped at 0, only MCU sleeps.
    assert parts["sleep"][1] == pytest.approx(1.5)
    assert total_ua[1] == pytest.approx(2920.0 + 32000.0 + 1.5)


def test_closed_form_battery_life():
    b = BatteryConfig()
    # 30 uA * 8766 h = 262.98 mAh/yr; self-discharge 1 % of 4000 = 40 mAh/yr;
    # usable 4000 * 0.85 = 3400 mAh; t = 3400 / 302.98 = 11.22186 years.
    assert battery_life_years(30.0, b) == pytest.approx(11.22186, rel=1e-5)
    lives = battery_life_years(np.array([30.0, 100.0]), b)
    # 100 uA: 3400 / (876.6 + 40) = 3.70936 years.
    np.testing.assert_allclose(lives, [11.22186, 3.70936], rtol=1e-5)
    assert np.all(np.diff(battery_life_years(np.linspace(0, 500, 50), b)) < 0)


def test_life_limited_by_self_discharge_or_infinite():
    b = BatteryConfig()
    assert battery_life_years(0.0, b) == pytest.approx(85.0)  # 3400 / 40
    assert battery_life_years(-5.0, b) == pytest.approx(85.0)
    no_self = BatteryConfig(self_discharge_pct_per_year=0.0)
    assert math.isinf(battery_life_years(0.0, no_self))
    assert battery_life_years(10.0, no_self) == pytest.approx(3400 / 87.66)
    lives = battery_life_years(np.array([0.0, 10.0]), no_self)
    assert math.isinf(lives[0]) and lives[1] == pytest.approx(38.7862, rel=1e-5)


def test_wakeup_listen_time():
    # One day at 2 s: 43 200 samples of 2 ms + 0.5 ms = 108 s.
    assert wakeup_listen_s(DAY_S, 2.0, 0.002, 0.0005) == pytest.approx(108.0)
    assert wakeup_listen_s(0.0, 2.0, 0.002, 0.0005) == 0.0
    # A sample longer than the interval keeps the radio on all the time.
    assert wakeup_listen_s(100.0, 0.001, 0.002, 0.0) == pytest.approx(100.0)


def test_energy_mwh():
    # 1000 uA = 1 mA at 3.6 V for 1 h = 3.6 mWh.
    assert energy_mwh(1000.0, 3.6, 3600.0) == pytest.approx(3.6)
    np.testing.assert_allclose(energy_mwh(np.array([0.0, 30.0]), 3.6, DAY_S), [0.0, 2.592])


def test_vendor_claim_relaying_node_lasts_5_to_15_years():
    """A relaying module meets the 7-10 year claim order of magnitude.

    Defaults (CC1101 at 433 MHz, +10 dBm), wake-up every 2 s with 2 ms samples
    (+0.5 ms overhead), 600 relayed packets a day, each 20 ms TX, 15 ms RX and
    5 ms MCU:

    - listen: 2.5 ms / 2 s = 0.125 % of 16 mA = 20.000 uA
    - tx: 600 * 0.020 = 12 s/day -> 12 / 86400 * 29.2 mA = 4.056 uA
    - rx: 600 * 0.015 = 9 s/day -> 9 / 86400 * 16 mA = 1.667 uA
    - mcu: 600 * 0.005 = 3 s/day -> 3 / 86400 * 2 mA = 0.069 uA
    - sleep: 0.2 * (1 - 0.00125 - 21/86400) + 1.5 * (1 - 3/86400) = 1.700 uA
    - total 27.49 uA -> 241.0 mAh/yr + 40 mAh/yr self-discharge;
      life = 3400 / 281.0 = 12.10 years.
    """
    c = CurrentsConfig(tx_ma_at_10dbm=29.2, tx_ma_at_0dbm=16.0, rx_ma=16.0, radio_sleep_ua=0.2,
                       wakeup_overhead_s=0.0005)
    listen_s = wakeup_listen_s(DAY_S, 2.0, 0.002, c.wakeup_overhead_s)
    n_packets = 600
    times = StateTimes(tx_s=np.array([n_packets * 0.020]), rx_s=np.array([n_packets * 0.015]),
                       listen_s=np.array([listen_s]), overhear_s=np.array([0.0]),
                       mcu_active_s=np.array([n_packets * c.mcu_active_per_packet_s]),
                       duration_s=DAY_S)
    total_ua, parts = average_current_ua(times, 10.0, c)
    assert parts["listen"][0] == pytest.approx(20.0)
    assert total_ua[0] == pytest.approx(27.49, abs=0.01)
    life_years = battery_life_years(total_ua, BatteryConfig())[0]
    assert life_years == pytest.approx(12.10, abs=0.01)
    assert 5.0 <= life_years <= 15.0


@pytest.mark.parametrize("kwargs, field", [
    ({"capacity_mah": -1.0}, "battery.capacity_mah"),
    ({"capacity_mah": 0.0}, "battery.capacity_mah"),
    ({"usable_fraction": 0.0}, "battery.usable_fraction"),
    ({"usable_fraction": 1.2}, "battery.usable_fraction"),
    ({"self_discharge_pct_per_year": -0.5}, "battery.self_discharge_pct_per_year"),
    ({"voltage_v": 0.0}, "battery.voltage_v"),
])
def test_bad_battery_raises(kwargs, field):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        battery_life_years(10.0, BatteryConfig(**kwargs))


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"battery\.capacity_mah: must be > 0, got -1$"):
        battery_life_years(10.0, BatteryConfig(capacity_mah=-1.0))
    with pytest.raises(ValueError, match=r"currents\.rx_ma: must be >= 0"):
        tx_current_ma(10.0, CurrentsConfig(rx_ma=-1.0))
    with pytest.raises(ValueError, match=r"currents\.mcu_sleep_ua"):
        average_current_ua(StateTimes([1.0], [0.0], [0.0], [0.0], [0.0], 10.0), 10.0,
                           CurrentsConfig(mcu_sleep_ua=-0.1))
    with pytest.raises(ValueError, match=r"currents\.tx_ma_at_10dbm"):
        tx_current_ma(5.0, CurrentsConfig(tx_ma_at_10dbm=10.0))
    with pytest.raises(ValueError, match=r"times\.tx_s"):
        StateTimes([-1.0], [0.0], [0.0], [0.0], [0.0], 10.0)
    with pytest.raises(ValueError, match=r"times\.duration_s"):
        StateTimes([1.0], [0.0], [0.0], [0.0], [0.0], 0.0)
    with pytest.raises(ValueError, match="wake_interval_s"):
        wakeup_listen_s(100.0, 0.0, 0.002, 0.0005)
    with pytest.raises(ValueError, match="voltage_v"):
        energy_mwh(10.0, -3.6, 1.0)


def test_default_polling_cost_matches_ti_figure():
    """DOMAIN.md quotes TI: CC1101 RX polling once per second averages 8.8 uA.

    With the default sample (0.4 ms + 0.15 ms overhead at 15.7 mA) and radio
    sleep 0.5 uA, one poll a second is 0.55e-3 * 15.7e3 uA + 0.5 = 9.1 uA.
    """
    from mesh_sim.config import MacConfig

    c, mac = CurrentsConfig(), MacConfig()
    day_s = 86_400.0
    listen = wakeup_listen_s(day_s, 1.0, mac.listen_sample_s, c.wakeup_overhead_s)
    radio_ua = listen / day_s * c.rx_ma * 1e3 + c.radio_sleep_ua * (1 - listen / day_s)
    assert radio_ua == pytest.approx(8.8, rel=0.10)
