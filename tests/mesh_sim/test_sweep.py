"""Design-space sweep: its figures against hand arithmetic, the Pareto front, one real point."""

import csv

import numpy as np
import pytest

from mesh_sim.records import MeshResult
from mesh_sim.sweep import broadcast_last_s, delivery_within_s, main, pareto_front


def result(**kw) -> MeshResult:
    base = dict(nodes=[], reading_latency_s=np.array([10.0, 90_000.0, 50.0]), reading_meters=np.array([3, 2, 1]),
                first_attempt_readings=0, readings_generated=8, readings_delivered=6, readings_dropped=0,
                broadcast_latency_s=np.array([[1.0, 5.0, np.nan], [np.nan, np.nan, np.nan], [2.0, 3.0, 9.0]]),
                downlink_latency_s=np.array([]), downlink_sent=0, clock_error_ms=np.array([]),
                events=0, wall_s=1.0, duration_s=1.0)
    base.update(kw)
    return MeshResult(**base)


def test_delivery_within_24h_counts_readings_not_packets():
    assert delivery_within_s(result(), 86_400.0) == pytest.approx(4 / 8)
    assert delivery_within_s(result(readings_generated=0), 86_400.0) is None


def test_broadcast_latency_to_the_last_module_ignores_broadcasts_nobody_got():
    assert broadcast_last_s(result()) == pytest.approx((5.0 + 9.0) / 2)
    assert broadcast_last_s(result(broadcast_latency_s=np.full((2, 3), np.nan))) is None


def test_pareto_front_keeps_only_undominated_points():
    rows = [{"broadcast_latency_last_s": x, "busiest_relay_battery_years": y, "name": n}
            for n, x, y in [("a", 10, 5), ("b", 20, 10), ("c", 30, 8), ("d", 5, 2), ("e", 10, 4), ("f", None, 9)]]
    assert [r["name"] for r in pareto_front(rows)] == ["d", "a", "b"]


@pytest.mark.slow
def test_one_sweep_point_on_the_deep_chain_writes_csv_and_plot(tmp_path):
    assert main(["--preset", "chain", "--days", "0.1", "--wake", "sync:30", "--schemes", "sync",
                 "--out", str(tmp_path)]) == 0
    rows = list(csv.DictReader(open(tmp_path / "sweep.csv")))
    assert len(rows) == 1 and rows[0]["scheme"] == "sync"
    assert int(rows[0]["max_hops"]) >= 10
    assert float(rows[0]["busiest_relay_packets_per_day"]) > 500
    assert (tmp_path / "pareto.png").stat().st_size > 10_000
