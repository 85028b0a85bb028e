"""Configuration of the appliance-level household load model.

:class:`HouseholdConfig` is a flat dataclass (int/float/str/bool fields with
defaults, units in the names) so that it can be used directly as a Hydra
structured config. Fields typed ``Optional`` default to ``None``: they take the
value of the regional preset ``region`` for the simulated season
(:mod:`grid_model.households.regions`; ``uk_ieee`` holds the values the model
was first calibrated with against the IEEE European LV feeder); an explicit
value wins. See ``docs/households.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Optional

from scenarios.errors import InputError

#: Socket classes in column order of the ``allow`` array (DOMAIN.md, DR/DLM).
SOCKET_CLASSES: tuple[str, ...] = ("RED", "YELLOW", "GREEN")
RED, YELLOW, GREEN = 0, 1, 2
#: YELLOW circuits a local controller can switch one by one (columns of ``yellow_allow``):
#: room heating/air conditioning, fridge, kettle, microwave.
YELLOW_DEVICES: tuple[str, ...] = ("hvac", "fridge", "kettle", "microwave")

#: Representative day of year of each season (mid-month of its middle month).
SEASON_DAY_OF_YEAR: dict[str, int] = {"winter": 15, "spring": 105, "summer": 196, "autumn": 288}
#: Day types with their own occupancy routine.
DAY_TYPES: tuple[str, ...] = ("weekday", "weekend")


def season_of(day_of_year: int) -> str:
    """Meteorological season of a day of the year (Dec-Feb winter, Mar-May spring, ...)."""
    month = min(int((day_of_year - 1) / 30.5), 11)
    return ("winter", "winter", "spring", "spring", "spring", "summer", "summer", "summer",
            "autumn", "autumn", "autumn", "winter")[month]


@dataclass
class HouseholdConfig:
    """Appliance ownership, ratings and thermostat settings of a fleet of homes.

    Attributes:
        region: Regional preset filling the ``None`` fields: ``ro_md``,
            ``ru`` or ``uk_ieee``.
        day_type: ``weekday`` or ``weekend`` (occupancy routine).
        season: ``winter``, ``spring``, ``summer`` or ``autumn``; picks the day
            of year when ``day_of_year`` is 0.
        day_of_year: 1..366, overrides ``season`` when non-zero.
        share_electric_water_heater: Fraction of homes with an electric hot-water tank.
        share_electric_space_heating: Fraction of homes heated by resistive heaters.
        share_ac: Fraction of homes with an air conditioner.
        share_ev: Fraction of homes with an electric car charged at home.
        share_pv: Fraction of homes with rooftop PV.
        share_washing_machine: Fraction of homes with a washing machine.
        share_dishwasher: Fraction of homes with a dishwasher.
        share_electric_cooking: Fraction of homes with an electric hob/oven
            (the others cook on gas).
        standby_kw: Mean always-on electronics/standby load per home.
        electronics_kw_per_active_occupant: Extra electronics (TV, computer) per
            active occupant.
        lighting_kw_per_active_occupant: Lighting of one active occupant in the dark.
        lighting_irradiance_threshold_w_m2: Outdoor irradiance under which the
            lights are needed (CREST uses a mean of 60 W/m²).
        kettle_kw: Kettle rating.
        kettle_uses_per_person_day: Kettle boils per occupant per day.
        microwave_kw: Microwave input power.
        microwave_uses_per_home_day: Microwave uses per home per day.
        cooking_kw: Mean electric hob/oven power while cooking.
        cooking_events_per_home_day: Hob/oven meals per home per day.
        small_appliance_kw: Power of irons, vacuum cleaners and hair dryers.
        small_appliance_uses_per_home_day: Their uses (15 min each) per home per day.
        washing_cycles_per_person_day: Washing-machine cycles per occupant per day.
        dishwasher_cycles_per_person_day: Dishwasher cycles per occupant per day.
        fridge_compressor_kw: Fridge compressor input power.
        fridge_setpoint_c: Fridge thermostat setpoint (middle of the deadband).
        fridge_deadband_c: Fridge thermostat deadband width.
        fridge_comfort_min_c: Lowest acceptable cabinet temperature.
        fridge_comfort_max_c: Highest acceptable cabinet temperature.
        water_heater_kw: Immersion element rating.
        water_tank_litres: Hot-water tank volume.
        water_setpoint_c: Tank thermostat cut-out temperature.
        water_deadband_c: Tank thermostat deadband (cut-in = setpoint − deadband).
        water_comfort_min_c: Lowest acceptable tank temperature.
        hot_water_litres_per_person_day: Hot water drawn per occupant per day.
        cold_water_c: Mains cold-water temperature.
        heating_kw_per_m2: Installed electric heater rating per m² floor area.
        heating_setpoint_c: Room thermostat setpoint while occupants are up.
        heating_night_setback_c: Setpoint reduction from 23:00 to 06:00.
        cooling_setpoint_c: Air-conditioner setpoint.
        thermostat_deadband_c: Room thermostat deadband width.
        comfort_band_c: Allowed room-temperature deviation outside the deadband.
        heat_loss_w_per_k_m2: Building heat-loss coefficient per m² floor area.
        building_time_constant_h: RC time constant of the building.
        ac_kw_per_m2: Air-conditioner electrical input per m² floor area.
        ac_cop: Air-conditioner coefficient of performance.
        ev_charger_kw: EV charger power.
        ev_energy_mean_kwh: Mean energy an EV needs per day.
        ev_arrival_mean_h: Mean arrival hour of the EV.
        ev_dwell_mean_h: Mean time the EV stays plugged in.
        pv_kwp: Rated power of a rooftop PV system.
        pv_performance_ratio: System losses factor (inverter, soiling, heat).
        indoor_temp_c: Kitchen temperature around the fridge and tank.
        breaker_a: Rating of the flat's main breaker per phase, A (0: no
            limit). Deferrable GREEN loads that would trip it wait.
        ev_single_phase_max_kw: Largest EV charger installed on a
            single-phase connection (0: no limit); three-phase homes charge
            at ``ev_charger_kw`` spread over their three phases.
    """

    region: str = "ro_md"
    day_type: str = "weekday"
    season: str = "winter"
    day_of_year: int = 0
    share_electric_water_heater: Optional[float] = None
    share_electric_space_heating: Optional[float] = None
    share_ac: Optional[float] = None
    share_ev: float = 0.0
    share_pv: float = 0.0
    share_washing_machine: Optional[float] = None
    share_dishwasher: Optional[float] = None
    share_electric_cooking: Optional[float] = None
    standby_kw: Optional[float] = None
    electronics_kw_per_active_occupant: Optional[float] = None
    lighting_kw_per_active_occupant: Optional[float] = None
    lighting_irradiance_threshold_w_m2: float = 60.0
    kettle_kw: Optional[float] = None
    kettle_uses_per_person_day: Optional[float] = None
    microwave_kw: Optional[float] = None
    microwave_uses_per_home_day: Optional[float] = None
    cooking_kw: Optional[float] = None
    cooking_events_per_home_day: Optional[float] = None
    small_appliance_kw: Optional[float] = None
    small_appliance_uses_per_home_day: Optional[float] = None
    washing_cycles_per_person_day: Optional[float] = None
    dishwasher_cycles_per_person_day: Optional[float] = None
    fridge_compressor_kw: Optional[float] = None
    fridge_setpoint_c: float = 4.0
    fridge_deadband_c: float = 2.0
    fridge_comfort_min_c: float = 1.0
    fridge_comfort_max_c: float = 8.0
    water_heater_kw: Optional[float] = None
    water_tank_litres: Optional[float] = None
    water_setpoint_c: float = 60.0
    water_deadband_c: float = 6.0
    water_comfort_min_c: float = 40.0
    hot_water_litres_per_person_day: Optional[float] = None
    cold_water_c: Optional[float] = None
    heating_kw_per_m2: float = 0.05
    heating_setpoint_c: float = 20.0
    heating_night_setback_c: float = 3.0
    cooling_setpoint_c: float = 24.0
    thermostat_deadband_c: float = 1.0
    comfort_band_c: float = 1.5
    heat_loss_w_per_k_m2: float = 1.6
    building_time_constant_h: float = 10.0
    ac_kw_per_m2: float = 0.02
    ac_cop: float = 3.0
    ev_charger_kw: float = 7.4
    ev_energy_mean_kwh: float = 9.0
    ev_arrival_mean_h: float = 18.0
    ev_dwell_mean_h: float = 13.0
    pv_kwp: float = 4.0
    pv_performance_ratio: float = 0.8
    indoor_temp_c: Optional[float] = None
    breaker_a: Optional[float] = None
    ev_single_phase_max_kw: Optional[float] = None

    def resolved_day_of_year(self) -> int:
        """Returns ``day_of_year`` if set, else the season's representative day."""
        if self.day_of_year:
            return int(self.day_of_year)
        return SEASON_DAY_OF_YEAR[self.season]

    def resolved_season(self) -> str:
        """The season the preset values are taken for (from ``day_of_year`` when set)."""
        return season_of(self.day_of_year) if self.day_of_year else self.season

    def resolved(self) -> HouseholdConfig:
        """A copy with every ``None`` field taken from the regional preset."""
        from grid_model.households.regions import resolve

        if self.season not in SEASON_DAY_OF_YEAR:
            raise InputError(f"households.season: '{self.season}' is not one of {sorted(SEASON_DAY_OF_YEAR)}")
        if not 0 <= self.day_of_year <= 366:
            raise InputError(f"households.day_of_year: {self.day_of_year} is outside 0..366")
        out = resolve(replace(self, season=self.resolved_season()), self.region)
        return replace(out, season=self.season)

    def validate(self) -> None:
        """Checks ranges (of the resolved config: call :meth:`resolved` first).

        Raises:
            InputError: Naming the first bad key and its value.
        """
        if self.day_type not in DAY_TYPES:
            raise InputError(f"households.day_type: '{self.day_type}' is not one of {list(DAY_TYPES)}")
        if self.season not in SEASON_DAY_OF_YEAR:
            raise InputError(f"households.season: '{self.season}' is not one of {sorted(SEASON_DAY_OF_YEAR)}")
        if not 0 <= self.day_of_year <= 366:
            raise InputError(f"households.day_of_year: {self.day_of_year} is outside 0..366")
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                raise InputError(f"households.{f.name}: not set (resolve the regional preset first)")
            if f.name.startswith("share_") and not 0.0 <= value <= 1.0:
                raise InputError(f"households.{f.name}: {value} is outside 0..1")
            if isinstance(value, float) and f.name.endswith(("_kw", "_kwh", "_litres", "_h", "_kwp", "_day", "_a")) and value < 0:
                raise InputError(f"households.{f.name}: {value} must not be negative")
        if self.fridge_comfort_min_c >= self.fridge_setpoint_c - self.fridge_deadband_c / 2:
            raise InputError("households.fridge_comfort_min_c: must lie below the thermostat deadband")
        if self.fridge_comfort_max_c <= self.fridge_setpoint_c + self.fridge_deadband_c / 2:
            raise InputError("households.fridge_comfort_max_c: must lie above the thermostat deadband")
        if self.water_comfort_min_c >= self.water_setpoint_c - self.water_deadband_c:
            raise InputError("households.water_comfort_min_c: must lie below the tank cut-in temperature")
        if self.building_time_constant_h <= 0 or self.water_tank_litres <= 0 or self.ac_cop <= 0:
            raise InputError("households: building_time_constant_h, water_tank_litres and ac_cop must be positive")
        if not 0.0 < self.pv_performance_ratio <= 1.0:
            raise InputError(f"households.pv_performance_ratio: {self.pv_performance_ratio} is outside (0, 1]")
