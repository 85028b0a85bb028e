"""Shared loads of a stairwell/entrance: lift, stairwell and entrance lighting, pumps.

A consumer of kind ``"shared"`` is the common equipment of one entrance, fed
from the entrance's ground-floor bus (three-phase) and not individually
metered: the entrance and building group meters see it. Its ``profile`` field
reads ``"shared:<floors>:<flats>"``. Model (per minute, RED, not switchable):

* lift (buildings of 6 storeys or more, where the codes require one): a
  controller and cabin light of 0.25 kW always, plus trips of 1 minute at
  ``LIFT_TRIP_KW`` drawn as a Poisson process with a mean of
  ``LIFT_TRIPS_PER_FLAT_DAY`` per flat above the ground floor, following the
  time-of-day profile :data:`LIFT_PROFILE` (morning and evening rush);
* stairwell lighting ``STAIR_LIGHT_W_PER_FLOOR`` per storey and the entrance
  canopy light ``ENTRANCE_LIGHT_W`` while the outdoor irradiance is below
  60 W/m² (photocell);
* a heating circulation pump ``PUMP_KW`` while the outdoor temperature is
  below 8 °C (heating season), on the entrance's shared board.

Typical values (a 9-storey, 36-flat entrance gives about 8-10 kWh a day for
the lift and 2-3 kWh for lighting in winter), not a calibration against a
measured building.
"""

from __future__ import annotations

import numpy as np

from grid_model.households.occupancy import hourly_to_minutes
from scenarios.errors import InputError

LIFT_MIN_FLOORS = 6
LIFT_STANDBY_KW = 0.25
LIFT_TRIP_KW = 5.5
LIFT_TRIPS_PER_FLAT_DAY = 4.0
STAIR_LIGHT_W_PER_FLOOR = 20.0
ENTRANCE_LIGHT_W = 40.0
PUMP_KW = 0.55
HEATING_BELOW_C = 8.0
DARK_BELOW_W_M2 = 60.0
#: Relative lift use by hour (rush hours 7-9 and 17-20).
LIFT_PROFILE = np.array([0.1, 0.05, 0.02, 0.02, 0.02, 0.1, 0.6, 1.8, 1.6, 0.9, 0.8, 0.8,
                         0.9, 0.9, 0.8, 0.9, 1.1, 1.6, 1.9, 1.7, 1.3, 1.0, 0.6, 0.3])


def parse_shared(profile: str | None, consumer_id: str) -> tuple[int, int]:
    """``(floors, flats)`` of a ``"shared:<floors>:<flats>"`` profile.

    Raises:
        InputError: Naming the consumer when the profile is malformed.
    """
    parts = (profile or "").split(":")
    if len(parts) != 3 or parts[0] != "shared" or not parts[1].isdigit() or not parts[2].isdigit():
        raise InputError(f"consumer {consumer_id}: kind 'shared' needs profile 'shared:<floors>:<flats>', "
                         f"got {profile!r}")
    return int(parts[1]), int(parts[2])


def shared_power_kw(floors: int, flats: int, uniforms: np.ndarray, temp_c: np.ndarray,
                    irradiance_w_m2: np.ndarray) -> np.ndarray:
    """One entrance's shared demand per minute, kW, shape (T,).

    Args:
        floors: Storeys of the entrance.
        flats: Flats it serves.
        uniforms: Uniform draws (T,) for the lift trips.
        temp_c: Outdoor temperature (T,).
        irradiance_w_m2: Outdoor irradiance (T,).
    """
    t = len(uniforms)
    p = np.zeros(t)
    if floors >= LIFT_MIN_FLOORS:
        w = hourly_to_minutes(LIFT_PROFILE, t)
        rate = LIFT_TRIPS_PER_FLAT_DAY * flats * (floors - 1) / floors * w / (w.sum() / (t / 1440.0))
        p += LIFT_STANDBY_KW + LIFT_TRIP_KW * np.minimum(-np.log1p(-np.minimum(uniforms, 1 - 1e-12)) < rate, 1.0)
    dark = irradiance_w_m2[:t] < DARK_BELOW_W_M2
    p += dark * (STAIR_LIGHT_W_PER_FLOOR * floors + ENTRANCE_LIGHT_W) / 1000.0
    p += (temp_c[:t] < HEATING_BELOW_C) * PUMP_KW
    return p
