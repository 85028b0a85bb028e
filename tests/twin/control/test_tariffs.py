"""Tariff configs: validation messages, the conf/tariff options and per-minute zones."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

from scenarios.errors import InputError
from twin.control.tariffs import (Tariff, TariffBlockConfig, TariffConfig, TariffPeriodConfig,
                                  validate_tariff)

CONF = Path(__file__).resolve().parents[3] / "conf" / "tariff"
OPTIONS = ("flat", "two_rate", "tou", "contract", "block")
P = TariffPeriodConfig


def load_option(name: str):
    """The conf/tariff option merged into the schema, as Hydra would do it."""
    raw = OmegaConf.load(CONF / f"{name}.yaml")
    assert list(raw.pop("defaults")) == ["default_schema"]
    return OmegaConf.merge(OmegaConf.structured(TariffConfig), raw)


def two_rate(**changes) -> TariffConfig:
    return TariffConfig(name="two_rate", periods=[P("day", 0.30, 7, 23), P("night", 0.12, 23, 7)], **changes)


# --- conf/tariff options ------------------------------------------------------


@pytest.mark.parametrize("name", OPTIONS)
def test_every_option_loads_and_validates(name: str) -> None:
    cfg = load_option(name)
    validate_tariff(cfg)
    tariff = Tariff.from_config(cfg)
    assert tariff.name == name and tariff.currency == "EUR"
    assert isinstance(tariff.config, TariffConfig)


def test_option_numbers() -> None:
    assert [p.rate_per_kwh for p in Tariff.from_config(load_option("flat")).config.periods] == [0.25]
    contract = Tariff.from_config(load_option("contract")).config
    assert (contract.contract_kw, contract.penalty_rate_per_kwh) == (6.0, 0.50)
    block = Tariff.from_config(load_option("block")).config
    assert [b.up_to_kwh for b in block.blocks] == [100, 300, None]
    assert [b.rate_per_kwh for b in block.blocks] == [0.15, 0.25, 0.35]
    # The default schema is itself a usable tariff (the two-rate one).
    assert Tariff.from_config(TariffConfig()).zones(datetime(2025, 1, 6, 6, 59), 2).rate_per_kwh.tolist() == [0.12, 0.30]


# --- validation ---------------------------------------------------------------


def _expect(cfg: TariffConfig, message: str, key: str = "tariff") -> None:
    with pytest.raises(InputError) as err:
        validate_tariff(cfg, key=key)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{key}.")
    assert message in text, text
    with pytest.raises(InputError):
        Tariff.from_config(cfg, key=key)


def test_overlap_names_both_periods_and_where() -> None:
    cfg = TariffConfig(periods=[P("day", 0.30, 7, 23), P("night", 0.12, 22, 7)])
    _expect(cfg, "tariff.periods[1]: overlaps periods[0] (weekday 22:00-23:00 in month 1)")


def test_gap_is_reported_with_day_type_and_month() -> None:
    _expect(TariffConfig(periods=[P("day", 0.30, 7, 23), P("night", 0.12, 23, 6)]),
            "tariff.periods: leave weekday 06:00-07:00 in month 1 uncovered")
    weekdays_only = TariffConfig(periods=[P("day", 0.3, 0, 24, "weekday"),
                                          P("we", 0.2, 6, 24, "weekend", [1, 2]),
                                          P("we", 0.2, 0, 6, "weekend", [1, 2])])
    _expect(weekdays_only, "tariff.periods: leave weekend 00:00-24:00 in month 3 uncovered")


@pytest.mark.parametrize(("cfg", "message"), [
    (TariffConfig(periods=[P("day", 0.3, 0, 24, "weekdays")]),
     "tariff.periods[0].days: 'weekdays' is not allowed; allowed: all, weekday, weekend"),
    (TariffConfig(periods=[P("day", 0.3, 0, 24, "all", [1, 13])]), "tariff.periods[0].months: 13 is not a month"),
    (TariffConfig(periods=[P("day", 0.3, 7, 23), P("night", -0.1, 23, 7)]),
     "tariff.periods[1].rate_per_kwh: must not be negative, got -0.1"),
    (TariffConfig(periods=[P("day", 0.3, 7, 25)]), "tariff.periods[0].end_h: must be in 0..24"),
    (TariffConfig(periods=[P("day", 0.3, -1, 7)]), "tariff.periods[0].start_h: must be in 0..24"),
    (TariffConfig(periods=[P("day", 0.3, 7, 7)]), "tariff.periods[0]: start_h and end_h must differ"),
    (TariffConfig(periods=[P("day", 0.3, 7.01, 23)]), "tariff.periods[0].start_h: must be a whole minute"),
    (TariffConfig(periods=[]), "tariff.periods: need at least one period"),
    (two_rate(blocks=[TariffBlockConfig(300, 0.15), TariffBlockConfig(100, 0.25), TariffBlockConfig(None, 0.35)]),
     "tariff.blocks[1].up_to_kwh: must be above blocks[0].up_to_kwh (300"),
    (two_rate(blocks=[TariffBlockConfig(100, 0.15), TariffBlockConfig(200, 0.25)]),
     "tariff.blocks[1].up_to_kwh: the last block must have no end"),
    (two_rate(blocks=[TariffBlockConfig(None, 0.15), TariffBlockConfig(None, 0.25)]),
     "tariff.blocks[0].up_to_kwh: only the last block may have no end"),
    (two_rate(blocks=[TariffBlockConfig(100, -0.15), TariffBlockConfig(None, 0.25)]),
     "tariff.blocks[0].rate_per_kwh: must not be negative"),
    (two_rate(blocks=[TariffBlockConfig(0, 0.15), TariffBlockConfig(None, 0.25)]),
     "tariff.blocks[0].up_to_kwh: must be above 0, got 0"),
    (two_rate(penalty_rate_per_kwh=0.5), "tariff.penalty_rate_per_kwh: needs contract_kw > 0"),
    (two_rate(fixed_per_month=-1.0), "tariff.fixed_per_month: must not be negative, got -1.0"),
    (two_rate(social_norm_kwh_per_occupant=50.0), "tariff.social_norm_kwh_per_occupant: needs at least two blocks, got 0"),
])
def test_bad_config_is_one_line_naming_the_key(cfg: TariffConfig, message: str) -> None:
    _expect(cfg, message)


def test_messages_use_the_given_key() -> None:
    _expect(two_rate(contract_kw=-2.0), "dr.tariff.contract_kw: must not be negative", key="dr.tariff")


# --- zones --------------------------------------------------------------------


def test_two_rate_wraps_past_midnight_with_flags() -> None:
    tariff = Tariff.from_config(two_rate())
    z = tariff.zones(datetime(2025, 1, 6, 22, 0), 600)  # Mon 22:00 .. Tue 08:00
    assert len(z.name) == len(z.rate_per_kwh) == len(z.cheapest) == len(z.peak) == 600
    # 22:00-23:00 day (60 min), 23:00-07:00 night (480 min), 07:00-08:00 day (60 min)
    expected = ["day"] * 60 + ["night"] * 480 + ["day"] * 60
    assert z.name.tolist() == expected
    assert np.allclose(z.rate_per_kwh, [0.30 if n == "day" else 0.12 for n in expected])
    assert z.cheapest.tolist() == [n == "night" for n in expected]
    assert z.peak.tolist() == [n == "day" for n in expected]


def test_flat_tariff_is_cheapest_everywhere_and_has_no_peak() -> None:
    z = Tariff.from_config(load_option("flat")).zones(datetime(2025, 3, 1), 3 * 1440)
    assert z.cheapest.all() and not z.peak.any()
    assert set(z.name) == {"day"} and np.all(z.rate_per_kwh == 0.25)


def test_tou_by_calendar() -> None:
    tariff = Tariff.from_config(load_option("tou"))

    def at(*when: int):
        z = tariff.zones(datetime(*when), 1)
        return z.name[0], z.rate_per_kwh[0], bool(z.cheapest[0]), bool(z.peak[0])

    assert at(2025, 1, 10, 18) == ("peak", 0.45, False, True)        # Friday, winter
    assert at(2025, 1, 10, 12) == ("shoulder", 0.24, False, False)
    assert at(2025, 1, 11, 18) == ("weekend", 0.20, False, True)     # Saturday: 0.20 is that day's top
    assert at(2025, 1, 11, 3) == ("night", 0.14, True, False)
    assert at(2025, 7, 7, 18) == ("shoulder", 0.22, False, False)    # Monday, summer
    assert at(2025, 7, 7, 20) == ("peak", 0.32, False, True)
    assert at(2025, 7, 12, 20) == ("weekend", 0.18, False, True)     # Saturday, summer
    assert at(2025, 10, 1, 23, 30) == ("night", 0.14, True, False)   # October is winter


def test_minutes_are_classified_by_their_own_calendar_day() -> None:
    cfg = TariffConfig(periods=[P("night", 0.10, 22, 6, "weekday"), P("day", 0.30, 6, 22, "weekday"),
                                P("weekend", 0.20, 0, 24, "weekend")])
    z = Tariff.from_config(cfg).zones(datetime(2025, 1, 10, 21, 0), 11 * 60)  # Fri 21:00 .. Sat 08:00
    # Fri 21-22 day, Fri 22-24 night, Sat 00-08 weekend (not the weekday night's tail)
    assert z.name.tolist() == ["day"] * 60 + ["night"] * 120 + ["weekend"] * 480
    # Friday's lowest is 0.10; Saturday is flat 0.20: cheapest, never peak
    assert z.cheapest.tolist() == [False] * 60 + [True] * 600
    assert z.peak.tolist() == [True] * 60 + [False] * 600
