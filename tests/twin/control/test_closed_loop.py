"""The closed loop of each strategy on a small study (12 flats, one day, fixed command latency)."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from twin.cli import compose_checked
from twin.control import comparison
from twin.control.closed_loop import run_strategy
from twin.control.study import build_study

OVERRIDES = [
    # The event controller (it sheds during the peak whatever the loading): these tests check the loop's
    # physics and bookkeeping; the forecast controller has its own tests (test_forecast_dr.py).
    "task=dr", "tracking=off", "dr.latency.source=fixed", "dr.central.mode=event",
    "site.buildings=1", "site.streets=1", "site.entrances=1", "site.floors=3",
    "loads.minutes=1440",
    # A clear evening peak: electric heating, water heaters and EV charging in many flats.
    "loads.households.share_electric_space_heating=0.6", "loads.households.share_electric_water_heater=1.0",
    "loads.households.share_ev=0.6",
    # Low DLM limits, so DLM has work to do.
    "dr.dlm.threshold_kw=4", "dr.dlm.peak_threshold_kw=3", "dr.dlm.night_threshold_kw=8",
]
STRATEGIES = ("none", "dr", "dlm", "combined")


@pytest.fixture(scope="module")
def study():
    return build_study(compose_checked(OVERRIDES))


@pytest.fixture(scope="module")
def full(study):
    """Every strategy at participation 1.0."""
    return {s: run_strategy(study.fleet, study.engine, study.plan, s, 1.0) for s in STRATEGIES}


@pytest.fixture(scope="module")
def half(study):
    """DR and DLM at participation 0.5."""
    return {s: run_strategy(study.fleet, study.engine, study.plan, s, 0.5) for s in ("dr", "dlm")}


def test_the_study_is_small_and_has_a_peak(study) -> None:
    assert 8 <= study.fleet.n <= 20
    assert study.latency_source.startswith("fixed")
    assert study.plan.peak.sum() == 4 * 60 and study.plan.cheapest.any()
    assert study.fleet.minute == 0  # the template is never stepped


def test_none_is_the_uncontrolled_fleet(study, full) -> None:
    fleet = copy.deepcopy(study.fleet)
    for t in range(fleet.minutes):
        fleet.step(t)
    none = full["none"]
    np.testing.assert_array_equal(none.p_kw, fleet.p_kw)
    np.testing.assert_array_equal(none.deferrable_served_kwh, fleet.deferrable_served_kwh)
    assert none.deferred_kwh.sum() == 0 and none.commands_sent == 0 and none.event_minutes == 0
    assert not none.yellow_longest_off_min.any() and none.forced_restores == 0
    # The power through the transformer is the homes' demand plus the losses.
    np.testing.assert_allclose(none.p_trafo_kw, none.p_kw.sum(axis=0) + none.p_loss_kw, rtol=1e-6, atol=1e-6)
    assert study.fleet.minute == 0


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_deferrable_energy_is_conserved(full, strategy) -> None:
    run = full[strategy]
    assert comparison.conservation_error_kwh(run, full["none"]) < 1e-9


def test_control_does_defer_and_shed(full) -> None:
    for s in ("dr", "dlm", "combined"):
        assert full[s].deferred_kwh.sum() > 1.0, s
        assert full[s].yellow_longest_off_min.max() > 0, s
        assert not np.array_equal(full[s].p_kw, full["none"].p_kw), s
    assert full["dr"].event_minutes == 240 and full["dr"].commands_sent > 0
    assert full["dr"].mean_command_latency_s == pytest.approx(35.0)
    assert np.isnan(full["dlm"].mean_command_latency_s) and full["dlm"].commands_sent == 0


def test_yellow_off_time_never_exceeds_the_guard_limit(study, full, half) -> None:
    limit = study.plan.cfg.guard.yellow_max_off_min
    for run in [*full.values(), *half.values()]:
        assert run.yellow_longest_off_min.max() <= limit, run.strategy
    # The limit binds: DLM would keep circuits off longer, the guard cuts them.
    assert full["dlm"].yellow_longest_off_min.max() == limit and full["dlm"].forced_restores > 0


def test_red_demand_is_the_same_under_every_strategy(full, half) -> None:
    red = full["none"].p_class_kw[0]
    assert red.sum() > 0
    for run in [*full.values(), *half.values()]:
        np.testing.assert_array_equal(run.p_class_kw[0], red, err_msg=run.strategy)


def test_class_split_adds_up(study, full) -> None:
    pv = study.fleet.pv_kw.sum(axis=0)
    for run in full.values():
        # p_class sums the class demand of all homes; PV is subtracted in p_kw.
        assert np.all(run.p_class_kw >= 0)
        np.testing.assert_allclose(run.p_class_kw.sum(axis=0) - pv, run.p_kw.sum(axis=0), atol=1e-9)


def test_same_seed_same_result(study, full) -> None:
    again = run_strategy(study.fleet, study.engine, study.plan, "combined", 1.0)
    ref = full["combined"]
    for name in ("p_kw", "p_trafo_kw", "loading_pct", "p_class_kw", "yellow_longest_off_min", "event_on",
                 "deferred_kwh", "pending_kwh"):
        np.testing.assert_array_equal(getattr(again, name), getattr(ref, name), err_msg=name)
    assert again.forced_restores == ref.forced_restores and again.commands_sent == ref.commands_sent


def test_participants_are_nested(study) -> None:
    plan, n = study.plan, study.fleet.n
    rates = [round(0.1 * k, 1) for k in range(11)]
    sets = [plan.participants(p) for p in rates]
    assert not sets[0].any() and sets[-1].all()
    for p, s in zip(rates, sets):
        assert s.sum() == int(round(p * n))
    for small, big in zip(sets, sets[1:]):
        assert not (small & ~big).any()  # a larger participation only adds homes
    # Not simply the first homes of the site.
    some = plan.participants(0.5)
    assert not np.array_equal(some, np.arange(n) < some.sum())


def test_non_participants_are_untouched(study, full, half) -> None:
    part = study.plan.participants(0.5)
    assert 0 < part.sum() < study.fleet.n
    for s, run in half.items():
        np.testing.assert_array_equal(run.p_kw[~part], full["none"].p_kw[~part], err_msg=s)
        assert not run.yellow_longest_off_min[~part].any()
        assert run.deferred_kwh[~part].sum() == 0
        assert not np.array_equal(run.p_kw[part], full["none"].p_kw[part])


def test_combined_at_full_participation_cuts_the_peak(full) -> None:
    peak_none = comparison.row(full["none"], full["none"], 0.0, 15)["peak_kw"]
    peak_combined = comparison.row(full["combined"], full["none"], 0.0, 15)["peak_kw"]
    assert peak_combined < 0.8 * peak_none
    assert full["combined"].loading_pct.max() < full["none"].loading_pct.max()


def test_comparison_row_of_the_baseline(full) -> None:
    r = comparison.row(full["none"], full["none"], 12.5, 15)
    assert r["strategy"] == "none" and r["energy_shifted_kwh"] == 0.0
    assert r["yellow_off_longest_min"] == 0 and r["customer_cost_total"] == 12.5
    r = comparison.row(full["dlm"], full["none"], 0.0, 15)
    assert r["energy_shifted_kwh"] > 0 and r["yellow_off_longest_min"] == 15


def with_dr(plan, **changes):
    return dataclasses.replace(plan, cfg=dataclasses.replace(plan.cfg, **changes))


def test_central_sheds_only_the_controllable_yellow_circuits(study, full) -> None:
    # With every circuit switched, rotation loses kettle/microwave uses; with HVAC only, none.
    lost_all = full["dr"].energy_not_served_kwh - full["dr"].ev_unserved_kwh
    assert lost_all.sum() > 0
    run = run_strategy(study.fleet, study.engine, with_dr(study.plan, controllable_yellow=["hvac"]), "dr", 1.0)
    np.testing.assert_allclose(run.energy_not_served_kwh - run.ev_unserved_kwh, 0.0, atol=1e-12)
    assert run.yellow_longest_off_min.max() > 0  # HVAC was still rotated


def test_without_green_control_green_demand_is_untouched(study, full) -> None:
    run = run_strategy(study.fleet, study.engine, with_dr(study.plan, control_green=False), "combined", 1.0)
    assert run.deferred_kwh.sum() == 0
    np.testing.assert_array_equal(run.p_class_kw[2], full["none"].p_class_kw[2])
    assert not np.array_equal(run.p_class_kw[1], full["none"].p_class_kw[1])  # YELLOW still controlled
