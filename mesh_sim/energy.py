"""Supply current and battery life of a D100FC module.

A module's radio is in one of five states (TX, RX of its own traffic,
periodic channel sampling, overhearing others' packets, sleep) and its MCU is
active or asleep. The simulator counts seconds per state and node
(:class:`StateTimes`); the mean current is the time-weighted sum of the state
currents, vectorised over nodes. Listening is counted in closed form
(:func:`wakeup_listen_s`), never with one event per wake-up.

Battery life solves ``usable_mah = (I_avg + I_self) * t`` with the
self-discharge as a constant equivalent current (see
:func:`battery_life_years`). Defaults and their sources: ``docs/mesh-model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from mesh_sim.config import BatteryConfig, CurrentsConfig

#: Hours in a year (365.25 days).
HOURS_PER_YEAR = 8766.0
#: Lowest TX current the dBm-linear extrapolation may return, mA. Below 0 dBm
#: the line through the 0 and +10 dBm points falls faster than a real PA (the
#: synthesizer and PA bias keep the CC1101 near 11-12 mA at its lowest power
#: settings, a recalled figure); the floor bounds that error. It is lowered to
#: the 0 dBm point when that is smaller, so both datasheet points are always hit.
TX_CURRENT_FLOOR_MA = 11.0
#: Keys of the current breakdown, in display order.
BREAKDOWN_KEYS = ("tx", "rx", "listen", "overhear", "mcu", "sleep")


def _check(name: str, value, *, positive: bool = False) -> None:
    """Raise ``ValueError`` if ``value`` (scalar or array) is negative or NaN."""
    arr = np.asarray(value, dtype=float)
    bad = ~(arr > 0) if positive else ~(arr >= 0)
    if np.any(bad):
        got = arr.flat[int(np.argmax(bad))]
        raise ValueError(f"{name}: must be {'> 0' if positive else '>= 0'}, got {got:g}")


def _check_currents(currents: CurrentsConfig) -> None:
    for f in fields(currents):
        _check(f"currents.{f.name}", getattr(currents, f.name))
    if currents.tx_ma_at_10dbm < currents.tx_ma_at_0dbm:
        raise ValueError(
            f"currents.tx_ma_at_10dbm: must be >= tx_ma_at_0dbm "
            f"({currents.tx_ma_at_0dbm:g}), got {currents.tx_ma_at_10dbm:g}")


def _check_battery(battery: BatteryConfig) -> None:
    _check("battery.capacity_mah", battery.capacity_mah, positive=True)
    _check("battery.voltage_v", battery.voltage_v, positive=True)
    _check("battery.self_discharge_pct_per_year", battery.self_discharge_pct_per_year)
    if not 0.0 < battery.usable_fraction <= 1.0:
        raise ValueError(
            f"battery.usable_fraction: must be in (0, 1], got {battery.usable_fraction:g}")


def tx_current_ma(tx_power_dbm, currents: CurrentsConfig):
    """TX supply current at a conducted output power.

    The current is linear in dBm through the datasheet points at 0 dBm and
    +10 dBm, extrapolated along the same line outside them, and never below
    ``min(TX_CURRENT_FLOOR_MA, tx_ma_at_0dbm)``.

    Args:
        tx_power_dbm: Output power, scalar or per-node array, dBm.
        currents: State currents.

    Returns:
        Current in mA, a float for a scalar power, else an array.

    Raises:
        ValueError: A current is negative or the +10 dBm current is below the
            0 dBm one.
    """
    _check_currents(currents)
    power_dbm = np.asarray(tx_power_dbm, dtype=float)
    slope_ma_per_db = (currents.tx_ma_at_10dbm - currents.tx_ma_at_0dbm) / 10.0
    line_ma = currents.tx_ma_at_0dbm + slope_ma_per_db * power_dbm
    out_ma = np.maximum(line_ma, min(TX_CURRENT_FLOOR_MA, currents.tx_ma_at_0dbm))
    return float(out_ma) if out_ma.ndim == 0 else out_ma


@dataclass
class StateTimes:
    """Seconds each node spent per state over ``duration_s``.

    Radio sleep is ``duration_s - tx_s - rx_s - listen_s - overhear_s`` and
    MCU sleep is ``duration_s - mcu_active_s``, both clipped at 0.

    Attributes:
        tx_s: Transmitting (data, ACKs, relays, wake-up preambles).
        rx_s: Receiving packets addressed to the node (incl. ACK waits).
        listen_s: Periodic channel samples, including wake-up overhead.
        overhear_s: Receiving packets addressed to other nodes.
        mcu_active_s: MCU awake (packet handling).
        duration_s: Simulated duration (scalar).
    """

    tx_s: np.ndarray
    rx_s: np.ndarray
    listen_s: np.ndarray
    overhear_s: np.ndarray
    mcu_active_s: np.ndarray
    duration_s: float

    def __post_init__(self) -> None:
        _check("times.duration_s", self.duration_s, positive=True)
        self.duration_s = float(self.duration_s)
        names = ("tx_s", "rx_s", "listen_s", "overhear_s", "mcu_active_s")
        for name in names:
            arr = np.asarray(getattr(self, name), dtype=float)
            _check(f"times.{name}", arr)
            setattr(self, name, arr)
        np.broadcast_shapes(*(getattr(self, n).shape for n in names))

    @property
    def radio_sleep_s(self) -> np.ndarray:
        """Radio sleep time, clipped at 0."""
        awake_s = self.tx_s + self.rx_s + self.listen_s + self.overhear_s
        return np.clip(self.duration_s - awake_s, 0.0, None)

    @property
    def mcu_sleep_s(self) -> np.ndarray:
        """MCU sleep time, clipped at 0."""
        return np.clip(self.duration_s - self.mcu_active_s, 0.0, None)


def average_current_ua(times: StateTimes, tx_power_dbm, currents: CurrentsConfig):
    """Mean supply current per node and its breakdown by cause.

    Listening and overhearing draw the RX current; the wake-up overhead in
    ``listen_s`` is charged at RX current too (conservative: crystal start-up
    draws less, calibration about the same).

    Args:
        times: Seconds per state.
        tx_power_dbm: Output power, scalar or per node, dBm.
        currents: State currents.

    Returns:
        ``(total_ua, breakdown_ua)``: total per node in µA and a dict with the
        keys ``tx``, ``rx``, ``listen``, ``overhear``, ``mcu``, ``sleep``
        (radio plus MCU sleep), in µA, that sums to the total.
    """
    _check_currents(currents)
    duration_s = times.duration_s
    rx_ua = currents.rx_ma * 1000.0
    breakdown_ua = {
        "tx": times.tx_s / duration_s * tx_current_ma(tx_power_dbm, currents) * 1000.0,
        "rx": times.rx_s / duration_s * rx_ua,
        "listen": times.listen_s / duration_s * rx_ua,
        "overhear": times.overhear_s / duration_s * rx_ua,
        "mcu": times.mcu_active_s / duration_s * currents.mcu_active_ma * 1000.0,
        "sleep": (times.radio_sleep_s * currents.radio_sleep_ua
                  + times.mcu_sleep_s * currents.mcu_sleep_ua) / duration_s,
    }
    shape = np.broadcast_shapes(*(np.shape(v) for v in breakdown_ua.values()))
    breakdown_ua = {k: np.broadcast_to(np.asarray(v, dtype=float), shape).copy()
                    for k, v in breakdown_ua.items()}
    total_ua = sum(breakdown_ua[k] for k in BREAKDOWN_KEYS)
    return total_ua, breakdown_ua


def battery_life_years(avg_current_ua, battery: BatteryConfig):
    """Years until the usable capacity is spent by load and self-discharge.

    Solves ``capacity_mah * usable_fraction = (I_load + I_self) * t`` with
    ``I_load = avg_current_ua / 1000 * HOURS_PER_YEAR`` mAh a year and the
    self-discharge as a constant equivalent drain of
    ``capacity_mah * self_discharge_pct_per_year / 100`` mAh a year (of the
    nominal capacity, not the remaining one: slightly pessimistic).
    A zero or negative load current leaves self-discharge only; with no
    self-discharge either, life is infinite.

    Args:
        avg_current_ua: Mean load current, scalar or per node, µA.
        battery: The cell.

    Returns:
        Life in years, a float for a scalar current, else an array.
    """
    _check_battery(battery)
    load_mah_per_year = np.clip(np.asarray(avg_current_ua, dtype=float), 0.0, None) \
        / 1000.0 * HOURS_PER_YEAR
    self_mah_per_year = battery.capacity_mah * battery.self_discharge_pct_per_year / 100.0
    drain_mah_per_year = load_mah_per_year + self_mah_per_year
    usable_mah = battery.capacity_mah * battery.usable_fraction
    with np.errstate(divide="ignore"):
        life_years = np.where(drain_mah_per_year > 0, usable_mah / drain_mah_per_year, np.inf)
    return float(life_years) if life_years.ndim == 0 else life_years


def wakeup_listen_s(duration_s: float, wake_interval_s: float, listen_sample_s: float,
                    wakeup_overhead_s: float) -> float:
    """Radio-on time of periodic channel sampling over a duration.

    Mean count ``duration_s / wake_interval_s`` of samples, each
    ``listen_sample_s + wakeup_overhead_s`` long (capped at the interval).

    Args:
        duration_s: Time span, s.
        wake_interval_s: Sampling period, s (> 0).
        listen_sample_s: Radio in RX per sample, s.
        wakeup_overhead_s: Crystal start-up and calibration per sample, s.

    Returns:
        Seconds with the radio on for sampling.
    """
    _check("duration_s", duration_s)
    _check("wake_interval_s", wake_interval_s, positive=True)
    _check("listen_sample_s", listen_sample_s)
    _check("wakeup_overhead_s", wakeup_overhead_s)
    on_s = min(listen_sample_s + wakeup_overhead_s, wake_interval_s)
    return float(duration_s) / float(wake_interval_s) * on_s


def energy_mwh(avg_current_ua, voltage_v: float, duration_s: float):
    """Energy drawn at a mean current over a duration, mWh (``I * V * t``)."""
    _check("avg_current_ua", avg_current_ua)
    _check("voltage_v", voltage_v, positive=True)
    _check("duration_s", duration_s)
    out = np.asarray(avg_current_ua, dtype=float) / 1000.0 * voltage_v * duration_s / 3600.0
    return float(out) if out.ndim == 0 else out
