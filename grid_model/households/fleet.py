"""The steppable household fleet and the batch simulation built on it.

:class:`HouseholdFleet` precomputes everything control cannot change (occupancy,
event appliances, hot-water draws, cycle requests, EV sessions, PV) and steps
the controllable state minute by minute: fridges, rooms and tanks (thermal
models), the washing-machine/dishwasher queues and EV charging. ``step`` takes
which socket classes are powered in each home; :func:`simulate_households` is
the same loop with everything powered.
"""

from __future__ import annotations

import numpy as np

from grid_model.households import streams as st
from grid_model.households.appliances import build_schedules
from grid_model.households.config import GREEN, SOCKET_CLASSES, YELLOW, YELLOW_DEVICES, HouseholdConfig
from grid_model.households.cycles import DISHWASHER_P_KW, DISHWASHER_Q_KVAR, WASHING_P_KW, WASHING_Q_KVAR, CycleBank
from grid_model.households.ev import EVBank
from grid_model.households.homes import draw_homes
from grid_model.households.occupancy import ACTIVE_PROFILE, ACTIVE_PROFILE_WEEKEND, MAX_OCCUPANTS, active_occupancy
from grid_model.households.pv import pv_power_kw
from grid_model.households.shared import parse_shared, shared_power_kw
from grid_model.households.thermal import SOLAR_APERTURE_M2_PER_M2, Fridge, Room, WaterTank
from grid_model.load_result import LoadResult
from grid_model.weather import Weather
from scenarios.errors import InputError
from scenarios.site import Consumer

#: Power factor of each appliance (motors 0.8-0.9, resistive 1.0, electronics 0.9).
POWER_FACTOR = {"lighting": 0.95, "electronics": 0.9, "cooking": 1.0, "small_appliances": 1.0, "kettle": 1.0,
                "microwave": 0.9,
                "fridge": 0.85, "space_heating": 1.0, "ac": 0.85, "water_heater": 1.0, "shared": 0.85}
#: Socket class of each appliance (DOMAIN.md, DR/DLM section).
APPLIANCE_CLASS = {"lighting": "RED", "electronics": "RED", "cooking": "RED", "small_appliances": "RED", "kettle": "YELLOW",
                   "microwave": "YELLOW", "fridge": "YELLOW", "space_heating": "YELLOW", "ac": "YELLOW",
                   "water_heater": "GREEN", "washing_machine": "GREEN", "dishwasher": "GREEN", "ev": "GREEN",
                   "shared": "RED"}
#: Heat each active occupant gives off, kW.
PERSON_GAIN_KW = 0.1
#: Phase-to-neutral voltage the breaker limit is converted to power with, V.
BREAKER_VOLTAGE_V = 230.0
#: Room-temperature comfort is not judged while the heating warms up after the night setback.
WARMUP_WINDOW_MIN = (360, 480)
_TAN = {k: float(np.tan(np.arccos(v))) for k, v in POWER_FACTOR.items()}


class HouseholdFleet:
    """Appliance-level stochastic loads of many homes, stepped one minute at a time.

    Args:
        consumers: The homes (``occupants`` and ``floor_area_m2`` are used).
        cfg: Appliance ownership, ratings and thermostats.
        weather: Outdoor temperature and irradiance, at least ``minutes`` long.
        seed: Fleet seed; per-home streams derive from it and the consumer id.
        minutes: Horizon in 1-minute steps.
        record_appliances: Also keep per-appliance power series.

    Attributes:
        minute: Next minute to step.
        fridge, tank, room: Thermal models (``temp_c`` holds the state).
        deferred_kwh: GREEN cycle and EV energy postponed by GREEN-off minutes (n,).
        deferrable_served_kwh: Washing-machine, dishwasher and EV energy
            drawn so far (n,); with :meth:`pending_kwh` and the EV energy not
            served it is the same whatever the control (energy conservation).
        comfort_violation_min: Device → minutes outside its comfort band (n,).
        yellow_kw: Power of each YELLOW circuit in the last minute stepped,
            (n, 4), columns :data:`YELLOW_DEVICES`.
        yellow_rating_kw: Rated power of each YELLOW circuit (n, 4) (0 where
            the home has no such device).
    """

    def __init__(self, consumers: list[Consumer], cfg: HouseholdConfig, weather: Weather, seed: int,
                 minutes: int = 1440, record_appliances: bool = False) -> None:
        cfg = cfg.resolved()
        cfg.validate()
        if weather.minutes < minutes:
            raise InputError(f"weather ({weather.source}): covers {weather.minutes} minutes, {minutes} needed")
        self.cfg, self.weather, self.minutes = cfg, weather, minutes
        self.consumer_ids = [c.consumer_id for c in consumers]
        n = self.n = len(consumers)
        streams = st.HomeStreams(self.consumer_ids, seed)
        hp = self.homes = draw_homes(consumers, cfg, streams)
        #: Shared equipment of an entrance (lift, lighting, pumps) instead of a home.
        self.shared = np.array([c.kind == "shared" for c in consumers], dtype=bool)
        if self.shared.any():
            _no_home(hp, self.shared)
        occ_u = streams.rows(st.OCCUPANCY, lambda r: r.random((MAX_OCCUPANTS, minutes + 1), dtype=np.float32))
        profile = ACTIVE_PROFILE_WEEKEND if cfg.day_type == "weekend" else ACTIVE_PROFILE
        self.active = active_occupancy(hp.occupants, hp.routine_shift_min, occ_u.reshape(n, MAX_OCCUPANTS, -1), profile)
        del occ_u
        irr = weather.irradiance_w_m2[:minutes]
        self.events = build_schedules(streams, cfg, hp.occupants, self.active, irr, hp.has_washer, hp.has_dishwasher,
                                      hp.has_electric_cooking)
        ev = self.events
        ev.electronics_kw[self.shared] = 0.0
        self.shared_kw = np.zeros((n, minutes), dtype=np.float32)
        for i in np.flatnonzero(self.shared):
            floors, flats = parse_shared(consumers[i].profile, consumers[i].consumer_id)
            u = streams.rng(int(i), st.SHARED).random(minutes)
            self.shared_kw[i] = shared_power_kw(floors, flats, u, weather.temp_c[:minutes], weather.irradiance_w_m2[:minutes])
        self.red_p = ev.lighting_kw + ev.electronics_kw + ev.cooking_kw + ev.small_appliance_kw + self.shared_kw
        self.red_q = (ev.lighting_kw * _TAN["lighting"] + ev.electronics_kw * _TAN["electronics"]
                      + self.shared_kw * _TAN["shared"])
        self.pv_kw = pv_power_kw(cfg, hp.has_pv, hp.pv_size, hp.pv_orientation, irr)
        init = streams.rows(st.THERMAL_INIT, lambda r: r.random(4)).reshape(n, 4)
        fr_low = cfg.fridge_setpoint_c - cfg.fridge_deadband_c / 2
        self.fridge = Fridge(hp.fridge_kw, hp.fridge_tau_min, hp.fridge_cool_c_per_min, cfg.fridge_setpoint_c,
                             cfg.fridge_deadband_c, cfg.indoor_temp_c, fr_low + cfg.fridge_deadband_c * init[:, 0],
                             init[:, 1] < 0.35)
        self.tank = WaterTank(np.where(hp.has_water_heater, cfg.water_heater_kw, 0.0), hp.tank_l, hp.tank_ua_w_per_k,
                              hp.tank_setpoint_c, cfg.water_deadband_c, cfg.cold_water_c, cfg.indoor_temp_c,
                              hp.tank_setpoint_c - cfg.water_deadband_c * init[:, 2])
        # Heating timers follow each home's routine (rounded to 15 min), so setbacks do not all end at 06:00.
        self._timer_shift_min = (np.round(hp.routine_shift_min / 15.0) * 15).astype(int)
        room0 = np.clip(float(np.mean(weather.temp_c[:minutes])) + 8.0, self._heat_sp(0), cfg.cooling_setpoint_c)
        self.room = Room(hp.h_kw_per_k, hp.c_kwh_per_k, np.where(hp.has_space_heating, hp.heater_kw, 0.0),
                         np.where(hp.has_space_heating, 0.0, 3.0 * hp.heater_kw), np.where(hp.has_ac, hp.ac_kw, 0.0),
                         cfg.ac_cop, SOLAR_APERTURE_M2_PER_M2 * hp.floor_area_m2, cfg.thermostat_deadband_c,
                         room0 + cfg.thermostat_deadband_c * (init[:, 3] - 0.5))
        self.washer = CycleBank(WASHING_P_KW, WASHING_Q_KVAR, hp.washer_scale)
        self.dishwasher = CycleBank(DISHWASHER_P_KW, DISHWASHER_Q_KVAR, hp.dishwasher_scale)
        self.ev = EVBank(streams, cfg, hp.has_ev, minutes)
        phases = np.array([3.0 if c.phase == "ABC" else 1.0 for c in consumers])
        if cfg.ev_single_phase_max_kw:
            # Installers put large chargers on three phases; single-phase ones stay small (16 A).
            self.ev.kw = np.where(phases == 1.0, np.minimum(self.ev.kw, cfg.ev_single_phase_max_kw), self.ev.kw)
        #: Largest power each home may draw before its breaker trips, kW (inf: no limit).
        self.breaker_kw = (np.full(n, np.inf) if not cfg.breaker_a
                           else cfg.breaker_a * BREAKER_VOLTAGE_V * phases / 1000.0)
        self._green_peak_kw = (self.tank.kw, WASHING_P_KW.max() * hp.washer_scale,
                               DISHWASHER_P_KW.max() * hp.dishwasher_scale, self.ev.kw)
        self.minute = 0
        self._lost_kwh = np.zeros(n)
        self.deferred_kwh = np.zeros(n)
        self.deferrable_served_kwh = np.zeros(n)
        self.comfort_violation_min = {k: np.zeros(n, dtype=int) for k in ("fridge", "water_heater", "room")}
        self.p_kw, self.q_kvar = np.zeros((n, minutes)), np.zeros((n, minutes))
        self.p_kw_by_class = {c: np.zeros((n, minutes)) for c in SOCKET_CLASSES}
        self.p_kw_by_appliance = {a: np.zeros((n, minutes)) for a in APPLIANCE_CLASS} if record_appliances else {}
        self.yellow_kw = np.zeros((n, len(YELLOW_DEVICES)))
        self.yellow_rating_kw = np.stack([self.room.heater_kw + self.room.ac_kw, hp.fridge_kw,
                                          np.full(n, cfg.kettle_kw), np.full(n, cfg.microwave_kw)], axis=1)

    def _heat_sp(self, minute: int) -> np.ndarray:
        """Heating setpoint of every home: the night setback follows the home's routine shift."""
        m = (minute - self._timer_shift_min) % 1440
        night = (m < 360) | (m >= 1380)
        return self.cfg.heating_setpoint_c - np.where(night, self.cfg.heating_night_setback_c, 0.0)

    def step(self, minute: int, allow: np.ndarray | None = None,
             yellow_allow: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Advances the fleet by one minute.

        Args:
            minute: Must equal :attr:`minute` (steps run in order from 0).
            allow: (n, 3) bool, columns RED, YELLOW, GREEN: which socket classes
                are powered this minute; ``None`` powers all. RED is always
                powered whatever its column says.
            yellow_allow: Optional (n, 4) bool, columns :data:`YELLOW_DEVICES`:
                switches single YELLOW circuits off (a circuit runs when both
                its class column and its own column allow it).

        Returns:
            (p_kw, q_kvar) of every home this minute, shape (n,).
        """
        if minute != self.minute or minute >= self.minutes:
            raise ValueError(f"HouseholdFleet.step: expected minute {self.minute} (< {self.minutes}), got {minute}")
        n, t, cfg = self.n, minute, self.cfg
        if allow is None:
            yellow = green = np.ones(n, dtype=bool)
        else:
            allow = np.asarray(allow, dtype=bool)
            if allow.shape != (n, 3):
                raise ValueError(f"HouseholdFleet.step: allow has shape {allow.shape}, expected ({n}, 3)")
            yellow, green = allow[:, YELLOW], allow[:, GREEN]
        if yellow_allow is None:
            y_hvac = y_fridge = y_kettle = y_micro = yellow
        else:
            yellow_allow = np.asarray(yellow_allow, dtype=bool)
            if yellow_allow.shape != (n, len(YELLOW_DEVICES)):
                raise ValueError(f"HouseholdFleet.step: yellow_allow has shape {yellow_allow.shape}, "
                                 f"expected ({n}, {len(YELLOW_DEVICES)})")
            y_hvac, y_fridge, y_kettle, y_micro = (yellow & yellow_allow[:, k] for k in range(len(YELLOW_DEVICES)))
        ev = self.events
        kettle = ev.kettle_kw[:, t] * y_kettle
        micro = ev.microwave_kw[:, t] * y_micro
        self._lost_kwh += (ev.kettle_kw[:, t] * ~y_kettle + ev.microwave_kw[:, t] * ~y_micro) / 60.0
        fridge = self.fridge.step(y_fridge)
        gains = self.red_p[:, t] + PERSON_GAIN_KW * self.active[:, t]
        heat_sp = self._heat_sp(t)
        heater, ac = self.room.step(y_hvac, heat_sp, cfg.cooling_setpoint_c, float(self.weather.temp_c[t]),
                                    float(self.weather.irradiance_w_m2[t]), gains)
        self.yellow_kw[:, 0], self.yellow_kw[:, 1], self.yellow_kw[:, 2], self.yellow_kw[:, 3] = (
            heater + ac, fridge, kettle, micro)
        # Breaker limit: a deferrable load waits while starting it would trip the flat's breaker.
        room = self.breaker_kw - (self.red_p[:, t] + kettle + micro + fridge + heater + ac)
        tank = self.tank.step(green & (self._green_peak_kw[0] <= room), ev.hot_water_l_per_min[:, t])
        room = room - tank
        wp, wq, wd = self.washer.step(ev.washing_requests[:, t], green & (self._green_peak_kw[1] <= room))
        room = room - wp
        dp, dq, dd = self.dishwasher.step(ev.dishwasher_requests[:, t], green & (self._green_peak_kw[2] <= room))
        room = room - dp
        ep, eq, ed = self.ev.step(t, green & (self._green_peak_kw[3] <= room))
        self.deferred_kwh += wd + dd + ed
        self.deferrable_served_kwh += (wp + dp + ep) / 60.0
        self._count_comfort(t, heat_sp)
        y_p = kettle + micro + fridge + heater + ac
        g_p = tank + wp + dp + ep
        p = self.red_p[:, t] + y_p + g_p - self.pv_kw[:, t]
        q = (self.red_q[:, t] + micro * _TAN["microwave"] + fridge * _TAN["fridge"] + ac * _TAN["ac"]
             + wq + dq + eq)
        self.p_kw[:, t], self.q_kvar[:, t] = p, q
        for cls, val in (("RED", self.red_p[:, t]), ("YELLOW", y_p), ("GREEN", g_p)):
            self.p_kw_by_class[cls][:, t] = val
        if self.p_kw_by_appliance:
            parts = {"lighting": ev.lighting_kw[:, t], "electronics": ev.electronics_kw[:, t],
                     "cooking": ev.cooking_kw[:, t], "small_appliances": ev.small_appliance_kw[:, t], "kettle": kettle, "microwave": micro, "fridge": fridge,
                     "space_heating": heater, "ac": ac, "water_heater": tank, "washing_machine": wp,
                     "dishwasher": dp, "ev": ep, "shared": self.shared_kw[:, t]}
            for name, val in parts.items():
                self.p_kw_by_appliance[name][:, t] = val
        self.minute += 1
        return p, q

    def _count_comfort(self, t: int, heat_sp: np.ndarray) -> None:
        cfg, hp = self.cfg, self.homes
        f = self.fridge.temp_c
        self.comfort_violation_min["fridge"] += (f > cfg.fridge_comfort_max_c) | (f < cfg.fridge_comfort_min_c)
        self.comfort_violation_min["water_heater"] += hp.has_water_heater & (self.tank.temp_c < cfg.water_comfort_min_c)
        band = cfg.thermostat_deadband_c / 2 + cfg.comfort_band_c
        local = (t - self._timer_shift_min) % 1440
        warmup = (WARMUP_WINDOW_MIN[0] <= local) & (local < WARMUP_WINDOW_MIN[1])
        cold = hp.has_space_heating & (self.room.temp_c < heat_sp - band) & ~warmup
        hot = hp.has_ac & (self.room.temp_c > cfg.cooling_setpoint_c + band)
        self.comfort_violation_min["room"] += cold | hot

    def pending_kwh(self) -> np.ndarray:
        """GREEN cycle and EV energy still waiting at the current minute, kWh (n,)."""
        return self.washer.pending_kwh() + self.dishwasher.pending_kwh() + self.ev.pending_kwh(self.minute)

    @property
    def energy_not_served_kwh(self) -> np.ndarray:
        """Kettle/microwave energy lost to YELLOW-off minutes plus EV energy missing at departure, kWh (n,)."""
        return self._lost_kwh + self.ev.unserved_kwh

    def result(self) -> LoadResult:
        """Returns the minutes stepped so far as a :class:`LoadResult`."""
        t = self.minute
        return LoadResult(
            consumer_ids=list(self.consumer_ids), p_kw=self.p_kw[:, :t].copy(), q_kvar=self.q_kvar[:, :t].copy(),
            p_kw_by_class={c: a[:, :t].copy() for c, a in self.p_kw_by_class.items()},
            pv_kw=self.pv_kw[:, :t].copy() if self.homes.has_pv.any() else None,
            p_kw_by_appliance={a: v[:, :t].copy() for a, v in self.p_kw_by_appliance.items()})


def _no_home(hp, shared: np.ndarray) -> None:
    """Removes every home appliance from the shared-equipment rows."""
    hp.occupants[shared] = 0
    for name in ("has_water_heater", "has_space_heating", "has_ac", "has_ev", "has_pv", "has_washer",
                 "has_dishwasher", "has_electric_cooking"):
        getattr(hp, name)[shared] = False
    hp.fridge_kw[shared] = 0.0


def simulate_households(consumers: list[Consumer], cfg: HouseholdConfig, weather: Weather, seed: int,
                        minutes: int = 1440, record_appliances: bool = False) -> LoadResult:
    """Simulates the fleet without control (every socket powered) over the horizon.

    Args:
        consumers: The homes.
        cfg: Household configuration.
        weather: Weather series (at least ``minutes`` long).
        seed: Fleet seed.
        minutes: Horizon in minutes.
        record_appliances: Include the per-appliance breakdown.
    """
    fleet = HouseholdFleet(consumers, cfg, weather, seed, minutes, record_appliances)
    for t in range(minutes):
        fleet.step(t)
    return fleet.result()
