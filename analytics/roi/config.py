"""Settings of the return-on-investment estimate (the ``roi`` config group).

One flat, typed dataclass usable as a Hydra structured config. Money fields are
in :attr:`RoiConfig.currency`; the suffix of a name gives its time unit
(``_per_year``, ``_month``) and ``_pct`` marks percentages. The cash flow is
seen by whoever pays the equipment (:attr:`RoiConfig.who_pays`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

from scenarios.errors import InputError

#: Input name → (unit, with ``{cur}`` for the currency; plain-language meaning).
INPUTS: dict[str, tuple[str, str]] = {
    "years": ("years", "horizon of the estimate"),
    "discount_rate_pct": ("% a year", "discount rate (cost of money)"),
    "flats": ("flats", "flats (metering points) equipped"),
    "flats_per_module": ("flats", "flats read by one D100FC radio module"),
    "modules": ("modules", "radio modules (0: flats / flats per module, rounded up)"),
    "capex_equipment": ("{cur}", "one-off equipment not per flat (concentrators, server)"),
    "equipment_per_flat": ("{cur}/flat", "data equipment per flat"),
    "installation_per_flat": ("{cur}/flat", "installation per flat"),
    "opex_hosting_per_year": ("{cur}/year", "server, hosting and data links"),
    "opex_maintenance_per_year": ("{cur}/year", "maintenance and operation"),
    "battery_replacement_cost": ("{cur}/module", "battery replacement per radio module"),
    "battery_life_years": ("years", "radio-module battery life"),
    "energy_bill_per_flat_month": ("{cur}/flat/month", "average energy bill"),
    "supply_kwh_per_year": ("kWh/year", "energy supplied (instead of the bill)"),
    "tariff_per_kwh": ("{cur}/kWh", "tariff (with the energy supplied)"),
    "tariff_escalation_pct_per_year": ("% a year", "yearly rise of the tariff"),
    "losses_before_pct": ("%", "losses before the system"),
    "losses_after_pct": ("%", "losses with the system"),
    "theft_recovered_per_year": ("{cur}/year", "theft recovered (beyond the loss reduction)"),
    "non_payment_reduction_per_year": ("{cur}/year", "non-payment avoided"),
    "dr_incentives_per_year": ("{cur}/year", "demand-response incentives earned"),
    "transformer_upgrade_avoided": ("{cur}", "transformer upgrade avoided (one-off)"),
    "transformer_upgrade_year": ("year", "year the upgrade would have been paid"),
    "manual_reading_cost_per_flat_year": ("{cur}/flat/year", "manual meter reading saved"),
    "fee_per_flat_month": ("{cur}/flat/month", "monthly fee paying the equipment"),
}

#: Inputs that must not be negative.
_NON_NEGATIVE = [k for k in INPUTS if k not in ("years", "transformer_upgrade_year")]
#: Distributions of the Monte-Carlo samples.
MC_DISTRIBUTIONS = ("triangular", "uniform")
#: Metrics the tornado chart can show.
TORNADO_METRICS = ("payback_months", "npv")
#: Worked examples of the brochure the report can check.
BROCHURE_EXAMPLES = ("", "s1", "pirmasens")


def _default_uncertainty() -> dict[str, float]:
    return {
        "equipment_per_flat": 20.0,
        "installation_per_flat": 30.0,
        "opex_maintenance_per_year": 30.0,
        "battery_replacement_cost": 30.0,
        "energy_bill_per_flat_month": 15.0,
        "losses_before_pct": 10.0,
        "losses_after_pct": 15.0,
        "manual_reading_cost_per_flat_year": 30.0,
    }


@dataclass
class RoiConfig:
    """Inputs of the cash flow, payback, NPV and IRR estimate.

    Attributes:
        years: Horizon, whole years after the investment (year 0).
        currency: Currency code of every money field (``EUR``, ``lei``...).
        discount_rate_pct: Discount rate, % a year (NPV, discounted payback).
        who_pays: Who pays the equipment; the cash flow is theirs (report text).
        flats: Flats equipped.
        flats_per_module: Flats read by one radio module (S1: 3).
        modules: Radio modules; 0 means ceil(flats / flats_per_module).
        capex_equipment: One-off equipment not counted per flat.
        equipment_per_flat: Data equipment per flat.
        installation_per_flat: Installation per flat.
        opex_hosting_per_year: Hosting, server and data links per year.
        opex_maintenance_per_year: Maintenance and operation per year.
        battery_replacement_cost: Battery replacement per module, labour included.
        battery_life_years: Battery life; replaced every this many years.
        energy_bill_per_flat_month: Average bill per flat and month; ignored
            when ``supply_kwh_per_year`` is set.
        supply_kwh_per_year: Energy supplied per year (all flats), kWh; 0: use the bill.
        tariff_per_kwh: Tariff with ``supply_kwh_per_year``.
        tariff_escalation_pct_per_year: Yearly rise of the energy value.
        losses_before_pct: Losses before, % of the energy value.
        losses_after_pct: Losses with the system, % of the energy value.
        theft_recovered_per_year: Theft recovered beyond the loss reduction
            (do not count twice what the losses already include).
        non_payment_reduction_per_year: Non-payment avoided per year.
        dr_incentives_per_year: Demand-response incentives per year.
        transformer_upgrade_avoided: One-off transformer upgrade avoided.
        transformer_upgrade_year: Year (1..years) it would have been paid.
        manual_reading_cost_per_flat_year: Manual reading cost saved.
        fee_per_flat_month: Monthly fee per flat paying the equipment (a
            benefit to whoever pays the equipment).
        uncertainty_pct: Input name → ± % of its value (tornado, Monte Carlo);
            0 makes an input certain.
        mc_samples: Monte-Carlo samples.
        mc_distribution: ``triangular`` (mode at the value) or ``uniform``.
        tornado_metric: ``payback_months`` or ``npv``.
        brochure: Brochure example checked in the report: ``s1``, ``pirmasens`` or empty.
        input_sources: Input name → where its value comes from (report).
        measured_inputs: Inputs taken from a measurement (an analytics or DR
            run): used as measured, never adjusted; a measured
            ``losses_before_pct`` may lie below ``losses_after_pct`` (the
            loss benefit is then zero, and the report says so:
            :mod:`analytics.roi.measured`).
        seed: Seed of the Monte-Carlo samples.
    """

    years: int = 15
    currency: str = "EUR"
    discount_rate_pct: float = 6.0
    who_pays: str = "the utility"
    flats: int = 432
    flats_per_module: int = 3
    modules: int = 0
    capex_equipment: float = 0.0
    equipment_per_flat: float = 0.0
    installation_per_flat: float = 0.0
    opex_hosting_per_year: float = 0.0
    opex_maintenance_per_year: float = 0.0
    battery_replacement_cost: float = 0.0
    battery_life_years: float = 6.0
    energy_bill_per_flat_month: float = 0.0
    supply_kwh_per_year: float = 0.0
    tariff_per_kwh: float = 0.0
    tariff_escalation_pct_per_year: float = 0.0
    losses_before_pct: float = 0.0
    losses_after_pct: float = 0.0
    theft_recovered_per_year: float = 0.0
    non_payment_reduction_per_year: float = 0.0
    dr_incentives_per_year: float = 0.0
    transformer_upgrade_avoided: float = 0.0
    transformer_upgrade_year: int = 0
    manual_reading_cost_per_flat_year: float = 0.0
    fee_per_flat_month: float = 0.0
    uncertainty_pct: dict[str, float] = field(default_factory=_default_uncertainty)
    mc_samples: int = 2000
    mc_distribution: str = "triangular"
    tornado_metric: str = "payback_months"
    brochure: str = ""
    input_sources: dict[str, str] = field(default_factory=dict)
    measured_inputs: list[str] = field(default_factory=list)
    seed: int = 42


def module_count(cfg: RoiConfig) -> int:
    """Radio modules: ``cfg.modules`` or flats / flats per module rounded up."""
    return cfg.modules if cfg.modules > 0 else math.ceil(cfg.flats / cfg.flats_per_module)


def unit_of(name: str, currency: str) -> str:
    """The unit of an input, with the currency filled in."""
    return INPUTS[name][0].format(cur=currency)


def _bad(key: str, why: str) -> InputError:
    return InputError(f"roi.{key}: {why}")


def validate(cfg: RoiConfig) -> RoiConfig:
    """Checks ranges; returns the config unchanged.

    Raises:
        InputError: One line naming the first bad key.
    """
    for key in _NON_NEGATIVE:
        value = getattr(cfg, key)
        if not math.isfinite(value) or value < 0:
            raise _bad(key, f"must be a number >= 0, got {value}")
    if cfg.years <= 0:
        raise _bad("years", f"must be > 0, got {cfg.years}")
    if cfg.flats <= 0:
        raise _bad("flats", f"must be > 0, got {cfg.flats}")
    if cfg.flats_per_module <= 0:
        raise _bad("flats_per_module", f"must be > 0, got {cfg.flats_per_module}")
    if cfg.battery_life_years <= 0:
        raise _bad("battery_life_years", f"must be > 0, got {cfg.battery_life_years}")
    if cfg.losses_before_pct > 100:
        raise _bad("losses_before_pct", f"must be at most 100, got {cfg.losses_before_pct}")
    if cfg.losses_after_pct > cfg.losses_before_pct and "losses_before_pct" not in cfg.measured_inputs:
        raise _bad("losses_after_pct", f"must not exceed losses_before_pct "
                   f"({cfg.losses_after_pct} > {cfg.losses_before_pct})")
    if cfg.supply_kwh_per_year > 0 and cfg.tariff_per_kwh <= 0:
        raise _bad("tariff_per_kwh", "must be > 0 when supply_kwh_per_year is set")
    if cfg.transformer_upgrade_avoided > 0 and not 1 <= cfg.transformer_upgrade_year <= cfg.years:
        raise _bad("transformer_upgrade_year", f"must be 1..{cfg.years} when an upgrade "
                   f"is avoided, got {cfg.transformer_upgrade_year}")
    if cfg.mc_samples < 1:
        raise _bad("mc_samples", f"must be >= 1, got {cfg.mc_samples}")
    if cfg.mc_distribution not in MC_DISTRIBUTIONS:
        raise _bad("mc_distribution", f"must be one of {', '.join(MC_DISTRIBUTIONS)}, got {cfg.mc_distribution!r}")
    if cfg.tornado_metric not in TORNADO_METRICS:
        raise _bad("tornado_metric", f"must be one of {', '.join(TORNADO_METRICS)}, got {cfg.tornado_metric!r}")
    if cfg.brochure not in BROCHURE_EXAMPLES:
        raise _bad("brochure", f"must be s1, pirmasens or empty, got {cfg.brochure!r}")
    floats = {f.name for f in fields(RoiConfig) if f.type in ("float", float)}
    for key, pct in cfg.uncertainty_pct.items():
        if key not in floats or key not in INPUTS:
            raise _bad(f"uncertainty_pct.{key}", "is not an uncertain money, rate or life input")
        if not 0 <= pct <= 100:
            raise _bad(f"uncertainty_pct.{key}", f"must be 0..100 %, got {pct}")
    for key in cfg.input_sources:
        if key not in INPUTS:
            raise _bad(f"input_sources.{key}", "is not an input of roi")
    for key in cfg.measured_inputs:
        if key not in INPUTS:
            raise _bad(f"measured_inputs.{key}", "is not an input of roi")
    return cfg


def from_mapping(values: Mapping[str, Any] | RoiConfig | None = None) -> RoiConfig:
    """Builds and validates a config from a mapping (e.g. ``cfg.roi`` of Hydra).

    Args:
        values: A plain mapping, an OmegaConf ``DictConfig`` (interpolations
            resolved) or a ``RoiConfig``.

    Raises:
        InputError: Unknown key or bad value.
    """
    if isinstance(values, RoiConfig):
        return validate(values)
    if values is not None and hasattr(values, "_metadata"):  # an OmegaConf node
        from omegaconf import OmegaConf

        values = OmegaConf.to_container(values, resolve=True)
    values = dict(values or {})
    known = {f.name for f in fields(RoiConfig)}
    for key in values:
        if key not in known:
            raise _bad(key, "unknown key")
    return validate(RoiConfig(**values))


def with_inputs(cfg: RoiConfig, values: Mapping[str, float], source: str, measured: bool = False) -> RoiConfig:
    """Returns a copy with inputs taken from another run, their source recorded.

    Args:
        cfg: The typed-in config.
        values: Input name → value (e.g. ``dr_incentives_per_year`` from a DR run).
        source: Where they come from, e.g. ``"DR run 2026-01-05"``.
        measured: The values are measurements: used as measured, never adjusted.

    Raises:
        InputError: Unknown input or bad value.
    """
    for key in values:
        if key not in INPUTS:
            raise _bad(key, "is not an input of roi")
    sources = dict(cfg.input_sources) | {k: source for k in values}
    marked = list(cfg.measured_inputs) + [k for k in values if measured and k not in cfg.measured_inputs]
    return validate(replace(cfg, **dict(values), input_sources=sources, measured_inputs=marked))
