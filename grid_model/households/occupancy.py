"""Active occupancy and time-of-day activity profiles.

Active occupants are occupants at home and awake. Each occupant is a two-state
Markov chain (inactive/active) whose stationary probability follows the hourly
profile :data:`ACTIVE_PROFILE`, shifted per home by a random offset (the
household's own routine). With the chain's leaving rate ``b`` and the target
probability ``p(t)``, the joining rate is ``a = b · p / (1 − p)``, so the chain
tracks ``p(t)`` with a lag of about ``1 / (a + b)`` minutes. This is a lighter
version of the CREST occupancy model (Richardson et al. 2008, Energy and
Buildings 40(8)), whose transition matrices come from the UK 2000 Time Use
Survey; the hourly shape below is read off its weekday active-occupancy curve.

Appliance start probabilities follow CREST too: a start is possible only while
someone is active, with a probability proportional to a time-of-day activity
profile, scaled so that the expected number of starts per day matches the
configured use rate.
"""

from __future__ import annotations

import numpy as np

#: Weekday probability that an occupant is at home and awake, by hour (0..23).
ACTIVE_PROFILE = np.array([
    0.06, 0.03, 0.02, 0.02, 0.02, 0.05, 0.22, 0.55, 0.55, 0.46, 0.44, 0.44,
    0.46, 0.45, 0.43, 0.45, 0.50, 0.62, 0.70, 0.72, 0.70, 0.64, 0.45, 0.18])

#: Weekend and holiday profile: later rising, more of the day at home. An
#: assumed shape (later morning, flatter midday) in the spirit of the CREST
#: weekend curves, not fitted to a time-use survey.
ACTIVE_PROFILE_WEEKEND = np.array([
    0.10, 0.05, 0.03, 0.02, 0.02, 0.03, 0.07, 0.22, 0.45, 0.58, 0.60, 0.60,
    0.60, 0.58, 0.55, 0.55, 0.58, 0.64, 0.70, 0.72, 0.70, 0.66, 0.52, 0.25])

#: Time-of-day weights of appliance activities (relative, by hour 0..23).
ACTIVITY_PROFILES: dict[str, np.ndarray] = {
    "kettle": np.array([0.2, 0.1, 0, 0, 0, 0.2, 1.0, 2.2, 2.0, 1.4, 1.2, 1.2,
                        1.4, 1.2, 1.0, 1.2, 1.4, 1.5, 1.5, 1.3, 1.3, 1.2, 0.9, 0.4]),
    "cooking": np.array([0, 0, 0, 0, 0, 0, 0.2, 0.6, 0.5, 0.2, 0.2, 0.5,
                         1.2, 0.8, 0.2, 0.2, 0.6, 2.0, 2.6, 1.6, 0.6, 0.2, 0.1, 0]),
    "microwave": np.array([0.1, 0, 0, 0, 0, 0, 0.3, 1.0, 0.8, 0.4, 0.4, 0.8,
                           1.5, 1.0, 0.4, 0.4, 0.8, 1.5, 1.8, 1.3, 0.8, 0.5, 0.4, 0.2]),
    "laundry": np.array([0, 0, 0, 0, 0, 0, 0.2, 0.8, 1.2, 1.6, 1.6, 1.4,
                         1.2, 1.1, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.0, 0.7, 0.3, 0.1]),
    "dishes": np.array([0, 0, 0, 0, 0, 0, 0.1, 0.4, 0.6, 0.6, 0.3, 0.3,
                        0.6, 1.0, 0.8, 0.4, 0.3, 0.5, 1.0, 1.8, 2.0, 1.6, 0.8, 0.2]),
    "shower": np.array([0, 0, 0, 0, 0, 0.3, 1.6, 2.6, 2.0, 1.0, 0.5, 0.3,
                        0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 0.8, 0.3]),
    "taps": np.array([0.1, 0, 0, 0, 0, 0.2, 0.8, 1.6, 1.4, 1.0, 0.9, 0.9,
                      1.2, 1.2, 0.9, 0.9, 1.0, 1.4, 1.7, 1.5, 1.2, 1.0, 0.7, 0.3]),
}

#: Mean time an active occupant stays active before a possible change, minutes.
ACTIVE_SOJOURN_MIN = 40.0
#: Largest number of occupants simulated per home (more are capped).
MAX_OCCUPANTS = 6


def hourly_to_minutes(hourly: np.ndarray, minutes: int, shift_min: np.ndarray | None = None) -> np.ndarray:
    """Interpolates a 24-value hourly profile (values at hour centres) to minutes.

    Args:
        hourly: 24 values, periodic over the day.
        minutes: Number of minutes from midnight.
        shift_min: Optional per-home delay of the profile, shape (n,).

    Returns:
        Shape (T,) without a shift, (n, T) with one.
    """
    t = np.arange(minutes, dtype=float)
    if shift_min is not None:
        t = t[None, :] - np.asarray(shift_min, dtype=float)[:, None]
    x = (t / 60.0 - 0.5) % 24.0
    lo = np.floor(x).astype(int)
    frac = x - lo
    return hourly[lo % 24] * (1.0 - frac) + hourly[(lo + 1) % 24] * frac


def active_occupancy(occupants: np.ndarray, shift_min: np.ndarray, uniforms: np.ndarray,
                     profile: np.ndarray = ACTIVE_PROFILE) -> np.ndarray:
    """Simulates the number of active occupants of each home per minute.

    Args:
        occupants: Occupants per home, shape (n,).
        shift_min: Per-home delay of the daily routine, minutes, shape (n,).
        uniforms: Uniform draws, shape (n, MAX_OCCUPANTS, T + 1); the first
            slice sets the initial state.
        profile: Hourly active-occupancy probability (weekday or weekend).

    Returns:
        Active occupants, int array (n, T).
    """
    n, k, t1 = uniforms.shape
    minutes = t1 - 1
    p = np.clip(hourly_to_minutes(profile, minutes, shift_min), 0.01, 0.95)
    b = 1.0 / ACTIVE_SOJOURN_MIN
    a = np.minimum(b * p / (1.0 - p), 1.0)
    exists = np.arange(k)[None, :] < np.minimum(occupants, k)[:, None]
    state = (uniforms[:, :, 0] < p[:, :1]) & exists
    out = np.empty((n, minutes), dtype=np.int16)
    for t in range(minutes):
        u = uniforms[:, :, t + 1]
        state = np.where(state, u >= b, u < a[:, t:t + 1]) & exists
        out[:, t] = state.sum(axis=1)
    return out


def start_rate(per_day: np.ndarray, weights: np.ndarray, active: np.ndarray, minutes_per_day: int = 1440) -> np.ndarray:
    """Per-minute start probabilities with a given expected count per day.

    Args:
        per_day: Expected starts per day per home, shape (n,).
        weights: Time-of-day weights per minute, shape (T,) or (n, T).
        active: Activity indicator or intensity per home and minute, (n, T).

    Returns:
        Probabilities (n, T), zero while nobody is active, capped at 0.5.
    """
    w = np.broadcast_to(weights, active.shape) * active
    days = active.shape[1] / minutes_per_day
    norm = w.sum(axis=1) / days
    scale = np.divide(per_day, norm, out=np.zeros_like(norm, dtype=float), where=norm > 0)
    return np.minimum(w * scale[:, None], 0.5)
