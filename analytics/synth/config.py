"""Settings and result of the simulated data, the default losses, the seed streams.

:class:`SynthConfig` holds the settings (checked by :func:`_check`),
:class:`SynthData` the registrations and the truth behind them. Every draw
comes from ``numpy.random.default_rng([seed, k])`` with its own stream ``k``
(the ``_S_*`` constants), so adding anomalies does not change any other value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.inject import Anomaly
from scenarios.errors import InputError
from scenarios.site import Level

#: Technical losses of a group, % of the energy entering it (its meter). A
#: district meter is taken on the MV side of the substation (transformer
#: losses), region and city meters at the same point as the district's.
DEFAULT_LOSS_PCT: dict[str, float] = {
    Level.REGION.value: 0.0,
    Level.CITY.value: 0.0,
    Level.DISTRICT.value: 2.5,
    Level.STREET.value: 2.0,
    Level.BUILDING.value: 1.5,
    Level.ENTRANCE.value: 1.0,
}

# Seed streams.
_S_HABITS, _S_ERROR, _S_WATER, _S_GAS, _S_HEAT, _S_GAPS, _S_LEAKS = range(1, 8)
_S_TEMP, _S_HEATING, _S_LOOK, _S_GFAULT, _S_OUTAGE = range(8, 13)


@dataclass
class SynthConfig:
    """Settings of the simulated data (see :mod:`analytics.synth`).

    Attributes:
        days: Days of hourly data.
        start: First hour, ISO-8601 with offset (local midnight).
        shapes_per_consumer: Size of each consumer's subset of the 100 IEEE shapes.
        scale_sigma: Lognormal sigma of the consumers' consumption level.
        weekend_factor: Consumption factor on Saturdays and Sundays.
        loss_pct: Technical loss of a group, % of its input energy: one number
            for every group, or by group id or level name (a group id wins;
            a group in neither gets 0).
        loss_fixed_share: Share of the losses independent of the load (float,
            or by group id or level name like ``loss_pct``).
        meter_error_sd_pct: Standard deviation of a consumer meter's constant
            accuracy error, %.
        equipment_w_per_concentrator: A J100UC's mains consumption, W.
        gap_share: Share of consumer readings missing.
        water_leak_share: Share of water meters with a leak.
        leak_min_start_day: Earliest start day of a leak.
        timezone: The site's zone (IANA name): ``start`` is then a local
            wall-clock time there and the hours follow its clock changes (a
            23- and a 25-hour day); empty: a fixed offset, that of ``start``.
        heating_share: Share of consumers heating with electricity
            (:mod:`analytics.synth.behaviour`).
        heating_kwh_per_kday: Their mean heating energy per degree-day, kWh.
        lookalike_share: Share of consumers with a look-alike (vacation, new
            tenant, changed routine, balcony solar), none of them anomalous.
        group_fault_share: Share of the lowest-level group meters that
            register wrongly (±4–10 %) from a day on.
        outage_hours: Length of one communication outage of every consumer
            meter of one random group (0: none).
    """

    days: int = 60
    start: str = "2026-01-05T00:00:00+02:00"
    shapes_per_consumer: int = 8
    scale_sigma: float = 0.35
    weekend_factor: float = 1.1
    loss_pct: float | dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LOSS_PCT))
    loss_fixed_share: float | dict[str, float] = 0.2
    meter_error_sd_pct: float = 0.5
    equipment_w_per_concentrator: float = 5.0
    gap_share: float = 0.002
    water_leak_share: float = 0.0
    leak_min_start_day: int = 7
    timezone: str = ""
    heating_share: float = 0.0
    heating_kwh_per_kday: float = 0.35
    lookalike_share: float = 0.0
    group_fault_share: float = 0.0
    outage_hours: int = 0


@dataclass
class SynthData:
    """Simulated registrations and the truth behind them.

    Attributes:
        meter_ids: Every meter of the site, in site order.
        start: Timestamp of column 0 (column ``h`` covers ``[start + h, start + h + 1 h)``).
        values: (n_meters, H) registered hourly values, kWh (electricity) or
            m³ (water, gas, heat); NaN = missing reading.
        true_kwh: (n_consumer_meters, H) true consumption behind the consumer
            electricity meters.
        consumer_meter_ids: The consumer electricity meters, rows of ``true_kwh``.
        technical_loss_kwh: Group id → (H,) technical loss inside that group.
        equipment_kwh: Group id → (H,) metering equipment's consumption in that group.
        meter_error: (n_consumer_meters,) relative accuracy error of each
            consumer electricity meter.
        anomalies: The injected anomalies.
        leaks: Water leaks: ``meter_id``, ``start_day``, ``m3_per_h``.
        units: Meter id → ``"kWh"`` or ``"m3"``.
        lookalikes: The look-alikes (no theft).
        group_faults: The faulty group meters.
        temperature_c: Daily mean temperature of each local day, °C.
    """

    meter_ids: list[str]
    start: pd.Timestamp
    values: np.ndarray
    true_kwh: np.ndarray
    consumer_meter_ids: list[str]
    technical_loss_kwh: dict[str, np.ndarray]
    equipment_kwh: dict[str, np.ndarray]
    meter_error: np.ndarray = field(default_factory=lambda: np.zeros(0))
    anomalies: list[Anomaly] = field(default_factory=list)
    leaks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["meter_id", "start_day", "m3_per_h"]))
    units: dict[str, str] = field(default_factory=dict)
    lookalikes: list = field(default_factory=list)
    group_faults: list = field(default_factory=list)
    temperature_c: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def hours(self) -> int:
        return self.values.shape[1]

    def equipment_w(self) -> dict[str, float]:
        """Mean equipment consumption of each group that has some, W (``analytics.equipment_w_by_group``)."""
        return {g: float(np.mean(v)) * 1000.0 for g, v in self.equipment_kwh.items() if np.mean(v) > 0}

    def row(self, meter_id: str) -> np.ndarray:
        """The registered series of one meter."""
        return self.values[self.meter_ids.index(meter_id)]


def _check(cfg: SynthConfig) -> None:
    if cfg.days < 1:
        raise InputError(f"synth.days: {cfg.days} must be ≥ 1")
    if not 1 <= cfg.shapes_per_consumer <= 100:
        raise InputError(f"synth.shapes_per_consumer: {cfg.shapes_per_consumer} must be 1..100")
    for key in ("scale_sigma", "weekend_factor", "meter_error_sd_pct", "equipment_w_per_concentrator"):
        if not getattr(cfg, key) >= 0:
            raise InputError(f"synth.{key}: {getattr(cfg, key)} must be ≥ 0")
    for key in ("gap_share", "water_leak_share", "heating_share", "lookalike_share", "group_fault_share"):
        if not 0.0 <= getattr(cfg, key) <= 1.0:
            raise InputError(f"synth.{key}: {getattr(cfg, key)} must be in 0..1")


def _start(cfg: SynthConfig) -> pd.Timestamp:
    try:
        t = pd.Timestamp(cfg.start)
    except (ValueError, TypeError) as exc:
        raise InputError(f"synth.start: {cfg.start!r} is not an ISO-8601 timestamp") from exc
    if t != t.floor("h"):
        raise InputError(f"synth.start: {cfg.start!r} is not on a full hour")
    if cfg.timezone:
        from analytics.calendar import zone_of

        zone = zone_of(cfg.timezone, "synth.timezone")
        t = t.tz_localize(None) if t.tzinfo is not None else t
        t = t.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    return t
