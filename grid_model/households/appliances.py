"""Schedules of the event-driven appliances, precomputed for the whole horizon.

These appliances do not depend on control decisions, so their demand is drawn
once per fleet as (n_homes, T) arrays:

* RED: lighting (active occupants × darkness), electronics and standby,
  electric hob/oven cooking;
* YELLOW: kettle and microwave (a use that falls in a YELLOW-off minute is
  lost, counted as energy not served);
* hot-water draws (litres per minute) feeding the water-heater tank model;
* start requests of washing machines and dishwashers (the cycles themselves
  run in :mod:`grid_model.households.cycles`).

Start probabilities follow the CREST approach (Richardson et al. 2010, Energy
and Buildings 42(10)): a start is possible only while occupants are active,
with a time-of-day activity weight (:data:`~.occupancy.ACTIVITY_PROFILES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grid_model.households import streams as st
from grid_model.households.config import HouseholdConfig
from grid_model.households.occupancy import ACTIVITY_PROFILES, hourly_to_minutes, start_rate

KETTLE_MIN, MICROWAVE_MIN, SMALL_APPLIANCE_MIN = 3, 5, 15
SHOWER_MIN, SHOWER_L_PER_MIN, TAP_LITRES = 6, 5.0, 4.0
#: Share of daily hot water used in showers (rest at taps).
SHOWER_SHARE = 0.45


@dataclass
class EventSchedules:
    """Precomputed per-minute demand of the event appliances, shape (n, T) each.

    Attributes:
        lighting_kw: Lighting (RED).
        electronics_kw: Electronics and standby (RED).
        cooking_kw: Hob and oven (RED).
        kettle_kw: Kettle (YELLOW).
        microwave_kw: Microwave (YELLOW).
        small_appliance_kw: Iron, vacuum cleaner, hair dryer (RED).
        hot_water_l_per_min: Hot water drawn from the tank.
        washing_requests: Washing-machine cycle requests (0/1).
        dishwasher_requests: Dishwasher cycle requests (0/1).
    """

    lighting_kw: np.ndarray
    electronics_kw: np.ndarray
    cooking_kw: np.ndarray
    kettle_kw: np.ndarray
    microwave_kw: np.ndarray
    small_appliance_kw: np.ndarray
    hot_water_l_per_min: np.ndarray
    washing_requests: np.ndarray
    dishwasher_requests: np.ndarray


def sticky_levels(rng_rows: np.ndarray, p_change: float, sigma: float) -> np.ndarray:
    """Piecewise-constant lognormal multipliers (mean 1) that change at random minutes.

    Args:
        rng_rows: Uniform draws (n, 2, T): change trigger and level quantile.
        p_change: Probability per minute that the level is redrawn.
        sigma: Log-standard deviation of the level.
    """
    from scipy.special import ndtri

    change = rng_rows[:, 0, :] < p_change
    change[:, 0] = True
    t = np.arange(change.shape[1])
    last = np.maximum.accumulate(np.where(change, t, 0), axis=1)
    z = ndtri(np.clip(rng_rows[:, 1, :], 1e-9, 1 - 1e-9))
    levels = np.exp(sigma * z - sigma * sigma / 2.0)
    return np.take_along_axis(levels, last, axis=1)


def running(starts: np.ndarray, duration_min: np.ndarray | int) -> np.ndarray:
    """Number of events running per minute, given start flags and durations.

    Args:
        starts: 0/1 starts (n, T).
        duration_min: Event length per home (n,) or one length for all.
    """
    n, t = starts.shape
    c = np.concatenate([np.zeros((n, 1)), np.cumsum(starts, axis=1)], axis=1)
    d = np.broadcast_to(np.asarray(duration_min, dtype=int), (n,))
    idx = np.arange(1, t + 1)[None, :] - d[:, None]
    ended = np.take_along_axis(c, np.clip(idx, 0, t), axis=1)
    return c[:, 1:] - np.where(idx >= 0, ended, 0.0)


def _starts(streams: st.HomeStreams, component: int, rate: np.ndarray) -> np.ndarray:
    t = rate.shape[1]
    u = streams.rows(component, lambda r: r.random(t, dtype=np.float32))
    return (u < rate).astype(np.int8)


def build_schedules(streams: st.HomeStreams, cfg: HouseholdConfig, occupants: np.ndarray,
                    active: np.ndarray, irradiance_w_m2: np.ndarray, has_washer: np.ndarray,
                    has_dishwasher: np.ndarray, has_electric_cooking: np.ndarray | None = None) -> EventSchedules:
    """Draws the event-appliance schedules of every home.

    Args:
        streams: Per-home random streams.
        cfg: Household configuration.
        occupants: Occupants per home (n,).
        active: Active occupants per home and minute (n, T).
        irradiance_w_m2: Outdoor global irradiance per minute (T,).
        has_washer: Washing-machine ownership (n,).
        has_dishwasher: Dishwasher ownership (n,).
        has_electric_cooking: Electric hob/oven (n,); all homes when ``None``.
    """
    n, t = active.shape
    act = active.astype(float)
    anyone = (active > 0).astype(float)
    people = np.maximum(occupants, 1).astype(float)

    def weights(name: str) -> np.ndarray:
        return hourly_to_minutes(ACTIVITY_PROFILES[name], t)

    # Lighting: needed when outdoor irradiance is below a per-home threshold.
    lrows = streams.rows(st.LIGHTING, lambda r: np.concatenate(
        [r.random((2, t), dtype=np.float32), np.full((2, t), r.normal(1.0, 0.17), dtype=np.float32)]))
    threshold = cfg.lighting_irradiance_threshold_w_m2 * lrows[:, 2, 0]
    dark = irradiance_w_m2[None, :] < threshold[:, None]
    light_share = np.where(dark, 1.0, 0.06)
    lighting = cfg.lighting_kw_per_active_occupant * act ** 0.8 * light_share * sticky_levels(lrows[:, :2], 0.08, 0.35)

    # Electronics: per-home standby plus TV/computer use of active occupants.
    erows = streams.rows(st.ELECTRONICS, lambda r: np.concatenate(
        [r.random((2, t), dtype=np.float32), np.full((1, t), r.lognormal(0.0, 0.4), dtype=np.float32)]))
    standby = cfg.standby_kw * erows[:, 2, :1] / np.exp(0.08)
    electronics = standby + cfg.electronics_kw_per_active_occupant * act ** 0.8 * sticky_levels(erows[:, :2], 0.05, 0.5)

    # Cooking: hob/oven sessions of 25-50 min with thermostat cycling.
    crow = streams.rows(st.COOKING, lambda r: np.concatenate(
        [r.random((2, t), dtype=np.float32), np.full((1, t), r.integers(25, 51), dtype=np.float32)]))
    cook_rate = start_rate(np.full(n, cfg.cooking_events_per_home_day), weights("cooking"), anyone)
    cook_on = np.minimum(running((crow[:, 0] < cook_rate).astype(np.int8), crow[:, 2, 0].astype(int)), 1.0)
    cooking = cfg.cooking_kw * cook_on * (crow[:, 1] < 0.7)
    if has_electric_cooking is not None:
        cooking = cooking * has_electric_cooking[:, None]

    kettle_rate = start_rate(cfg.kettle_uses_per_person_day * people, weights("kettle"), act)
    kettle = cfg.kettle_kw * np.minimum(running(_starts(streams, st.KETTLE, kettle_rate), KETTLE_MIN), 1.0)
    micro_rate = start_rate(np.full(n, cfg.microwave_uses_per_home_day), weights("microwave"), anyone)
    microwave = cfg.microwave_kw * np.minimum(running(_starts(streams, st.MICROWAVE, micro_rate), MICROWAVE_MIN), 1.0)

    # Irons, vacuum cleaners, hair dryers: 15-minute uses while someone is active.
    if cfg.small_appliance_uses_per_home_day > 0 and cfg.small_appliance_kw > 0:
        small_rate = start_rate(np.full(n, cfg.small_appliance_uses_per_home_day), weights("laundry"), anyone)
        small = cfg.small_appliance_kw * np.minimum(
            running(_starts(streams, st.SMALL_APPLIANCES, small_rate), SMALL_APPLIANCE_MIN), 1.0)
    else:
        small = np.zeros((n, t))

    # Hot water: showers (5 l/min for 6 min) and short tap draws.
    litres = cfg.hot_water_litres_per_person_day * people
    hrows = streams.rows(st.HOT_WATER, lambda r: r.random((2, t), dtype=np.float32))
    shower_rate = start_rate(SHOWER_SHARE * litres / (SHOWER_MIN * SHOWER_L_PER_MIN), weights("shower"), anyone)
    tap_rate = start_rate((1 - SHOWER_SHARE) * litres / TAP_LITRES, weights("taps"), act)
    showers = np.minimum(running((hrows[:, 0] < shower_rate).astype(np.int8), SHOWER_MIN), 1.0)
    hot_water = SHOWER_L_PER_MIN * showers + TAP_LITRES * (hrows[:, 1] < tap_rate)

    wash_rate = start_rate(cfg.washing_cycles_per_person_day * people * has_washer, weights("laundry"), anyone)
    dish_rate = start_rate(cfg.dishwasher_cycles_per_person_day * people * has_dishwasher, weights("dishes"), anyone)
    f32 = np.float32
    return EventSchedules(
        lighting_kw=lighting.astype(f32), electronics_kw=electronics.astype(f32), cooking_kw=cooking.astype(f32),
        kettle_kw=kettle.astype(f32), microwave_kw=microwave.astype(f32),
        small_appliance_kw=small.astype(f32), hot_water_l_per_min=hot_water.astype(f32),
        washing_requests=_starts(streams, st.WASHING, wash_rate),
        dishwasher_requests=_starts(streams, st.DISHWASHER, dish_rate))
