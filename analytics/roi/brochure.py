"""The brochure's worked payback examples, recomputed.

S1 (``shared/seeds/000_*``): losses cut from 12 % to 8 % of a 300 lei monthly
bill save about 12 lei a month per flat; data equipment of about 400 lei per
flat (one radio module for three flats) pays back in 33 months. Pirmasens:
equipment paid through a 1.99 EUR monthly fee pays back in "almost two years",
"three times faster than EMERIS"; installation and operation not included.

Each check is a :class:`Check`; ``consistent`` is True when the arithmetic
adds up, False when it does not and None when the brochure gives too little to
check (the note says what is missing). A check that is true by construction —
a constant against a constant, or a payback recomputed from a cost that was
itself set to fee × claimed months — is of ``kind`` ``"arithmetic"``: it is
shown as the arithmetic it is, with ``consistent`` None, never as a
confirmation of the claim.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from analytics.roi.config import RoiConfig
from analytics.roi.metrics import summary

#: Lei per euro used only to compare the two examples (about 19-21 since 2014;
#: the brochures give no rate).
LEI_PER_EUR = 20.0


class Check(NamedTuple):
    """One claim of the brochure and what the arithmetic gives."""

    claim: str
    recomputed: str
    consistent: bool | None
    note: str
    kind: str = "claim"


def pirmasens_implied_equipment_per_flat(fee_per_flat_month: float = 1.99, payback_months: float = 24.0) -> float:
    """Equipment cost per flat that a monthly fee pays back in ``payback_months``
    (no installation, operation or interest): fee x months."""
    return fee_per_flat_month * payback_months


def s1_checks(bill_per_month: float = 300.0, losses_before_pct: float = 12.0, losses_after_pct: float = 8.0,
              equipment_per_flat: float = 400.0, flats_per_module: int = 3, claimed_saving_month: float = 12.0,
              claimed_payback_months: float = 33.0) -> list[Check]:
    """The S1 example in lei, recomputed step by step."""
    cut = losses_before_pct - losses_after_pct
    saving = bill_per_month * cut / 100.0
    payback = equipment_per_flat / saving
    bought_less = bill_per_month / (1 - losses_before_pct / 100) - bill_per_month / (1 - losses_after_pct / 100)
    billed_more = bill_per_month / (1 - losses_before_pct / 100) * cut / 100.0
    return [
        Check("Losses fall by a third, from 12 % to 8 %",
              f"({losses_before_pct:g} - {losses_after_pct:g}) / {losses_before_pct:g} = "
              f"{100 * cut / losses_before_pct:.1f} %", abs(cut / losses_before_pct - 1 / 3) < 0.01, ""),
        Check("Saving about 12 lei a month on a 300 lei bill",
              f"{cut:g} % of {bill_per_month:g} = {saving:.1f} lei/month",
              abs(saving - claimed_saving_month) <= 0.5,
              "Takes the losses as a share of the bill. If they are a share of the energy entering the "
              f"network, the same billed energy needs {bought_less:.1f} lei less energy bought, or the same "
              f"energy bought yields {billed_more:.1f} lei more billed: 12 lei is the cautious end. The "
              "saving goes to the supplier or network operator, not to the flat's bill."),
        Check("About 400 lei of equipment per flat pays back in 33 months",
              f"{equipment_per_flat:g} / {saving:.1f} = {payback:.1f} months",
              abs(payback - claimed_payback_months) <= 1.0,
              "Simple payback of the equipment alone: installation, hosting, maintenance, battery "
              "replacements and interest are not in it."),
        Check("33 months is less than three years", f"{claimed_payback_months:g} < 36", None,
              "Two constants compared: true by construction, it confirms nothing.", "arithmetic"),
        Check("Payback from loss detection alone in 2-5 years (S1)", f"{payback / 12:.1f} years",
              2.0 <= payback / 12 <= 5.0, "S2 says 5-7 years for the same claim; the brochures disagree."),
        Check("One radio module serves three flats",
              f"{flats_per_module} x {equipment_per_flat:g} = {flats_per_module * equipment_per_flat:g} lei "
              f"per module (about {flats_per_module * equipment_per_flat / LEI_PER_EUR:.0f} EUR)", None,
              "The brochure gives no module or concentrator price to check the 400 lei against."),
        Check("The system reduces losses by 80-90 % (S1 headline)",
              f"the worked example cuts {100 * cut / losses_before_pct:.0f} %; theft analytics' "
              f"further 4 points ({losses_after_pct:g} % to {max(losses_after_pct - 4, 0):g} %) "
              f"makes {100 * min(cut + 4, losses_before_pct) / losses_before_pct:.0f} % in all", False,
              "The headline and the worked example disagree; 80-90 % of 12 % would leave 1.2-2.4 % losses."),
    ]


def pirmasens_checks(fee_per_flat_month: float = 1.99, claimed_payback_months: float = 24.0,
                     equipment_per_flat: float | None = None, crew: int = 2, shift_hours: float = 8.0,
                     points_per_shift: float = 145.0, wage_per_hour: float = 40.0,
                     operation_per_flat_year: float = 3.0) -> list[Check]:
    """The Pirmasens example in EUR.

    Args:
        fee_per_flat_month: The monthly fee paying the equipment.
        claimed_payback_months: "almost two years".
        equipment_per_flat: Equipment cost if known; else the implied one is used.
        crew: Installers per crew (brochure: 2).
        shift_hours: Shift length (brochure: 8 h).
        points_per_shift: Metering points a crew installs per shift (brochure: 140-150).
        wage_per_hour: Loaded labour cost, EUR per hour (an assumption, not from the brochure).
        operation_per_flat_year: Hosting and maintenance per flat and year (an assumption).
    """
    implied = pirmasens_implied_equipment_per_flat(fee_per_flat_month, claimed_payback_months)
    equipment = implied if equipment_per_flat is None else equipment_per_flat
    payback = equipment / fee_per_flat_month
    circular = equipment_per_flat is not None and abs(equipment_per_flat - implied) < 0.01
    install = crew * shift_hours * wage_per_hour / points_per_shift
    full = (equipment + install) / (fee_per_flat_month - operation_per_flat_year / 12.0)
    first = (Check("A 1.99 EUR monthly fee pays the equipment back in almost two years",
                   f"{equipment:g} / {fee_per_flat_month:g} = {payback:.1f} months, with the equipment cost set to "
                   f"{fee_per_flat_month:g} x {claimed_payback_months:g} = {implied:.2f} EUR per flat", None,
                   "True by construction: the brochure states no equipment cost, so the cost was derived from "
                   "the claim itself. Only a real price per flat can confirm or refute it (S1: 400 lei, about "
                   f"{400 / LEI_PER_EUR:.0f} EUR).", "arithmetic") if circular else
             Check("A 1.99 EUR monthly fee pays the equipment back in almost two years",
                   f"needs equipment of at most {fee_per_flat_month:g} x {claimed_payback_months:g} = "
                   f"{implied:.2f} EUR per flat" + ("" if equipment_per_flat is None else
                                                    f"; {equipment:g} EUR pays back in {payback:.1f} months"),
                   None if equipment_per_flat is None else payback <= claimed_payback_months + 1.0,
                   "The brochure does not state the equipment cost; the check holds only if it is about "
                   f"{implied:.0f} EUR per flat (S1: 400 lei, about {400 / LEI_PER_EUR:.0f} EUR)."))
    rows = [
        first,
        Check("Three times faster than EMERIS",
              f"EMERIS would pay back in about {3 * payback:.0f} months, i.e. cost about "
              f"{3 * equipment:.0f} EUR per flat at the same fee", None,
              "No EMERIS price or fee is given: not checkable."),
        Check("Pays back in almost two years, installation and operation costs not included",
              f"installation {crew} people x {shift_hours:g} h x {wage_per_hour:g} EUR/h / "
              f"{points_per_shift:g} points = {install:.2f} EUR per flat; with {operation_per_flat_year:g} EUR "
              f"per flat and year of operation the payback is {full:.1f} months", full <= claimed_payback_months + 1.0,
              "The brochure says it leaves these costs out; with them the two years do not hold. Labour "
              "rate and operation cost are assumptions of this check, not brochure figures; interest "
              "(discounting) lengthens the payback further."),
    ]
    return rows


def model_check(cfg: RoiConfig, claimed_payback_months: float, by_construction: bool = False) -> Check:
    """The full cash-flow model's payback for ``cfg`` against the claimed one.

    With ``by_construction`` (an input was derived from the claimed payback)
    the row is arithmetic, not a confirmation.
    """
    got = summary(replace(cfg, uncertainty_pct={}))
    pay = got["payback_months"]
    text = (f"{pay:.1f} months (discounted at {cfg.discount_rate_pct:g} %: "
            f"{got['discounted_payback_months']:.1f} months)")
    if by_construction:
        return Check(f"Payback of about {claimed_payback_months:g} months (this estimate's inputs)", text, None,
                     "True by construction: an input was derived from the claimed payback, so the model gives "
                     "it back.", "arithmetic")
    return Check(f"Payback of about {claimed_payback_months:g} months (this estimate's inputs)", text,
                 bool(abs(pay - claimed_payback_months) <= 1.0),
                 "Monthly cash-flow model with every cost and benefit of the inputs below.")


def checks(example: str, cfg: RoiConfig | None = None) -> list[Check]:
    """The checks of one example (``s1`` or ``pirmasens``), plus the model's
    payback for ``cfg`` when given. Empty for any other name."""
    circular = False
    if example == "s1":
        rows, claimed = s1_checks(), 33.0
    elif example == "pirmasens":
        kwargs = {} if cfg is None else {"equipment_per_flat": cfg.equipment_per_flat}
        if cfg is not None and cfg.fee_per_flat_month > 0:
            kwargs["fee_per_flat_month"] = cfg.fee_per_flat_month
        rows, claimed = pirmasens_checks(**kwargs), 24.0
        circular = rows[0].kind == "arithmetic"
    else:
        return []
    if cfg is not None:
        rows.append(model_check(cfg, claimed, by_construction=circular))
    return rows
