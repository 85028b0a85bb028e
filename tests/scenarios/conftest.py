"""Shared fixtures of the scenarios tests: generated sites, built once per session."""

from __future__ import annotations

import pytest

from scenarios.generators import DistrictConfig, RuralConfig, make_district, make_ieee_eu_lv_site, make_rural_street


@pytest.fixture(scope="session")
def district_site():
    """The default district (432 flats with electricity and water meters)."""
    return make_district(DistrictConfig(), seed=7)


@pytest.fixture(scope="session")
def rural_site():
    """The default rural street (40 houses)."""
    return make_rural_street(RuralConfig(), seed=7)


@pytest.fixture(scope="session")
def ieee_site():
    """The IEEE European LV feeder site."""
    return make_ieee_eu_lv_site(seed=0)
