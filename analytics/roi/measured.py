"""Measured inputs: used as measured, and said so when they leave a benefit at zero or below.

An input taken from a measurement (``task.analytics_dir``: the measured
losses and the theft found; ``task.dr_dir``: whether the transformer stays
within rating) is never raised, lowered or clipped to make the estimate look
sensible. When it makes a benefit zero or negative, :func:`findings` returns
one sentence per case with the figures, shown at the top of the report and
written to ``summary.json`` (``measured_findings``).

The one rule of the cash flow that touches a measured input: the loss
reduction is ``max(before − after, 0)`` of the energy value — the system does
not make losses rise, so a measured "before" below the "after" target earns
nothing from losses, and the finding says by how much the target is above the
measurement.
"""

from __future__ import annotations

from typing import NamedTuple

from analytics.roi.cashflow import energy_value_per_year, float_inputs
from analytics.roi.config import RoiConfig


class Finding(NamedTuple):
    """A measured input that leaves a benefit at zero or below."""

    input: str
    benefit: str
    value_per_year: float
    text: str


def findings(cfg: RoiConfig) -> list[Finding]:
    """Benefits that a measured input makes zero or negative (module docstring)."""
    measured = set(cfg.measured_inputs)
    src = cfg.input_sources
    cur = cfg.currency
    out: list[Finding] = []
    if "losses_before_pct" in measured:
        before, after = cfg.losses_before_pct, cfg.losses_after_pct
        energy = float(energy_value_per_year(float_inputs(cfg), cfg.flats))
        gap = before - after
        if gap <= 0:
            out.append(Finding(
                "losses_before_pct", "loss_reduction", 0.0,
                f"Measured losses before the system are {before:.2f} % ({src.get('losses_before_pct', 'measured')}), "
                f"{'below' if gap < 0 else 'equal to'} the {after:g} % assumed with the system: "
                f"{before:.2f} % − {after:g} % = {gap:+.2f} points, so the loss reduction earns 0 {cur} a year "
                f"(it would be {energy * gap / 100.0:+,.0f} {cur} a year on the {energy:,.0f} {cur} energy value; "
                "the system does not make losses rise). The measured figure is used as measured; set "
                "roi.losses_after_pct to what the system can reach from there."))
    if "theft_recovered_per_year" in measured and cfg.theft_recovered_per_year <= 0:
        out.append(Finding(
            "theft_recovered_per_year", "theft_recovered", float(cfg.theft_recovered_per_year),
            f"The analytics run found no hidden energy to recover ({src.get('theft_recovered_per_year', 'measured')}): "
            f"theft recovered is {cfg.theft_recovered_per_year:,.0f} {cur} a year."))
    if "transformer_upgrade_avoided" in measured and cfg.transformer_upgrade_avoided <= 0:
        out.append(Finding(
            "transformer_upgrade_avoided", "transformer_upgrade_avoided", 0.0,
            f"The DR run ({src.get('transformer_upgrade_avoided', 'measured')}) does not keep the transformer "
            f"within rating: the avoided upgrade counts 0 {cur}."))
    return out
