"""Bills against hand-computed examples, one per tariff feature."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from twin.control.billing import BILL_COLUMNS, bill, total_cost
from twin.control.tariffs import Tariff, TariffBlockConfig, TariffConfig, TariffPeriodConfig

P = TariffPeriodConfig
MONDAY = datetime(2025, 1, 6)  # a winter weekday


def flat(rate: float = 0.25, **changes) -> Tariff:
    return Tariff.from_config(TariffConfig(name="flat", periods=[P("day", rate, 0, 24)], **changes))


def two_rate(**changes) -> Tariff:
    return Tariff.from_config(TariffConfig(periods=[P("day", 0.30, 7, 23), P("night", 0.12, 23, 7)], **changes))


def block(**changes) -> Tariff:
    blocks = [TariffBlockConfig(100, 0.15), TariffBlockConfig(300, 0.25), TariffBlockConfig(None, 0.35)]
    return Tariff.from_config(TariffConfig(name="block", periods=[P("day", 0.25, 0, 24)], blocks=blocks,
                                           social_norm_kwh_per_occupant=50.0, fixed_per_month=5.0, **changes))


def steps(*pieces: tuple[float, int]) -> np.ndarray:
    """A profile of (kW, number of steps) pieces."""
    return np.concatenate([np.full(n, kw) for kw, n in pieces])


def test_flat() -> None:
    p = np.vstack([steps((2.0, 120)), steps((0.5, 60), (0.0, 60))])
    df = bill(["A", "B"], p, MONDAY, flat())
    assert list(df.columns) == BILL_COLUMNS and df.attrs["currency"] == "EUR"
    assert df["consumer_id"].tolist() == ["A", "B"] and df["month"].tolist() == ["2025-01"] * 2
    assert df["days_billed"].tolist() == pytest.approx([120 / 1440] * 2)
    # A: 2 kW × 2 h = 4 kWh × 0.25 = 1.00;  B: 0.5 kW × 1 h = 0.5 kWh × 0.25 = 0.125
    assert df["energy_kwh"].tolist() == pytest.approx([4.0, 0.5])
    assert df["energy_charge"].tolist() == pytest.approx([1.00, 0.125])
    assert df["total"].tolist() == pytest.approx([1.00, 0.125])
    assert total_cost(df) == pytest.approx(1.125)
    assert (df[["penalty_kwh", "penalty_charge", "fixed_charge", "capacity_charge"]] == 0).all().all()


def test_two_rate_load_spanning_the_23h_switch() -> None:
    # 3 kW from 22:30 to 23:30: 1.5 kWh day × 0.30 = 0.45 + 1.5 kWh night × 0.12 = 0.18 → 0.63
    df = bill(["A"], steps((3.0, 60))[None], datetime(2025, 1, 6, 22, 30), two_rate())
    assert df.loc[0, "energy_kwh"] == pytest.approx(3.0)
    assert df.loc[0, "energy_charge"] == pytest.approx(0.63)
    # 15-min steps from 22:50, 4 kW for two steps (22:50-23:20); the first step straddles 23:00:
    # day 10 min: 4 × 10/60 = 2/3 kWh × 0.30 = 0.20; night 20 min: 4/3 kWh × 0.12 = 0.16 → 0.36
    df = bill(["A"], steps((4.0, 2))[None], datetime(2025, 1, 6, 22, 50), two_rate(), minutes_per_step=15)
    assert df.loc[0, "energy_kwh"] == pytest.approx(2.0)
    assert df.loc[0, "energy_charge"] == pytest.approx(0.36)


@pytest.mark.parametrize(("start", "rate"), [
    (datetime(2025, 1, 6, 18), 0.45),   # Monday, winter: peak 17-21
    (datetime(2025, 1, 11, 18), 0.20),  # Saturday, winter: weekend 07-23
    (datetime(2025, 7, 7, 18), 0.22),   # Monday, summer: shoulder 07-19
    (datetime(2025, 7, 7, 20), 0.32),   # Monday, summer: peak 19-22
    (datetime(2025, 7, 12, 18), 0.18),  # Saturday, summer: weekend 07-23
    (datetime(2025, 7, 12, 3), 0.12),   # Saturday, summer: night 23-07
])
def test_tou_by_calendar(start: datetime, rate: float) -> None:
    summer, winter = [4, 5, 6, 7, 8, 9], [1, 2, 3, 10, 11, 12]
    periods = []
    for months, night, shoulder, peak, (p0, p1), weekend in ((winter, 0.14, 0.24, 0.45, (17, 21), 0.20),
                                                             (summer, 0.12, 0.22, 0.32, (19, 22), 0.18)):
        periods += [P("night", night, 23, 7, "all", months), P("shoulder", shoulder, 7, p0, "weekday", months),
                    P("peak", peak, p0, p1, "weekday", months), P("shoulder", shoulder, p1, 23, "weekday", months),
                    P("weekend", weekend, 7, 23, "weekend", months)]
    tariff = Tariff.from_config(TariffConfig(name="tou", periods=periods))
    # 2 kW for one hour = 2 kWh × rate
    df = bill(["A"], steps((2.0, 4))[None], start, tariff, minutes_per_step=15)
    assert df.loc[0, "energy_charge"] == pytest.approx(2.0 * rate)


def test_contract_penalty_on_hourly_energy() -> None:
    tariff = two_rate(contract_kw=6.0, penalty_rate_per_kwh=0.50, capacity_per_kw_month=2.50)
    # Monday 17:00-20:00 (day rate). Hour 17: 12 kW for 30 min + 4 kW for 30 min = 8 kWh;
    # hour 18: 7 kWh; hour 19: 5 kWh (below contract). Above 6 kWh per hour: 2 + 1 + 0 = 3 kWh.
    p = steps((12.0, 30), (4.0, 30), (7.0, 60), (5.0, 60))[None]
    row = bill(["A"], p, datetime(2025, 1, 6, 17), tariff).iloc[0]
    assert row["energy_kwh"] == pytest.approx(20.0)
    assert row["energy_charge"] == pytest.approx(20.0 * 0.30)          # 6.00
    assert row["penalty_kwh"] == pytest.approx(3.0)
    assert row["penalty_charge"] == pytest.approx(3.0 * 0.50)          # 1.50
    # capacity 2.50 × 6 kW × share, share = (180 / 1440 days) / 31 days = 0.125 / 31
    assert row["capacity_charge"] == pytest.approx(2.50 * 6 * 0.125 / 31)
    assert row["total"] == pytest.approx(6.0 + 1.5 + 1.875 / 31)


def test_contract_partial_hours_prorate_the_allowance() -> None:
    tariff = two_rate(contract_kw=6.0, penalty_rate_per_kwh=0.50)
    # 17:30-18:30 at 8 kW: hour 17 has 30 min: 4 kWh vs 6 × 0.5 = 3 kWh → 1 kWh;
    # hour 18 has 30 min: the same → 1 kWh. Total 2 kWh × 0.50 = 1.00
    row = bill(["A"], steps((8.0, 60))[None], datetime(2025, 1, 6, 17, 30), tariff).iloc[0]
    assert row["penalty_kwh"] == pytest.approx(2.0)
    assert row["penalty_charge"] == pytest.approx(1.0)


def test_block_with_social_norm_full_month() -> None:
    # January 2025, 744 hourly steps, 400 kWh each. Norm 50 kWh per occupant.
    p = np.full((3, 744), 400.0 / 744)
    df = bill(["A", "B", "C"], p, datetime(2025, 1, 1), block(), occupants=np.array([2, 4, 8]),
              minutes_per_step=60)
    assert df["days_billed"].tolist() == pytest.approx([31.0] * 3)
    assert df["energy_kwh"].tolist() == pytest.approx([400.0] * 3)
    # A: norm 100 kWh: 100 × 0.15 + 200 × 0.25 + 100 × 0.35 = 15 + 50 + 35 = 100
    # B: norm 200 kWh: 200 × 0.15 + 100 × 0.25 + 100 × 0.35 = 30 + 25 + 35 = 90
    # C: norm 400 kWh ≥ 300: the second block is empty: 400 × 0.15 = 60
    assert df["energy_charge"].tolist() == pytest.approx([100.0, 90.0, 60.0])
    assert df["fixed_charge"].tolist() == pytest.approx([5.0] * 3)
    assert df["total"].tolist() == pytest.approx([105.0, 95.0, 65.0])
    # Without occupants the configured first block (100 kWh) applies: as A.
    assert bill(["X"], p[:1], datetime(2025, 1, 1), block(), minutes_per_step=60).loc[0, "energy_charge"] \
        == pytest.approx(100.0)


def test_block_with_social_norm_partial_month_is_prorated() -> None:
    # 1-11 January = 10 of 31 days, 100 kWh, 2 occupants. Share 10/31:
    # block ends 100 × 10/31 = 1000/31 and 300 × 10/31 = 3000/31 kWh.
    # 1000/31 × 0.15 + 2000/31 × 0.25 + (100 − 3000/31) × 0.35 = (150 + 500 + 35) / 31 = 685/31
    row = bill(["A"], np.full((1, 240), 100.0 / 240), datetime(2025, 1, 1), block(),
               occupants=np.array([2]), minutes_per_step=60).iloc[0]
    assert row["days_billed"] == pytest.approx(10.0)
    assert row["energy_charge"] == pytest.approx(685 / 31)
    assert row["fixed_charge"] == pytest.approx(5.0 * 10 / 31)
    assert row["total"] == pytest.approx(735 / 31)


def test_fixed_and_capacity_without_contract() -> None:
    # February 2025 (28 days, 672 h) at 1 kW, except one hour at 5 kW.
    p = steps((1.0, 100), (5.0, 1), (1.0, 571))[None]
    row = bill(["A"], p, datetime(2025, 2, 1), flat(0.20, fixed_per_month=10.0, capacity_per_kw_month=3.0),
               minutes_per_step=60).iloc[0]
    # energy 671 + 5 = 676 kWh × 0.20 = 135.20; fixed 10; capacity 3 × 5 kWh (highest hour) = 15
    assert row["energy_kwh"] == pytest.approx(676.0)
    assert row["energy_charge"] == pytest.approx(135.2)
    assert row["fixed_charge"] == pytest.approx(10.0)
    assert row["capacity_charge"] == pytest.approx(15.0)
    assert row["total"] == pytest.approx(160.2)


def test_two_months_give_two_rows_per_customer() -> None:
    # 31 Jan 12:00 → 1 Feb 12:00 at 1 kW (A) and 2 kW (B); flat 0.25 + 31 EUR/month fixed.
    p = np.vstack([np.ones(24), np.full(24, 2.0)])
    df = bill(["A", "B"], p, datetime(2025, 1, 31, 12), flat(fixed_per_month=31.0), minutes_per_step=60)
    assert df["consumer_id"].tolist() == ["A", "A", "B", "B"]
    assert df["month"].tolist() == ["2025-01", "2025-02"] * 2
    assert df["days_billed"].tolist() == pytest.approx([0.5] * 4)
    assert df["energy_kwh"].tolist() == pytest.approx([12.0, 12.0, 24.0, 24.0])
    # fixed: 31 × 0.5/31 = 0.5 in January, 31 × 0.5/28 in February
    assert df["fixed_charge"].tolist() == pytest.approx([0.5, 31 * 0.5 / 28] * 2)
    assert total_cost(df) == pytest.approx(72 * 0.25 + 2 * (0.5 + 31 * 0.5 / 28))


def test_a_step_straddling_the_month_end_is_split() -> None:
    # One hourly step from 31 Jan 23:30 at 2 kW: 1 kWh in each month.
    df = bill(["A"], np.array([[2.0]]), datetime(2025, 1, 31, 23, 30), flat(), minutes_per_step=60)
    assert df["month"].tolist() == ["2025-01", "2025-02"]
    assert df["energy_kwh"].tolist() == pytest.approx([1.0, 1.0])
    assert df["days_billed"].tolist() == pytest.approx([30 / 1440] * 2)


def test_negative_pv_energy_is_net_metered() -> None:
    # −2 kW for 2 h at noon on two-rate: −4 kWh × 0.30 = −1.20 (a credit)
    row = bill(["PV"], steps((-2.0, 2))[None], datetime(2025, 1, 6, 12), two_rate(), minutes_per_step=60).iloc[0]
    assert row["energy_kwh"] == pytest.approx(-4.0)
    assert row["total"] == pytest.approx(-1.20)
    # Contract 2 kW: hour 12 imports 3 kWh (1 kWh above), hour 13 exports 3 kWh (no penalty).
    # energy 0 kWh; penalty 1 kWh × 0.50
    row = bill(["PV"], steps((3.0, 1), (-3.0, 1))[None], datetime(2025, 1, 6, 12),
               two_rate(contract_kw=2.0, penalty_rate_per_kwh=0.5), minutes_per_step=60).iloc[0]
    assert row["energy_kwh"] == pytest.approx(0.0) and row["energy_charge"] == pytest.approx(0.0)
    assert row["penalty_kwh"] == pytest.approx(1.0) and row["penalty_charge"] == pytest.approx(0.5)
    # Block tariff: a net-exporting month is credited at the first block's rate: −10 kWh × 0.15
    row = bill(["PV"], np.full((1, 10), -1.0), datetime(2025, 1, 6), block(), minutes_per_step=60).iloc[0]
    assert row["energy_charge"] == pytest.approx(-1.5)
    # Without a contract the capacity charge never goes below zero.
    row = bill(["PV"], np.full((1, 10), -1.0), datetime(2025, 1, 6), flat(capacity_per_kw_month=3.0),
               minutes_per_step=60).iloc[0]
    assert row["capacity_charge"] == 0.0


def test_bad_shapes() -> None:
    with pytest.raises(ValueError, match="p_kw"):
        bill(["A", "B"], np.ones((1, 5)), MONDAY, flat())
    with pytest.raises(ValueError, match="occupants"):
        bill(["A"], np.ones((1, 5)), MONDAY, block(), occupants=np.array([1, 2]))
    assert list(bill(["A"], np.ones((1, 0)), MONDAY, flat()).columns) == BILL_COLUMNS
