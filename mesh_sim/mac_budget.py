"""Closed-form energy budget of a relay under each MAC scheme (no simulation).

A back-of-envelope written independently of the simulator's event code, so
that tests can check one against the other (``tests/mesh_sim/test_mac_budget.py``)
and the docs can tabulate the schemes (docs/mesh-model.md, "MAC schemes").

Notation: ``d``, ``a``, ``h`` air times of a data packet, an ACK and a
header-long wake-up frame or strobe (each with its preamble and sync word);
``tau`` the RX/TX turnaround; ``T`` the wake interval; ``s`` + ``o`` one
channel sample and its wake-up overhead; ``theta`` the crystal drift
(``clock_drift_ppm``) and ``theta_r`` the residual drift after compensation
(``sync_drift_ppm``); ``g`` the fixed guard. Per packet (seconds of radio
state):

==========  =========================================  ===============================================
scheme      send (TX / RX)                             receive (RX / TX)
==========  =========================================  ===============================================
wisemac     P + d / tau + a, P = 4 theta L + g          P/2 + d / a (L: time since the last contact)
sync        P + d / tau + a, P = 2 theta_r (A_i+A_j)+g  P/2 + d / a (A: time since a clock's correction)
xmac        n h + d / n (2 tau + a) + tau + a           E[wait to next strobe] + h + tau + d / 2 a
==========  =========================================  ===============================================

with ``n = E[ceil(u / p)] + 1`` strobes, ``u`` uniform on ``[0, T)``, ``p =
h + 2 tau + a`` the strobe period (X-MAC has no phase learning). To an
always-on J100UC a packet needs no preamble: ``d`` TX and ``tau + a`` RX.
Channel sampling costs ``polls (s + o) / T`` of RX time a second, with two
polls per interval for ``sync`` (unicast phase and broadcast slot) and a
sample lengthened by one strobe gap for ``xmac``. Floods: ``wisemac`` sends a
preamble of ``T`` and a first reception costs ``T/2 + d``; ``xmac`` repeats
the data for ``T`` and a reception costs ``1.5 d``; ``sync`` sends a guard
tone plus data in ``broadcast_cycles`` slots and a reception costs half the
tone plus ``d``. The MCU is active ``mcu_active_per_packet_s`` per packet
sent or received.
"""

from __future__ import annotations

import math

from mesh_sim.config import MAC_SCHEMES, MeshConfig

SECONDS_PER_DAY = 86_400.0
HOURS_PER_YEAR = 8766.0


def _air_s(payload_bytes: float, cfg: MeshConfig, bit_rate_bps: float) -> float:
    return (payload_bytes + cfg.radio.sync_bytes) * 8.0 / bit_rate_bps


def _tx_ma(cfg: MeshConfig, tx_power_dbm: float) -> float:
    c = cfg.energy.currents
    return max(c.tx_ma_at_0dbm + (c.tx_ma_at_10dbm - c.tx_ma_at_0dbm) * tx_power_dbm / 10.0,
               min(11.0, c.tx_ma_at_0dbm))


def mean_strobes(wake_interval_s: float, period_s: float) -> float:
    """``E[ceil(u / p)] + 1`` for ``u`` uniform on ``[0, T)``: strobes until the receiver wakes."""
    m = math.floor(wake_interval_s / period_s)
    r = wake_interval_s - m * period_s
    integral = period_s * m * (m + 1) / 2.0 + r * (m + 1)
    return integral / wake_interval_s + 1.0


def relay_budget(cfg: MeshConfig, scheme: str, relayed_per_day: float, own_per_day: float = 24.0,
                 child_interval_s: float = 3600.0, parent_always_on: bool = True,
                 floods_per_day: float = 0.0, parent_age_s: float | None = None,
                 bit_rate_bps: float = 38_400.0,
                 tx_power_dbm: float = 10.0, header_bytes: int = 4) -> dict[str, float]:
    """Mean current of a module relaying for children that each send every ``child_interval_s``.

    Args:
        cfg: Settings (MAC timing, packet sizes, currents, battery).
        scheme: ``wisemac``, ``sync`` or ``xmac``.
        relayed_per_day: Packets received from children and forwarded a day.
        own_per_day: The module's own reports a day.
        child_interval_s: Mean time between two packets of one child (its
            contact interval, and the age of its clock when it sends).
        parent_always_on: The next hop is the J100UC (no wake-up needed);
            otherwise a sleeping module that the relay contacts at every send.
        floods_per_day: Broadcasts the relay receives and forwards a day.
        parent_age_s: ``sync``: mean age of the parent's clock when the relay
            sends; by default the relay's own gap between sends.
        bit_rate_bps: Air rate.
        tx_power_dbm: Output power.
        header_bytes: Length of a wake-up frame or strobe after the sync word.

    Returns:
        Mean current per cause in µA (``tx``, ``rx``, ``listen``, ``mcu``,
        ``sleep``), ``total_ua`` and ``battery_years``.
    """
    if scheme not in MAC_SCHEMES:
        raise ValueError(f"mesh.mac.scheme: {scheme!r} is not one of {', '.join(MAC_SCHEMES)}")
    mac, radio, cur = cfg.mac, cfg.radio, cfg.energy.currents
    t_w, tau, g = mac.wake_interval_s, radio.turnaround_s, mac.guard_s
    d = _air_s(radio.data_bytes, cfg, bit_rate_bps)
    a = _air_s(radio.ack_bytes, cfg, bit_rate_bps)
    h = _air_s(header_bytes, cfg, bit_rate_bps)
    sends = relayed_per_day + own_per_day
    send_gap_s = SECONDS_PER_DAY / sends if sends > 0 else float("inf")
    tx_s = rx_s = 0.0                               # seconds a day
    theta, theta_r = mac.clock_drift_ppm * 1e-6, mac.sync_drift_ppm * 1e-6
    if scheme == "wisemac":
        p_recv = min(4.0 * theta * child_interval_s + g, t_w)
        p_send = 0.0 if parent_always_on else min(4.0 * theta * send_gap_s + g, t_w)
        tx_s += sends * (p_send + d) + relayed_per_day * a
        rx_s += sends * (tau + a) + relayed_per_day * (p_recv / 2.0 + d)
        tx_s += floods_per_day * (t_w + d)
        rx_s += floods_per_day * (t_w / 2.0 + d)
        polls, sample = 1, mac.listen_sample_s
    elif scheme == "sync":
        g_s = mac.sync_guard_s
        # A receiving relay's own clock was corrected at its last send (one gap ago).
        p_recv = min(2.0 * theta_r * (child_interval_s + send_gap_s) + g_s, t_w)
        age_p = send_gap_s if parent_age_s is None else parent_age_s
        p_send = 0.0 if parent_always_on else min(2.0 * theta_r * (send_gap_s + age_p) + g_s, t_w)
        tx_s += sends * (p_send + d) + relayed_per_day * a
        rx_s += sends * (tau + a) + relayed_per_day * (p_recv / 2.0 + d)
        tone = min(2.0 * theta_r * (send_gap_s + child_interval_s) + g_s, t_w)
        tx_s += floods_per_day * max(mac.broadcast_cycles, 1) * (tone + d)
        rx_s += floods_per_day * (tone / 2.0 + d)
        polls, sample = 2, mac.listen_sample_s
    else:
        gap = 2.0 * tau + a
        period = h + gap
        n = mean_strobes(t_w, period)
        wait = period * (n - 1.0) - t_w / 2.0        # E[ceil(u/p) p - u]
        if parent_always_on:
            tx_s += sends * d
            rx_s += sends * (tau + a)
        else:
            tx_s += sends * (n * h + d)
            rx_s += sends * (n * gap + tau + a)
        rx_s += relayed_per_day * (wait + h + tau + d)
        tx_s += relayed_per_day * 2.0 * a
        tx_s += floods_per_day * (t_w + d)
        rx_s += floods_per_day * 1.5 * d
        polls, sample = 1, mac.listen_sample_s + gap
    listen_s = polls * SECONDS_PER_DAY / t_w * min(sample + cur.wakeup_overhead_s, t_w)
    handled = sends + relayed_per_day + floods_per_day * 2.0
    mcu_s = handled * cur.mcu_active_per_packet_s
    radio_sleep_s = max(SECONDS_PER_DAY - tx_s - rx_s - listen_s, 0.0)
    out = {
        "tx": tx_s * _tx_ma(cfg, tx_power_dbm) * 1000.0 / SECONDS_PER_DAY,
        "rx": rx_s * cur.rx_ma * 1000.0 / SECONDS_PER_DAY,
        "listen": listen_s * cur.rx_ma * 1000.0 / SECONDS_PER_DAY,
        "mcu": mcu_s * cur.mcu_active_ma * 1000.0 / SECONDS_PER_DAY,
        "sleep": (radio_sleep_s * cur.radio_sleep_ua + (SECONDS_PER_DAY - mcu_s) * cur.mcu_sleep_ua)
        / SECONDS_PER_DAY,
    }
    total = sum(out.values())
    bat = cfg.energy.battery
    drain = total / 1000.0 * HOURS_PER_YEAR + bat.capacity_mah * bat.self_discharge_pct_per_year / 100.0
    out["total_ua"] = total
    out["battery_years"] = bat.capacity_mah * bat.usable_fraction / drain
    return out
