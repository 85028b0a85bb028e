"""Held-out evaluation of the detector on the realistic scenario (seeds never used while tuning).

The reference is the injected truth of :mod:`analytics.heldout`, which is
generated independently of the detector's model (season and peer model,
windows, attribution): heating, look-alikes, DST, calibration errors, outages,
several anomalies per entrance and faulty entrance meters.
"""

from __future__ import annotations

import pytest

from analytics.heldout import HELDOUT_SEEDS, TUNING_SEEDS, scenario, score_run, summarise
from analytics.theft import TheftConfig


@pytest.fixture(scope="module")
def heldout():
    assert not set(HELDOUT_SEEDS) & set(TUNING_SEEDS)
    return summarise([score_run(scenario(s), TheftConfig()) for s in HELDOUT_SEEDS])


@pytest.mark.slow
def test_precision_lookalikes_and_start_error_meet_the_targets(heldout):
    assert heldout["precision"] >= 0.85
    assert heldout["lookalikes_flagged_share"] <= 0.05
    assert heldout["start_error_days_median"] <= 3.0


@pytest.mark.slow
def test_faulty_group_meters_are_named_and_nobody_is_blamed(heldout):
    assert heldout["group_faults"] > 0
    assert heldout["group_faults_found"] >= 2 * heldout["group_faults"] / 3
    assert heldout["group_fault_false_alarms"] == 0
    assert heldout["consumers_blamed_for_group_faults"] == 0


@pytest.mark.slow
def test_every_pattern_is_found_at_least_sometimes(heldout):
    """Each pattern with a registration drop is seen; the weakest are documented in docs/analytics.md."""
    assert all(v["recall"] > 0 for v in heldout["by_pattern"].values())


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="recall on the held-out seeds is below the 0.8 target (docs/analytics.md: "
                                       "small and intermittent thefts hide less than a member's day-to-day noise)")
def test_recall_target(heldout):
    assert heldout["recall"] >= 0.8


def test_scenario_is_deterministic_and_has_what_it_promises():
    a, b = scenario(TUNING_SEEDS[0]), scenario(TUNING_SEEDS[0])
    assert a.truth.equals(b.truth) and a.lookalikes.equals(b.lookalikes) and a.group_faults.equals(b.group_faults)
    assert (a.truth.groupby("group_id").size() >= 2).any()  # several anomalies in an entrance
    assert set(a.lookalikes["kind"]) == {"vacation", "new_tenant", "night_heavy", "balcony_solar"}
    assert 23 in a.prep.hours_in_day  # the spring clock change
