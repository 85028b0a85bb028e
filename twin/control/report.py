"""``dr/report.md``: the comparison in words, with the verdict on the 40 % claim and why."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from twin.control.closed_loop import StrategyRun
from twin.control.study import Study

_COLUMNS = [("strategy", "strategy", "{}"), ("peak_kw", "peak kW", "{:.0f}"),
            ("max_loading_pct", "peak loading %", "{:.0f}"), ("minutes_over_rating", "min over rating", "{}"),
            ("energy_shifted_kwh", "shifted kWh", "{:.0f}"), ("energy_not_served_kwh", "not served kWh", "{:.1f}"),
            ("comfort_violation_minutes", "comfort home-min", "{}"),
            ("mean_command_latency_s", "latency s", "{:.1f}"), ("customer_cost_total", "bills", "{:.0f}"),
            ("losses_kwh", "losses kWh", "{:.1f}")]


def _fmt(fmt: str, value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "–"
    return fmt.format(value)


def _clock(study: Study, minute: int) -> str:
    from datetime import timedelta

    return (study.start + timedelta(minutes=int(minute))).strftime("%H:%M")


def write_report(path: Path, study: Study, runs: dict[tuple[str, float], StrategyRun], rows: list[dict[str, Any]],
                 sweep: list[dict[str, Any]], figures: dict[str, Any], claim: float,
                 bound_sweep: list[dict[str, Any]] | None = None, robustness: list[dict[str, Any]] | None = None,
                 other_sweeps: list[dict[str, Any]] | None = None,
                 violations: list[dict[str, Any]] | None = None) -> None:
    """Writes the Markdown report."""
    dr = study.plan.cfg
    lines = ["# Demand response and local load management, side by side", "",
             f"{study.fleet.n} homes, transformer {study.rating_kva:.0f} kVA, {study.fleet.minutes} minutes from "
             f"{study.start:%Y-%m-%d %H:%M}, tariff `{study.tariff.name}`, participation {dr.participation:.0%}, "
             f"central trigger `{dr.central.trigger}`, DLM threshold {dr.dlm.threshold_kw:g} kW "
             f"(peak {dr.dlm.peak_threshold_kw:g}, night {dr.dlm.night_threshold_kw:g}), "
             f"command delays: {study.latency_source}.", "",
             "| " + " | ".join(h for _, h, _ in _COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(f, r[k]) for k, _, f in _COLUMNS) + " |")
    lines += ["", "## As the transformer feels it, and against the best schedule possible", ""]
    lines += transformer_section(study, rows, figures)
    lines += ["", f"## Is about {claim:.0%} participation enough?", ""]
    lines += verdict(study, runs, rows, sweep, claim)
    lines += participation_answer(sweep, bound_sweep or [], other_sweeps or [], claim)
    if sweep:
        lines += ["", monotone_text(violations or [])]
    if robustness:
        lines += ["", "## Robustness: forecast error and radio faults", ""] + robustness_section(rows, robustness)
    lines += ["", "## Strategy by strategy", ""] + _per_strategy(rows)
    lines += ["", "Definitions of every column: `twin/control/comparison.py` and docs/dr-model.md.",
              f"Deferred-energy conservation error (largest per home, all runs): "
              f"{figures['deferred_energy_conservation_error_kwh']:.2e} kWh."]
    path.write_text("\n".join(lines) + "\n")


def _split(study: Study, run: StrategyRun) -> str:
    t = int(np.argmax(run.loading_pct))
    red, yellow, green = run.p_class_kw[:, t]
    return (f"{run.loading_pct[t]:.0f} % at {_clock(study, t)} (RED {red:.0f} kW, YELLOW {yellow:.0f} kW, "
            f"GREEN {green:.0f} kW)")


def verdict(study: Study, runs: dict[tuple[str, float], StrategyRun], rows: list[dict[str, Any]],
            sweep: list[dict[str, Any]], claim: float) -> list[str]:
    """Bullet points: the answer, what was there to switch at the peak, where the remaining overload is."""
    out = []
    none = runs.get(("none", 0.0))
    at = runs.get(("combined", claim))
    if none is not None:
        over = int((none.loading_pct > 100).sum())
        if over == 0:
            out.append(f"- Without control the transformer stays within rating (peak {none.loading_pct.max():.0f} %): "
                       "there is nothing to fix on this feeder.")
        else:
            t = int(np.argmax(none.loading_pct))
            flexible = none.p_class_kw[1, t] + none.p_class_kw[2, t]
            need = none.p_trafo_kw[t] * (1 - 100.0 / none.loading_pct[t])
            out.append(f"- Without control: {over} minutes over rating, worst {_split(study, none)}. Keeping that "
                       f"minute within rating means removing about {need:.0f} kW; {claim:.0%} of the homes hold "
                       f"about {claim * flexible:.0f} kW of it in YELLOW and GREEN sockets, and YELLOW can only be "
                       f"off {study.plan.cfg.guard.yellow_max_off_min} min at a time (rotated over "
                       f"{study.plan.cfg.central.rotation_groups} groups by central DR).")
    if none is not None and not (none.loading_pct > 100).any():
        return out
    if at is not None:
        over = int((at.loading_pct > 100).sum())
        out.append(f"- **{'Yes' if over == 0 else 'No'}** on this feeder: with {claim:.0%} of homes in combined "
                   f"DR + DLM, {over} minutes are over rating; worst {_split(study, at)}.")
        if over:
            minutes = np.flatnonzero(at.loading_pct > 100)
            hours = sorted({_clock(study, int(m))[:2] + ":00" for m in minutes})
            out.append(f"- The remaining overload falls in the hours starting {', '.join(hours[:8])}"
                       + (" ..." if len(hours) > 8 else "") + "; " + _cause(at) + ".")
    ok = [r["participation"] for r in sorted(sweep, key=lambda r: r["participation"]) if r["minutes_over_rating"] == 0]
    if sweep:
        best = min(sweep, key=lambda r: (r["minutes_over_rating"], r["max_loading_pct"]))
        out.append((f"- Smallest swept participation with no minute over rating: {ok[0]:.0%}. "
                    if ok else "- No swept participation keeps every minute within rating. ")
                   + f"Fewest minutes over rating: {best['minutes_over_rating']} at {best['participation']:.0%} "
                     f"(peak {best['max_loading_pct']:.0f} %)."
                   + (" More participation is not always better here: more deferred load means a larger "
                      "synchronised rebound (see participation.png)." if _not_monotonic(sweep) else ""))
    return out


def _not_monotonic(sweep: list[dict[str, Any]]) -> bool:
    """A higher participation has more minutes over rating than a lower one."""
    over = [r["minutes_over_rating"] for r in sorted(sweep, key=lambda r: r["participation"])]
    return any(b > a for a, b in zip(over, over[1:]))


def _cause(run: StrategyRun) -> str:
    """Which socket class dominates the worst remaining minute, and what that means."""
    t = int(np.argmax(run.loading_pct))
    red, yellow, green = run.p_class_kw[:, t]
    if yellow >= max(red, green):
        return ("the worst minute is mostly YELLOW (space heating and fridges, incl. recovery after sheds and after "
                "the night setback), which can only be switched off for short, rotated periods")
    if green >= red:
        return ("the worst minute is mostly GREEN: deferred water heating, cycles and EV charging starting again "
                "(rebound after an event or at the start of the night tariff)")
    return "the worst minute is mostly RED load, which no strategy may switch"


def _per_strategy(rows: list[dict[str, Any]]) -> list[str]:
    by = {r["strategy"]: r for r in rows}
    out = []
    for s in ("dr", "dlm", "combined"):
        if s in by and "none" in by:
            r, n = by[s], by["none"]
            out.append(f"- `{s}`: peak {n['peak_kw']:.0f} → {r['peak_kw']:.0f} kW, minutes over rating "
                       f"{n['minutes_over_rating']} → {r['minutes_over_rating']}, {r['energy_shifted_kwh']:.0f} kWh "
                       f"moved in time, {r['energy_deferred_green_kwh']:.0f} kWh of GREEN deferred, "
                       f"{r['comfort_violation_minutes'] - n['comfort_violation_minutes']:+d} comfort home-minutes "
                       f"and {r['energy_not_served_kwh'] - n['energy_not_served_kwh']:+.1f} kWh not served "
                       f"against no control; bills {r['customer_cost_total'] - n['customer_cost_total']:+.0f}; "
                       f"longest YELLOW off-time {r['yellow_off_longest_min']} min (limit {r['yellow_off_limit_min']}).")
    return out


_THERMAL = [("strategy", "strategy", "{}"), ("hot_spot_max_c", "hot spot max °C", "{:.1f}"),
            ("ageing_days", "ageing days", "{:.4f}"), ("hot_spot_minutes_over_limit", "min hot spot > limit", "{}"),
            ("minutes_over_rating", "min over (worst phase)", "{}"),
            ("minutes_over_rating_3ph_avg", "min over (3-ph avg)", "{}"),
            ("overload_pct_minutes", "overload %·min", "{:.0f}"),
            ("bound_gap_minutes_over_rating", "gap: min over", "{:+.0f}"),
            ("bound_gap_overload_pct_minutes", "gap: overload %·min", "{:+.0f}"),
            ("bound_gap_comfort_violation_minutes", "gap: comfort home-min", "{:+.0f}"),
            ("bound_gap_energy_not_served_kwh", "gap: not served kWh", "{:+.1f}")]


def _table(rows: list[dict[str, Any]], cols) -> list[str]:
    out = ["| " + " | ".join(h for _, h, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(_fmt(f, r.get(k, float("nan"))) for k, _, f in cols) + " |")
    return out


def transformer_section(study: Study, rows: list[dict[str, Any]], figures: dict[str, Any]) -> list[str]:
    """Hot spot and ageing first (IEC 60076-7), then the overload counts and each strategy's gap to the bound."""
    th = study.plan.cfg.thermal
    ranked = sorted(rows, key=lambda r: (r.get("hot_spot_max_c", 0.0), r.get("ageing_days", 0.0)))
    out = [f"Strategies ranked by hot-spot temperature, then ageing (IEC 60076-7 difference equations, ONAN "
           f"distribution transformer, outdoor ambient; ageing in days at the 98 °C reference; hot-spot limit "
           f"{th.hot_spot_limit_c:g} °C). `optimal_bound` is the perfect-foresight programme with the same "
           "flexibility (docs/dr-model.md): no real controller can have less overload; each gap is the strategy's "
           "figure minus the bound's at the same participation.", ""]
    out += _table(ranked, _THERMAL)
    fe = study.forecast_error
    if fe:
        out += ["", f"The operator's forecast (the twin's own uncontrolled run in 15-minute blocks, AR(1) error of "
                    f"{study.plan.cfg.forecast.error_pct:g} %) misses the 1-minute phase loading by "
                    f"{fe['forecast_mape_pct']:.1f} % on average (RMSE {fe['forecast_rmse_pct_points']:.1f} points; "
                    f"{fe['forecast_peak_error_pct_points']:+.1f} points at the uncontrolled peak minute)."]
    return out


def participation_answer(sweep: list[dict[str, Any]], bound_sweep: list[dict[str, Any]],
                         other_sweeps: list[dict[str, Any]], claim: float) -> list[str]:
    """Smallest swept participation within rating for each swept strategy and the bound."""
    if not sweep:
        return []
    out = ["", "Smallest swept participation with no minute over rating (worst phase), against the bound:", "",
           "| strategy | within rating from | minutes over at " + f"{claim:.0%}" + " |", "|---|---|---|"]
    groups: dict[str, list[dict[str, Any]]] = {"combined": sweep}
    for r in other_sweeps:
        groups.setdefault(r["strategy"], []).append(r)
    if bound_sweep:
        groups["optimal_bound"] = bound_sweep
    for name, rs in groups.items():
        rs = sorted(rs, key=lambda r: r["participation"])
        ok = [r["participation"] for r in rs if r["minutes_over_rating"] == 0]
        at = [r["minutes_over_rating"] for r in rs if abs(r["participation"] - claim) < 1e-9]
        out.append(f"| {name} | {f'{ok[0]:.0%}' if ok else 'not reached'} | {at[0] if at else '–'} |")
    out += ["", "Strategies not swept (`dr.sweep_strategies`) are judged at the configured participation only, in "
                "the table above."]
    return out


def robustness_section(rows: list[dict[str, Any]], robustness: list[dict[str, Any]]) -> list[str]:
    """Each controller with a worse forecast and a degraded radio, against its own nominal run."""
    base = {r["strategy"]: r for r in rows}
    out = ["| strategy | variant | min over | Δ vs nominal | hot spot °C | comfort home-min | not served kWh | "
           "commands lost |", "|---|---|---|---|---|---|---|---|"]
    for r in robustness:
        b = base.get(r["strategy"])
        delta = r["minutes_over_rating"] - b["minutes_over_rating"] if b else float("nan")
        out.append(f"| {r['strategy']} | {r['variant']} | {r['minutes_over_rating']} | {_fmt('{:+d}', delta)} | "
                   f"{r['hot_spot_max_c']:.1f} | {r['comfort_violation_minutes']} | "
                   f"{r['energy_not_served_kwh']:.1f} | {r['deliveries_lost']} |")
    out += ["", "`forecast_x3`: the forecast error tripled; `radio_degraded`: on top of the site's mesh-fitted delays "
                "and losses, each command is lost for a home with probability 1 − `dr.degraded_delivery` and "
                "arrives `dr.degraded_extra_delay_s` later. The measured loading closes the loop in both cases."]
    return out


def monotone_text(violations: list[dict[str, Any]]) -> str:
    """Whether the combined sweep never gets worse with more participants (within the noise tolerance)."""
    from twin.control.comparison import MONOTONE_TOLERANCE

    tol = ", ".join(f"{k} {v:g}" for k, v in MONOTONE_TOLERANCE.items())
    if not violations:
        return (f"More participants never made `combined` worse: minutes over rating, energy not served and comfort "
                f"home-minutes are non-increasing over the sweep within the tolerance ({tol}).")
    items = "; ".join(f"{v['figure']} {v['value']:.4g} at {v['participation']:.0%} (best below {v['best_below']:.4g})"
                      for v in violations[:8])
    return (f"`combined` gets worse with more participants in {len(violations)} place(s) beyond the tolerance "
            f"({tol}), counted from 0 % (no control: any shed at all is a rise): {items}"
            + (" ..." if len(violations) > 8 else "") + ".")
