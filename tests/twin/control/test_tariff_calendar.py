"""Tariffs on the site's calendar: holidays billed as weekend days, the 23- and 25-hour days of 2026."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from scenarios.calendars import CalendarConfig
from scenarios.errors import InputError
from twin.control.billing import bill
from twin.control.tariffs import Tariff, TariffConfig, TariffPeriodConfig

RO = CalendarConfig(country="RO", timezone="Europe/Bucharest")


def two_rate(calendar: CalendarConfig, **kw) -> Tariff:
    """Day 0.30 from 07 to 23, night 0.12 (the two_rate default) on ``calendar``."""
    return Tariff.from_config(TariffConfig(calendar=calendar, **kw))


def weekday_weekend(calendar: CalendarConfig) -> Tariff:
    return Tariff.from_config(TariffConfig(calendar=calendar, periods=[
        TariffPeriodConfig("work", 0.40, 0.0, 24.0, "weekday"), TariffPeriodConfig("rest", 0.10, 0.0, 24.0, "weekend")]))


def test_holiday_is_billed_as_the_weekend():
    start = datetime(2026, 11, 30)  # Monday 30 Nov (St Andrew) and Tuesday 1 Dec (National Day), then Wednesday
    zones = weekday_weekend(RO).zones(start, 3 * 1440)
    assert set(zones.name[:2 * 1440]) == {"rest"} and set(zones.name[2 * 1440:]) == {"work"}
    plain = weekday_weekend(CalendarConfig()).zones(start, 3 * 1440)
    assert set(plain.name) == {"work"}
    p = np.ones((1, 3 * 1440))
    charged = bill(["c"], p, start, weekday_weekend(RO))["energy_charge"].sum()
    assert charged == pytest.approx(48 * 0.10 + 24 * 0.40)


def test_spring_day_has_23_hours_billed_at_their_clock_rates():
    start = datetime(2026, 3, 29)
    tariff = two_rate(RO)
    zones = tariff.zones(start, 23 * 60)
    night = np.asarray(zones.name) == "night"
    assert night.sum() == 7 * 60  # 00-03 and 04-07 (03:00 does not exist) and 23-24
    out = bill(["c"], np.ones((1, 23 * 60)), start, tariff)
    row = out.iloc[0]
    assert row["energy_kwh"] == pytest.approx(23.0)
    assert row["energy_charge"] == pytest.approx(16 * 0.30 + 7 * 0.12)
    assert row["days_billed"] == pytest.approx(1.0)


def test_autumn_day_has_25_hours_and_the_repeated_hour_is_its_own_clock_hour():
    start = datetime(2026, 10, 25)
    tariff = two_rate(RO, contract_kw=1.5, penalty_rate_per_kwh=1.0)
    assert (np.asarray(tariff.zones(start, 25 * 60).name) == "night").sum() == 9 * 60
    out = bill(["c"], np.full((1, 25 * 60), 2.0), start, tariff)
    row = out.iloc[0]
    assert row["energy_kwh"] == pytest.approx(50.0)
    assert row["energy_charge"] == pytest.approx(2 * (16 * 0.30 + 9 * 0.12))
    assert row["penalty_kwh"] == pytest.approx(25 * 0.5)  # 25 clock hours, each 0.5 kWh over the contract
    assert row["days_billed"] == pytest.approx(1.0)


def test_a_whole_local_month_is_one_month_whatever_its_length():
    start = datetime(2026, 3, 1)
    minutes = 31 * 1440 - 60  # March 2026 in Bucharest: one hour short
    out = bill(["c"], np.ones((1, minutes)), start, two_rate(RO, fixed_per_month=5.0))
    assert list(out["month"]) == ["2026-03"]
    assert out["days_billed"].iloc[0] == pytest.approx(31.0)
    assert out["fixed_charge"].iloc[0] == pytest.approx(5.0)
    assert out["energy_kwh"].iloc[0] == pytest.approx(minutes / 60)


def test_without_time_zone_days_stay_1440_minutes():
    out = bill(["c"], np.ones((1, 1440)), datetime(2026, 3, 29), two_rate(CalendarConfig()))
    assert out["energy_charge"].iloc[0] == pytest.approx(16 * 0.30 + 8 * 0.12)


def test_bad_calendar_in_the_tariff_names_the_key():
    with pytest.raises(InputError, match="tariff.calendar.country: 'ZZ'"):
        Tariff.from_config(TariffConfig(calendar=CalendarConfig(country="ZZ")))
