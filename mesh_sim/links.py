"""Link budget: received power, SNR, bit and packet error rate, link margin.

The modulation is non-coherent binary FSK (GFSK treated as 2-FSK):
``BER = 0.5 exp(-Eb/N0 / 2)`` with ``Eb/N0 = SNR * B / R`` (noise in the
receiver bandwidth ``B``, bit rate ``R``), reduced by an implementation loss
that makes the model meet the datasheet sensitivity: at the sensitivity
level the packet error rate of the datasheet packet is 1 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mesh_sim.bands import Band
from mesh_sim.propagation import Nodes, PropagationConfig, path_loss_matrix_db

#: Thermal noise density at 290 K, dBm/Hz.
THERMAL_NOISE_DBM_HZ = -174.0
#: Packet error rate at the datasheet sensitivity (CC1101 test condition).
SENSITIVITY_PER = 0.01


def noise_floor_dbm(bandwidth_hz: float, noise_figure_db: float) -> float:
    """Receiver noise floor ``-174 + 10 log10(B) + NF``, dBm."""
    return THERMAL_NOISE_DBM_HZ + 10.0 * np.log10(bandwidth_hz) + noise_figure_db


def ebn0_db_from_snr(snr_db, bandwidth_hz: float, bit_rate_bps: float):
    """``Eb/N0 = SNR * B / R`` in dB."""
    return np.asarray(snr_db, dtype=float) + 10.0 * np.log10(bandwidth_hz / bit_rate_bps)


def ber_noncoherent_fsk(ebn0_db):
    """Bit error rate of non-coherent 2-FSK, ``0.5 exp(-Eb/N0 / 2)``."""
    ebn0 = 10.0 ** (np.asarray(ebn0_db, dtype=float) / 10.0)
    return 0.5 * np.exp(-ebn0 / 2.0)


def packet_error_rate(ber, packet_bytes: int):
    """``1 - (1 - BER)^(8 * packet_bytes)``: independent bit errors, no FEC."""
    if packet_bytes <= 0:
        raise ValueError(f"packet_bytes: must be positive, got {packet_bytes}")
    ber = np.clip(np.asarray(ber, dtype=float), 0.0, 1.0)
    return -np.expm1(8 * packet_bytes * np.log1p(-np.minimum(ber, 1 - 1e-16)))


def required_ebn0_db(packet_bytes: int, per: float = SENSITIVITY_PER) -> float:
    """Eb/N0 at which a packet of ``packet_bytes`` has error rate ``per``."""
    ber = -np.expm1(np.log1p(-per) / (8 * packet_bytes))
    return float(10.0 * np.log10(-2.0 * np.log(2.0 * ber)))


def implementation_loss_db(band: Band) -> float:
    """Loss that makes the FSK model meet the band's datasheet sensitivity.

    The model's Eb/N0 at the sensitivity level minus the Eb/N0 the formula
    needs for 1 % PER on the datasheet packet; never negative.
    """
    snr_at_sens_db = band.sensitivity_dbm - noise_floor_dbm(band.bandwidth_hz, band.noise_figure_db)
    ebn0_at_sens_db = float(ebn0_db_from_snr(snr_at_sens_db, band.bandwidth_hz, band.bit_rate_bps))
    return max(0.0, ebn0_at_sens_db - required_ebn0_db(band.sensitivity_packet_bytes))


def per_from_rssi(rssi_dbm, band: Band, packet_bytes: int):
    """Packet error rate at received power ``rssi_dbm`` in thermal noise only."""
    snr_db = np.asarray(rssi_dbm, dtype=float) - noise_floor_dbm(band.bandwidth_hz, band.noise_figure_db)
    ebn0 = ebn0_db_from_snr(snr_db, band.bandwidth_hz, band.bit_rate_bps) - implementation_loss_db(band)
    return packet_error_rate(ber_noncoherent_fsk(ebn0), packet_bytes)


@dataclass(frozen=True)
class Link:
    """One directed link (transmitter to receiver)."""

    tx_id: str
    rx_id: str
    path_loss_db: float
    rssi_dbm: float
    snr_db: float
    per: float
    margin_db: float


@dataclass(frozen=True)
class LinkTable:
    """Directed link budget of every ordered node pair.

    Matrices are ``n x n`` with row = transmitter, column = receiver; the
    diagonal holds ``-inf`` power, ``PER = 1``.

    Attributes:
        node_ids: Node ids in matrix order.
        packet_bytes: Packet length the PER is for.
        path_loss_db: Path loss (symmetric).
        rssi_dbm: Received power.
        snr_db: Signal-to-noise ratio in the receiver bandwidth.
        per: Packet error rate.
        margin_db: Received power above the receiver sensitivity.
    """

    node_ids: tuple[str, ...]
    packet_bytes: int
    path_loss_db: np.ndarray
    rssi_dbm: np.ndarray
    snr_db: np.ndarray
    per: np.ndarray
    margin_db: np.ndarray

    def index(self, node_id: str) -> int:
        """Matrix index of ``node_id`` (ValueError if absent)."""
        return self.node_ids.index(node_id)

    def link(self, tx_id: str, rx_id: str) -> Link:
        """The record of the directed link ``tx_id -> rx_id``."""
        i, j = self.index(tx_id), self.index(rx_id)
        return Link(tx_id, rx_id, float(self.path_loss_db[i, j]), float(self.rssi_dbm[i, j]),
                    float(self.snr_db[i, j]), float(self.per[i, j]), float(self.margin_db[i, j]))

    def to_frame(self, min_margin_db: float | None = None) -> pd.DataFrame:
        """Ordered pairs as rows, optionally only those with enough margin."""
        n = len(self.node_ids)
        mask = ~np.eye(n, dtype=bool)
        if min_margin_db is not None:
            mask &= self.margin_db >= min_margin_db
        i, j = np.nonzero(mask)
        ids = np.asarray(self.node_ids, dtype=object)
        return pd.DataFrame({"tx_id": ids[i], "rx_id": ids[j],
                             "path_loss_db": self.path_loss_db[i, j],
                             "rssi_dbm": self.rssi_dbm[i, j], "snr_db": self.snr_db[i, j],
                             "per": self.per[i, j], "margin_db": self.margin_db[i, j]})


def build_link_table(nodes: Nodes, config: PropagationConfig, packet_bytes: int = 32,
                     tx_power_dbm: float | np.ndarray | None = None,
                     antenna_gain_dbi: float | np.ndarray = 0.0) -> LinkTable:
    """Computes the link budget of every ordered pair of ``nodes``.

    Args:
        nodes: Node positions.
        config: Path-loss model settings (band, environment, shadowing seed).
        packet_bytes: Packet length for the PER (bytes after the sync word).
        tx_power_dbm: Per-node or common transmit power; the band default if None.
        antenna_gain_dbi: Per-node or common antenna gain, used on TX and RX.

    Raises:
        ValueError: If a transmit power is not finite.
    """
    band = config.band
    n = len(nodes)
    tx = np.broadcast_to(np.asarray(band.tx_power_dbm if tx_power_dbm is None else tx_power_dbm,
                                    dtype=float), (n,))
    if not np.all(np.isfinite(tx)):
        raise ValueError("tx_power_dbm: must be finite")
    gain = np.broadcast_to(np.asarray(antenna_gain_dbi, dtype=float), (n,))
    loss = path_loss_matrix_db(nodes, config)
    rssi = (tx + gain)[:, None] + gain[None, :] - loss
    snr = rssi - noise_floor_dbm(band.bandwidth_hz, band.noise_figure_db)
    per = per_from_rssi(rssi, band, packet_bytes)
    margin = rssi - band.sensitivity_dbm
    return LinkTable(nodes.node_ids, packet_bytes, loss, rssi, snr, per, margin)
