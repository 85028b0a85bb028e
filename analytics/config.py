"""Settings of ``task=analytics`` (the ``analytics`` config group).

Flat, typed dataclasses usable as Hydra structured configs; the detector's,
forecasts', alerts' and verification settings keep their own dataclasses in
their modules and are nested here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.alerts import AlertConfig
from analytics.data_format.schema import EARLIEST_TIMESTAMP, MAX_DAYS_AHEAD, MAX_REJECT_SHARE
from analytics.forecasts import ForecastConfig
from analytics.theft import TheftConfig
from analytics.verification import VerificationConfig


@dataclass
class SimulatedDataConfig:
    """Meter data simulated for the site when no ``data_dir`` is given.

    Attributes:
        days: Days of hourly data.
        start: Local midnight of the first day, ISO-8601 with offset.
        anomaly_share: Share of consumer electricity meters given an anomaly
            (theft or fault pattern) at a random day after the clean period.
        max_per_group: At most this many anomalies in one balance group
            (0: no limit).
        gap_share: Share of consumer readings missing (communication gaps).
        parquet: Export the readings as ``readings.parquet`` instead of CSV.
    """

    days: int = 60
    start: str = "2026-01-05T00:00:00+02:00"
    anomaly_share: float = 0.025
    max_per_group: int = 1
    gap_share: float = 0.002
    parquet: bool = False


@dataclass
class AnalyticsConfig:
    """Balance analytics on meter data.

    Attributes:
        timezone: The site's time zone (IANA name): local days, hours,
            evenings and weekends with DST, whatever offsets the data file
            uses; empty: the data's own zone (Parquet column zone or the
            file's single offset, else UTC).
        utc_offset_h: A fixed local offset in hours instead (no DST);
            empty (null): use ``timezone``.
        equipment_w_by_group: Metering equipment's own consumption inside a
            group, W (e.g. a J100UC concentrator: 5 W), by group id.
        absurd_kwh_per_hour: Import limit of a consumer electricity reading.
        absurd_m3_per_hour: Import limit of a water/gas/heat reading.
        simulated: The simulated data when ``data_dir`` is empty.
        theft: Theft and faulty-meter detector.
        forecast: Month-end forecasts.
        alerts: Consumer alerts and leaks.
        verification: Meter verification interval.
        meters_installed: Installation date assumed for meters when
            ``meters.csv`` has no ``installed`` column (verification interval).
        phase_moves_max: Limit on phase moves recommended per site.
        plots_groups: Groups plotted (the most imbalanced first).
        max_reject_share: The run stops (exit 2) when more than this share of
            the readings is rejected on import; 1 runs on whatever is left.
        earliest_timestamp: Readings before this time are rejected as
            ``out_of_range`` (a meter clock reset to 1970 or 2000).
        max_days_ahead: Readings more than this many days after the import
            (or the end of the simulated data) are ``out_of_range``.
    """

    timezone: str = "Europe/Bucharest"
    utc_offset_h: float | None = None
    equipment_w_by_group: dict[str, float] = field(default_factory=dict)
    absurd_kwh_per_hour: float = 100.0
    absurd_m3_per_hour: float = 10.0
    simulated: SimulatedDataConfig = field(default_factory=SimulatedDataConfig)
    theft: TheftConfig = field(default_factory=TheftConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    alerts: AlertConfig = field(default_factory=AlertConfig)
    verification: VerificationConfig = field(default_factory=VerificationConfig)
    meters_installed: str = "2015-01-01"
    phase_moves_max: int = 10
    plots_groups: int = 4
    max_reject_share: float = MAX_REJECT_SHARE
    earliest_timestamp: str = EARLIEST_TIMESTAMP
    max_days_ahead: float = MAX_DAYS_AHEAD
