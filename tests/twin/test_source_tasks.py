"""The imported-site commands end to end: SimBench, OpenDSS and pandapower sites through task=grid,
the pandapower round trip, the calendar in task=dr, and the maps of task=plan / task=mesh."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("simbench")

from scenarios.errors import InputError  # noqa: E402

CODE = "1-LV-rural1--0-sw"
#: A three-house OpenDSS feeder (one two-phase load that is not imported).
SMALL_FEEDER = """clear
New circuit.small basekv=10 pu=1.02 isc3=2000 isc1=1500
New Transformer.T1 buses=[sourcebus lv] conns=[delta wye] kvs=[10 0.4] kvas=[250 250] xhl=4 %loadloss=1.2
New LineCode.cab nphases=3 r1=0.3 x1=0.08 r0=1.2 x0=0.3 units=km normamps=200
New Line.L1 bus1=lv bus2=n1 linecode=cab length=120 units=m
New Line.L2 bus1=n1 bus2=n2 linecode=cab length=80 units=m
New Load.H1 bus1=n1.2 phases=1 kv=0.23 kw=3 pf=0.95
New Load.H2 bus1=n2 phases=3 kv=0.4 kw=9 pf=0.95
New Load.H3 bus1=n2.3 phases=1 kv=0.23 kw=2 pf=0.95
New Load.D1 bus1=n2.1.2 phases=1 kv=0.4 kw=2 pf=0.95
Set voltagebases=[10 0.4]
Calcvoltagebases
"""


def test_grid_on_simbench_writes_net_json_that_runs_again_the_same(run_task):
    first, out = run_task("a", ["task=grid", "site=simbench", f"site.code={CODE}", "loads=simbench",
                                "loads.start_day=180", "tracking=off"])
    assert first["consumers"] == 13 and first["minutes"] == 1440
    net = out / "net.json"
    assert json.loads(net.read_text())["_module"].startswith("pandapower")
    again, _ = run_task("b", ["task=grid", "site=pandapower", f"site.path={net}", "loads=simbench",
                              f"loads.code={CODE}", "loads.start_day=180", "tracking=off"])
    for key in ("energy_served_kwh", "losses_kwh", "v_min_pu", "transformer_peak_loading_pct"):
        assert again[key] == pytest.approx(first[key], rel=1e-9)


def test_grid_on_simbench_year_at_native_15_minutes(run_task):
    summary, out = run_task("y", ["task=grid", "site=simbench", f"site.code={CODE}", "loads=simbench",
                                  "loads.minutes=20160", "loads.step_minutes=15", "tracking=off"])
    assert summary["minutes"] == 20160
    rows = (out / "load_voltages.csv").read_text().splitlines()
    assert len(rows) == 1 + 20160 // 15 and rows[2].startswith("16,")


def test_grid_on_opendss_feeder(run_task, tmp_path):
    feeder = tmp_path / "feeder"
    feeder.mkdir()
    (feeder / "Master.dss").write_text(SMALL_FEEDER)
    summary, out = run_task("d", ["task=grid", "site=dss", f"site.path={feeder / 'Master.dss'}", "loads=synthetic",
                                  "loads.minutes=60", "tracking=off"])
    assert summary["consumers"] == 3 and (out / "net.json").is_file()


def test_bad_simbench_code_is_one_clear_line(run_task):
    with pytest.raises(InputError, match="site.code: '1-LV-atlantis--0-sw' is not a SimBench LV code"):
        run_task("x", ["task=grid", "site=simbench", "site.code=1-LV-atlantis--0-sw", "tracking=off"])


def test_mesh_on_simbench_writes_topology_geojson_in_wgs84(run_task):
    _, out = run_task("m", ["task=mesh", "site=simbench", f"site.code={CODE}", "mesh.days=1", "task.plots=false",
                            "tracking=off"])
    data = json.loads((out / "topology.geojson").read_text())
    lon, lat = data["features"][0]["geometry"]["coordinates"]
    assert 11.0 < lon < 12.0 and 53.0 < lat < 54.0


def test_bad_calendar_is_rejected_before_any_work(run_task):
    with pytest.raises(InputError, match="calendar.timezone: 'Europe/Atlantis' is not an IANA time zone"):
        run_task("c", ["task=grid", "calendar.timezone=Europe/Atlantis", "tracking=off"])
