"""The ROI report: a self-contained HTML page for readers who are not engineers.

:func:`run_roi` computes everything for one config and writes, into one
folder: ``cashflow.csv`` (yearly), ``cashflow_monthly.csv``, ``tornado.csv``,
``payback_mc.csv``, ``summary.json``, the charts ``cashflow.png``,
``tornado.png`` and ``payback_mc.png`` and ``report.html``, which refers to the
charts by relative file name.
"""

from __future__ import annotations

import html
import json
import math
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from analytics.roi import brochure as brochure_mod
from analytics.roi import measured as measured_mod
from analytics.roi.cashflow import BENEFIT_LINES, monthly_table, plot_cashflow, table_to_csv, write_cashflow_csv
from analytics.roi.config import INPUTS, RoiConfig, unit_of, validate
from analytics.roi.metrics import summary
from analytics.roi.uncertainty import monte_carlo, plot_payback_mc, plot_tornado, tornado

#: Source of an input nobody else supplied.
TYPED_IN = "typed in"
esc = html.escape


def _money(v: float, cur: str) -> str:
    return "n/a" if not math.isfinite(v) else f"{v:,.0f} {cur}".replace(",", " ")


def _months(v: float) -> str:
    return "not within the horizon" if not math.isfinite(v) else f"{v:.1f} months ({v / 12:.1f} years)"


def _m(v: float) -> str:
    return "never" if not math.isfinite(v) else f"{v:.1f}"


def _table(frame: pd.DataFrame) -> str:
    """A DataFrame as an HTML table (floats to 2 decimals)."""
    head = "".join(f"<th>{esc(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(
        f"<td>{esc(f'{v:,.2f}'.replace(',', ' ') if isinstance(v, float) else str(v))}</td>" for v in row)
        + "</tr>" for row in frame.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def assumptions(cfg: RoiConfig, sources: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every input with value, unit, meaning, uncertainty and source."""
    src = {**cfg.input_sources, **(sources or {})}
    return pd.DataFrame([{
        "input": k, "value": f"{getattr(cfg, k):,g}".replace(",", " "), "unit": unit_of(k, cfg.currency),
        "meaning": meaning,
        "uncertainty": f"±{cfg.uncertainty_pct[k]:g} %" if cfg.uncertainty_pct.get(k) else "",
        "source": src.get(k, TYPED_IN)} for k, (_, meaning) in INPUTS.items()])


def plain_notes(cfg: RoiConfig) -> list[str]:
    """What the estimate leaves out or assumes, in plain language."""
    notes = [f"All money is in {cfg.currency}, seen by {cfg.who_pays}, who pays the equipment. "
             "Costs count negative, benefits positive.",
             "Payback: when the money saved and earned has repaid the money spent. Discounted payback and "
             f"NPV count a {cfg.currency} next year as worth less than today, at {cfg.discount_rate_pct:g} % a year.",
             "NPV (net present value): everything over the horizon in today's money; above zero the "
             "investment beats leaving the money at the discount rate. IRR: the rate at which NPV is zero."]
    left_out = [name for key, name in (("installation_per_flat", "installation"),
                                       ("opex_hosting_per_year", "hosting"),
                                       ("opex_maintenance_per_year", "maintenance and operation"),
                                       ("battery_replacement_cost", "battery replacements"))
                if getattr(cfg, key) == 0]
    if left_out:
        notes.append("Not included (set to 0): " + ", ".join(left_out) + ". The payback is therefore "
                     "shorter than the real one.")
    if cfg.losses_before_pct > cfg.losses_after_pct:
        notes.append("The loss reduction is valued as a share of the energy bill (or of the energy "
                     "supplied times the tariff), as the brochure does.")
        if cfg.theft_recovered_per_year > 0:
            notes.append("Theft is part of the losses: the theft line must only hold what the loss "
                         "reduction does not already count.")
    if cfg.battery_replacement_cost > 0:
        notes.append(f"Radio-module batteries are replaced every {cfg.battery_life_years:g} years.")
    return notes


def write_report_html(path: Path, cfg: RoiConfig, figures: Mapping[str, Any], *,
                      yearly: pd.DataFrame | None = None, tornado_table: pd.DataFrame | None = None,
                      mc_stats: Mapping[str, Any] | None = None, plan: pd.DataFrame | None = None,
                      sources: Mapping[str, str] | None = None,
                      brochure_rows: Iterable[brochure_mod.Check] = (), notes: Iterable[str] = (),
                      images: Iterable[tuple[str, str]] = (), title: str = "Return on investment") -> None:
    """Writes the HTML report.

    Args:
        path: Output file; the images must be in the same folder.
        cfg: The inputs.
        figures: :func:`analytics.roi.metrics.summary` of ``cfg``.
        yearly: Yearly cash-flow table.
        tornado_table: :func:`analytics.roi.uncertainty.tornado` result.
        mc_stats: Monte-Carlo statistics.
        plan: Plan or bill of materials to show (any DataFrame).
        sources: Input name → where it comes from (``from a plan``, ``DR run``...);
            others are "typed in" unless ``cfg.input_sources`` says otherwise.
        brochure_rows: Brochure checks to show.
        notes: Extra plain-language notes.
        images: (file name, caption) of charts beside the page.
        title: Page title.
    """
    cur = cfg.currency
    pay, dpay = figures["payback_months"], figures["discounted_payback_months"]
    irr = figures["irr_pct"]
    head = [("Payback", _months(pay)), (f"Discounted payback ({cfg.discount_rate_pct:g} %)", _months(dpay)),
            (f"Net present value over {cfg.years} years", _money(figures["npv"], cur)),
            ("Internal rate of return", "n/a" if not math.isfinite(irr) else f"{irr:.1f} % a year")]
    cards = "".join(f"<div class='card'><div class='lbl'>{esc(k)}</div><div class='val'>{esc(v)}</div></div>"
                    for k, v in head)
    payer = cfg.who_pays[:1].upper() + cfg.who_pays[1:]
    story = (f"{esc(payer)} spends {esc(_money(figures['investment'], cur))} up front on "
             f"{cfg.flats} flats ({figures['modules']} radio modules). In the first year the system brings "
             f"{esc(_money(figures['benefits_year1'], cur))} and costs {esc(_money(figures['costs_year1'], cur))} "
             f"to run. ")
    story += (f"The investment is paid back after {esc(_months(pay))}." if math.isfinite(pay) else
              f"The investment is not paid back within {cfg.years} years.")
    if mc_stats:
        q = mc_stats["payback_months"]
        story += (f" Allowing for the uncertainty of the inputs ({mc_stats['samples']} cases), 8 cases in 10 pay "
                  f"back between {esc(_months(q['p10']))} and {esc(_months(q['p90']))}; the middle case "
                  f"{esc(_months(q['p50']))}.")
    parts = [f"<h1>{esc(title)}</h1><div class='cards'>{cards}</div><p class='story'>{story}</p>"]
    found = measured_mod.findings(cfg)
    if found:
        items = "".join(f"<li>{esc(f.text)}</li>" for f in found)
        parts.append(f"<h2>What the measurements say</h2><ul class='bad'>{items}</ul>")
    if plan is not None and len(plan):
        parts.append(f"<h2>Plan and bill of materials</h2>{_table(plan)}")
    rows = list(brochure_rows)
    if rows:
        mark = {True: ("ok", "yes"), False: ("bad", "NO"), None: ("na", "cannot check")}

        def verdict(r) -> tuple[str, str]:
            return ("na", "arithmetic (true by construction)") if r.kind == "arithmetic" else mark[r.consistent]

        parts.append("<p class='story'><b>Vendor inputs.</b> The inputs marked <i>vendor input</i> below are the "
                     "brochure's own figures, not measurements or quotes; the table recomputes its claims from "
                     "them.</p>")
        body = "".join(f"<tr><td>{esc(r.claim)}</td><td>{esc(r.recomputed)}</td>"
                       f"<td class='{verdict(r)[0]}'>{verdict(r)[1]}</td><td>{esc(r.note)}</td></tr>"
                       for r in rows)
        parts.append("<h2>The brochure's example, recomputed</h2><table><tr><th>claim</th><th>recomputed</th>"
                     f"<th>adds up</th><th>note</th></tr>{body}</table>")
    imgs = "".join(f"<figure><img src='{esc(name)}' alt='{esc(cap)}'><figcaption>{esc(cap)}</figcaption></figure>"
                   for name, cap in images)
    parts.append(f"<h2>Charts</h2>{imgs}")
    if yearly is not None:
        show = yearly[["year", "capex", "installation", "net", "cumulative", "cumulative_discounted"]].copy()
        show.insert(3, "running_costs", yearly[["opex_hosting", "opex_maintenance", "battery_replacement"]].sum(1))
        show.insert(4, "benefits", yearly[list(BENEFIT_LINES)].sum(1))
        parts.append(f"<h2>Cash flow per year ({esc(cur)}; year 0 is the investment)</h2>{_table(show)}"
                     "<p>Every line of the cash flow is in <code>cashflow.csv</code>.</p>")
    if tornado_table is not None and len(tornado_table):
        t = tornado_table
        show = pd.DataFrame({
            "input": t["input"], "range": [f"±{p:g} %" for p in t["pct"]],
            "low / high value": [f"{lo:,.4g} / {hi:,.4g} {u}" for lo, hi, u in zip(t["low_value"], t["high_value"],
                                                                                   t["unit"])],
            "payback at low / high (months)": [f"{_m(a)} / {_m(b)}" for a, b in zip(t["payback_at_low_months"],
                                                                                  t["payback_at_high_months"])],
            f"NPV at low / high ({cur})": [f"{_money(a, '')}/ {_money(b, '')}".strip()
                                         for a, b in zip(t["npv_at_low"], t["npv_at_high"])]})
        parts.append("<h2>Which inputs matter most</h2><p>Each input moved alone to the low and the high end "
                     f"of its range, widest effect first.</p>{_table(show)}")
    parts.append(f"<h2>Assumptions</h2>{_table(assumptions(cfg, sources))}")
    items = "".join(f"<li>{esc(n)}</li>" for n in [*plain_notes(cfg), *notes])
    parts.append(f"<h2>Notes</h2><ul>{items}</ul>")
    Path(path).write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 10px; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; font-weight: normal; }}
td.ok {{ color: #176b1a; font-weight: bold; }} td.bad {{ color: #b00020; font-weight: bold; }}
td.na {{ color: #8a6d00; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; }}
.card {{ border: 1px solid #ccc; border-radius: 6px; padding: 0.8em 1.2em; min-width: 200px; }}
.card .lbl {{ color: #555; font-size: 0.9em; }} .card .val {{ font-size: 1.4em; font-weight: bold; }}
.story {{ font-size: 1.1em; line-height: 1.5; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
figure {{ margin: 1.5em 0; }}
</style></head><body>
{''.join(parts)}
</body></html>
""", encoding="utf-8")


def run_roi(cfg: RoiConfig, out_dir: Path, *, plan: pd.DataFrame | None = None,
            sources: Mapping[str, str] | None = None, notes: Iterable[str] = ()) -> dict[str, Any]:
    """Computes the estimate and writes every output into ``out_dir``.

    Args:
        cfg: The inputs (validated here).
        out_dir: Output folder (created).
        plan: Plan or bill of materials shown in the report.
        sources: Input name → source, for the assumptions table.
        notes: Extra plain-language notes for the report.

    Returns:
        The summary (also in ``summary.json``): headline figures, Monte-Carlo
        statistics, the brochure checks and ``seconds`` per step.
    """
    validate(cfg)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    figures = summary(cfg)
    yearly = write_cashflow_csv(out / "cashflow.csv", cfg)
    table_to_csv(monthly_table(cfg), out / "cashflow_monthly.csv")
    seconds["cashflow"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tor = tornado(cfg)
    tor.to_csv(out / "tornado.csv", index=False, float_format="%.4f")
    samples, stats = monte_carlo(cfg)
    samples.to_csv(out / "payback_mc.csv", index=False, float_format="%.4f")
    seconds["uncertainty"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    images = [("cashflow.png", "Net cash flow per year and the cumulative cash flow (paid back where it crosses 0)")]
    plot_cashflow(out / "cashflow.png", yearly, cfg.currency)
    if len(tor):
        base = figures["payback_months"] if cfg.tornado_metric == "payback_months" else figures["npv"]
        plot_tornado(out / "tornado.png", tor, cfg, base)
        images.append(("tornado.png", "Each uncertain input at its low and high end, the others unchanged"))
    plot_payback_mc(out / "payback_mc.png", samples, stats, cfg)
    images.append(("payback_mc.png", "Payback over the Monte-Carlo cases, all uncertain inputs drawn at once"))
    seconds["plots"] = time.perf_counter() - t0
    checks = brochure_mod.checks(cfg.brochure, cfg)
    write_report_html(out / "report.html", cfg, figures, yearly=yearly, tornado_table=tor, mc_stats=stats,
                      plan=plan, sources=sources, brochure_rows=checks, notes=notes, images=images)
    result = {**figures, "monte_carlo": stats,
              "brochure_checks": [c._asdict() for c in checks],
              "measured_inputs": list(cfg.measured_inputs),
              "measured_findings": [f._asdict() for f in measured_mod.findings(cfg)], "seconds": seconds}
    (out / "summary.json").write_text(json.dumps(_jsonable(result), indent=2))
    return result


def _jsonable(obj: Any) -> Any:
    """Replaces non-finite floats by None (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
