"""Return on investment of a BALANCE deployment: cash flow, payback, NPV, IRR,
their uncertainty, the brochure's worked examples recomputed, and a report.

Typical use::

    from analytics.roi import RoiConfig, run_roi
    result = run_roi(RoiConfig(equipment_per_flat=50, energy_bill_per_flat_month=40,
                               losses_before_pct=12, losses_after_pct=8), Path("out/roi"))
    result["payback_months"], result["npv"], result["irr_pct"]

Model and conventions: docs/roi.md.
"""

from analytics.roi.brochure import Check, checks as brochure_checks, pirmasens_implied_equipment_per_flat
from analytics.roi.cashflow import monthly_table, write_cashflow_csv, yearly_table
from analytics.roi.config import RoiConfig, from_mapping, module_count, validate, with_inputs
from analytics.roi.metrics import discounted_payback_months, irr, npv, payback_months, summary
from analytics.roi.report import run_roi, write_report_html
from analytics.roi.uncertainty import monte_carlo, tornado

__all__ = [
    "Check", "RoiConfig", "brochure_checks", "discounted_payback_months", "from_mapping", "irr",
    "module_count", "monte_carlo", "monthly_table", "npv", "payback_months",
    "pirmasens_implied_equipment_per_flat", "run_roi", "summary", "tornado", "validate", "with_inputs",
    "write_cashflow_csv", "write_report_html", "yearly_table",
]
