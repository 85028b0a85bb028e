"""Regional presets of the household model: appliance stock, routines and climate.

``loads.region`` picks one preset; every :class:`~.config.HouseholdConfig` field
left at ``None`` (and every climate field of
:class:`~grid_model.weather.WeatherConfig` left at ``None``) takes the preset's
value for the simulated season, and explicit values win. Presets:

* ``ro_md`` (default, the project's market): flats in Romanian and Moldovan
  blocks, 47° N (Chișinău; Bucharest is at 44.4° N), January −2 °C, July
  22 °C. District heating or gas for space heating, gas stoves in most flats
  (25 % cook electrically), LED-era lighting, 1.5-2 kW electric water heaters
  of 50-80 l in the flats without central hot water, low dishwasher ownership,
  some air conditioners. Calibrated on national statistics and checked against
  the Russian design code's diversity curve (``docs/households.md``).
* ``ru``: Russian panel-block flats (Moscow climate, 55.75° N, January
  −6.5 °C, July 19 °C), central hot water (few water heaters), gas stoves.
* ``uk_ieee``: the UK stock the model was first calibrated with against the
  IEEE European LV feeder (Met Office climate at 51.5° N); it reproduces the
  earlier defaults exactly.

A value is a number or a mapping season → number (``winter``, ``spring``,
``summer``, ``autumn``) for quantities that follow the season (cold mains
water, time spent at home with the TV and lights, kettle use).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Union

from scenarios.errors import InputError

Value = Union[float, dict[str, float]]

#: The earlier defaults (UK stock, IEEE feeder calibration).
_UK: dict[str, Value] = {
    "share_electric_water_heater": 0.15, "share_electric_space_heating": 0.0, "share_ac": 0.0,
    "share_washing_machine": 0.95, "share_dishwasher": 0.45, "share_electric_cooking": 1.0,
    "standby_kw": 0.07, "electronics_kw_per_active_occupant": 0.07, "lighting_kw_per_active_occupant": 0.12,
    "kettle_kw": 2.8, "kettle_uses_per_person_day": 1.8, "microwave_kw": 1.2, "microwave_uses_per_home_day": 0.8,
    "cooking_kw": 1.3, "cooking_events_per_home_day": 1.0, "washing_cycles_per_person_day": 0.2,
    "dishwasher_cycles_per_person_day": 0.2, "fridge_compressor_kw": 0.12, "water_heater_kw": 3.0,
    "water_tank_litres": 150.0, "hot_water_litres_per_person_day": 35.0, "cold_water_c": 10.0,
    "indoor_temp_c": 20.0, "small_appliance_kw": 0.0, "small_appliance_uses_per_home_day": 0.0,
    "breaker_a": 0.0, "ev_single_phase_max_kw": 0.0,
}

#: Romanian / Moldovan flats (see docs/households.md for the sources of each figure).
_RO_MD: dict[str, Value] = {
    "share_electric_water_heater": 0.3, "share_electric_space_heating": 0.0, "share_ac": 0.04,
    "share_washing_machine": 0.9, "share_dishwasher": 0.1, "share_electric_cooking": 0.25,
    "standby_kw": 0.02,
    "electronics_kw_per_active_occupant": {"winter": 0.035, "spring": 0.026, "summer": 0.018, "autumn": 0.03},
    "lighting_kw_per_active_occupant": 0.045,
    "kettle_kw": 2.0, "kettle_uses_per_person_day": {"winter": 0.9, "spring": 0.7, "summer": 0.5, "autumn": 0.7},
    "microwave_kw": 1.1, "microwave_uses_per_home_day": 0.5,
    "cooking_kw": 1.8, "cooking_events_per_home_day": {"winter": 1.2, "spring": 1.1, "summer": 0.9, "autumn": 1.1},
    "washing_cycles_per_person_day": {"winter": 0.15, "spring": 0.14, "summer": 0.12, "autumn": 0.14},
    "dishwasher_cycles_per_person_day": 0.15, "fridge_compressor_kw": 0.11, "water_heater_kw": 1.8,
    "water_tank_litres": 65.0,
    "hot_water_litres_per_person_day": {"winter": 25.0, "spring": 19.0, "summer": 13.0, "autumn": 19.0},
    "cold_water_c": {"winter": 5.0, "spring": 10.0, "summer": 18.0, "autumn": 12.0},
    "indoor_temp_c": 21.0, "small_appliance_kw": 1.8,
    "small_appliance_uses_per_home_day": {"winter": 0.6, "spring": 0.5, "summer": 0.4, "autumn": 0.5},
    "breaker_a": 32.0, "ev_single_phase_max_kw": 3.7,
}

#: Russian panel-block flats: central hot water, gas stoves, 25 A flat breakers.
_RU: dict[str, Value] = dict(_RO_MD, **{
    "share_electric_water_heater": 0.08, "share_ac": 0.1, "share_electric_cooking": 0.3,
    "share_dishwasher": 0.1, "cold_water_c": {"winter": 4.0, "spring": 8.0, "summer": 15.0, "autumn": 10.0},
    "breaker_a": 25.0,
})

#: Household presets by region name.
HOUSEHOLD_PRESETS: dict[str, dict[str, Value]] = {"ro_md": _RO_MD, "ru": _RU, "uk_ieee": _UK}

#: Climate of each region: latitude, monthly mean temperatures of January and
#: July, mean daily temperature range in January and July.
CLIMATE_PRESETS: dict[str, dict[str, float]] = {
    # Met Office 1991-2020 rounded (the earlier generator: 5 / 18 °C, range 5 / 11 K).
    "uk_ieee": {"latitude_deg": 51.5, "january_mean_c": 5.0, "july_mean_c": 18.0,
                "january_range_c": 5.0, "july_range_c": 11.0},
    # Chișinău normals (WMO 1991-2020): January about −2 °C, July about 22 °C.
    "ro_md": {"latitude_deg": 47.0, "january_mean_c": -2.0, "july_mean_c": 22.0,
              "january_range_c": 6.0, "july_range_c": 11.0},
    # Moscow normals (WMO 1991-2020): January about −6.5 °C, July about 19 °C.
    "ru": {"latitude_deg": 55.75, "january_mean_c": -6.5, "july_mean_c": 19.0,
           "january_range_c": 5.0, "july_range_c": 9.0},
}

#: Region used when none is given.
DEFAULT_REGION = "ro_md"


def check_region(region: str, key: str = "loads.region") -> str:
    """Returns ``region`` if it is a known preset.

    Raises:
        InputError: Naming ``key`` and the allowed values.
    """
    if region not in HOUSEHOLD_PRESETS:
        raise InputError(f"{key}: '{region}' is not one of {', '.join(sorted(HOUSEHOLD_PRESETS))}")
    return region


def preset_value(region: str, name: str, season: str) -> float:
    """The preset's value of field ``name`` for ``season``."""
    value = HOUSEHOLD_PRESETS[check_region(region)][name]
    if isinstance(value, dict):
        return float(value[season])
    return float(value)


def resolve(cfg, region: str | None = None):
    """Fills every ``None`` field of a household or weather config from a preset.

    Args:
        cfg: A :class:`~.config.HouseholdConfig` or
            :class:`~grid_model.weather.WeatherConfig`.
        region: Preset name; ``None``: the config's own ``region``.

    Returns:
        A copy with no ``None`` preset field left.
    """
    region = check_region(region or cfg.region)
    names = {f.name for f in fields(cfg)}
    if "season" in names:
        season = cfg.season
        preset = HOUSEHOLD_PRESETS[region]
        values = {k: preset_value(region, k, season) for k in preset if k in names and getattr(cfg, k) is None}
    else:
        climate = CLIMATE_PRESETS[region]
        values = {k: v for k, v in climate.items() if k in names and getattr(cfg, k) is None}
    return replace(cfg, region=region, **values)
