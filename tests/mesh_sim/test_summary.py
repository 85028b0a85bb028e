"""summarize() and first_to_die() against hand arithmetic on a 4-module subnet."""

import json
import math

import numpy as np
import pytest

from mesh_sim.records import MeshResult, NodeRecord
from mesh_sim.summary import dominant_cause, first_to_die, json_safe, summarize, weighted_percentile

NAN = float("nan")


def _node(node_id, kind="module", **kw) -> NodeRecord:
    base = dict(x_m=0.0, y_m=0.0, floor=0, building=0, meters=0, status="ok", concentrator_id="C1",
                parent_id="", hops=0, link_margin_db=10.0, path_etx=1.0)
    base.update(kw)
    return NodeRecord(node_id=node_id, kind=kind, **base)


def small_result(**overrides) -> MeshResult:
    """4 modules (one unreachable) reporting to one concentrator."""
    nodes = [
        _node("M1", meters=2, hops=1, parent_id="C1", battery_life_years=8.0, relayed_per_day=48.0,
              current_breakdown_ua={"tx": 5.0, "rx": 3.0, "listen": 10.0, "sleep": 1.0}),
        _node("M2", meters=3, hops=2, parent_id="M1", battery_life_years=12.0, relayed_per_day=0.0,
              current_breakdown_ua={"tx": 2.0, "listen": 6.0, "sleep": 1.0}),
        _node("M3", meters=1, hops=3, parent_id="M2", battery_life_years=5.0, relayed_per_day=10.0,
              current_breakdown_ua={"tx": 20.0, "listen": 4.0}),
        _node("M4", meters=4, hops=-1, status="unreachable", concentrator_id=""),
        _node("C1", kind="concentrator", hops=0, concentrator_id="C1"),
    ]
    fields = dict(
        nodes=nodes,
        reading_latency_s=np.array([10.0, 1.0, 2.0]),
        reading_meters=np.array([1, 3, 1]),
        first_attempt_readings=12, readings_generated=20, readings_delivered=15, readings_dropped=2,
        broadcast_latency_s=np.array([[1.0, 2.0, 3.0, NAN], [2.0, NAN, 4.0, NAN]]),
        downlink_latency_s=np.array([5.0, 7.0]), downlink_sent=4,
        clock_error_ms=np.array([0.5, 3.0, 1.5]),
        events=1000, wall_s=2.0, duration_s=2 * 86_400.0, reroutes=3,
        extra={"duplicates": 7, "ratio": np.float64(0.25), "events": 99, "bad": np.float64(NAN)},
    )
    fields.update(overrides)
    return MeshResult(**fields)


def empty_result() -> MeshResult:
    return MeshResult(nodes=[], reading_latency_s=np.array([]), reading_meters=np.array([]),
                      first_attempt_readings=0, readings_generated=0, readings_delivered=0,
                      readings_dropped=0, broadcast_latency_s=np.empty((0, 0)),
                      downlink_latency_s=np.array([]), downlink_sent=0, clock_error_ms=np.array([]),
                      events=0, wall_s=0.0, duration_s=0.0)


def test_weighted_percentile_counts_each_reading():
    # readings: 1 s ×3, 2 s ×1, 10 s ×1 -> [1, 1, 1, 2, 10]
    assert weighted_percentile([10.0, 1.0, 2.0], [1, 3, 1], 50) == pytest.approx(1.0)
    assert weighted_percentile([10.0, 1.0, 2.0], [1, 3, 1], 95) == pytest.approx(2 + 0.8 * 8)  # pos 3.8
    assert weighted_percentile([10.0, 1.0, 2.0], [1, 1, 1], 50) == pytest.approx(2.0)
    assert weighted_percentile([], [], 50) is None
    assert weighted_percentile([NAN, 3.0], [5, 2], 50) == 3.0
    with pytest.raises(ValueError):
        weighted_percentile([1.0, 2.0], [1], 50)


def test_weighted_percentile_equals_repeated_array():
    rng = np.random.default_rng(1)
    x = rng.exponential(30.0, 200)
    w = rng.integers(0, 6, 200)
    for q in (0, 5, 50, 95, 99, 100):
        assert weighted_percentile(x, w, q) == pytest.approx(np.percentile(np.repeat(x, w), q))


def test_summary_against_hand_arithmetic():
    s = summarize(small_result())
    assert s["modules"] == 4 and s["meters"] == 10 and s["concentrators"] == 1
    assert s["pdr_final"] == pytest.approx(0.75)
    assert s["pdr_first_attempt"] == pytest.approx(0.6)
    assert s["latency_p50_s"] == pytest.approx(1.0)
    assert s["latency_p95_s"] == pytest.approx(8.4)
    assert s["max_hops"] == 3
    assert s["broadcast_latency_mean_s"] == pytest.approx(12 / 5)
    assert s["broadcast_latency_p95_s"] == pytest.approx(3.8)  # [1, 2, 2, 3, 4], pos 3.8
    assert s["broadcast_coverage"] == pytest.approx(5 / 8)
    assert s["battery_life_years_min"] == 5.0
    assert s["battery_life_years_median"] == 8.0
    assert s["relayed_per_day_max"] == 48.0
    assert s["busiest_relay_packets_per_day"] == 48.0 and s["busiest_relay_battery_years"] == 8.0  # M1
    assert s["dropped_readings"] == 2
    assert s["events_per_s"] == pytest.approx(500.0)
    assert s["downlink_latency_p50_s"] == pytest.approx(6.0)
    assert s["downlink_delivery"] == pytest.approx(0.5)
    assert s["clock_error_max_ms"] == 3.0
    assert s["unreachable_modules"] == 1 and s["left_out_modules"] == 0
    assert s["reroutes"] == 3 and s["events"] == 1000
    assert s["simulated_days"] == pytest.approx(2.0) and s["wall_s"] == 2.0


def test_busiest_relay_ties_go_to_the_shorter_life_and_none_without_relays():
    res = small_result()
    res.nodes[2].relayed_per_day = 48.0                 # M3 ties with M1 and lives 5 years
    s = summarize(res)
    assert s["busiest_relay_packets_per_day"] == 48.0 and s["busiest_relay_battery_years"] == 5.0
    for n in res.nodes:
        n.relayed_per_day = 0.0
    s = summarize(res)
    assert s["busiest_relay_packets_per_day"] is None and s["busiest_relay_battery_years"] is None


def test_summary_extra_items_and_concentrator_override():
    s = summarize(small_result(), concentrators=3)
    assert s["concentrators"] == 3
    assert s["duplicates"] == 7 and s["ratio"] == 0.25 and type(s["ratio"]) is float
    assert s["events"] == 1000 and s["extra_events"] == 99  # a taken key is not overwritten
    assert s["bad"] is None


def test_left_out_counted():
    result = small_result()
    result.nodes[3].status = "left_out"
    s = summarize(result)
    assert s["left_out_modules"] == 1 and s["unreachable_modules"] == 0


def test_summary_is_strict_json_with_empty_arrays():
    s = summarize(empty_result())
    text = json.dumps(s, allow_nan=False)
    assert json.loads(text) == s
    for key in ("pdr_final", "pdr_first_attempt", "latency_p50_s", "latency_p95_s", "max_hops",
                "broadcast_latency_mean_s", "broadcast_latency_p95_s", "broadcast_coverage",
                "battery_life_years_min", "battery_life_years_median", "relayed_per_day_max",
                "events_per_s", "downlink_latency_p50_s", "downlink_delivery", "clock_error_max_ms"):
        assert s[key] is None, key
    assert s["modules"] == 0 and s["meters"] == 0 and s["concentrators"] == 0


def test_summary_with_nan_only_arrays_is_strict_json():
    result = small_result(reading_latency_s=np.array([NAN]), reading_meters=np.array([2]),
                          broadcast_latency_s=np.full((1, 4), NAN), extra={"x": [1.0, float("inf")]})
    s = summarize(result)
    json.dumps(s, allow_nan=False)
    assert s["latency_p50_s"] is None and s["broadcast_coverage"] == 0.0
    assert s["broadcast_latency_mean_s"] is None and s["x"] == [1.0, None]


def test_first_to_die_order_and_cause():
    rows = first_to_die(small_result(), k=2)
    assert [r["node_id"] for r in rows] == ["M3", "M1"]
    assert rows[0]["dominant_cause"] == "tx"
    assert rows[0]["dominant_share"] == pytest.approx(20 / 24)
    assert rows[1]["dominant_cause"] == "listen"
    assert rows[1]["current_breakdown_ua"] == {"listen": 10.0, "rx": 3.0, "sleep": 1.0, "tx": 5.0}
    everyone = first_to_die(small_result())
    assert [r["node_id"] for r in everyone] == ["M3", "M1", "M2"]  # M4 has no finite life
    json.dumps(everyone, allow_nan=False)
    assert first_to_die(empty_result()) == []


def test_dominant_cause_and_json_safe():
    assert dominant_cause({}) is None
    assert dominant_cause({"a": 1.0, "b": NAN, "c": 2.0}) == "c"
    assert json_safe({"a": np.array([1.0, np.inf]), "b": np.int64(3)}) == {"a": [1.0, None], "b": 3}
    assert not math.isnan(json_safe(np.float32(0.5)))
