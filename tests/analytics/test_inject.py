"""Injected theft and fault patterns: what each changes, from when, and the ground-truth draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.inject import (CLASSIC_PATTERNS, DRIFT_DAYS, EVENING_HOURS, PATTERNS, SEVERITY_RANGE, Anomaly, apply, draw_anomalies,
                              truth_frame)
from scenarios.errors import InputError

DAYS = 40
START = 10


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(0)
    true = rng.gamma(2.0, 0.2, size=DAYS * 24)
    true[::7] = 0.0  # some idle hours
    return true, true * 1.004


def _before_after(out, registered, start_day, start_hour_local=0):
    cut = start_day * 24 - start_hour_local
    assert np.array_equal(out[:cut], registered[:cut])
    return cut


@pytest.mark.parametrize("pattern", PATTERNS)
def test_unchanged_before_start_and_changed_from_start(series, pattern):
    true, reg = series
    a = Anomaly("m", pattern, START, 0.5 if pattern != "stopped" else 1.0, param=3)
    out = apply(reg, true, a)
    cut = _before_after(out, reg, START)
    if pattern == "drift":  # the registration starts falling in the second hour of the start day
        assert np.all(out[cut + 1:][true[cut + 1:] > 0] < reg[cut + 1:][true[cut + 1:] > 0])
    elif pattern in ("intermittent_evening", "evening_bypass"):
        assert np.any(out[cut:cut + 24] != reg[cut:cut + 24])
    elif pattern in ("evening_bypass_some", "weekday_bypass"):
        assert np.any(out[cut:] != reg[cut:]) and np.any(out[cut:] == reg[cut:])
    else:
        changed = out[cut:] != reg[cut:]
        assert changed[true[cut:] > 0].all()
    assert out is not reg and np.array_equal(reg, true * 1.004)  # input left alone


def test_stopped_registers_zero(series):
    true, reg = series
    out = apply(reg, true, Anomaly("m", "stopped", START, 1.0))
    assert np.all(out[START * 24:] == 0.0)


def test_under_registration_scales(series):
    true, reg = series
    out = apply(reg, true, Anomaly("m", "under_registration", START, 0.3))
    assert np.allclose(out[START * 24:], 0.7 * reg[START * 24:], rtol=0, atol=1e-15)


def test_bypass_misses_constant_load(series):
    true, reg = series
    s = 0.6
    out = apply(reg, true, Anomaly("m", "bypass", START, s))
    b = s * true.mean()
    t = true[START * 24:]
    expected = reg[START * 24:] * np.where(t > 0, (t - np.minimum(t, b)) / np.where(t > 0, t, 1), 1)
    assert np.allclose(out[START * 24:], expected, rtol=1e-12, atol=1e-15)
    assert np.all(out[START * 24:][t <= b] == 0.0)
    above = t > b
    assert np.allclose(out[START * 24:][above], 1.004 * (t[above] - b))


def test_reverse_is_negative(series):
    true, reg = series
    out = apply(reg, true, Anomaly("m", "reverse", START, 0.8))
    after = out[START * 24:]
    assert np.allclose(after, -0.8 * reg[START * 24:])
    assert np.all(after[true[START * 24:] > 0] < 0)


@pytest.mark.parametrize("start_hour_local", [0, 5])
def test_intermittent_evening_only_17_to_23_local(series, start_hour_local):
    true, reg = series
    out = apply(reg, true, Anomaly("m", "intermittent_evening", START, 0.6), start_hour_local=start_hour_local)
    cut = _before_after(out, reg, START, start_hour_local)
    hod = (start_hour_local + np.arange(len(reg))) % 24
    evening = (hod >= EVENING_HOURS[0]) & (hod < EVENING_HOURS[1])
    idx = np.arange(len(reg))
    assert EVENING_HOURS == (17, 23)
    on = (idx >= cut) & evening
    assert np.allclose(out[on], 0.4 * reg[on])
    assert np.array_equal(out[~on], reg[~on])


def test_drift_falls_linearly_then_stays(series):
    true = np.ones(80 * 24)
    reg = true.copy()
    out = apply(reg, true, Anomaly("m", "drift", 5, 0.4))
    h = 5 * 24
    assert out[h] == 1.0
    assert out[h + DRIFT_DAYS * 12] == pytest.approx(1 - 0.2)
    assert out[h + DRIFT_DAYS * 24] == pytest.approx(0.6)
    assert np.allclose(out[h + DRIFT_DAYS * 24:], 0.6)
    assert np.all(np.diff(out[h:h + DRIFT_DAYS * 24 + 1]) < 0)


def test_start_hour_local_shifts_the_day_boundary():
    true = np.ones(5 * 24)
    out = apply(true, true, Anomaly("m", "stopped", 1, 1.0), start_hour_local=20)
    assert np.all(out[:4] == 1.0) and np.all(out[4:] == 0.0)  # column 4 is 00:00 of local day 1


def test_anomaly_validation():
    with pytest.raises(InputError):
        Anomaly("m", "magnet", 3, 0.5)
    with pytest.raises(InputError):
        Anomaly("m", "stopped", -1, 1.0)
    with pytest.raises(InputError):
        Anomaly("m", "under_registration", 3, 1.5)
    with pytest.raises(InputError):
        apply(np.ones(3), np.ones(4), Anomaly("m", "stopped", 0, 1.0))


IDS = [f"M-{i:04d}" for i in range(600)]


def test_draw_is_deterministic_balanced_and_in_range():
    a = draw_anomalies(IDS, 60, 0.05, seed=3)
    assert a == draw_anomalies(IDS, 60, 0.05, seed=3)
    assert a != draw_anomalies(IDS, 60, 0.05, seed=4)
    assert len(a) == 30 and len({x.meter_id for x in a}) == 30
    counts = pd.Series([x.pattern for x in a]).value_counts()
    assert set(counts.index) == set(CLASSIC_PATTERNS) and counts.max() - counts.min() <= 1
    assert all(14 <= x.start_day <= 60 - 14 for x in a)
    for x in a:
        lo, hi = SEVERITY_RANGE[x.pattern]
        assert lo <= x.severity <= hi
    assert [x.meter_id for x in a] == sorted(x.meter_id for x in a)  # meter order


def test_draw_max_per_group_and_errors():
    groups = {m: f"G{i // 20}" for i, m in enumerate(IDS)}  # 30 groups of 20
    a = draw_anomalies(IDS, 60, 0.05, seed=1, groups=groups, max_per_group=1)
    assert len(a) == 30 and len({groups[x.meter_id] for x in a}) == 30
    with pytest.raises(InputError):
        draw_anomalies(IDS, 60, 0.06, seed=1, groups=groups, max_per_group=1)
    with pytest.raises(InputError):
        draw_anomalies(IDS, 20, 0.05, seed=1)  # no start day 14..6
    with pytest.raises(InputError):
        draw_anomalies(IDS, 60, 0.05, seed=1, patterns=("magnet",))
    assert draw_anomalies(IDS, 60, 0.0, seed=1) == []
    only = draw_anomalies(IDS, 60, 0.02, seed=1, patterns=("reverse",))
    assert {x.pattern for x in only} == {"reverse"}


def test_truth_frame():
    a = [Anomaly("M-1", "reverse", 3, 0.5), Anomaly("M-2", "drift", 20, 0.3)]
    t = truth_frame(a, pd.Timestamp("2026-01-05T00:00:00+02:00"))
    assert list(t.columns) == ["meter_id", "pattern", "start_day", "start_date", "severity"]
    assert t["start_date"].iloc[1] == pd.Timestamp("2026-01-25T00:00:00+02:00")
    assert str(t["start_date"].dt.tz) == "UTC+02:00"
    assert t["start_day"].tolist() == [3, 20]
    empty = truth_frame([], "2026-01-05T00:00:00+02:00")
    assert len(empty) == 0 and list(empty.columns) == list(t.columns)


def test_intermittent_bypass_only_on_its_days_and_hours(series):
    """Weekday bits 0b101 (Monday, Wednesday), day 0 a Monday: only those days change; some evenings: only 17-23 h."""
    true, reg = series
    out = apply(reg, true, Anomaly("m", "weekday_bypass", 0, 1.0, param=0b101)).reshape(DAYS, 24)
    changed = (out != reg.reshape(DAYS, 24)).any(axis=1)
    dow = np.arange(DAYS) % 7
    assert not changed[~np.isin(dow, [0, 2])].any() and changed[np.isin(dow, [0, 2])].all()
    some = apply(reg, true, Anomaly("m", "evening_bypass_some", 0, 1.0, param=7)).reshape(DAYS, 24)
    diff = some != reg.reshape(DAYS, 24)
    assert not diff[:, :EVENING_HOURS[0]].any() and not diff[:, EVENING_HOURS[1]:].any()
    assert 0.2 < diff.any(axis=1).mean() < 0.8  # about half of the evenings
