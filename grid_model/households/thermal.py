"""Thermostat-controlled appliances with first-order thermal models (vectorised).

All three models integrate with an explicit 1-minute Euler step and a
hysteresis thermostat: the heater/compressor switches on when the temperature
leaves the deadband on the "needs energy" side and off when it crosses the
other edge. A blocked socket forces the device off; the temperature drifts and
the thermostat catches up once power is back (rebound: every blocked device
restarts at once and runs longer).

* :class:`Fridge`: cabinet temperature relaxes towards the kitchen temperature
  with time constant ``tau`` (about 4.5 h) and falls at ``cool_rate`` while the
  compressor runs. Values give a ~35 % duty cycle and ~1 kWh/day, typical of a
  fridge-freezer (EU energy label class A+, ~250-300 kWh/year).
* :class:`WaterTank`: a fully mixed tank (one node): draws replace hot water by
  cold mains water, standing losses ``UA (T − T_room)`` with UA ≈ 1.6 W/K
  (about 1.5-2 kWh/day standing loss of a 150 l cylinder, BS EN 12897 range).
* :class:`Room`: one-node RC building, ``C dT/dt = (T_out − T)/R + Q_heat +
  Q_gains``, with ``1/R = H`` (W/K) proportional to floor area and ``RC`` the
  building time constant; resistive heaters (pf 1) and an air conditioner
  (electric input = heat removed / COP, pf 0.85).
"""

from __future__ import annotations

import numpy as np

WATER_KJ_PER_L_K = 4.186
#: Effective solar aperture per m² of floor area (glazing × transmittance).
SOLAR_APERTURE_M2_PER_M2 = 0.04


class Fridge:
    """Fridge compressors of every home.

    Args:
        kw: Compressor power (n,).
        tau_min: Cabinet time constant (n,), minutes.
        cool_rate_c_per_min: Cooling rate while running (n,).
        setpoint_c, deadband_c: Thermostat.
        ambient_c: Kitchen temperature.
        temp_c: Initial cabinet temperature (n,).
        on: Initial compressor state (n,).
    """

    def __init__(self, kw: np.ndarray, tau_min: np.ndarray, cool_rate_c_per_min: np.ndarray, setpoint_c: float,
                 deadband_c: float, ambient_c: float, temp_c: np.ndarray, on: np.ndarray) -> None:
        self.kw, self.tau_min, self.cool_rate = kw, tau_min, cool_rate_c_per_min
        self.low_c, self.high_c = setpoint_c - deadband_c / 2, setpoint_c + deadband_c / 2
        self.ambient_c = ambient_c
        self.temp_c = temp_c.astype(float).copy()
        self.demand = on.astype(bool).copy()

    def step(self, allowed: np.ndarray) -> np.ndarray:
        """Advances one minute; returns compressor power (n,) kW."""
        self.demand = np.where(self.temp_c >= self.high_c, True, np.where(self.temp_c <= self.low_c, False, self.demand))
        on = self.demand & allowed
        self.temp_c += (self.ambient_c - self.temp_c) / self.tau_min - on * self.cool_rate
        return on * self.kw


class WaterTank:
    """Electric hot-water tanks (homes without one have ``kw = 0``).

    Args:
        kw: Element rating (n,).
        volume_l: Tank volume (n,).
        ua_w_per_k: Standing-loss coefficient (n,).
        setpoint_c: Cut-out temperature (n,).
        deadband_c: Cut-in = setpoint − deadband.
        cold_c: Mains water temperature.
        ambient_c: Temperature around the tank.
        temp_c: Initial temperature (n,).
    """

    def __init__(self, kw: np.ndarray, volume_l: np.ndarray, ua_w_per_k: np.ndarray, setpoint_c: np.ndarray,
                 deadband_c: float, cold_c: float, ambient_c: float, temp_c: np.ndarray) -> None:
        self.kw, self.volume_l, self.ua = kw, volume_l, ua_w_per_k
        self.high_c, self.low_c = setpoint_c, setpoint_c - deadband_c
        self.cold_c, self.ambient_c = cold_c, ambient_c
        self.temp_c = temp_c.astype(float).copy()
        self.demand = np.zeros(kw.shape, dtype=bool)

    def step(self, allowed: np.ndarray, draw_l: np.ndarray) -> np.ndarray:
        """Advances one minute with ``draw_l`` litres drawn; returns element power (n,) kW."""
        self.demand = np.where(self.temp_c >= self.high_c, False, np.where(self.temp_c <= self.low_c, True, self.demand))
        on = self.demand & allowed & (self.kw > 0)
        mix = np.minimum(draw_l / self.volume_l, 1.0)
        t = self.temp_c - mix * (self.temp_c - self.cold_c)
        heat_kj = on * self.kw * 60.0 - self.ua * (t - self.ambient_c) * 0.06
        self.temp_c = t + heat_kj / (self.volume_l * WATER_KJ_PER_L_K)
        return on * self.kw


class Room:
    """One-node RC building with resistive heating and an air conditioner.

    Args:
        h_kw_per_k: Heat-loss coefficient (n,).
        c_kwh_per_k: Heat capacity (n,).
        heater_kw: Electric heater rating (n,), 0 without electric heating.
        other_heat_kw: Non-electric heating capacity (n,) (gas boiler etc.),
            not part of the electric load and not controllable.
        ac_kw: Air-conditioner electric input (n,), 0 without AC.
        ac_cop: Coefficient of performance.
        solar_m2: Effective solar aperture (n,).
        deadband_c: Room thermostat deadband.
        temp_c: Initial room temperature (n,).
    """

    def __init__(self, h_kw_per_k: np.ndarray, c_kwh_per_k: np.ndarray, heater_kw: np.ndarray,
                 other_heat_kw: np.ndarray, ac_kw: np.ndarray, ac_cop: float, solar_m2: np.ndarray,
                 deadband_c: float, temp_c: np.ndarray) -> None:
        self.h, self.c = h_kw_per_k, c_kwh_per_k
        self.heater_kw, self.other_kw, self.ac_kw = heater_kw, other_heat_kw, ac_kw
        self.cop, self.solar_m2, self.half_db = ac_cop, solar_m2, deadband_c / 2
        self.temp_c = temp_c.astype(float).copy()
        self.heat_demand = np.zeros(temp_c.shape, dtype=bool)
        self.cool_demand = np.zeros(temp_c.shape, dtype=bool)

    def step(self, allowed: np.ndarray, heat_sp_c: float | np.ndarray, cool_sp_c: float, outdoor_c: float,
             irradiance_w_m2: float, gains_kw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advances one minute.

        Args:
            allowed: YELLOW powered (n,).
            heat_sp_c: Heating setpoint now, one value or one per home (n,).
            cool_sp_c: Cooling setpoint.
            outdoor_c: Outdoor temperature now.
            irradiance_w_m2: Outdoor global irradiance now.
            gains_kw: Internal gains (appliances, people) (n,).

        Returns:
            (heater power, AC power) per home, kW.
        """
        t = self.temp_c
        self.heat_demand = np.where(t <= heat_sp_c - self.half_db, True,
                                    np.where(t >= heat_sp_c + self.half_db, False, self.heat_demand))
        self.cool_demand = np.where(t >= cool_sp_c + self.half_db, True,
                                    np.where(t <= cool_sp_c - self.half_db, False, self.cool_demand))
        heater = self.heat_demand * allowed * self.heater_kw
        other = self.heat_demand * self.other_kw
        ac = self.cool_demand * allowed * self.ac_kw
        q_kw = (self.h * (outdoor_c - t) + heater + other - ac * self.cop + gains_kw
                + self.solar_m2 * irradiance_w_m2 / 1000.0)
        self.temp_c = t + q_kw / (60.0 * self.c)
        return heater, ac
