"""Tracking to a server by tracking.uri, and a clear error when it is unreachable."""

from __future__ import annotations

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
