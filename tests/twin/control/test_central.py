"""Central DR: event logic, rotation, command delays and losses, restores, fail-safe."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from scenarios.errors import InputError
from twin.control.central import CentralDR
from twin.control.config import CentralDRConfig, GuardConfig
from twin.control.latency import LatencyModel, fixed_latency

T = 300
PEAK = (100, 160)  # first peak minute, first minute after the peak


def peak_mask(*spans: tuple[int, int], minutes: int = T) -> np.ndarray:
    m = np.zeros(minutes, dtype=bool)
    for a, b in spans:
        m[a:b] = True
    return m


@dataclass
class Trace:
    """What the modules did each minute (after the commands of that minute arrived)."""

    yellow_off: np.ndarray  # (T, n)
    green_off: np.ndarray   # (T, n)
    event_on: np.ndarray    # (T,)
    central: CentralDR


def simulate(participants, *, cfg: CentralDRConfig | None = None, guard: GuardConfig | None = None,
             latency: LatencyModel | None = None, hops=None, peak=None, loading=None, minutes: int = T,
             seed: int = 0) -> Trace:
    participants = np.asarray(participants, dtype=bool)
    n = participants.size
    cfg = cfg or CentralDRConfig(trigger="peak_tariff")
    guard = guard or GuardConfig()
    hops = np.ones(n, dtype=int) if hops is None else np.asarray(hops)
    peak = peak_mask(PEAK, minutes=minutes) if peak is None else peak
    loading = np.zeros(minutes) if loading is None else np.asarray(loading, dtype=float)
    c = CentralDR(cfg, guard, participants, hops, latency or fixed_latency(35.0), peak,
                  np.random.default_rng(seed))
    y, g, on = np.zeros((minutes, n), bool), np.zeros((minutes, n), bool), np.zeros(minutes, bool)
    for t in range(minutes):
        c.decide(t, float(loading[t]))
        c.receive(t)
        y[t], g[t], on[t] = c.yellow_off, c.green_off, c.last_on
    return Trace(y, g, on, c)


def first_true(a: np.ndarray) -> np.ndarray:
    """Per column of a (T, n) bool array: first row that is True (-1 if none)."""
    return np.where(a.any(axis=0), a.argmax(axis=0), -1)


@pytest.mark.parametrize("latency_s", [0.0, 1.0, 35.0, 60.0, 61.0, 150.0])
def test_commands_arrive_ceil_of_latency_minutes_after_sending(latency_s: float) -> None:
    part = np.ones(6, dtype=bool)
    tr = simulate(part, latency=fixed_latency(latency_s),
                  cfg=CentralDRConfig(trigger="peak_tariff", shed_yellow=False, restore_spread_min=0,
                                      restore_stagger_min=0))
    delay = math.ceil(latency_s / 60.0)
    np.testing.assert_array_equal(first_true(tr.green_off), np.full(6, PEAK[0] + delay))
    # Restore sent at the first minute after the peak, applied ``delay`` minutes later.
    assert tr.green_off[PEAK[1] + delay - 1].all() and not tr.green_off[PEAK[1] + delay:].any()
    assert tr.central.mean_latency_s() == pytest.approx(latency_s)


def test_35_s_is_one_minute_late_not_zero() -> None:
    part = np.ones(4, dtype=bool)
    cfg = CentralDRConfig(trigger="peak_tariff", shed_yellow=False, restore_spread_min=0)
    c = CentralDR(cfg, GuardConfig(), part, np.ones(4, int), fixed_latency(35.0), peak_mask(PEAK),
                  np.random.default_rng(0))
    for t in range(PEAK[0]):
        c.decide(t, 0.0)
        c.receive(t)
    c.decide(PEAK[0], 0.0)
    assert c.commands_sent == 1
    c.receive(PEAK[0])
    assert not c.green_off.any()
    c.decide(PEAK[0] + 1, 0.0)
    c.receive(PEAK[0] + 1)
    assert c.green_off.all()


def test_peak_tariff_event_sheds_green_of_participants_only() -> None:
    part = np.array([True, False, True, True, False, True, True, False, True])
    tr = simulate(part, cfg=CentralDRConfig(trigger="peak_tariff", restore_spread_min=0, restore_stagger_min=0),
                  loading=np.full(T, 150.0))  # loading is ignored with this trigger
    np.testing.assert_array_equal(tr.event_on, peak_mask(PEAK))
    assert tr.central.event_minutes == PEAK[1] - PEAK[0]
    assert not tr.green_off[:, ~part].any() and not tr.yellow_off[:, ~part].any()
    # GREEN of every participant is off through the event (one minute late) and back after it.
    assert tr.green_off[PEAK[0] + 1:PEAK[1] + 1][:, part].all()
    assert not tr.green_off[:PEAK[0] + 1].any() and not tr.green_off[PEAK[1] + 1:].any()
    assert not tr.yellow_off[PEAK[1] + 1:].any()


def test_yellow_rotates_one_group_at_a_time_in_slots_of_the_guard_limit() -> None:
    n, groups, slot = 12, 3, 10
    part = np.ones(n, dtype=bool)
    part[[2, 7]] = False
    cfg = CentralDRConfig(trigger="peak_tariff", rotation_groups=groups, restore_spread_min=0,
                          restore_stagger_min=0)
    tr = simulate(part, cfg=cfg, guard=GuardConfig(yellow_max_off_min=slot, yellow_min_on_min=5))
    group = tr.central.group
    np.testing.assert_array_equal(group[part], np.arange(part.sum()) % groups)
    assert (group[~part] == -1).all()
    for t in range(T):
        shed_groups = set(group[tr.yellow_off[t]].tolist())
        assert len(shed_groups) <= 1, (t, shed_groups)
        if PEAK[0] < t <= PEAK[1]:
            # Slot k of the event sheds group k mod groups, the whole group.
            g = ((t - 1 - PEAK[0]) // slot) % groups
            assert shed_groups == {g}, t
            np.testing.assert_array_equal(tr.yellow_off[t], group == g)
    # Each off-run of a home is one slot long, never longer.
    for i in np.flatnonzero(part):
        col = tr.yellow_off[:, i].astype(int)
        starts = np.flatnonzero(np.diff(np.concatenate([[0], col])) == 1)
        stops = np.flatnonzero(np.diff(np.concatenate([col, [0]])) == -1) + 1
        assert len(starts) >= 1 and ((stops - starts) == slot).all(), i


def test_last_shed_group_is_not_kept_off_past_the_slot_by_the_restore_stagger() -> None:
    # 60-minute event, 10-minute slots, 3 groups: slots 0..5, the last one sheds group 2,
    # whose restore is queued 2 * 15 minutes after the end of the event.
    cfg = CentralDRConfig(trigger="peak_tariff", rotation_groups=3, restore_spread_min=0, restore_stagger_min=15)
    tr = simulate(np.ones(6, bool), cfg=cfg, guard=GuardConfig(yellow_max_off_min=10))
    assert tr.yellow_off[PEAK[1] - 9].any()  # group 2 shed in the last slot
    assert not tr.yellow_off[PEAK[1] + 1:].any(), "YELLOW still commanded off after the event"


def test_no_yellow_shed_after_the_event_even_with_the_guard() -> None:
    from twin.control.guard import SocketGuard

    guard_cfg = GuardConfig(yellow_max_off_min=10, yellow_min_on_min=5)
    cfg = CentralDRConfig(trigger="peak_tariff", rotation_groups=3, restore_spread_min=0, restore_stagger_min=15)
    tr = simulate(np.ones(6, bool), cfg=cfg, guard=guard_cfg)
    guard = SocketGuard(6, 1, guard_cfg)
    actual_off = np.array([~guard.apply(t, ~tr.yellow_off[t][:, None])[:, 0] for t in range(T)])
    assert actual_off[PEAK[0]:PEAK[1] + 1].any()
    assert not actual_off[PEAK[1] + 1:].any(), np.flatnonzero(actual_off.any(axis=1))


def test_rotation_overlap_comes_only_from_latency() -> None:
    """With spread delays a new group can switch off before the previous one is back, briefly."""
    n = 60
    part = np.ones(n, dtype=bool)
    lat = LatencyModel({1: np.array([5.0, 170.0])}, {1: 1.0}, "spread")
    tr = simulate(part, latency=lat, cfg=CentralDRConfig(trigger="peak_tariff", restore_spread_min=0))
    group = tr.central.group
    n_groups = np.array([len(set(group[tr.yellow_off[t]].tolist())) for t in range(T)])
    assert n_groups.max() == 2  # overlap exists ...
    # ... but only within the 3-minute delay spread after each slot change.
    slot_changes = PEAK[0] + 15 * np.arange(1, 4)
    for t in np.flatnonzero(n_groups == 2):
        assert any(c < t <= c + 3 for c in slot_changes), t


def test_overload_event_needs_min_duration_and_hold_below_release() -> None:
    cfg = CentralDRConfig(trigger="overload", start_loading_pct=95.0, release_loading_pct=80.0,
                          release_hold_min=15, min_event_min=30)
    part = np.ones(4, dtype=bool)
    none = np.zeros(T, dtype=bool)
    # A short spike: the event lasts min_event_min.
    loading = np.full(T, 50.0)
    loading[20] = 95.0
    tr = simulate(part, cfg=cfg, peak=none, loading=loading)
    np.testing.assert_array_equal(tr.event_on, peak_mask((20, 50)))
    # Just under the start level: never an event.
    tr = simulate(part, cfg=cfg, peak=none, loading=np.full(T, 94.99))
    assert not tr.event_on.any() and tr.central.commands_sent == 0
    # Long overload; between release and start it goes on; a minute back at 85 % restarts the hold.
    loading = np.full(T, 50.0)
    loading[20:80] = 120.0
    loading[80:90] = 70.0
    loading[90] = 85.0
    tr = simulate(part, cfg=cfg, peak=none, loading=loading)
    # Below release from minute 91: 15 minutes below at minute 105, event off from there.
    np.testing.assert_array_equal(tr.event_on, peak_mask((20, 105)))
    assert tr.central.event_minutes == 85
    # Peak minutes do not start events with trigger=overload.
    tr = simulate(part, cfg=cfg, peak=peak_mask(PEAK), loading=np.full(T, 50.0))
    assert not tr.event_on.any()


def test_trigger_both_combines_peak_and_overload() -> None:
    loading = np.full(T, 50.0)
    loading[30] = 99.0
    tr = simulate(np.ones(3, bool), cfg=CentralDRConfig(trigger="both"), loading=loading)
    np.testing.assert_array_equal(tr.event_on, peak_mask((30, 60), PEAK))


def test_lost_commands_are_never_applied_and_counted() -> None:
    part = np.ones(6, dtype=bool)
    part[0] = False
    # Hop -1: no route, every command is lost.
    tr = simulate(part, hops=np.full(6, -1), cfg=CentralDRConfig(trigger="peak_tariff", rotation_groups=3,
                                                                  restore_stagger_min=0))
    c = tr.central
    assert not tr.yellow_off.any() and not tr.green_off.any()
    # Sends: GREEN shed (5 homes); slot 0 shed g0 (2); slots 1-3: restore previous + shed next
    # (g0 2, g1 2, g2 1 homes); end: YELLOW restore of the group shed last (slot 3: g0),
    # then the GREEN restore of the 3 groups (5).
    sizes = {0: 2, 1: 2, 2: 1}
    expected = 5 + sizes[0] + (sizes[0] + sizes[1]) + (sizes[1] + sizes[2]) + (sizes[2] + sizes[0]) + sizes[0] + 5
    assert c.deliveries_lost == expected
    assert c.commands_sent == 1 + 1 + 2 + 2 + 2 + 1 + 3
    assert math.isnan(c.mean_latency_s())


def test_hop_never_received_loses_everything() -> None:
    lat = LatencyModel({0: np.array([35.0]), 1: np.array([])}, {0: 1.0, 1: 0.0}, "hop 1 never hears")
    hops = np.array([1, 1, 0, 1])
    tr = simulate(np.ones(4, bool), latency=lat, hops=hops,
                  cfg=CentralDRConfig(trigger="peak_tariff", restore_spread_min=0, restore_stagger_min=0))
    assert not tr.green_off[:, hops == 1].any() and not tr.yellow_off[:, hops == 1].any()
    assert tr.green_off[PEAK[0] + 1:PEAK[1] + 1, 2].all()
    assert tr.central.deliveries_lost > 0
    assert tr.central.mean_latency_s() == 35.0


def test_fixed_latency_rejects_zero_delivery() -> None:
    # "Lose everything" is modelled by unreachable homes (hop -1), not by delivery 0;
    # the config check rejects dr.latency.fixed_delivery=0 (tests/twin/test_dr_task.py).
    with pytest.raises(InputError):
        fixed_latency(35.0, delivery=0.0)


def test_green_restore_is_spread_randomly_yellow_is_not() -> None:
    n, spread = 400, 30
    part = np.ones(n, dtype=bool)
    tr = simulate(part, cfg=CentralDRConfig(trigger="peak_tariff", restore_spread_min=spread,
                                            restore_stagger_min=0), seed=3)
    end = PEAK[1] + 1  # the restore arrives
    back = np.array([PEAK[1] + 1 + np.argmin(tr.green_off[PEAK[1] + 1:, i]) for i in range(n)])
    assert tr.green_off[PEAK[1]].all()
    assert back.min() == end and back.max() == end + spread
    counts = np.bincount(back - end, minlength=spread + 1)
    assert (counts > 0).all()  # every delay 0..spread occurs
    assert counts.max() < 0.1 * n  # nobody's restore makes up a big share of the homes
    assert not tr.green_off[end + spread:].any()
    # YELLOW comes back as soon as the restore arrives.
    assert not tr.yellow_off[end:].any()


def test_stagger_restores_the_groups_apart() -> None:
    n = 9
    cfg = CentralDRConfig(trigger="peak_tariff", rotation_groups=3, restore_spread_min=0, restore_stagger_min=7)
    tr = simulate(np.ones(n, bool), cfg=cfg)
    back = np.array([PEAK[1] + np.argmin(tr.green_off[PEAK[1]:, i]) for i in range(n)])
    np.testing.assert_array_equal(back, PEAK[1] + 1 + 7 * tr.central.group)


def test_new_shed_cancels_pending_randomised_restores() -> None:
    n = 200
    part = np.ones(n, dtype=bool)
    # Two events 5 minutes apart; the 40-minute spread of the first restore reaches into the second.
    peak = peak_mask((100, 120), (125, 200))
    cfg = CentralDRConfig(trigger="peak_tariff", restore_spread_min=40, restore_stagger_min=0, shed_yellow=False)
    tr = simulate(part, cfg=cfg, peak=peak, seed=1)
    # Some homes got GREEN back in the gap (restore arrived, delay short) ...
    assert not tr.green_off[121:126].all()
    # ... but once the second shed arrives no delayed restore of the first event switches anyone on.
    assert tr.green_off[126:201].all()
    assert not tr.green_off[201 + 40 + 1:].any()


def test_command_timeout_releases_a_home() -> None:
    part = np.ones(5, dtype=bool)
    cfg = CentralDRConfig(trigger="peak_tariff", shed_yellow=False, restore_spread_min=0)
    tr = simulate(part, cfg=cfg, guard=GuardConfig(command_timeout_min=20))
    arrived = PEAK[0] + 1
    assert tr.green_off[arrived:arrived + 20].all()
    assert not tr.green_off[arrived + 20:].any()  # released although the event goes on
    assert tr.event_on[arrived + 20:PEAK[1]].all()


def test_yellow_rotation_refreshes_the_timeout() -> None:
    """During a long event the rotation keeps re-sending sheds, so GREEN of the group being shed stays off."""
    n = 6
    part = np.ones(n, dtype=bool)
    long_peak = peak_mask((10, 250))
    cfg = CentralDRConfig(trigger="peak_tariff", rotation_groups=2, restore_spread_min=0)
    tr = simulate(part, cfg=cfg, peak=long_peak, guard=GuardConfig(command_timeout_min=60,
                                                                   yellow_max_off_min=15))
    # Every group gets a fresh shed every 30 minutes: nobody's command times out mid-event.
    assert tr.green_off[11:251].all()


def test_mean_latency_weights_every_delivery() -> None:
    lat = LatencyModel({1: np.array([30.0]), 2: np.array([90.0])}, {1: 1.0, 2: 1.0}, "two hops")
    hops = np.array([1, 1, 1, 2])
    cfg = CentralDRConfig(trigger="peak_tariff", shed_yellow=False, restore_spread_min=0, rotation_groups=2,
                          restore_stagger_min=0)
    tr = simulate(np.ones(4, bool), latency=lat, hops=hops, cfg=cfg)
    assert tr.central.mean_latency_s() == pytest.approx((3 * 30.0 + 90.0) / 4)
    np.testing.assert_array_equal(first_true(tr.green_off), [PEAK[0] + 1] * 3 + [PEAK[0] + 2])
    assert tr.central.commands_sent == 1 + 2


def test_no_command_no_latency() -> None:
    tr = simulate(np.ones(3, bool), peak=np.zeros(T, bool))
    assert tr.central.commands_sent == 0 and math.isnan(tr.central.mean_latency_s())
    assert not tr.event_on.any() and not tr.green_off.any()
