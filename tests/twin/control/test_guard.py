"""The module guard: YELLOW never off longer than allowed, whatever the controllers ask."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control.config import GuardConfig
from twin.control.guard import SocketGuard


def runs(on: np.ndarray, value: bool) -> list[int]:
    """Lengths of the complete and trailing runs of ``value`` in a 1-D bool series."""
    out, n = [], 0
    for x in on:
        if x == value:
            n += 1
        elif n:
            out.append(n)
            n = 0
    if n:
        out.append(n)
    return out


@pytest.mark.parametrize("max_off, min_on", [(15, 15), (7, 3), (1, 1), (10, 0)])
def test_always_off_wish_is_cut_at_the_limit_then_held_on(max_off: int, min_on: int) -> None:
    guard = SocketGuard(1, 1, GuardConfig(yellow_max_off_min=max_off, yellow_min_on_min=min_on))
    minutes = 5 * (max_off + max(min_on, 1)) + 3
    on = np.zeros(minutes, dtype=bool)
    may = np.zeros(minutes, dtype=bool)
    for t in range(minutes):
        may[t] = guard.may_shed()[0, 0]
        on[t] = guard.apply(t, np.zeros((1, 1), dtype=bool))[0, 0]
    hold = max(min_on, 1)
    # Off exactly max_off, on exactly the hold, repeating from minute 0.
    period = max_off + hold
    expected = (np.arange(minutes) % period) >= max_off
    np.testing.assert_array_equal(on, expected)
    assert max(runs(on, False)) == max_off
    assert set(runs(on, True)[:-1]) == {hold}
    # While held on after a forced restore the controllers may not shed.
    forced = np.flatnonzero(on & ~np.roll(on, 1))
    for f in forced:
        assert not may[f + 1: f + hold].any()
        if f + hold < minutes:
            assert may[f + hold]
    assert guard.longest_off_min[0, 0] == max_off
    assert guard.forced_restores == len(forced)


def test_longest_off_records_a_shorter_voluntary_run() -> None:
    guard = SocketGuard(1, 2, GuardConfig(yellow_max_off_min=15, yellow_min_on_min=15))
    for t in range(40):
        want = np.array([[not (5 <= t < 14), not (20 <= t < 23)]])
        on = guard.apply(t, want)
        np.testing.assert_array_equal(on, want)  # under the limit, the wish is obeyed
        assert guard.may_shed().all()  # no forced restore, no hold
    np.testing.assert_array_equal(guard.longest_off_min, [[9, 3]])
    np.testing.assert_array_equal(guard.last_off_minute, [[13, 22]])
    assert guard.forced_restores == 0


def test_kept_on_circuits_are_never_counted() -> None:
    n, d = 3, 4
    guard = SocketGuard(n, d, GuardConfig(yellow_max_off_min=5, yellow_min_on_min=4))
    want = np.ones((n, d), dtype=bool)
    want[1, 2] = False  # only this circuit is asked off, every minute
    for t in range(60):
        on = guard.apply(t, want)
        others = np.ones((n, d), dtype=bool)
        others[1, 2] = False
        assert on[others].all()
    longest = guard.longest_off_min.copy()
    assert longest[1, 2] == 5
    longest[1, 2] = 0
    assert not longest.any()
    last = guard.last_off_minute.copy()
    assert last[1, 2] >= 50
    last[1, 2] = -10**9
    assert (last == -10**9).all()
    # 60 minutes of off 5 / on 4: forced restores at minutes 5, 14, 23, 32, 41, 50, 59.
    assert guard.forced_restores == 7


def test_random_wishes_never_break_the_limits() -> None:
    cfg = GuardConfig(yellow_max_off_min=7, yellow_min_on_min=5)
    n, d, minutes = 40, 4, 300
    rng = np.random.default_rng(1)
    guard = SocketGuard(n, d, cfg)
    # Mostly off, with now and then a minute on: long off wishes cut in pieces.
    wishes = rng.random((minutes, n, d)) < 0.08
    wishes[:, :, 3] = True  # one circuit never shed
    on = np.zeros((minutes, n, d), dtype=bool)
    may = np.zeros((minutes, n, d), dtype=bool)
    for t in range(minutes):
        may[t] = guard.may_shed()
        on[t] = guard.apply(t, wishes[t].copy())
        # A circuit that may not be shed is on, whatever the wish.
        assert on[t][~may[t]].all()
    forced = on & ~wishes & may  # switched on against the wish, not by a hold
    assert forced.sum() == guard.forced_restores > 0
    for t, i, k in zip(*np.nonzero(forced)):
        # Only after a full allowed off-time, and then on for min_on minutes.
        assert t >= cfg.yellow_max_off_min and not on[t - cfg.yellow_max_off_min:t, i, k].any()
        assert on[t:t + cfg.yellow_min_on_min, i, k].all(), (t, i, k)
    for i in range(n):
        for k in range(d):
            off_runs = runs(on[:, i, k], False)
            assert max(off_runs, default=0) <= cfg.yellow_max_off_min
            assert guard.longest_off_min[i, k] == max(off_runs, default=0)
    assert not guard.longest_off_min[:, 3].any()
    assert guard.longest_off_min[:, :3].max() == cfg.yellow_max_off_min
