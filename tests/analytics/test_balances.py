"""Balance units and balances: exact arithmetic on a hand-made hierarchy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.balances import coincidence_curves, daily_table, fill_gaps, group_balances
from analytics.hierarchy import balance_units
from analytics.losses import fit_loss_model

# Building B (meter GB) with entrance E1 (meter GE1, consumers c1, c2) and entrance E2
# (no meter: its consumer c3 counts directly in B's balance), plus c4 directly in B.
METERS = pd.DataFrame([
    ("GB", "electricity", "B", "ABC", "", 1000.0),
    ("GE1", "electricity", "E1", "ABC", "", 1000.0),
    ("c1", "electricity", "E1", "A", "u1", 3200.0),
    ("c2", "electricity", "E1", "B", "u2", 3200.0),
    ("c3", "electricity", "E2", "C", "u3", 3200.0),
    ("c4", "electricity", "B", "A", "u4", 3200.0),
    ("w1", "water", "E1", "", "u1", 100.0),
], columns=["meter_id", "kind", "group_id", "phase", "customer_id", "pulse_weight"])
GROUPS = pd.DataFrame([("B", "", "building", "GB"), ("E1", "B", "entrance", "GE1"), ("E2", "B", "entrance", "")],
                      columns=["group_id", "parent_id", "level", "group_meter_id"])


def test_units_look_through_unmetered_groups_and_keep_kinds_apart() -> None:
    units = {u.group_id: u for u in balance_units(METERS, GROUPS)}
    assert set(units) == {"B", "E1"}
    assert sorted(units["B"].member_meter_ids) == ["GE1", "c3", "c4"]
    assert sorted(units["B"].consumer_meter_ids) == ["c3", "c4"]
    assert sorted(units["B"].subtree_consumer_meter_ids) == ["c1", "c2", "c3", "c4"]
    assert units["B"].child_group_ids == ["E1"] and units["B"].depth == 0
    assert sorted(units["E1"].member_meter_ids) == ["c1", "c2"]  # the water meter is another kind
    assert units["E1"].depth == 1


def _values(hours: int = 48) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    ids = list(METERS["meter_id"])
    v = {m: rng.uniform(0.2, 1.0, hours) for m in ("c1", "c2", "c3", "c4")}
    v["GE1"] = v["c1"] + v["c2"] + 0.05
    v["GB"] = v["GE1"] + v["c3"] + v["c4"] + 0.1
    v["w1"] = rng.uniform(0, 0.01, hours)
    return ids, np.array([v[m] for m in ids])


def test_imbalance_is_group_meter_minus_members_and_rolls_up() -> None:
    ids, raw = _values()
    row = {m: k for k, m in enumerate(ids)}
    units = balance_units(METERS, GROUPS)
    hours = raw.shape[1]
    bal = {b.unit.group_id: b for b in group_balances(units, row, raw, raw, np.zeros(raw.shape, bool),
                                                       np.ones(hours, bool), {"E1": 0.01})}
    np.testing.assert_allclose(bal["E1"].imbalance_kwh, 0.05, atol=1e-12)
    np.testing.assert_allclose(bal["B"].imbalance_kwh, 0.10, atol=1e-12)
    np.testing.assert_allclose(bal["B"].subtree_imbalance_kwh, 0.15, atol=1e-12)  # roll-up: 0.1 + 0.05
    np.testing.assert_allclose(bal["E1"].equipment_kwh, 0.01)
    # Constant imbalance: the fitted model is all fixed loss, nothing unexplained.
    np.testing.assert_allclose(bal["E1"].technical_loss_kwh + bal["E1"].equipment_kwh, 0.05, atol=1e-6)
    np.testing.assert_allclose(bal["E1"].unexplained_kwh, 0.0, atol=1e-6)
    dates = np.repeat(["2026-01-05", "2026-01-06"], 24)
    daily = daily_table(list(bal.values()), dates)
    e1 = daily[daily["group_id"] == "E1"].reset_index(drop=True)
    assert list(daily.columns[:8]) == ["group_id", "level", "date", "input_kwh", "consumers_kwh", "imbalance_kwh",
                                       "imbalance_pct", "technical_loss_kwh"]
    assert e1.loc[0, "input_kwh"] == pytest.approx(raw[row["GE1"], :24].sum())
    assert e1.loc[0, "imbalance_kwh"] == pytest.approx(24 * 0.05)
    assert e1.loc[0, "imbalance_pct"] == pytest.approx(100 * 24 * 0.05 / raw[row["GE1"], :24].sum())
    assert (daily["level"] == daily["group_id"].map({"B": "building", "E1": "entrance"})).all()


def test_missing_input_hours_are_left_out_and_counted() -> None:
    ids, raw = _values()
    row = {m: k for k, m in enumerate(ids)}
    raw[row["GE1"], 3] = np.nan
    units = balance_units(METERS, GROUPS)
    bal = group_balances(units, row, raw, raw, np.zeros(raw.shape, bool), np.ones(48, bool), {})
    daily = daily_table(bal, np.repeat(["d1", "d2"], 24))
    e1 = daily[daily["group_id"] == "E1"].set_index("date")
    assert e1.loc["d1", "missing_input_hours"] == 1 and e1.loc["d2", "missing_input_hours"] == 0
    assert e1.loc["d1", "imbalance_kwh"] == pytest.approx(23 * 0.05)


def test_gaps_filled_with_the_hour_median_and_negatives_with_zero() -> None:
    hours = 72
    hour = np.arange(hours) % 24
    v = np.tile(np.where(hour >= 12, 2.0, 1.0), (2, 1))
    v[0, 30] = np.nan  # 06:00 on day 2
    zero = np.zeros(v.shape, bool)
    zero[1, 40] = True
    filled, was = fill_gaps(v, hour, zero)
    assert filled[0, 30] == 1.0 and was[0, 30] and was.sum() == 1
    assert filled[1, 40] == 0.0


def test_loss_model_recovers_fixed_and_quadratic_parts() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(5, 30, 500)
    y = 0.2 + 0.001 * x ** 2 + rng.normal(0, 0.005, 500)
    clean = np.arange(500) < 300
    y[~clean] += 3.0  # theft after the clean period does not bias the fit
    model = fit_loss_model(x, y, clean)
    assert model.fixed_kwh_per_h == pytest.approx(0.2, abs=0.01)
    assert model.k_per_kwh == pytest.approx(0.001, rel=0.02)
    assert model.hours_used == 300


def test_coincidence_curves_bounded_by_one() -> None:
    rng = np.random.default_rng(2)
    v = rng.uniform(0, 1, (10, 240))
    cc = coincidence_curves(v, list(range(10)), np.arange(240) % 24, np.repeat(np.arange(10), 24))
    assert len(cc) == 24
    assert (cc["coincidence_min"] <= cc["coincidence_max"]).all()
    assert (cc["coincidence_max"] <= 1.0).all() and (cc["coincidence_min"] > 0).all()
