"""Matched step search: a theft below a flat's daily noise is named when the group misses the same energy."""

from __future__ import annotations

import numpy as np

from analytics.steps import best_shift, member_fit, member_steps, step_search
from analytics.theft import TheftConfig


def _group(seed: int, theft_kwh: float, thief_start: int, lookalike_drop: float):
    """30 members with heating that follows the season and the weather, and 3 kWh/day noise.

    Member 4 hides ``theft_kwh`` a day from ``thief_start`` (the group meter
    sees it, its meter does not); member 9 uses ``lookalike_drop`` less from day
    40 (vacation-like: true and registered fall together).
    """
    rng = np.random.default_rng(seed)
    n, days = 30, 120
    weather = np.zeros(days)
    for d in range(1, days):  # AR(1) day-to-day weather around a season falling into spring
        weather[d] = 0.8 * weather[d - 1] + rng.normal(0.0, 1.5)
    season = np.maximum(10.0 - 6.0 * np.arange(days) / days + weather, 0.0)
    heat = rng.uniform(0.0, 1.0, n)
    true = 5.0 + heat[:, None] * season[None, :] + rng.normal(0.0, 3.0, (n, days))
    true[9, 40:] -= lookalike_drop
    reg = true.copy()
    reg[4, thief_start:] -= theft_kwh
    group_excess = true.sum(axis=0) - reg.sum(axis=0) + rng.normal(0.0, 0.2, days)
    index = reg.mean(axis=0)
    z = {"day": reg.mean(axis=1, keepdims=True) - reg}
    return {"day": group_excess}, z, [f"m{k}" for k in range(n)], {"day": reg}, {"day": index}


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


def test_theft_within_the_daily_noise_is_named_with_its_start():
    found_right = 0
    for seed in range(5):
        y, z, ids, reg, index = _group(seed, theft_kwh=3.0, thief_start=60, lookalike_drop=0.0)
        out = step_search("G", y, z, np.ones(120, dtype=bool), ids, [], TheftConfig(), reg, index)
        assert len(out) <= 1
        found_right += any(s.meter_id == "m4" and abs(s.anomaly_start_day - 60) <= 3 for s in out)
    assert found_right >= 4  # 3 kWh/day hidden in 3 kWh/day noise: t ≈ 5.5 over 60 + 60 days, ~0.4 a day


def test_a_consumer_using_less_is_not_named_when_the_group_misses_nothing():
    for seed in range(3):
        y, z, ids, reg, index = _group(seed, theft_kwh=0.0, thief_start=60, lookalike_drop=3.0)
        assert step_search("G", y, z, np.ones(120, dtype=bool), ids, [], TheftConfig(), reg, index) == []


def test_member_fit_recovers_a_step_under_a_season():
    """The step is fitted with the season model: not absorbed into the member's level."""
    _, _, _, reg, index = _group(0, theft_kwh=2.5, thief_start=60, lookalike_drop=0.0)
    _, size, se = member_fit(reg["day"], index["day"], np.ones(120, dtype=bool), 60)
    assert abs(size[4] - 2.5) < 3 * se[4] and se[4] < 1.0
    assert np.mean(np.abs(np.delete(size, 4)) < 3 * np.delete(se, 4)) > 0.9
