"""Electricity tariffs: config schema, validation and per-minute zone lookups.

A tariff is a set of **periods** (zones) that together cover every minute of the
year exactly once, each with a volume rate in currency per kWh. A period applies
from ``start_h`` (inclusive) to ``end_h`` (exclusive) local clock time; when
``start_h > end_h`` it wraps past midnight (``23 -> 7`` covers 23:00-24:00 and
00:00-07:00). ``days`` limits it to ``weekday`` (Monday-Friday), ``weekend``
(Saturday, Sunday) or ``all`` days, and ``months`` (1..12, empty = all) to a
season. Every minute is classified by its *own* calendar day: the 00:00-07:00
part of a weekday ``23 -> 7`` period covers Monday morning, not Saturday
morning. With ``calendar.country`` set, a public holiday (``holidays`` package)
is billed as a ``weekend`` day; with ``calendar.timezone`` set, each simulated
minute is classified by its local clock time with daylight-saving shifts (the
23- and 25-hour days, :mod:`scenarios.calendars`); without them, times are naive
local clock time and only Saturdays and Sundays are weekend days.

Optional parts, all charged per customer and calendar month by
:mod:`twin.control.billing`:

* ``blocks``: the volume charge is progressive on the month's energy instead of
  per period (the periods then only define the zones used by demand response).
  ``social_norm_kwh_per_occupant > 0`` makes the first block end at
  norm × occupants of the customer.
* ``contract_kw``: contracted power; each clock hour's energy above
  ``contract_kw × 1 h`` is charged ``penalty_rate_per_kwh`` on top.
* ``fixed_per_month`` and ``capacity_per_kw_month`` (× ``contract_kw``, or × the
  month's highest hourly kWh when there is no contract).

:class:`Tariff` is the validated, compiled form: a (12 months, 2 day types,
1440 minutes) lookup of period index that :meth:`Tariff.zones` maps a horizon
onto, giving each minute's zone name, rate and the ``cheapest`` / ``peak`` flags
that DR controllers use to defer or shed loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

import numpy as np
from omegaconf import DictConfig, OmegaConf

from scenarios.calendars import CalendarConfig, LocalClock, check_calendar, days_off, local_clock
from scenarios.errors import InputError

#: Allowed values of ``TariffPeriodConfig.days``.
DAY_KINDS = ("all", "weekday", "weekend")
MINUTES_PER_DAY = 1440


@dataclass
class TariffPeriodConfig:
    """One zone of a tariff.

    Attributes:
        name: Zone name, e.g. ``day``, ``night``, ``peak``, ``shoulder``.
        rate_per_kwh: Volume rate, currency per kWh.
        start_h: Local clock hour where the period starts (inclusive).
        end_h: Local clock hour where it ends (exclusive); ``start_h > end_h``
            wraps past midnight.
        days: ``all``, ``weekday`` (Mon-Fri) or ``weekend`` (Sat, Sun).
        months: Months 1..12 it applies in; empty = every month.
    """

    name: str = "day"
    rate_per_kwh: float = 0.0
    start_h: float = 0.0
    end_h: float = 24.0
    days: str = "all"
    months: list[int] = field(default_factory=list)


@dataclass
class TariffBlockConfig:
    """One block of a progressive (block) volume charge.

    Attributes:
        up_to_kwh: Monthly energy where the block ends; ``None`` for the last
            block (no end).
        rate_per_kwh: Rate of the energy within the block, currency per kWh.
    """

    up_to_kwh: Optional[float] = None
    rate_per_kwh: float = 0.0


def _two_rate_periods() -> list[TariffPeriodConfig]:
    return [TariffPeriodConfig(name="day", rate_per_kwh=0.30, start_h=7.0, end_h=23.0),
            TariffPeriodConfig(name="night", rate_per_kwh=0.12, start_h=23.0, end_h=7.0)]


@dataclass
class TariffConfig:
    """A customer tariff (see the module docstring for the rules).

    Attributes:
        name: Tariff name (the config option name).
        currency: Currency of every rate and charge.
        periods: Zones covering every minute of the year exactly once; the
            default is the ``two_rate`` day/night tariff.
        blocks: Non-empty: progressive volume charge on the monthly energy
            instead of the period rates.
        social_norm_kwh_per_occupant: > 0: the first block ends at this ×
            the customer's occupants (per month).
        contract_kw: Contracted power; 0 = no contract.
        penalty_rate_per_kwh: Charge on each clock hour's energy above
            ``contract_kw × 1 h``.
        fixed_per_month: Fixed charge per month.
        capacity_per_kw_month: Capacity charge per kW and month, × ``contract_kw``
            or × the month's highest hourly kWh when ``contract_kw == 0``.
        calendar: Holidays (billed as weekend days) and time zone; the app
            points it at the root ``calendar``.
    """

    name: str = "two_rate"
    currency: str = "EUR"
    periods: list[TariffPeriodConfig] = field(default_factory=_two_rate_periods)
    blocks: list[TariffBlockConfig] = field(default_factory=list)
    social_norm_kwh_per_occupant: float = 0.0
    contract_kw: float = 0.0
    penalty_rate_per_kwh: float = 0.0
    fixed_per_month: float = 0.0
    capacity_per_kw_month: float = 0.0
    calendar: CalendarConfig = field(default_factory=CalendarConfig)


def _as_object(cfg: Any) -> TariffConfig:
    """Turns a DictConfig of the ``tariff`` group into a TariffConfig."""
    if isinstance(cfg, DictConfig):
        data = OmegaConf.to_container(cfg, resolve=True)  # tariff.calendar points at the root calendar
        cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(TariffConfig), data))
    return cfg


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _first_run(mask: np.ndarray) -> str:
    """Describes the first contiguous run of True cells of a (12, 2, 1440) mask."""
    month, day, start = (int(v) for v in np.argwhere(mask)[0])
    row = mask[month, day, start:]
    length = int(np.argmin(row)) if not row.all() else row.size
    kind = DAY_KINDS[1 + day]
    return f"{kind} {_clock(start)}-{_clock(start + length)} in month {month + 1}"


def _period_mask(p: TariffPeriodConfig) -> np.ndarray:
    """(12, 2, 1440) bool mask of the cells a (checked) period covers."""
    start, end, m = round(p.start_h * 60), round(p.end_h * 60), np.arange(MINUTES_PER_DAY)
    minute = ((m >= start) & (m < end)) if start < end else ((m >= start) | (m < end))
    days = np.array([p.days in ("all", "weekday"), p.days in ("all", "weekend")])
    months = np.zeros(12, dtype=bool)
    months[[m - 1 for m in p.months] if p.months else slice(None)] = True
    return months[:, None, None] & days[None, :, None] & minute[None, None, :]


def _check_period(p: TariffPeriodConfig, key: str) -> None:
    if p.rate_per_kwh < 0:
        raise InputError(f"{key}.rate_per_kwh: must not be negative, got {p.rate_per_kwh}")
    if not 0 <= p.start_h < 24:
        raise InputError(f"{key}.start_h: must be in 0..24 (24 excluded), got {p.start_h}")
    if not 0 <= p.end_h <= 24:
        raise InputError(f"{key}.end_h: must be in 0..24, got {p.end_h}")
    for name in ("start_h", "end_h"):
        value = getattr(p, name)
        if abs(value * 60 - round(value * 60)) > 1e-6:
            raise InputError(f"{key}.{name}: must be a whole minute, got {value}")
    if round(p.start_h * 60) == round(p.end_h * 60):
        raise InputError(f"{key}: start_h and end_h must differ, got {p.start_h} and {p.end_h}")
    if p.days not in DAY_KINDS:
        raise InputError(f"{key}.days: '{p.days}' is not allowed; allowed: {', '.join(DAY_KINDS)}")
    for m in p.months:
        if not 1 <= m <= 12:
            raise InputError(f"{key}.months: {m} is not a month (1..12)")


def _check_blocks(cfg: TariffConfig, key: str) -> None:
    last = len(cfg.blocks) - 1
    for k, b in enumerate(cfg.blocks):
        bkey = f"{key}.blocks[{k}]"
        if b.rate_per_kwh < 0:
            raise InputError(f"{bkey}.rate_per_kwh: must not be negative, got {b.rate_per_kwh}")
        if k == last and b.up_to_kwh is not None:
            raise InputError(f"{bkey}.up_to_kwh: the last block must have no end (null), got {b.up_to_kwh}")
        if k < last and b.up_to_kwh is None:
            raise InputError(f"{bkey}.up_to_kwh: only the last block may have no end (null)")
        floor = cfg.blocks[k - 1].up_to_kwh if k else 0.0
        if k < last and b.up_to_kwh <= floor:
            where = f"blocks[{k - 1}].up_to_kwh ({floor})" if k else "0"
            raise InputError(f"{bkey}.up_to_kwh: must be above {where}, got {b.up_to_kwh}")
    if cfg.social_norm_kwh_per_occupant > 0 and len(cfg.blocks) < 2:
        raise InputError(f"{key}.social_norm_kwh_per_occupant: needs at least two blocks, got {len(cfg.blocks)}")


def _compile(cfg: TariffConfig, key: str) -> np.ndarray:
    """Checks coverage and returns the (12, 2, 1440) lookup of period index."""
    index = np.full((12, 2, MINUTES_PER_DAY), -1, dtype=np.int16)
    for k, p in enumerate(cfg.periods):
        mask = _period_mask(p)
        clash = mask & (index >= 0)
        if clash.any():
            j = int(index[tuple(np.argwhere(clash)[0])])
            raise InputError(f"{key}.periods[{k}]: overlaps periods[{j}] ({_first_run(clash & (index == j))})")
        index[mask] = k
    if (index < 0).any():
        raise InputError(f"{key}.periods: leave {_first_run(index < 0)} uncovered")
    return index


def validate_tariff(cfg: TariffConfig | DictConfig, key: str = "tariff") -> None:
    """Raises InputError (one line naming the key) if the tariff cannot be used.

    Args:
        cfg: The tariff config (dataclass or the ``tariff`` DictConfig).
        key: Dotted key of the tariff in the root config, used in messages.
    """
    _validated(_as_object(cfg), key)


def _validated(cfg: TariffConfig, key: str) -> np.ndarray:
    """Runs every check; returns the compiled lookup."""
    if not cfg.periods:
        raise InputError(f"{key}.periods: need at least one period")
    for k, p in enumerate(cfg.periods):
        _check_period(p, f"{key}.periods[{k}]")
    for name in ("social_norm_kwh_per_occupant", "contract_kw", "penalty_rate_per_kwh",
                 "fixed_per_month", "capacity_per_kw_month"):
        if getattr(cfg, name) < 0:
            raise InputError(f"{key}.{name}: must not be negative, got {getattr(cfg, name)}")
    if cfg.penalty_rate_per_kwh > 0 and cfg.contract_kw == 0:
        raise InputError(f"{key}.penalty_rate_per_kwh: needs contract_kw > 0, got {cfg.penalty_rate_per_kwh}")
    _check_blocks(cfg, key)
    check_calendar(cfg.calendar, f"{key}.calendar")
    return _compile(cfg, key)


@dataclass
class ZoneSeries:
    """The tariff zone of each minute of a horizon (arrays of equal length).

    Attributes:
        name: Zone (period) name per minute.
        rate_per_kwh: Volume rate per minute, currency per kWh.
        cheapest: The rate equals the lowest rate of that calendar day (the
            "night tariff" to defer loads into).
        peak: The rate equals the highest rate of that calendar day and that
            rate is above the day's lowest (a flat day has no peak).
    """

    name: np.ndarray
    rate_per_kwh: np.ndarray
    cheapest: np.ndarray
    peak: np.ndarray


class Tariff:
    """A validated tariff compiled to a (month, day type, minute) lookup.

    Attributes:
        config: The tariff config.
        name: The tariff name.
        currency: Currency of every rate and charge.
        lookup: (12, 2, 1440) period index per month, day type (0 weekday,
            1 weekend) and minute of the day.
    """

    def __init__(self, config: TariffConfig, lookup: np.ndarray) -> None:
        self.config, self.name, self.currency = config, config.name, config.currency
        self.lookup = lookup
        self._names = np.array([p.name for p in config.periods], dtype=object)
        self._rates = np.array([p.rate_per_kwh for p in config.periods], dtype=float)
        rates = self._rates[lookup]
        self._day_min = rates.min(axis=2)
        self._day_max = rates.max(axis=2)

    @classmethod
    def from_config(cls, cfg: TariffConfig | DictConfig, key: str = "tariff") -> "Tariff":
        """Validates and compiles a tariff config.

        Args:
            cfg: The tariff config (dataclass or the ``tariff`` DictConfig).
            key: Dotted key of the tariff in the root config, used in messages.

        Raises:
            InputError: One line naming the key that is wrong.
        """
        cfg = _as_object(cfg)
        return cls(cfg, _validated(cfg, key))

    def clock(self, start: datetime, minutes: int) -> LocalClock:
        """Local clock time of each physical minute from ``start`` (the tariff's calendar)."""
        return local_clock(start, minutes, self.config.calendar.timezone, "tariff.calendar")

    def zones(self, start: datetime, minutes: int) -> ZoneSeries:
        """Zone, rate and cheapest/peak flags of each minute from ``start``.

        Args:
            start: First minute, local wall-clock time (seconds are dropped).
            minutes: Length of the horizon in minutes (physical minutes when
                the calendar has a time zone).
        """
        t = self.clock(start, minutes).local
        day = t.astype("datetime64[D]")
        minute = (t - day).astype(np.int64)
        weekend = days_off(day, self.config.calendar, "tariff.calendar").astype(np.int64)
        month = t.astype("datetime64[M]").astype(np.int64) % 12
        period = self.lookup[month, weekend, minute]
        rate = self._rates[period]
        low, high = self._day_min[month, weekend], self._day_max[month, weekend]
        return ZoneSeries(name=self._names[period], rate_per_kwh=rate,
                          cheapest=rate == low, peak=(rate == high) & (high > low))
