"""Link state of a subnet over time: static shadowing, slow fading, fault fades.

The received power of every ordered node pair is the static link budget
(path loss with per-link shadowing, :mod:`mesh_sim.links`) plus a slow
time-varying term: a fresh standard-normal draw per link and *fading epoch*
scaled by ``fade_sigma_db`` (the same link keeps its value for the whole
epoch, and the draw is a pure function of seed, epoch and node ids). A
``fade`` fault adds loss to every link of one node while it lasts.

The simulator reads ``pw_mw`` (nested lists: fast scalar access in the event
loop; updated in place, so the channel's reference stays current); routing
reads ``prr`` and ``margin_db`` (numpy).
"""

from __future__ import annotations

import numpy as np

from mesh_sim.bands import Band, Environment, band as band_named
from mesh_sim.config import RadioConfig
from mesh_sim.links import noise_floor_dbm, per_from_rssi
from mesh_sim.propagation import Nodes, PropagationConfig, link_normal, node_keys, path_loss_matrix_db

#: Seed offset that separates the fading draws from the static shadowing.
_FADE_SEED_OFFSET = 0x5F3759DF


def radio_band(cfg: RadioConfig) -> Band:
    """The band of ``cfg`` (ValueError naming ``mesh.radio.band`` if unknown)."""
    try:
        return band_named(cfg.band)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"mesh.radio.band: {exc.args[0]}") from None


def airtime_s(payload_bytes: int, sync_bytes: int, bit_rate_bps: float) -> float:
    """Time on air of a packet with its preamble and sync word."""
    return (payload_bytes + sync_bytes) * 8.0 / bit_rate_bps


def effective_building_type(cfg: RadioConfig) -> str:
    """``cfg.building_type``, or ``p1238`` when ``site`` comes with a P.1238 ``environment`` or the multi-wall model."""
    if cfg.building_type == "site" and (cfg.environment is not None or cfg.indoor_model == "multiwall"):
        return "p1238"
    return cfg.building_type


def propagation_config(cfg: RadioConfig, band: Band, seed: int) -> PropagationConfig:
    """The path-loss settings of the radio config (one line naming a bad key)."""
    try:
        env = Environment(cfg.environment or Environment.RESIDENTIAL.value)
    except ValueError:
        raise ValueError(f"mesh.radio.environment: {cfg.environment!r} is not one of "
                         f"{', '.join(e.value for e in Environment)}") from None
    try:
        return PropagationConfig(band, env, cfg.indoor_model, shadowing=cfg.shadowing, seed=int(seed),
                                 building_type=effective_building_type(cfg),
                                 case=cfg.case, default_building_type=cfg.block_type_default,
                                 shadow_decorrelation_m=cfg.shadow_decorrelation_m)
    except ValueError as exc:
        raise ValueError(f"mesh.radio.{exc.args[0]}") from None


class LinkState:
    """Received power, packet reception ratio and margin of every link.

    Args:
        nodes: Node positions (modules first, then concentrators).
        cfg: Radio settings.
        seed: Seed of shadowing and fading.
    """

    def __init__(self, nodes: Nodes, cfg: RadioConfig, seed: int) -> None:
        self.nodes = nodes
        self.cfg = cfg
        self.band = radio_band(cfg)
        self.seed = int(seed)
        n = len(nodes)
        prop = propagation_config(cfg, self.band, self.seed)
        tx_dbm = self.band.tx_power_dbm if cfg.tx_power_dbm is None else float(cfg.tx_power_dbm)
        self.tx_power_dbm = tx_dbm
        loss = path_loss_matrix_db(nodes, prop)
        self.static_rssi_dbm = tx_dbm + 2.0 * cfg.antenna_gain_dbi - loss
        mean_loss = path_loss_matrix_db(nodes, prop, with_shadowing=False) if cfg.shadowing else loss
        #: Margin of the mean path loss (no shadowing, no fade), dB.
        self.mean_margin_db = tx_dbm + 2.0 * cfg.antenna_gain_dbi - mean_loss - self.band.sensitivity_dbm
        #: Margin with the static shadowing, without the slow fade, dB.
        self.static_margin_db = self.static_rssi_dbm - self.band.sensitivity_dbm
        self.noise_dbm = noise_floor_dbm(self.band.bandwidth_hz, self.band.noise_figure_db)
        self._keys = node_keys(nodes.node_ids)
        self._iu = np.triu_indices(n, k=1)
        self.node_loss_db = np.zeros(n)
        self.epoch = 0
        self.update(0)

    def _fade_db(self, epoch: int) -> np.ndarray:
        n = len(self.nodes)
        out = np.zeros((n, n))
        if self.cfg.fade_sigma_db <= 0 or n < 2:
            return out
        ia, ib = self._iu
        draw = self.cfg.fade_sigma_db * link_normal(self._keys[ia], self._keys[ib],
                                                    self.seed + _FADE_SEED_OFFSET, epoch)
        out[ia, ib] = draw
        out[ib, ia] = draw
        return out

    def update(self, epoch: int | None = None) -> None:
        """Recomputes the link state for a fading epoch and the current fades."""
        if epoch is not None:
            self.epoch = int(epoch)
            self._fade = self._fade_db(self.epoch)
        extra = self.node_loss_db[:, None] + self.node_loss_db[None, :]
        self.rssi_dbm = self.static_rssi_dbm + self._fade - extra
        np.fill_diagonal(self.rssi_dbm, -np.inf)
        self.margin_db = self.rssi_dbm - self.band.sensitivity_dbm
        self.prr = 1.0 - per_from_rssi(self.rssi_dbm, self.band, self.cfg.data_bytes)
        np.fill_diagonal(self.prr, 0.0)
        pw_mw = (10.0 ** (self.rssi_dbm / 10.0)).tolist()
        if hasattr(self, "pw_mw"):
            self.pw_mw[:] = pw_mw  # in place: a Channel holding this list sees the change
        else:
            self.pw_mw = pw_mw

    def set_node_loss(self, index: int, loss_db: float) -> None:
        """Adds ``loss_db`` to every link of node ``index`` (0 clears it)."""
        self.node_loss_db[index] = loss_db
        self.update()


class PerTable:
    """Packet error rate against SINR, tabulated for fast lookup in the event loop.

    Args:
        band: The band (modulation, rate, implementation loss).
        packet_bytes: Packet length the PER is for.
        step_db: Table resolution.
    """

    LOW_DB = -20.0
    HIGH_DB = 40.0

    def __init__(self, band: Band, packet_bytes: int, step_db: float = 0.05) -> None:
        self.step_db = step_db
        snr = np.arange(self.LOW_DB, self.HIGH_DB + step_db, step_db)
        noise = noise_floor_dbm(band.bandwidth_hz, band.noise_figure_db)
        self.table = per_from_rssi(snr + noise, band, packet_bytes).tolist()
        self._last = len(self.table) - 1

    def per(self, sinr_db: float) -> float:
        """PER at ``sinr_db`` (table value at or below it: conservative)."""
        if sinr_db >= self.HIGH_DB:                  # also +inf
            return self.table[self._last]
        if sinr_db <= self.LOW_DB:                   # also -inf (no signal)
            return self.table[0]
        k = int((sinr_db - self.LOW_DB) / self.step_db)
        if k <= 0:
            return self.table[0]
        return self.table[k] if k < self._last else self.table[self._last]
