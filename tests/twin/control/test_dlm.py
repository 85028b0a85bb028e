"""Local DLM: threshold control of each home, GREEN first, YELLOW by rotation, night release."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control.config import DLMConfig
from twin.control.dlm import LocalDLM

HVAC, FRIDGE, KETTLE, MICRO = range(4)
RATING = np.array([2.0, 0.12, 2.8, 1.2])


def make(n: int = 1, *, threshold=5.0, cheapest=None, minutes: int = 600, participants=None,
         controllable=(True, True, True, True), control_green: bool = True, cfg: DLMConfig | None = None,
         seed: int = 0) -> LocalDLM:
    cheapest = np.zeros(minutes, dtype=bool) if cheapest is None else cheapest
    participants = np.ones(n, dtype=bool) if participants is None else np.asarray(participants)
    thr = np.full((n, minutes), float(threshold))
    return LocalDLM(cfg or DLMConfig(), participants, thr, cheapest, np.array(controllable), control_green,
                    np.tile(RATING, (n, 1)), np.random.default_rng(seed))


def decide(dlm: LocalDLM, t: int, p, yellow, green=0.0, may=None, urgent=None):
    n = dlm.participants.size
    p = np.broadcast_to(np.asarray(p, dtype=float), (n,)).copy()
    yellow = np.broadcast_to(np.asarray(yellow, dtype=float), (n, 4)).copy()
    green = np.broadcast_to(np.asarray(green, dtype=float), (n,)).copy()
    may = np.ones((n, 4), bool) if may is None else may
    urgent = np.zeros(n, bool) if urgent is None else np.asarray(urgent)
    y, g = dlm.decide(t, p, yellow, green, may, urgent)
    dlm.sync(y)
    return y, g


def test_a_home_under_threshold_is_never_switched() -> None:
    dlm = make(3, threshold=5.0)
    rng = np.random.default_rng(0)
    for t in range(200):
        # Up to exactly the threshold, with every circuit drawing.
        p = np.array([5.0, 4.99, rng.uniform(0.0, 5.0)])
        y, g = decide(dlm, t, p, RATING, green=3.0)
        assert y.all() and g.all(), t


def test_green_goes_first_and_covers_the_excess_alone_if_it_can() -> None:
    dlm = make(threshold=5.0)
    y, g = decide(dlm, 0, 8.0, [1.5, 0.1, 0.0, 1.2], green=3.5)
    assert not g[0] and y.all()


def test_yellow_is_shed_in_order_until_the_excess_is_covered() -> None:
    dlm = make(threshold=5.0)
    # Excess 3.0, GREEN draws 1.0: 2.0 left; HVAC (1.5) then fridge (0.1) then microwave (1.2).
    # The kettle is not drawing and is not touched.
    y, g = decide(dlm, 0, 8.0, [1.5, 0.1, 0.0, 1.2], green=1.0)
    assert not g[0]
    np.testing.assert_array_equal(y[0], [False, False, True, False])
    # Excess 1.0 after GREEN: HVAC alone covers it.
    dlm = make(threshold=5.0)
    y, g = decide(dlm, 0, 7.0, [1.5, 0.1, 0.0, 1.2], green=1.0)
    np.testing.assert_array_equal(y[0], [False, True, True, True])


def test_no_green_drawing_means_yellow_directly() -> None:
    dlm = make(threshold=5.0)
    y, g = decide(dlm, 0, 6.0, [0.0, 0.1, 2.8, 0.0], green=0.0)
    assert g[0]  # GREEN not drawing: not shed
    np.testing.assert_array_equal(y[0], [True, False, False, True])


def test_least_recently_shed_first() -> None:
    dlm = make(threshold=5.0)
    yellow = [1.5, 0.1, 0.0, 1.2]
    y, _ = decide(dlm, 0, 5.5, yellow)
    np.testing.assert_array_equal(y[0], [False, True, True, True])  # HVAC first (column order on a tie)
    y, _ = decide(dlm, 1, 0.5, yellow)  # headroom: HVAC back
    assert y.all()
    y, _ = decide(dlm, 2, 5.05, yellow)
    # HVAC was shed at minute 0, the fridge and microwave never: the fridge goes now.
    np.testing.assert_array_equal(y[0], [True, False, True, True])
    y, _ = decide(dlm, 3, 0.5, yellow)
    assert y.all()
    y, _ = decide(dlm, 4, 5.05, yellow)
    np.testing.assert_array_equal(y[0], [True, True, True, False])  # then the microwave
    y, _ = decide(dlm, 5, 0.5, yellow)
    y, _ = decide(dlm, 6, 5.05, yellow)
    np.testing.assert_array_equal(y[0], [False, True, True, True])  # and HVAC again


def test_the_guard_decides_what_may_be_shed() -> None:
    dlm = make(threshold=5.0)
    may = np.array([[False, True, True, True]])
    y, _ = decide(dlm, 0, 6.0, [1.5, 0.1, 0.0, 1.2], may=may)
    np.testing.assert_array_equal(y[0], [True, False, True, False])


def test_non_controllable_circuits_and_non_participants_never_shed() -> None:
    part = np.array([True, False, True, False])
    dlm = make(4, threshold=3.0, participants=part, controllable=(True, False, True, False))
    rng = np.random.default_rng(2)
    shed_any = np.zeros((4, 4), bool)
    green_shed = np.zeros(4, bool)
    for t in range(300):
        yellow = rng.uniform(0.0, 1.0, (4, 4)) * RATING * (rng.random((4, 4)) < 0.7)
        p = 1.0 + yellow.sum(axis=1) + rng.uniform(0, 4, 4)
        y, g = decide(dlm, t, p, yellow, green=rng.uniform(0.0, 3.0, 4))
        shed_any |= ~y
        green_shed |= ~g
    assert not shed_any[:, [FRIDGE, MICRO]].any()
    assert not shed_any[~part].any() and not green_shed[~part].any()
    assert shed_any[part][:, [HVAC, KETTLE]].all() and green_shed[part].all()


def test_without_green_control_only_yellow_is_shed() -> None:
    dlm = make(threshold=5.0, control_green=False)
    y, g = decide(dlm, 0, 8.0, [1.5, 0.1, 2.8, 1.2], green=3.5)
    assert g.all()
    assert not y[0, HVAC] and not y[0, FRIDGE] and not y[0, KETTLE]


def test_day_deferred_green_returns_after_the_home_offset_in_cheap_minutes() -> None:
    n, minutes, night = 60, 600, 300
    cheapest = np.zeros(minutes, bool)
    cheapest[night:] = True
    cfg = DLMConfig(night_release_spread_min=120)
    dlm = make(n, threshold=5.0, cheapest=cheapest, minutes=minutes, cfg=cfg, seed=4)
    offsets = dlm.release_offset_min.copy()
    assert offsets.min() >= 0 and offsets.max() <= 120 and len(set(offsets.tolist())) > 20
    green_on = np.zeros((minutes, n), bool)
    _, green_on[0] = decide(dlm, 0, 8.0, 0.0, green=3.0)  # everyone over, GREEN drawing: deferred
    assert not green_on[0].any()
    for t in range(1, minutes):
        # Demand low from now on (GREEN off: nothing to shed).
        _, green_on[t] = decide(dlm, t, 1.0, 0.0, green=0.0)
    back = np.where(green_on.any(axis=0), green_on.argmax(axis=0), -1)
    np.testing.assert_array_equal(back, night + offsets)
    # Once back it stays on.
    for i in range(n):
        assert green_on[back[i]:, i].all()


def test_night_shed_lasts_min_off_plus_random() -> None:
    n, minutes = 80, 400
    cheapest = np.ones(minutes, bool)
    cfg = DLMConfig(green_min_off_min=15, night_release_spread_min=0)
    dlm = make(n, threshold=5.0, cheapest=cheapest, minutes=minutes, cfg=cfg, seed=1)
    for t in range(200):
        decide(dlm, t, 1.0, 0.0, green=2.0)
    _, g = decide(dlm, 200, 8.0, 0.0, green=3.0)
    assert not g.any()
    on = np.zeros((minutes - 201, n), bool)
    for k, t in enumerate(range(201, minutes)):
        _, on[k] = decide(dlm, t, 1.0, 0.0, green=0.0)
    off_for = 1 + on.argmax(axis=0)  # minutes from the shed (200) to the release
    assert on.any(axis=0).all()
    assert off_for.min() >= 15 and off_for.max() <= 30
    assert len(set(off_for.tolist())) > 5


def test_ev_urgency_releases_green_and_prevents_a_shed() -> None:
    dlm = make(2, threshold=5.0)
    _, g = decide(dlm, 0, 8.0, 0.0, green=3.0)
    assert not g.any()
    _, g = decide(dlm, 1, 8.0, 0.0, green=0.0, urgent=[True, False])
    np.testing.assert_array_equal(g, [True, False])  # home 0 released by day, home 1 not
    # Urgent home over its threshold with GREEN drawing: not shed, YELLOW goes instead.
    y, g = decide(dlm, 2, 8.0, [1.5, 0.1, 0.0, 1.2], green=[3.0, 0.0], urgent=[True, False])
    assert g[0] and not y[0, HVAC]


def test_a_shed_yellow_circuit_returns_with_headroom_for_its_rating() -> None:
    dlm = make(threshold=5.0)
    y, _ = decide(dlm, 0, 6.0, [2.0, 0.0, 0.0, 0.0])
    assert not y[0, HVAC]
    for t, p in enumerate([3.5, 3.01, 4.0], start=1):  # headroom 1.5, 1.99, 1.0 < 2.0 rated
        y, _ = decide(dlm, t, p, 0.0)
        assert not y[0, HVAC], t
    y, _ = decide(dlm, 4, 3.0, 0.0)  # headroom 2.0 = rating
    assert y.all()


def test_returns_share_the_headroom_oldest_shed_first() -> None:
    dlm = make(threshold=5.0)
    decide(dlm, 0, 6.0, [0.0, 0.0, 0.0, 1.2])       # microwave shed at minute 0
    decide(dlm, 1, 6.0, [2.0, 0.0, 0.0, 0.0])       # HVAC shed at minute 1
    y, _ = decide(dlm, 2, 2.0, 0.0)                  # headroom 3.0: microwave (1.2) back, HVAC (2.0) not
    np.testing.assert_array_equal(y[0], [False, True, True, True])
    y, _ = decide(dlm, 3, 2.8, 0.0)                  # headroom 2.2: HVAC back
    assert y.all()


def test_sync_forgets_a_shed_the_guard_ended() -> None:
    dlm = make(threshold=5.0)
    y, _ = decide(dlm, 0, 6.0, [2.0, 0.0, 0.0, 0.0])
    assert not y[0, HVAC]
    dlm.sync(np.ones((1, 4), bool))  # the guard forced it on
    y, g = dlm.decide(1, np.array([4.9]), np.zeros((1, 4)), np.zeros(1), np.zeros((1, 4), bool),
                      np.zeros(1, bool))
    assert y.all()


@pytest.mark.parametrize("threshold", [4.0, 6.0])
def test_per_minute_threshold_is_used(threshold: float) -> None:
    minutes = 10
    thr = np.full((1, minutes), 9.0)
    thr[0, 5] = threshold
    dlm = LocalDLM(DLMConfig(), np.ones(1, bool), thr, np.zeros(minutes, bool), np.ones(4, bool), True,
                   RATING[None, :], np.random.default_rng(0))
    y, g = dlm.decide(4, np.array([5.0]), RATING[None, :].copy(), np.array([1.0]), np.ones((1, 4), bool),
                      np.zeros(1, bool))
    assert y.all() and g.all()
    y, g = dlm.decide(5, np.array([5.0]), RATING[None, :].copy(), np.array([1.0]), np.ones((1, 4), bool),
                      np.zeros(1, bool))
    assert g[0] == (threshold >= 5.0)
