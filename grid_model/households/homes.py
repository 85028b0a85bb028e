"""Per-home appliance ownership and parameters, drawn from each home's stream."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grid_model.households import streams as st
from grid_model.households.config import HouseholdConfig
from scenarios.site import Consumer

#: Number of uniform draws per home in the ATTRIBUTES stream.
_N_ATTR = 24


@dataclass
class HomeParams:
    """Fixed properties of every home, arrays of shape (n,).

    Attributes:
        occupants: Occupants (≥ 0).
        floor_area_m2: Floor area.
        routine_shift_min: Delay of the home's daily routine, minutes.
        has_water_heater, has_space_heating, has_ac, has_ev, has_pv,
        has_washer, has_dishwasher, has_electric_cooking: Ownership flags.
        fridge_kw, fridge_tau_min, fridge_cool_c_per_min: Fridge model.
        tank_l, tank_ua_w_per_k, tank_setpoint_c: Water-heater tank.
        h_kw_per_k, c_kwh_per_k: Building heat-loss coefficient and capacity.
        heater_kw, ac_kw: Electric space heating and AC input ratings.
        washer_scale, dishwasher_scale: Cycle energy multipliers.
        pv_size, pv_orientation: PV size and orientation factors.
    """

    occupants: np.ndarray
    floor_area_m2: np.ndarray
    routine_shift_min: np.ndarray
    has_water_heater: np.ndarray
    has_space_heating: np.ndarray
    has_ac: np.ndarray
    has_ev: np.ndarray
    has_pv: np.ndarray
    has_washer: np.ndarray
    has_dishwasher: np.ndarray
    has_electric_cooking: np.ndarray
    fridge_kw: np.ndarray
    fridge_tau_min: np.ndarray
    fridge_cool_c_per_min: np.ndarray
    tank_l: np.ndarray
    tank_ua_w_per_k: np.ndarray
    tank_setpoint_c: np.ndarray
    h_kw_per_k: np.ndarray
    c_kwh_per_k: np.ndarray
    heater_kw: np.ndarray
    ac_kw: np.ndarray
    washer_scale: np.ndarray
    dishwasher_scale: np.ndarray
    pv_size: np.ndarray
    pv_orientation: np.ndarray


def draw_homes(consumers: list[Consumer], cfg: HouseholdConfig, streams: st.HomeStreams) -> HomeParams:
    """Draws ownership and appliance parameters of every home.

    Ownership is ``u < share`` with a per-home uniform ``u``; continuous
    parameters vary ±10-20 % around the configured values.
    """
    u = streams.rows(st.ATTRIBUTES, lambda r: r.random(_N_ATTR)).reshape(len(consumers), _N_ATTR)
    occupants = np.array([max(int(c.occupants), 0) for c in consumers])
    area = np.array([max(float(c.floor_area_m2), 10.0) for c in consumers])

    def spread(col: int, rel: float) -> np.ndarray:
        return 1.0 + rel * (2.0 * u[:, col] - 1.0)

    h = cfg.heat_loss_w_per_k_m2 * area * spread(16, 0.2) / 1000.0
    return HomeParams(
        occupants=occupants,
        floor_area_m2=area,
        routine_shift_min=60.0 * np.sqrt(2.0) * _erfinv(2.0 * u[:, 0] - 1.0) * 0.75,
        has_water_heater=u[:, 1] < cfg.share_electric_water_heater,
        has_space_heating=u[:, 2] < cfg.share_electric_space_heating,
        has_ac=u[:, 3] < cfg.share_ac,
        has_ev=u[:, 4] < cfg.share_ev,
        has_pv=u[:, 5] < cfg.share_pv,
        has_washer=u[:, 6] < cfg.share_washing_machine,
        has_dishwasher=u[:, 7] < cfg.share_dishwasher,
        has_electric_cooking=u[:, 22] < cfg.share_electric_cooking,
        fridge_kw=cfg.fridge_compressor_kw * spread(8, 0.2),
        fridge_tau_min=270.0 * spread(9, 0.15),
        fridge_cool_c_per_min=0.16 * spread(10, 0.1),
        tank_l=cfg.water_tank_litres * spread(11, 0.2),
        tank_ua_w_per_k=1.6 * spread(12, 0.2),
        tank_setpoint_c=cfg.water_setpoint_c + 2.0 * (2.0 * u[:, 13] - 1.0),
        h_kw_per_k=h,
        c_kwh_per_k=h * cfg.building_time_constant_h * spread(17, 0.2),
        heater_kw=cfg.heating_kw_per_m2 * area,
        ac_kw=cfg.ac_kw_per_m2 * area,
        washer_scale=spread(18, 0.15),
        dishwasher_scale=spread(19, 0.15),
        pv_size=spread(20, 0.25),
        pv_orientation=0.75 + 0.3 * u[:, 21],
    )


def _erfinv(x: np.ndarray) -> np.ndarray:
    from scipy.special import erfinv

    return erfinv(np.clip(x, -0.999, 0.999))
