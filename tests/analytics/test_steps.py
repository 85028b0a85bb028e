"""Matched step search: a theft below a flat's daily noise is named when the group misses the same energy."""

from __future__ import annotations

import numpy as np

from analytics.steps import best_shift, member_steps, step_search
from analytics.theft import TheftConfig


def _group(seed: int, theft_kwh: float, thief_start: int, lookalike_drop: float):
    """30 members with 3 kWh/day noise; member 4 hides ``theft_kwh`` a day from ``thief_start``, member 9 uses less."""
    rng = np.random.default_rng(seed)
    n, days = 30, 120
    true = 8.0 + rng.normal(0.0, 3.0, (n, days))
    reg = true.copy()
    reg[4, thief_start:] -= theft_kwh
    reg[9, 40:] -= lookalike_drop  # a vacation-like drop: true and registered fall together
    true[9, 40:] -= lookalike_drop
    group_excess = true.sum(axis=0) - reg.sum(axis=0) + rng.normal(0.0, 0.2, days)
    z = {"day": reg.mean(axis=1, keepdims=True) * 0 + 8.0 - reg}  # shortfall against the flat's known level
    return {"day": group_excess}, z, [f"m{k}" for k in range(n)]


def test_best_shift_finds_a_step_and_its_size():
    y = np.r_[np.zeros(50), np.full(70, 2.0)] + np.random.default_rng(0).normal(0.0, 0.3, 120)
    tau, t, size = best_shift(y, np.ones(120, dtype=bool))
    assert tau == 50 and t > 10 and abs(size - 2.0) < 0.2


def test_member_steps_welch_t_against_scipy():
    from scipy.stats import ttest_ind
    z = np.random.default_rng(1).normal(0.0, 1.0, (3, 60))
    z[1, 30:] += 1.0
    t, size, _ = member_steps(z, np.ones(60, dtype=bool), 30)
    ref = ttest_ind(z[:, 30:], z[:, :30], axis=1, equal_var=False).statistic
    assert np.allclose(t, ref)


def test_small_theft_is_named_with_its_start():
    found_right = 0
    for seed in range(5):
        y, z, ids = _group(seed, theft_kwh=1.5, thief_start=60, lookalike_drop=0.0)
        out = step_search("G", y, z, np.ones(120, dtype=bool), ids, [], TheftConfig())
        assert len(out) <= 1
        found_right += any(s.meter_id == "m4" and abs(s.anomaly_start_day - 60) <= 3 for s in out)
    assert found_right >= 4  # 1.5 kWh/day hidden under 3 kWh/day noise: t ≈ 2.7 per member


def test_a_consumer_using_less_is_not_named_when_the_group_misses_nothing():
    y, z, ids = _group(3, theft_kwh=0.0, thief_start=60, lookalike_drop=3.0)
    assert step_search("G", y, z, np.ones(120, dtype=bool), ids, [], TheftConfig()) == []
