"""Bill of materials, installation effort and battery replacement schedule of a plan.

BoM quantities: one D100FC per module, one J100UC per concentrator, one pulse
sensor per gas and per water meter (electricity and heat meters have pulse
outputs), one ER18505 cell per module plus ``ceil(modules ×
spare_batteries_pct / 100)`` spares, one AD220 and one contactor per DR
point, and installation per metering point (meter). Items with quantity 0
are left out and need no price. Installation takes ``ceil(points /
points_per_shift)`` 8-hour shifts of a crew of two (DOMAIN.md: 140-150
points a shift).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from scenarios.errors import InputError
from scenarios.site import MeterKind

from analytics.planning.config import CREW_SIZE, PlanConfig, PriceList, check_prices, parse_install_date
from analytics.planning.planner import Plan

#: Columns of :func:`bom`.
BOM_COLUMNS = ("item", "description", "quantity", "unit_price", "total", "currency")
#: Columns of :func:`battery_schedule`.
SCHEDULE_COLUMNS = ("module_id", "concentrator_id", "hops", "relayed_per_day", "battery_life_years", "replace_by")
DAYS_PER_YEAR = 365.25


def spare_count(modules: int, spare_batteries_pct: float) -> int:
    """Spare cells: ``ceil(modules × pct / 100)`` (rounded to 1e-9 first, so 5 % of 100 is 5)."""
    return math.ceil(round(modules * spare_batteries_pct / 100.0, 9))


def install_shifts(points: int, points_per_shift: int) -> int:
    """Crew shifts to install ``points`` metering points: ``ceil(points / points_per_shift)``."""
    if points_per_shift < 1:
        raise InputError(f"plan.points_per_shift: must be >= 1, got {points_per_shift}")
    return math.ceil(points / points_per_shift)


def quantities(plan: Plan, cfg: PlanConfig) -> list[tuple[str, str, int, str]]:
    """``(item, description, quantity, what is counted)`` of every item, in BoM order."""
    site = plan.site
    n_mod, n_dr = len(site.modules), len(plan.dr_meter_ids)
    n_gas, n_water = len(site.meters_of_kind(MeterKind.GAS)), len(site.meters_of_kind(MeterKind.WATER))
    spares = spare_count(n_mod, cfg.spare_batteries_pct)
    return [
        ("d100fc", "D100FC battery radio module", n_mod, "modules"),
        ("j100uc", "J100UC concentrator", len(site.concentrators), "concentrators"),
        ("pulse_sensor_gas", "gas meter pulse sensor (MDT-02 / MD-23)", n_gas, "gas meters"),
        ("pulse_sensor_water", "water meter pulse sensor (SD-25)", n_water, "water meters"),
        ("battery_er18505", f"ER18505 cell: {n_mod} fitted + {spares} spare ({cfg.spare_batteries_pct:g} %)",
         n_mod + spares, "modules and spares"),
        ("ad220", "AD220 contactor driver", n_dr, "DR points"),
        ("contactor", "220 V AC contactor", n_dr, "DR points"),
        ("installation_per_point", f"installation, {install_shifts(len(site.meters), cfg.points_per_shift)} "
         f"shift(s) of {CREW_SIZE} people", len(site.meters), "metering points"),
    ]


def bom(plan: Plan, prices: PriceList, cfg: PlanConfig) -> pd.DataFrame:
    """The bill of materials: ``item, description, quantity, unit_price, total, currency``.

    Raises:
        InputError: ``plan.prices.<item>: missing, needed for <n> <what>`` for an
            unpriced item the plan needs; a negative or non-finite price.
    """
    check_prices(prices)
    rows = []
    for item, description, qty, what in quantities(plan, cfg):
        if qty == 0:
            continue
        price = getattr(prices, item)
        if price is None:
            raise InputError(f"plan.prices.{item}: missing, needed for {qty} {what}")
        rows.append((item, description, qty, float(price), qty * float(price), prices.currency))
    return pd.DataFrame(rows, columns=list(BOM_COLUMNS))


def capex(bom_df: pd.DataFrame) -> float:
    """Total of the BoM."""
    return float(bom_df["total"].sum()) if len(bom_df) else 0.0


def battery_schedule(plan: Plan, install_date: dt.date | str) -> pd.DataFrame:
    """When each module's cell is due: install date + its simulated battery life
    (from ``plan.battery_nodes``, else ``plan.nodes``).

    Returns:
        One row per module (``module_id, concentrator_id, hops,
        relayed_per_day, battery_life_years, replace_by``), earliest first
        (ties by module id); modules without a finite life come last with an
        empty ``replace_by``.
    """
    if isinstance(install_date, str):
        install_date = parse_install_date(PlanConfig(install_date=install_date))
    rows = []
    for n in plan.battery_nodes or plan.nodes:
        if n.kind != "module":
            continue
        life = n.battery_life_years
        due = (install_date + dt.timedelta(days=life * DAYS_PER_YEAR)) if math.isfinite(life) else None
        rows.append((n.node_id, n.concentrator_id, n.hops, n.relayed_per_day, life, due))
    df = pd.DataFrame(rows, columns=list(SCHEDULE_COLUMNS))
    df["_late"] = df["replace_by"].isna()
    df["_key"] = df["replace_by"].map(lambda d: d.toordinal() if d is not None else np.inf)
    df = df.sort_values(["_late", "_key", "module_id"], kind="stable").drop(columns=["_late", "_key"])
    return df.reset_index(drop=True)


def replacements_by_year(schedule: pd.DataFrame) -> pd.DataFrame:
    """Cells due per calendar year: ``year, replacements, cumulative``."""
    years = [d.year for d in schedule["replace_by"] if d is not None and not pd.isna(d)]
    counts = pd.Series(years, dtype="int64").value_counts().sort_index()
    out = pd.DataFrame({"year": counts.index.astype(int), "replacements": counts.to_numpy(dtype=int)})
    out["cumulative"] = out["replacements"].cumsum()
    return out
