"""Running tasks: outputs, summary keys, tracking and determinism."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scenarios.errors import InputError

FAST = ["loads.minutes=180"]


def test_grid_task_writes_its_files(run_task) -> None:
    summary, out = run_task("a", ["task=grid", "grid=ieee_eu_lv", "tracking=off", *FAST])
    voltages = pd.read_csv(out / "load_voltages.csv")
    assert list(voltages.columns[:3]) == ["minute", "LOAD1", "LOAD2"]
    assert voltages.shape == (180, 56)
    assert voltages["minute"].tolist() == list(range(1, 181))
    assert voltages.iloc[:, 1:].to_numpy().min() > 0.9
    on_disk = json.loads((out / "summary.json").read_text())
    for key in ("energy_served_kwh", "losses_kwh", "solve_seconds", "mlflow_run_id", "tracking_uri"):
        assert key in on_disk
    assert on_disk["mlflow_run_id"] is None
    assert summary["energy_served_kwh"] > 0 and 0 < summary["losses_kwh"] < summary["energy_served_kwh"]


def test_tracking_logs_params_metrics_and_artifacts(run_task, tmp_path) -> None:
    from mlflow import MlflowClient

    summary, out = run_task("t", ["task=grid", *FAST])
    assert summary["tracking_uri"].startswith("sqlite:///")
    assert (tmp_path / "mlflow.db").is_file()
    client = MlflowClient(tracking_uri=summary["tracking_uri"])
    run = client.get_run(summary["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["site.kind"] == "ieee_eu_lv"
    assert run.data.params["seed"] == "42"
    assert run.data.metrics["energy_served_kwh"] == pytest.approx(summary["energy_served_kwh"])
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"summary.json", "load_voltages.csv", "config.yaml"} <= names


def test_same_seed_same_outputs_different_seed_differs(run_task) -> None:
    args = ["tracking=off", "loads.minutes=240", "task.report=false"]
    _, a = run_task("a", ["seed=7", *args])
    _, b = run_task("b", ["seed=7", *args])
    _, c = run_task("c", ["seed=8", *args])
    for name in ("feeder_timeseries.csv", "consumers.csv", "buses.csv", "load_voltages.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "consumers.csv").read_bytes() != (c / "consumers.csv").read_bytes()
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    for key in ("energy_served_kwh", "losses_kwh", "v_min_pu", "transformer_peak_loading_pct"):
        assert sa[key] == sb[key]


def test_failed_task_leaves_no_output(run_task, tmp_path) -> None:
    with pytest.raises(InputError, match="nope.csv"):
        run_task("f", ["loads=csv", "loads.path=nope.csv", "tracking=off"])
    assert not (tmp_path / "f" / "simulate").exists()
    assert not any(p.name.endswith(".partial") for p in (tmp_path / "f").iterdir())


def test_grid_task_on_ieee_feeder_matches_opendss(run_task) -> None:
    """The CLI's own output file, against OpenDSS on the shipped feeder."""
    from grid_model.engine.opendss_reference import solve_feeder_day

    summary, out = run_task("v", ["task=grid", "grid=ieee_eu_lv", "tracking=off"])
    ours = pd.read_csv(out / "load_voltages.csv")
    ref = solve_feeder_day(1440)
    assert ours.shape == (1440, 56)
    diff = abs(ours[ref.load_names].to_numpy().T - ref.v_load_pu)
    assert diff.max() < 1e-3
    assert summary["losses_kwh"] == pytest.approx(ref.losses_kwh, rel=0.01)
    assert 0 < summary["solve_seconds"] < 60


def test_simulate_report_references_existing_plots(run_task) -> None:
    import re

    summary, out = run_task("r", ["tracking=off", "loads.minutes=120"])
    page = (out / "report.html").read_text()
    images = re.findall(r"<img src='([^']+)'", page)
    assert {"feeder_map.png", "transformer_loading.png", "phase_loads.png"} <= set(images)
    for name in images:
        assert (out / name).stat().st_size > 10_000, name
    assert f"{summary['losses_kwh']:.2f}" in page
    assert "Per phase" in page and "lowest voltage" in page
