"""Key figures of each strategy, against the uncontrolled run of the same study.

Definitions (also in docs/dr-model.md):

* ``peak_kw``: highest power through the transformer (consumers plus losses), 1-minute values.
* ``minutes_over_rating``: minutes whose transformer loading (largest phase
  current over rated current) is above 100 %.
* ``energy_shifted_kwh``: energy taken out of the homes' total demand,
  relative to no control, in the minutes where it is lower:
  ``Σ max(0, P_none(t) − P(t)) · 1 min``; it comes back later (rebound,
  deferred GREEN) or is not served.
* ``energy_not_served_kwh``: kettle and microwave uses that fell on a shed
  minute plus EV energy missing at departure.
* ``comfort_violation_minutes``: home-minutes with the fridge outside 1-8 °C,
  the hot-water tank under 40 °C or the room outside its comfort band,
  summed over the three.
* ``mean_command_latency_s``: mean delay of the central commands delivered
  (empty for strategies without central commands).
* ``customer_cost_total``: all customers' bills for the simulated period under the tariff.
* ``losses_kwh``: line and transformer losses.
* ``minutes_over_rating_3ph_avg``: minutes whose three-phase average current is above rated.
* ``hot_spot_max_c``, ``top_oil_max_c``, ``ageing_days``, ``hot_spot_minutes_over_limit``:
  IEC 60076-7 thermal model (``twin.control.thermal``) driven by the phase
  loading and the outdoor temperature; ageing in days at the 98 °C reference.
* ``overload_pct_minutes``: ``Σ max(0, loading − 100 %)`` over the minutes (worst phase),
  what the ``optimal_bound`` programme minimises.
* ``bound_gap_*``: the row's figure minus the ``optimal_bound`` figure at the same participation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from twin.control.closed_loop import StrategyRun
from twin.control.thermal import ThermalConfig, simulate

#: Figures compared with the bound (``bound_gap_<figure>``).
GAP_FIGURES: tuple[str, ...] = ("hot_spot_max_c", "ageing_days", "minutes_over_rating", "minutes_over_rating_3ph_avg",
                                "overload_pct_minutes", "comfort_violation_minutes", "energy_not_served_kwh")


def transformer_figures(phase_loading_pct: np.ndarray, ambient_c: np.ndarray, cfg: ThermalConfig) -> dict[str, Any]:
    """Overload as the transformer feels it: per-phase and average loading, temperatures, ageing."""
    ph = np.asarray(phase_loading_pct, dtype=float)
    worst = ph.max(axis=0)
    th = simulate(cfg, ph, ambient_c[: ph.shape[1]])
    return {"minutes_over_rating_3ph_avg": int((ph.mean(axis=0) > 100.0).sum()),
            "overload_pct_minutes": float(np.maximum(worst - 100.0, 0.0).sum()),
            "hot_spot_max_c": float(th.hot_spot_c.max()), "top_oil_max_c": float(th.top_oil_c.max()),
            "ageing_days": th.ageing_days, "hot_spot_minutes_over_limit": th.minutes_over_limit}


def bound_row(bound, baseline: StrategyRun, ambient_c: np.ndarray, cfg: ThermalConfig) -> dict[str, Any]:
    """The comparison row of the ``optimal_bound`` schedule (figures it does not model are empty)."""
    nan = float("nan")
    loading = bound.loading_pct
    return {"strategy": "optimal_bound", "peak_kw": float(bound.p_trafo_kw.max()),
            "minutes_over_rating": int((loading > 100.0 + 1e-6).sum()),
            "energy_shifted_kwh": bound.energy_shifted_kwh, "energy_not_served_kwh": bound.energy_not_served_kwh,
            "comfort_violation_minutes": float(bound.comfort_violation_minutes), "mean_command_latency_s": nan,
            "customer_cost_total": nan, "losses_kwh": nan, "participation": bound.participation,
            "max_loading_pct": float(loading.max()), "energy_kwh": nan, "energy_deferred_green_kwh": nan,
            "energy_pending_end_kwh": bound.energy_pending_end_kwh,
            **transformer_figures(bound.phase_loading_pct - 1e-6, ambient_c, cfg)}


def add_gaps(rows: list[dict[str, Any]], bounds: dict[float, dict[str, Any]]) -> None:
    """Adds ``bound_gap_<figure>`` to every row that has a bound at its participation."""
    for r in rows:
        b = bounds.get(round(float(r["participation"]), 6))
        for k in GAP_FIGURES:
            r[f"bound_gap_{k}"] = float(r[k]) - float(b[k]) if b is not None else float("nan")


def row(run: StrategyRun, baseline: StrategyRun, cost_total: float, yellow_limit_min: int,
        ambient_c: np.ndarray | None = None, thermal: ThermalConfig | None = None) -> dict[str, Any]:
    """The comparison row of one run (required columns first; thermal figures when ``ambient_c`` is given)."""
    demand, demand0 = run.p_kw.sum(axis=0), baseline.p_kw.sum(axis=0)
    comfort = {k: int(v.sum()) for k, v in run.comfort_violation_min.items()}
    longest = int(run.yellow_longest_off_min.max()) if run.yellow_longest_off_min.size else 0
    return {
        "strategy": run.strategy,
        "peak_kw": float(run.p_trafo_kw.max()),
        "minutes_over_rating": int((run.loading_pct > 100.0).sum()),
        "energy_shifted_kwh": float(np.maximum(demand0 - demand, 0.0).sum() / 60.0),
        "energy_not_served_kwh": float(run.energy_not_served_kwh.sum()),
        "comfort_violation_minutes": int(sum(comfort.values())),
        "mean_command_latency_s": run.mean_command_latency_s,
        "customer_cost_total": float(cost_total),
        "losses_kwh": float(run.p_loss_kw.sum() / 60.0),
        "participation": run.participation,
        "max_loading_pct": float(run.loading_pct.max()),
        "energy_kwh": float(demand.sum() / 60.0),
        "energy_deferred_green_kwh": float(run.deferred_kwh.sum()),
        "energy_pending_end_kwh": float(run.pending_kwh.sum()),
        "comfort_fridge_minutes": comfort.get("fridge", 0),
        "comfort_water_heater_minutes": comfort.get("water_heater", 0),
        "comfort_room_minutes": comfort.get("room", 0),
        "yellow_off_longest_min": longest,
        "yellow_off_limit_min": int(yellow_limit_min),
        "v_min_pu": float(run.v_min_pu.min()),
        "commands_sent": run.commands_sent,
        "deliveries_lost": run.deliveries_lost,
        "event_minutes": run.event_minutes,
        **(transformer_figures(run.phase_loading_pct, ambient_c, thermal or ThermalConfig())
           if ambient_c is not None else {}),
    }


def conservation_error_kwh(run: StrategyRun, baseline: StrategyRun) -> float:
    """Largest per-home difference of deferrable energy accounted for, kWh.

    Washing-machine, dishwasher and EV energy drawn, plus what is still
    pending at the end, plus EV energy missing at departure, is the same
    whatever the control; the result is 0 up to rounding when deferral
    conserves energy.
    """
    total = run.deferrable_served_kwh + run.pending_kwh + run.ev_unserved_kwh
    total0 = baseline.deferrable_served_kwh + baseline.pending_kwh + baseline.ev_unserved_kwh
    return float(np.max(np.abs(total - total0))) if total.size else 0.0


def within_rating_participation(sweep_rows: list[dict[str, Any]]) -> float | None:
    """Smallest swept participation with no minute over rating (None if there is none).

    Higher participations are not guaranteed to hold too: a larger deferred
    load can rebound into a new overload (the sweep shows it).
    """
    ok = [r["participation"] for r in sweep_rows if r["minutes_over_rating"] == 0]
    return min(ok) if ok else None


#: What "within the noise of one seed" allows a figure to rise from one swept participation to a higher one.
MONOTONE_TOLERANCE: dict[str, float] = {"minutes_over_rating": 5.0, "energy_not_served_kwh": 0.5,
                                        "comfort_violation_minutes": 100.0}


def monotone_violations(sweep_rows: list[dict[str, Any]],
                        tolerance: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Rises of each figure above its best value at any lower participation, beyond the tolerance.

    Returns:
        One record per violation: ``figure``, ``participation``, ``value``, ``best_below`` (the lowest
        value at a smaller participation) and ``rise``.
    """
    tol = MONOTONE_TOLERANCE if tolerance is None else tolerance
    rows = sorted(sweep_rows, key=lambda r: r["participation"])
    out = []
    for key, allowed in tol.items():
        best = float("inf")
        for r in rows:
            v = float(r[key])
            if v > best + allowed:
                out.append({"figure": key, "participation": r["participation"], "value": v, "best_below": best,
                            "rise": v - best})
            best = min(best, v)
    return out
