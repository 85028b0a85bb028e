"""``task=mesh`` and ``task=validate``: files, keys other tools read, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from scenarios.errors import InputError

#: A small multi-storey site and a short run.
SMALL = ["task=mesh", "tracking=off", "site=district", "site.buildings=1", "site.streets=1", "site.entrances=2",
         "site.floors=5", "site.flats_per_floor=2", "mesh.days=0.5", "mesh.drain_h=1", "task.workers=1"]
SUMMARY_KEYS = ("modules", "meters", "concentrators", "pdr_final", "pdr_first_attempt", "latency_p50_s",
                "latency_p95_s", "max_hops", "broadcast_latency_mean_s", "broadcast_latency_p95_s",
                "battery_life_years_min", "battery_life_years_median", "relayed_per_day_max",
                "dropped_readings", "events_per_s", "busiest_relay_packets_per_day", "busiest_relay_battery_years",
                "mac_scheme")


def test_mesh_task_writes_summary_nodes_and_plots(run_task) -> None:
    summary, out = run_task("m", SMALL)
    on_disk = json.loads((out / "summary.json").read_text())
    for key in SUMMARY_KEYS:
        assert key in on_disk, key
    nodes = pd.read_csv(out / "nodes.csv")
    modules = nodes[nodes["kind"] == "module"]
    assert len(modules) == on_disk["modules"] and modules["meters"].sum() == on_disk["meters"]
    assert (nodes["kind"] == "concentrator").sum() == on_disk["concentrators"] == 1
    for col in ("hops", "parent_id", "link_margin_db", "delivery", "relayed_per_day", "battery_life_years"):
        assert col in nodes.columns
    assert on_disk["max_hops"] == modules["hops"].max()
    assert on_disk["pdr_final"] == pytest.approx(modules["readings_delivered"].sum()
                                                 / modules["readings_generated"].sum())
    assert on_disk["battery_life_years_min"] == pytest.approx(modules["battery_life_years"].min(), rel=1e-3)
    assert on_disk["mac_scheme"] == "sync"
    if on_disk["busiest_relay_packets_per_day"] is not None:
        assert on_disk["busiest_relay_packets_per_day"] == pytest.approx(modules["relayed_per_day"].max(), rel=1e-3)
    for png in ("topology.png", "battery_life.png", "latency_cdf.png"):
        assert (out / png).stat().st_size > 10_000, png
    assert pd.read_csv(out / "unreachable.csv").empty


def test_mesh_task_same_seed_same_nodes(run_task) -> None:
    _, a = run_task("a", [*SMALL, "task.plots=false"])
    _, b = run_task("b", [*SMALL, "task.plots=false"])
    _, c = run_task("c", [*SMALL, "task.plots=false", "seed=5"])
    assert (a / "nodes.csv").read_bytes() == (b / "nodes.csv").read_bytes()
    assert (a / "nodes.csv").read_bytes() != (c / "nodes.csv").read_bytes()


def test_unreachable_module_is_reported_not_a_crash(run_task) -> None:
    # At 2.4 GHz, -20 dBm and one hop at most, far floors cannot reach the concentrator.
    summary, out = run_task("u", [*SMALL, "mesh.radio.band=2400", "mesh.radio.tx_power_dbm=-20",
                                  "mesh.topology.max_hops=1", "site.floors=9", "task.plots=false"])
    missing = pd.read_csv(out / "unreachable.csv")
    assert len(missing) == summary["unreachable_modules"] > 0
    assert (missing["status"] == "unreachable").all()
    assert missing["best_link_margin_db"].notna().all()  # their best link, for the planner
    assert summary["pdr_final"] < 1.0


def test_fault_on_unknown_node_is_input_error(run_task) -> None:
    with pytest.raises(InputError, match=r"mesh.faults\[0\].node_id"):
        run_task("f", [*SMALL, "+mesh.faults=[{kind: node_down, node_id: NOPE, at_h: 1}]"])


def test_concentrator_outage_delays_but_keeps_readings(run_task) -> None:
    summary, out = run_task("o", [*SMALL, "task.plots=false", "mesh.drain_h=4",
                                  "+mesh.faults=[{kind: node_down, node_id: J01, at_h: 2, duration_h: 2}]"])
    assert summary["pdr_final"] == 1.0
    assert pd.read_csv(out / "latency.csv")["latency_s"].max() > 3600.0


@pytest.mark.parametrize("override, key", [
    ("mesh.radio.band=999", "mesh.radio.band"),
    ("mesh.topology.max_hops=31", "mesh.topology.max_hops"),
    ("mesh.radio.tx_power_dbm=-80", "mesh.radio.tx_power_dbm"),
    ("mesh.energy.battery.capacity_mah=-5", "mesh.energy.battery.capacity_mah"),
    ("mesh.mac.protocol=tdma", "mesh.mac.protocol"),
    ("mesh.mac.scheme=bmac", "mesh.mac.scheme"),
])
def test_bad_mesh_input_exits_2_with_one_line(override, key, tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "twin.cli", "task=mesh", override, "tracking=off",
                           f"hydra.run.dir={tmp_path}/r"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0], proc.stderr


def test_validate_task_writes_report_with_required_checks(run_task) -> None:
    summary, out = run_task("v", ["task=validate", "tracking=off", "task.subnet_days=0.5",
                                  "task.aloha_packets=4000"])
    rows = json.loads((out / "report.json").read_text())
    names = {r["name"] for r in rows}
    assert {"aloha_throughput", "relay_closed_form_sync", "relay_closed_form_wisemac", "relay_closed_form_xmac",
            "polling_current_ti", "battery_life_claim", "broadcast_latency_claim", "delivery_claim",
            "delivery_2400mhz_same_building"} <= names
    assert "fspl_band_ratio" not in names        # compared a formula with itself
    for r in rows:
        assert set(r) >= {"name", "expected", "simulated", "tolerance", "passed", "kind"}
        assert r["kind"] in ("validated", "calibrated", "informational")
    assert summary["checks"] == len(rows) and summary["passed"] + summary["failed"] == len(rows)
    assert summary["exit_code"] == (1 if summary["failed"] else 0)   # the CLI exits with it
    by = {r["name"]: r for r in rows}
    # Every row asserted: each one's outcome and kind under the defaults.
    expect = {"aloha_throughput": "validated", "relay_closed_form_sync": "validated",
              "relay_closed_form_wisemac": "validated", "relay_closed_form_xmac": "validated",
              "polling_current_ti": "calibrated", "battery_life_claim": "validated",
              "broadcast_latency_claim": "calibrated", "delivery_claim": "validated",
              "delivery_2400mhz_same_building": "informational"}
    for name, kind in expect.items():
        assert by[name]["kind"] == kind, name
        assert by[name]["passed"], (name, by[name]["simulated"], by[name]["note"])
    assert by["floor_loss_433_held_out"]["kind"] == "validated" and by["floor_loss_fit_433"]["kind"] == "calibrated"
    assert by["battery_life_claim"]["details"]["scheme"] == "sync"
    assert "broadcasts" in by["battery_life_claim"]["note"] and " 2 broadcasts" in by["battery_life_claim"]["note"]
    assert (out / "report.md").read_text().count("|") > 20
    assert (out / "aloha.png").is_file()


@pytest.mark.parametrize("keep_concentrators", [False, True])
def test_site_without_modules_is_one_line(tmp_path, run_task, keep_concentrators) -> None:
    """A site file with no modules (and no concentrators) gives one line, not a traceback."""
    from scenarios.generators import make_rural_street
    from scenarios.generators.rural import RuralConfig
    from scenarios.site_io import site_to_dict

    site = site_to_dict(make_rural_street(RuralConfig(), 1))
    site["modules"] = []
    if not keep_concentrators:
        site["concentrators"] = []
    for meter in site["meters"]:
        meter["module_id"] = None
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(site))
    with pytest.raises(InputError) as info:
        run_task("empty", ["task=mesh", "site=file", f"site.path={path}", "tracking=off"])
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(f"{path}: modules: the site has no radio modules")
    assert not (tmp_path / "empty" / "mesh").exists()


def test_validate_exits_1_and_names_failures_in_one_line(tmp_path, monkeypatch) -> None:
    from mesh_sim.checks import Check
    from twin.tasks import validate

    def suite(cfg):
        return [Check("always_ok", 1, 1, 0, True), Check("broken_a", 1, 2, 0, False, kind="calibrated"),
                Check("broken_b", 1, 3, 0, False)]

    monkeypatch.setattr(validate, "SUITES", {"fake": suite})
    import io
    import contextlib
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        summary = validate.run(None, tmp_path)
    assert summary["exit_code"] == 1 and summary["failed"] == 2
    lines = [ln for ln in err.getvalue().splitlines() if ln.startswith("validate:")]
    assert len(lines) == 1 and "broken_a" in lines[0] and "broken_b" in lines[0] and "always_ok" not in lines[0]
    monkeypatch.setattr(validate, "SUITES", {"fake": lambda cfg: [Check("always_ok", 1, 1, 0, True)]})
    assert validate.run(None, tmp_path)["exit_code"] == 0


def test_check_kind_defaults_to_validated_and_is_checked() -> None:
    from mesh_sim.checks import Check

    assert Check("x", 1, 1, 0, True).kind == "validated"
    with pytest.raises(ValueError, match="kind"):
        Check("x", 1, 1, 0, True, kind="guess")


def test_mesh_summary_names_the_building_type(run_task) -> None:
    summary, out = run_task("bt", [*SMALL, "task.plots=false", "site.building_type=brick"])
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["building_type"] == "brick"
    # The group meters' modules at the substation are outside any building.
    types = on_disk["building_types"]
    assert set(types) == {"brick", "outdoor"} and types["brick"] + types["outdoor"] == on_disk["modules"]
    assert types["brick"] > types["outdoor"]
    assert on_disk["propagation_case"] == "nominal"
