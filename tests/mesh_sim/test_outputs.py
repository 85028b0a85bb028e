"""nodes.csv, latency.csv, broadcasts.csv, first_to_die.json and the PNGs of a run."""

import csv
import json

import matplotlib.image as mpimg
import numpy as np
import pytest

from mesh_sim.outputs import fmt, write_mesh_outputs, write_nodes_csv
from mesh_sim.plots import needs_elevation, plot_topology
from mesh_sim.records import MeshResult, NodeRecord
from mesh_sim.summary import summarize

NAN = float("nan")
HEADER = ["node_id", "kind", "status", "concentrator_id", "parent_id", "hops", "link_margin_db",
          "path_etx", "meters", "readings_generated", "readings_delivered", "readings_dropped",
          "delivery", "relayed_per_day", "tx_packets", "avg_current_ua", "battery_life_years", "x_m",
          "y_m", "floor", "building"]


def _node(node_id, kind="module", **kw) -> NodeRecord:
    base = dict(x_m=0.0, y_m=0.0, floor=0, building=0, meters=0, status="ok", concentrator_id="C1",
                parent_id="", hops=0, link_margin_db=10.0, path_etx=1.0)
    base.update(kw)
    return NodeRecord(node_id=node_id, kind=kind, **base)


def _result(nodes, n_broadcasts=2) -> MeshResult:
    modules = sum(n.kind == "module" for n in nodes)
    bcast = np.arange(1.0, 1.0 + n_broadcasts * modules).reshape(n_broadcasts, modules)
    if bcast.size:
        bcast[:, -1] = NAN
    return MeshResult(nodes=nodes, reading_latency_s=np.array([10.0, 1.0, 2.0]),
                      reading_meters=np.array([1, 3, 1]), first_attempt_readings=12,
                      readings_generated=20, readings_delivered=15, readings_dropped=2,
                      broadcast_latency_s=bcast, downlink_latency_s=np.array([5.0]), downlink_sent=1,
                      clock_error_ms=np.array([1.0]), events=100, wall_s=1.0, duration_s=86_400.0)


def small_result() -> MeshResult:
    """4 modules on a line, one unreachable, one concentrator at the origin."""
    return _result([
        _node("M1", x_m=30.0, meters=2, hops=1, parent_id="C1", battery_life_years=8.123456,
              avg_current_ua=19.0, readings_generated=48, readings_delivered=47, delivery=47 / 48,
              current_breakdown_ua={"tx": 5.0, "rx": 3.0, "listen": 10.0, "sleep": 0.000123456}),
        _node("M2", x_m=60.0, meters=3, hops=2, parent_id="M1", battery_life_years=12.0,
              current_breakdown_ua={"tx": 2.0, "listen": 6.0}),
        _node("M3", x_m=90.0, meters=1, hops=3, parent_id="M2", battery_life_years=5.0,
              current_breakdown_ua={"tx": 20.0, "listen": 4.0}),
        _node("M4", x_m=400.0, meters=4, hops=-1, status="unreachable", concentrator_id=""),
        _node("C1", kind="concentrator"),
    ])


def tower_result() -> MeshResult:
    """Ten floors of a tower, four modules per floor at the same four plan positions."""
    nodes = [_node(f"M{f}{i}", x_m=10.0 * i, y_m=5.0, floor=f, hops=f + 1, battery_life_years=9.0 + i,
                   parent_id=f"M{f - 1}{i}" if f else "C1") for f in range(10) for i in range(4)]
    return _result(nodes + [_node("C1", kind="concentrator", x_m=15.0, y_m=0.0)])


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_fmt_rounds_and_blanks():
    assert fmt(8.123456) == 8.1235 and fmt(0.000123456) == 0.0001235 and fmt(0.0) == 0.0
    assert fmt(NAN) == "" and fmt(float("inf")) == "inf" and fmt(np.int64(3)) == 3 and fmt("ok") == "ok"


def test_nodes_csv_header_and_rows(tmp_path):
    path = tmp_path / "nodes.csv"
    write_nodes_csv(path, small_result())
    rows = _rows(path)
    breakdown = ["current_listen_ua", "current_rx_ua", "current_sleep_ua", "current_tx_ua"]
    assert rows[0] == HEADER + breakdown
    assert [r[0] for r in rows[1:]] == ["M1", "M2", "M3", "M4", "C1"]
    m1 = dict(zip(rows[0], rows[1]))
    assert m1["parent_id"] == "C1" and m1["hops"] == "1" and m1["meters"] == "2"
    assert m1["battery_life_years"] == "8.1235" and m1["delivery"] == "0.9792"
    assert m1["current_tx_ua"] == "5.0" and m1["current_sleep_ua"] == "0.0001235"
    m2 = dict(zip(rows[0], rows[2]))
    assert m2["current_rx_ua"] == ""  # cause absent for this module
    m4 = dict(zip(rows[0], rows[4]))
    assert m4["status"] == "unreachable" and m4["hops"] == "-1" and m4["battery_life_years"] == ""
    c1 = dict(zip(rows[0], rows[5]))
    assert c1["kind"] == "concentrator" and all(c1[c] == "" for c in breakdown)


def test_mesh_outputs_written(tmp_path):
    result = small_result()
    paths = write_mesh_outputs(tmp_path / "mesh", result, summarize(result))
    names = sorted(p.name for p in paths)
    assert names == sorted(["nodes.csv", "first_to_die.json", "latency.csv", "broadcasts.csv",
                            "topology.png", "battery_life.png", "latency_cdf.png"])
    assert all(p.exists() for p in paths)
    assert _rows(tmp_path / "mesh" / "latency.csv") == [["latency_s", "meters"], ["10.0", "1"], ["1.0", "3"],
                                                         ["2.0", "1"]]
    bc = _rows(tmp_path / "mesh" / "broadcasts.csv")
    assert bc[0] == ["broadcast", "node_id", "latency_s"] and len(bc) == 1 + 2 * 4
    assert bc[1] == ["0", "M1", "1.0"] and bc[4] == ["0", "M4", ""] and bc[5] == ["1", "M1", "5.0"]
    ftd = json.loads((tmp_path / "mesh" / "first_to_die.json").read_text())
    assert [r["node_id"] for r in ftd] == ["M3", "M1", "M2"]
    assert [r["dominant_cause"] for r in ftd] == ["tx", "listen", "listen"]
    for name in ("topology.png", "battery_life.png", "latency_cdf.png"):
        png = tmp_path / "mesh" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 10_000, name
        image = mpimg.imread(png)
        assert image.shape[0] > 300 and image.shape[1] > 600
        assert image[..., :3].std() > 0.05, f"{name} looks blank"


def test_outputs_of_an_empty_run(tmp_path):
    empty = MeshResult(nodes=[], reading_latency_s=np.array([]), reading_meters=np.array([]),
                       first_attempt_readings=0, readings_generated=0, readings_delivered=0,
                       readings_dropped=0, broadcast_latency_s=np.array([]), downlink_latency_s=np.array([]),
                       downlink_sent=0, clock_error_ms=np.array([]), events=0, wall_s=0.0, duration_s=0.0)
    summary = summarize(empty)
    paths = write_mesh_outputs(tmp_path, empty, summary)
    assert all(p.exists() for p in paths)
    assert _rows(tmp_path / "nodes.csv") == [HEADER]
    assert json.loads((tmp_path / "first_to_die.json").read_text()) == []
    json.dumps(summary, allow_nan=False)


def test_broadcast_shape_must_match_modules(tmp_path):
    result = small_result()
    result.broadcast_latency_s = np.ones((2, 3))
    with pytest.raises(ValueError):
        write_mesh_outputs(tmp_path, result, summarize(result))


def test_tower_gets_an_elevation_panel(tmp_path):
    assert needs_elevation(tower_result().nodes)
    assert not needs_elevation(small_result().nodes)
    plot_topology(tmp_path / "tower.png", tower_result())
    plot_topology(tmp_path / "flat.png", small_result())
    tower, flat = mpimg.imread(tmp_path / "tower.png"), mpimg.imread(tmp_path / "flat.png")
    assert tower.shape[1] > 1.5 * flat.shape[1]
