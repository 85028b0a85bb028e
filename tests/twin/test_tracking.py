"""Tracking to a server by tracking.uri, and a clear error when it is unreachable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scenarios.errors import InputError
from twin.tracking import Tracker, flatten


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mlflow_server(tmp_path: Path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
         "--default-artifact-root", str(tmp_path / "server-artifacts"), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uri = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{uri}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("mlflow server did not start")
        yield uri
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_task_logs_to_a_tracking_server(run_task, mlflow_server: str) -> None:
    from mlflow import MlflowClient

    summary, _ = run_task("s", ["task=grid", "loads.minutes=60", f"tracking.uri={mlflow_server}"])
    assert summary["tracking_uri"] == mlflow_server
    run = MlflowClient(tracking_uri=mlflow_server).get_run(summary["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["task.name"] == "grid"
    assert "losses_kwh" in run.data.metrics


def test_unreachable_server_is_one_line_input_error(tmp_path: Path) -> None:
    tracker = Tracker(True, f"http://127.0.0.1:{_free_port()}", "x", tmp_path)
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"^tracking.uri=http://127.0.0.1:\d+: cannot use the tracking store") as info:
        tracker.start("run", {"a": 1})
    assert "\n" not in str(info.value)
    assert time.perf_counter() - start < 30


def test_flatten_nested_config() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": "x"}}, "e": [1, 2]}) == {"a.b": 1, "a.c.d": "x", "e": [1, 2]}


_FIRST_USE = """
import sys, time
from pathlib import Path
import mlflow  # imported before the barrier, so that the three really start together
from twin.tracking import Tracker
barrier, me = Path(sys.argv[1]), sys.argv[2]
(barrier / me).touch()
deadline = time.time() + 120
while len(list(barrier.iterdir())) < 3 and time.time() < deadline:
    time.sleep(0.002)
tracker = Tracker(True, None, "balance-twin", Path.cwd())
run_id = tracker.start("first-use", {"seed": sys.argv[2]}, tags={"task": "grid"})
tracker.end(True)
print(run_id)
"""


def test_three_runs_started_together_on_a_fresh_store(tmp_path: Path) -> None:
    """Three processes create the same new local store at once: all three runs are recorded."""
    from mlflow import MlflowClient

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    barrier = tmp_path.parent / f"{tmp_path.name}-ready"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", _FIRST_USE, str(barrier), str(k)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    assert (tmp_path / "mlflow.db").is_file() and (tmp_path / "mlflow.db.lock").is_file()
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("balance-twin").experiment_id])
    assert sorted(r.info.run_id for r in runs) == sorted(out.strip() for out, _ in outs)
    assert sorted(r.data.params["seed"] for r in runs) == ["0", "1", "2"]


def test_lock_path_of_local_stores_only() -> None:
    from twin.tracking import lock_path

    assert lock_path("sqlite:////data/x/mlflow.db") == Path("/data/x/mlflow.db.lock")
    assert lock_path("file:///data/mlruns") == Path("/data/mlruns.lock")
    assert lock_path("http://localhost:5000") is None
    assert lock_path("sqlite:///:memory:") is None


def test_runs_are_tagged_with_overrides_and_output_folder(tmp_path: Path, monkeypatch) -> None:
    from mlflow import MlflowClient

    import twin.runner
    from twin.cli import compose_checked
    from twin.runner import execute

    monkeypatch.setitem(twin.runner.TASKS, "grid", lambda cfg, out_dir: {"figure": 1.0})
    overrides = ["task=grid", "loads.minutes=60", "seed=3"]
    summary = execute(compose_checked(overrides), tmp_path / "sweep" / "1", cwd=tmp_path, overrides=overrides)
    run = MlflowClient(tracking_uri=summary["tracking_uri"]).get_run(summary["mlflow_run_id"])
    assert run.data.tags["overrides"] == "task=grid loads.minutes=60 seed=3"
    assert run.data.tags["output_dir"] == str((tmp_path / "sweep" / "1" / "grid").resolve())
    assert run.data.tags["task"] == "grid"


@pytest.mark.slow
def test_multirun_tags_each_run(tmp_path: Path) -> None:
    """``-m seed=1,2``: two MLflow runs, each tagged with its own overrides and folder."""
    from mlflow import MlflowClient

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, "-m", "twin.cli", "-m", "task=grid", "loads.minutes=60", "seed=1,2",
                           "hydra.sweep.dir=sweep"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("balance-twin").experiment_id])
    tags = sorted((r.data.tags["overrides"], r.data.tags["output_dir"]) for r in runs)
    assert tags == [("task=grid loads.minutes=60 seed=1", str((tmp_path / "sweep" / "0" / "grid").resolve())),
                    ("task=grid loads.minutes=60 seed=2", str((tmp_path / "sweep" / "1" / "grid").resolve()))]
