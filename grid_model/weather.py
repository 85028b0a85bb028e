"""Outdoor temperature and solar irradiance at 1-minute resolution.

A :class:`Weather` is either generated for a day of the year from a seed or read
from a CSV file.

Generated temperature (°C), minute ``t`` of the day, hour ``h = t / 60``::

    T(t) = T_mean(doy) + a + A(doy) · sin(2π (h − 9) / 24) + e(t)
    T_mean(doy) = (T_jan + T_jul)/2 − (T_jul − T_jan)/2 · cos(2π (doy − 15) / 365)
    A(doy)      = (R_jan + R_jul)/4 − (R_jul − R_jan)/4 · cos(2π (doy − 15) / 365)
    a ~ N(0, daily_anomaly_std_c²)                         (one draw per day)
    e(t) = φ e(t−1) + σ √(1 − φ²) ε,  φ = exp(−1 / temp_noise_tau_min),  ε ~ N(0, 1)

so the minimum is at 03:00 and the maximum at 15:00, and ``e`` is a stationary
AR(1) process with standard deviation ``σ = temp_noise_std_c``. ``T_jan``,
``T_jul`` (monthly means) and ``R_jan``, ``R_jul`` (mean daily ranges) and the
latitude come from the regional climate preset
(:data:`grid_model.households.regions.CLIMATE_PRESETS`) unless set.

Irradiance (global horizontal, W/m²) is clear-sky × cloud attenuation. Clear
sky: Haurwitz (1945), ``G = 1098 · sin(e) · exp(−0.057 / sin(e))`` with the solar
elevation ``e`` from the latitude, the Cooper (1969) declination and local solar
time (clock time is taken as solar time). Cloud cover ``c(t) ∈ [0, 1]`` is a
logistic transform of an AR(1) process around the day's mean cover (drawn by
seed unless fixed); the attenuation is Kasten & Czeplak (1980),
``1 − 0.75 · c^3.4``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from scenarios.errors import InputError

MINUTES_PER_DAY = 1440


@dataclass
class WeatherConfig:
    """How to obtain the weather series (Hydra structured-config friendly).

    Attributes:
        csv_path: Read the series from this CSV instead of generating it
            (format: :func:`read_weather_csv`); empty to generate.
        region: Climate preset filling the ``None`` fields (``ro_md``,
            ``ru``, ``uk_ieee``).
        latitude_deg: Site latitude, for the sun position.
        january_mean_c: Mean temperature of January.
        july_mean_c: Mean temperature of July.
        january_range_c: Mean daily temperature range in January.
        july_range_c: Mean daily temperature range in July.
        temp_offset_c: Added to the climatological mean temperature.
        daily_anomaly_std_c: Standard deviation of the day's random offset.
        temp_noise_std_c: Standard deviation of the AR(1) temperature noise.
        temp_noise_tau_min: Correlation time of the temperature noise.
        cloud_cover: Mean cloud cover of the day 0..1; negative draws it by seed.
        cloud_noise_tau_min: Correlation time of the cloud-cover noise.
        longitude_deg: Site longitude; when set (or taken from a
            geo-referenced site), the sun's true position comes from pvlib
            (:mod:`grid_model.solar_position`) instead of clock time = solar time.
        timezone: IANA zone of the local clock for the true sun; empty: the
            longitude's standard offset.
    """

    csv_path: str = ""
    region: str = "ro_md"
    latitude_deg: Optional[float] = None
    january_mean_c: Optional[float] = None
    july_mean_c: Optional[float] = None
    january_range_c: Optional[float] = None
    july_range_c: Optional[float] = None
    temp_offset_c: float = 0.0
    daily_anomaly_std_c: float = 2.0
    temp_noise_std_c: float = 0.8
    temp_noise_tau_min: float = 120.0
    cloud_cover: float = -1.0
    cloud_noise_tau_min: float = 60.0
    longitude_deg: Optional[float] = None
    timezone: str = ""


@dataclass
class Weather:
    """A weather series, one value per minute.

    Attributes:
        temp_c: Outdoor air temperature, °C, shape (T,).
        irradiance_w_m2: Global horizontal irradiance, W/m², shape (T,).
        day_of_year: Day of year of minute 0 (1..366).
        latitude_deg: Latitude the irradiance refers to.
        source: ``"generated:seed=<n>"`` or the CSV path.
    """

    temp_c: np.ndarray
    irradiance_w_m2: np.ndarray
    day_of_year: int
    latitude_deg: float = 51.5
    source: str = ""

    @property
    def minutes(self) -> int:
        """Number of minutes covered."""
        return int(self.temp_c.shape[0])


def _season_phase(day_of_year: int) -> float:
    return math.cos(2.0 * math.pi * (day_of_year - 15) / 365.0)


def clear_sky_irradiance(day_of_year: np.ndarray | int, minute_of_day: np.ndarray, latitude_deg: float) -> np.ndarray:
    """Clear-sky global horizontal irradiance (Haurwitz model), W/m².

    Args:
        day_of_year: Day of year (scalar or per minute).
        minute_of_day: Minutes after local solar midnight.
        latitude_deg: Latitude.

    Returns:
        Irradiance per minute, zero with the sun below the horizon.
    """
    doy = np.asarray(day_of_year, dtype=float)
    decl = np.radians(23.45) * np.sin(2.0 * np.pi * (284.0 + doy) / 365.0)
    hour_angle = np.radians(15.0 * (np.asarray(minute_of_day, dtype=float) / 60.0 - 12.0))
    lat = math.radians(latitude_deg)
    sin_e = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    out = np.zeros_like(sin_e)
    up = sin_e > 0.01
    out[up] = 1098.0 * sin_e[up] * np.exp(-0.057 / sin_e[up])
    return out


def _ar1(rng: np.random.Generator, n: int, tau_min: float, std: float) -> np.ndarray:
    """Stationary AR(1) series with correlation time ``tau_min`` and std ``std``."""
    phi = math.exp(-1.0 / tau_min) if tau_min > 0 else 0.0
    eps = rng.standard_normal(n) * std * math.sqrt(1.0 - phi * phi)
    out = np.empty(n)
    x = rng.standard_normal() * std
    for i in range(n):
        x = phi * x + eps[i]
        out[i] = x
    return out


def generate_weather(day_of_year: int, seed: int, minutes: int = MINUTES_PER_DAY,
                     cfg: WeatherConfig | None = None) -> Weather:
    """Generates a weather series starting at midnight of ``day_of_year``.

    Args:
        day_of_year: 1..366.
        seed: Seed of the ``numpy.random.default_rng`` stream.
        minutes: Length of the series (may span several days).
        cfg: Generator parameters; defaults when ``None``.

    Returns:
        The generated :class:`Weather`.
    """
    cfg = resolved_climate(cfg or WeatherConfig())
    if not 1 <= day_of_year <= 366:
        raise InputError(f"weather.day_of_year: {day_of_year} is outside 1..366")
    rng = np.random.default_rng([seed, 0x57EA])
    t = np.arange(minutes)
    doy = (day_of_year - 1 + t // MINUTES_PER_DAY) % 365 + 1
    minute_of_day = t % MINUTES_PER_DAY
    season = np.cos(2.0 * np.pi * (doy - 15) / 365.0)
    days = int(math.ceil(minutes / MINUTES_PER_DAY))
    anomaly = rng.normal(0.0, cfg.daily_anomaly_std_c, days)[t // MINUTES_PER_DAY]
    half_range = (cfg.january_range_c + cfg.july_range_c) / 4.0 - (cfg.july_range_c - cfg.january_range_c) / 4.0 * season
    diurnal = half_range * np.sin(2.0 * np.pi * (minute_of_day / 60.0 - 9.0) / 24.0)
    mean_c = (cfg.january_mean_c + cfg.july_mean_c) / 2.0 - (cfg.july_mean_c - cfg.january_mean_c) / 2.0 * season
    temp_c = mean_c + cfg.temp_offset_c + anomaly + diurnal
    temp_c = temp_c + _ar1(rng, minutes, cfg.temp_noise_tau_min, cfg.temp_noise_std_c)
    if cfg.cloud_cover < 0:
        mean_cover = rng.uniform(0.2, 0.95, days)[t // MINUTES_PER_DAY]
    else:
        mean_cover = np.full(minutes, min(cfg.cloud_cover, 1.0))
    logit = np.log(np.clip(mean_cover, 0.02, 0.98) / (1.0 - np.clip(mean_cover, 0.02, 0.98)))
    cover = 1.0 / (1.0 + np.exp(-(logit + _ar1(rng, minutes, cfg.cloud_noise_tau_min, 1.0))))
    if cfg.longitude_deg is not None:  # the true sun (pvlib) where the site is
        from grid_model.solar_position import clear_sky_true_sun

        clear = clear_sky_true_sun(day_of_year, minutes, cfg.latitude_deg, cfg.longitude_deg, cfg.timezone)
    else:
        clear = clear_sky_irradiance(doy, minute_of_day, cfg.latitude_deg)
    irradiance = clear * (1.0 - 0.75 * cover ** 3.4)
    return Weather(temp_c=temp_c, irradiance_w_m2=irradiance, day_of_year=day_of_year,
                   latitude_deg=cfg.latitude_deg, source=f"generated:seed={seed}")


def resolved_climate(cfg: WeatherConfig) -> WeatherConfig:
    """A copy of ``cfg`` with the ``None`` climate fields taken from its region's preset."""
    from grid_model.households.regions import resolve

    return resolve(cfg)


def _cell(path: Path, row: int, column: str, text: str | None) -> float:
    """Parses one CSV cell, raising :class:`InputError` naming file/row/column."""
    if text is None or not text.strip():
        raise InputError(f"{path}: row {row}, column '{column}': empty value")
    try:
        value = float(text)
    except ValueError as exc:
        raise InputError(f"{path}: row {row}, column '{column}': not a number: {text.strip()!r}") from exc
    if not math.isfinite(value):
        raise InputError(f"{path}: row {row}, column '{column}': not finite: {text.strip()!r}")
    return value


def read_weather_csv(path: str | Path, day_of_year: int = 15, latitude_deg: float = 51.5) -> Weather:
    """Reads a weather series from CSV.

    Format: a header row, then one row per minute. Columns ``minute``
    (1, 2, ..., T, consecutive) or ``hour`` (1, 2, ..., H: hourly values,
    each the mean of its hour, interpolated linearly to minutes between the
    hour centres), ``temp_c`` (°C) and optionally
    ``irradiance_w_m2`` (global horizontal, ≥ 0). Without the irradiance column
    the clear-sky irradiance of ``day_of_year`` is used. Row numbers in errors
    are file line numbers (the header is row 1).

    Args:
        path: CSV file.
        day_of_year: Day of year of the first row.
        latitude_deg: Latitude, for the clear-sky irradiance.

    Returns:
        The :class:`Weather` series.

    Raises:
        InputError: Missing file or column, non-numeric, non-finite, negative
            irradiance, or a minute that is not the previous one plus one.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: weather file not found")
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        step = "hour" if "hour" in header and "minute" not in header else "minute"
        for col in (step, "temp_c"):
            if col not in header:
                raise InputError(f"{path}: row 1, column '{col}': missing (header is {header})")
        has_irr = "irradiance_w_m2" in header
        temps, irr = [], []
        for row, rec in enumerate(reader, start=2):
            index = _cell(path, row, step, rec.get(step))
            if index != len(temps) + 1:
                raise InputError(f"{path}: row {row}, column '{step}': expected {len(temps) + 1}, found {index:g}")
            temps.append(_cell(path, row, "temp_c", rec.get("temp_c")))
            if has_irr:
                g = _cell(path, row, "irradiance_w_m2", rec.get("irradiance_w_m2"))
                if g < 0:
                    raise InputError(f"{path}: row {row}, column 'irradiance_w_m2': negative value {g:g}")
                irr.append(g)
    if not temps:
        raise InputError(f"{path}: row 2: no data rows")
    if step == "hour":
        temps, irr = _hourly_to_minutes(np.asarray(temps)), _hourly_to_minutes(np.asarray(irr)) if has_irr else irr
    n = len(temps)
    if has_irr:
        irradiance = np.asarray(irr)
    else:
        t = np.arange(n)
        doy = (day_of_year - 1 + t // MINUTES_PER_DAY) % 365 + 1
        irradiance = clear_sky_irradiance(doy, t % MINUTES_PER_DAY, latitude_deg)
    return Weather(temp_c=np.asarray(temps), irradiance_w_m2=irradiance, day_of_year=day_of_year,
                   latitude_deg=latitude_deg, source=str(path))


def _hourly_to_minutes(hourly: np.ndarray) -> np.ndarray:
    """Linear interpolation of hourly means (at the hour centres) to 60 values per hour."""
    t = (np.arange(60 * len(hourly)) + 0.5) / 60.0 - 0.5
    return np.interp(t, np.arange(len(hourly), dtype=float), hourly)


def make_weather(cfg: WeatherConfig, day_of_year: int, seed: int, minutes: int = MINUTES_PER_DAY) -> Weather:
    """Returns the CSV series when ``cfg.csv_path`` is set, else a generated one.

    Raises:
        InputError: When the CSV covers fewer than ``minutes`` minutes.
    """
    cfg = resolved_climate(cfg)
    if cfg.csv_path:
        w = read_weather_csv(cfg.csv_path, day_of_year, cfg.latitude_deg)
        if w.minutes < minutes:
            raise InputError(f"{cfg.csv_path}: has {w.minutes} minutes, {minutes} needed")
        return w
    return generate_weather(day_of_year, seed, minutes, cfg)
