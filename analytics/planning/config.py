"""Settings of the deployment planner: targets, installation rates, prices.

Flat, typed dataclasses usable as Hydra structured configs (units in the
names). :func:`check_plan_config` turns an out-of-range value into a one-line
:class:`~scenarios.errors.InputError` naming the key (``plan.verify_days: ...``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields
from typing import Optional

from mesh_sim.config import MAX_HOPS_LIMIT
from scenarios.errors import InputError
from scenarios.generators.metering import CABLE_LENGTH_MAX_M, FLOOR_HEIGHT_M

#: Metering points two installers fit in one 8-hour shift (DOMAIN.md: 140-150).
POINTS_PER_SHIFT = 145
#: People in one installation crew (the basis of the 140-150 points a shift).
CREW_SIZE = 2
#: Allowed ``PlanConfig.margin_basis`` values.
MARGIN_BASES = ("route", "parent")
#: Priced items, in BoM order.
PRICE_ITEMS = ("d100fc", "j100uc", "pulse_sensor_gas", "pulse_sensor_water", "battery_er18505", "ad220",
               "contactor", "installation_per_point")


@dataclass
class PriceList:
    """Unit prices of the bill of materials, all in ``currency``.

    A price left ``None`` is only an error when the plan needs the item
    (``plan.prices.ad220: missing, needed for 12 DR points``).

    Attributes:
        currency: Currency code printed in the BoM and the summary.
        d100fc: One D100FC radio module (without its battery cell).
        j100uc: One J100UC concentrator.
        pulse_sensor_gas: One gas-meter pulse sensor (MDT-02 / MD-23).
        pulse_sensor_water: One water-meter pulse sensor (SD-25).
        battery_er18505: One ER18505 lithium cell (fitted or spare).
        ad220: One AD220 contactor-driver adapter.
        contactor: One 220 V AC contactor for remote disconnect / load shedding.
        installation_per_point: Labour per metering point installed.
    """

    currency: str = "EUR"
    d100fc: Optional[float] = None
    j100uc: Optional[float] = None
    pulse_sensor_gas: Optional[float] = None
    pulse_sensor_water: Optional[float] = None
    battery_er18505: Optional[float] = None
    ad220: Optional[float] = None
    contactor: Optional[float] = None
    installation_per_point: Optional[float] = None


@dataclass
class PlanConfig:
    """What the planner aims for and how it counts.

    Attributes:
        points_path: The metering points file (CSV or GeoJSON).
        verify_days: Simulated days of each verification run of the mesh.
        pdr_target: Share of readings that must arrive (``pdr_final``).
        max_hops: Longest route allowed in the plan (the protocol allows 30).
        min_link_margin_db: Fade margin: every module needs a route whose
            links all have at least this margin above the receiver
            sensitivity (see ``margin_basis``).
        margin_basis: What ``min_link_margin_db`` is checked on: ``route``
            (the module's best route within ``max_hops`` over the static link
            budget, :mod:`analytics.planning.margins`) or ``parent`` (the link
            to the parent the simulated router chose at the end of the run;
            the ETX router takes weak direct links over strong two-hop
            routes, so adding concentrators need not fix it).
        max_iterations: Verification runs at most (the first one included);
            each failed run adds one concentrator.
        battery_days: Days of one more run of the final layout whose
            battery lives make the replacement schedule (0: take them from
            the last verification run). Lives from a 1-day run are
            optimistic: the 240-module subnet's shortest life is 14.5 years
            after 1 day, 10.2 years after 30 (docs/planning.md).
        points_per_shift: Metering points one crew of two installs in an
            8-hour shift (DOMAIN.md: 140-150).
        spare_batteries_pct: Spare ER18505 cells ordered, % of the modules.
        install_date: Installation date (ISO ``YYYY-MM-DD``); batteries are
            due for replacement at this date plus their simulated life.
        prices: Unit prices of the BoM.
        dr_share: Share of flats (with an electricity meter) given DR
            equipment (AD220 + contactor) when the points file has no ``dr``
            column; drawn with the seed.
        cable_length_max_m: Longest meter-to-module pulse cable.
        floor_height_m: Storey height (cable rise, radio distance).
    """

    points_path: str = ""
    verify_days: float = 1.0
    pdr_target: float = 0.999
    max_hops: int = 30
    min_link_margin_db: float = 0.0
    margin_basis: str = "route"
    max_iterations: int = 10
    battery_days: float = 30.0
    points_per_shift: int = POINTS_PER_SHIFT
    spare_batteries_pct: float = 5.0
    install_date: str = "2027-01-01"
    prices: PriceList = field(default_factory=PriceList)
    dr_share: float = 0.0
    cable_length_max_m: float = CABLE_LENGTH_MAX_M
    floor_height_m: float = FLOOR_HEIGHT_M


def parse_install_date(cfg: PlanConfig) -> dt.date:
    """``cfg.install_date`` as a date (InputError naming ``plan.install_date``)."""
    try:
        return dt.date.fromisoformat(str(cfg.install_date))
    except ValueError:
        raise InputError(f"plan.install_date: expected an ISO date YYYY-MM-DD, got {cfg.install_date!r}") from None


def check_prices(prices: PriceList) -> None:
    """Raises InputError for an empty currency or a negative or non-finite price."""
    if not str(prices.currency).strip():
        raise InputError("plan.prices.currency: empty")
    for f in fields(prices):
        if f.name == "currency":
            continue
        value = getattr(prices, f.name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"plan.prices.{f.name}: expected a finite number, got {value!r}")
        if value < 0:
            raise InputError(f"plan.prices.{f.name}: must be >= 0, got {value:g}")


def check_plan_config(cfg: PlanConfig) -> None:
    """Raises InputError naming the first out-of-range key of ``cfg``."""
    if not cfg.verify_days > 0:
        raise InputError(f"plan.verify_days: must be > 0, got {cfg.verify_days}")
    if not 0.0 < cfg.pdr_target <= 1.0:
        raise InputError(f"plan.pdr_target: must be within (0, 1], got {cfg.pdr_target}")
    if not 1 <= cfg.max_hops <= MAX_HOPS_LIMIT:
        raise InputError(f"plan.max_hops: must be within 1..{MAX_HOPS_LIMIT}, got {cfg.max_hops}")
    if not math.isfinite(cfg.min_link_margin_db):
        raise InputError(f"plan.min_link_margin_db: must be finite, got {cfg.min_link_margin_db}")
    if cfg.margin_basis not in MARGIN_BASES:
        raise InputError(f"plan.margin_basis: '{cfg.margin_basis}' is not allowed; allowed: {', '.join(MARGIN_BASES)}")
    if cfg.max_iterations < 1:
        raise InputError(f"plan.max_iterations: must be >= 1, got {cfg.max_iterations}")
    if not cfg.battery_days >= 0:
        raise InputError(f"plan.battery_days: must be >= 0, got {cfg.battery_days}")
    if cfg.points_per_shift < 1:
        raise InputError(f"plan.points_per_shift: must be >= 1, got {cfg.points_per_shift}")
    if not 0.0 <= cfg.spare_batteries_pct <= 100.0:
        raise InputError(f"plan.spare_batteries_pct: must be within 0..100, got {cfg.spare_batteries_pct}")
    if not 0.0 <= cfg.dr_share <= 1.0:
        raise InputError(f"plan.dr_share: must be within 0..1, got {cfg.dr_share}")
    if not cfg.cable_length_max_m >= 0:
        raise InputError(f"plan.cable_length_max_m: must be >= 0, got {cfg.cable_length_max_m}")
    if not cfg.floor_height_m > 0:
        raise InputError(f"plan.floor_height_m: must be > 0, got {cfg.floor_height_m}")
    parse_install_date(cfg)
    check_prices(cfg.prices)
