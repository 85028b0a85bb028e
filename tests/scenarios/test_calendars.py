"""Holidays and local clock time with daylight saving, on the 2026 transitions."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from scenarios.calendars import CalendarConfig, check_calendar, days_off, holidays_between, local_clock
from scenarios.errors import InputError


@pytest.mark.parametrize("country, day", [
    ("RO", date(2026, 12, 1)),    # Great Union Day
    ("RO", date(2026, 4, 13)),    # Orthodox Easter Monday (Easter 12 April 2026)
    ("MD", date(2026, 8, 27)),    # Independence Day
    ("DE", date(2026, 10, 3)),    # Day of German Unity
    ("RU", date(2026, 6, 12)),    # Russia Day
])
def test_public_holidays_of_the_configured_country(country, day):
    assert day in holidays_between(CalendarConfig(country=country), date(2026, 1, 1), date(2026, 12, 31))
    one = np.array([np.datetime64(day, "D")])
    assert days_off(one, CalendarConfig(country=country))[0]
    assert days_off(one, CalendarConfig())[0] == (day.weekday() >= 5)  # no country: weekends only


def test_subdivision_holidays():
    epiphany = np.array([np.datetime64("2026-01-06")])
    assert days_off(epiphany, CalendarConfig(country="DE", subdivision="BY"))[0]  # Bavaria
    assert not days_off(epiphany, CalendarConfig(country="DE", subdivision="BE"))[0]  # Berlin


def test_weekends_without_country():
    days = np.arange(np.datetime64("2026-03-23"), np.datetime64("2026-03-30"))  # Monday..Sunday
    assert days_off(days, CalendarConfig()).tolist() == [False] * 5 + [True, True]


@pytest.mark.parametrize("zone, day, hours", [
    ("Europe/Bucharest", "2026-03-29", 23), ("Europe/Bucharest", "2026-10-25", 25),
    ("Europe/Berlin", "2026-03-29", 23), ("Europe/Berlin", "2026-10-25", 25),
    ("Europe/Chisinau", "2026-03-29", 23), ("Europe/Chisinau", "2026-10-25", 25),
    ("Europe/Moscow", "2026-03-29", 24),  # no daylight saving
])
def test_local_days_of_the_2026_transitions(zone, day, hours):
    start = datetime.fromisoformat(day)
    clock = local_clock(start, 26 * 60, zone)
    same_day = clock.local.astype("datetime64[D]") == np.datetime64(day)
    assert same_day.sum() == hours * 60
    assert clock.day_fraction[same_day].sum() == pytest.approx(1.0)
    assert len(np.unique(clock.hour_key[same_day])) == hours  # the repeated hour is an hour of its own


def test_spring_forward_skips_an_hour_and_fall_back_repeats_one():
    spring = local_clock(datetime(2026, 3, 29, 2, 0), 120, "Europe/Bucharest").local
    assert str(spring[59]) == "2026-03-29T02:59" and str(spring[60]) == "2026-03-29T04:00"
    autumn = local_clock(datetime(2026, 10, 25, 3, 0), 120, "Europe/Bucharest").local
    assert str(autumn[59]) == "2026-10-25T03:59" and str(autumn[60]) == "2026-10-25T03:00"


def test_bad_calendar_is_one_line_naming_the_key():
    with pytest.raises(InputError, match="calendar.timezone: 'Mars/Olympus' is not an IANA time zone"):
        check_calendar(CalendarConfig(timezone="Mars/Olympus"))
    with pytest.raises(InputError, match="calendar.country: 'XX' is not a country"):
        check_calendar(CalendarConfig(country="XX"))
    with pytest.raises(InputError, match="calendar.subdivision: 'ZZ' is not a subdivision of DE"):
        check_calendar(CalendarConfig(country="DE", subdivision="ZZ"))
