"""SIGINT and SIGTERM during a task: workers stopped, no partial folder, MLflow run KILLED, one line."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from twin.cli import compose_checked
from twin.interrupt import Interrupted, message
from twin.runner import execute

ROOT = Path(__file__).resolve().parents[2]


def _sleep_forever() -> None:
    time.sleep(600)


def _task_that_is_signalled(signum: int, workers: list):
    """A task that starts a worker process, writes a file, then receives ``signum``."""

    def task(cfg, out_dir: Path):
        proc = multiprocessing.get_context("fork").Process(target=_sleep_forever, daemon=True)
        proc.start()
        workers.append(proc)
        (out_dir / "half_written.csv").write_text("a,b\n")
        os.kill(os.getpid(), signum)
        time.sleep(30)  # the signal arrives long before this ends
        return {"never": 1}

    return task


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_cleans_up_and_marks_the_run_killed(signum, tmp_path, monkeypatch) -> None:
    from mlflow import MlflowClient

    import twin.runner

    workers: list = []
    monkeypatch.setitem(twin.runner.TASKS, "grid", _task_that_is_signalled(signum, workers))
    cfg = compose_checked(["task=grid"])
    started = time.monotonic()
    with pytest.raises(Interrupted) as info:
        execute(cfg, tmp_path / "run", cwd=tmp_path)
    assert time.monotonic() - started < 20
    assert info.value.signum == signum and info.value.exit_code == 128 + signum
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == []  # neither .grid.partial nor grid/
    assert workers and not workers[0].is_alive()
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("balance-twin").experiment_id])
    assert [r.info.status for r in runs] == ["KILLED"]
    # the handlers are given back
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class _SignalsInFinalizer:
    """Sends SIGTERM to this process from ``__del__``: Python drops exceptions raised there."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs here; its exception is printed as "ignored" and lost
            pass


def test_a_signal_swallowed_by_a_finalizer_is_raised_again(tmp_path, monkeypatch, capsys) -> None:
    import twin.runner

    def task(cfg, out_dir):
        _SignalsInFinalizer()  # dropped at once: __del__ runs, the Interrupted in it is lost
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.01)
        return {"survived": 1}

    monkeypatch.setitem(twin.runner.TASKS, "grid", task)
    cfg = compose_checked(["task=grid", "tracking=off"])
    with pytest.raises(Interrupted):
        execute(cfg, tmp_path / "run", cwd=tmp_path)
    assert not any((tmp_path / "run").iterdir())
    assert "Traceback" not in capsys.readouterr().err


def test_a_task_that_stops_on_ctrl_c_keeps_its_output(tmp_path, monkeypatch) -> None:
    """A task that serves until Ctrl-C (``task=emulate``) catches it on purpose and finishes normally."""
    import twin.runner

    def serve_until_ctrl_c(cfg, out_dir):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)
        except KeyboardInterrupt:
            (out_dir / "traffic.log").write_text("stopped\n")
        time.sleep(1.0)  # no second Interrupted arrives while the task winds down
        return {"served": 1}

    monkeypatch.setitem(twin.runner.TASKS, "grid", serve_until_ctrl_c)
    summary = execute(compose_checked(["task=grid", "tracking=off"]), tmp_path / "run", cwd=tmp_path)
    assert summary["served"] == 1
    assert (tmp_path / "run" / "grid" / "traffic.log").read_text() == "stopped\n"


def test_message_is_one_line() -> None:
    line = message(Interrupted(signal.SIGTERM), "dr", tracked=True)
    assert "\n" not in line and "SIGTERM" in line and "task=dr" in line and "KILLED" in line
    assert "KILLED" not in message(Interrupted(signal.SIGINT), "mesh", tracked=False)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _run_started(db: Path) -> bool:
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return bool(list(con.execute("select status from runs")))
    except sqlite3.Error:
        return False


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "args", "task"), [
    (signal.SIGTERM, ["task=dr", "dr.sweep=[0.2,0.4,0.6,0.8]"], "dr"),
    (signal.SIGINT, ["task=mesh", "site=district", "mesh.days=30", "task.workers=2"], "mesh"),
])
def test_cli_signal_during_a_task(signum, args, task, tmp_path) -> None:
    """The whole command: SIGTERM during task=dr, SIGINT during task=mesh with worker processes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "twin.cli", *args, "hydra.run.dir=run"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    partial = tmp_path / "run" / f".{task}.partial"
    deadline = time.monotonic() + 120
    while not _run_started(tmp_path / "mlflow.db") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    workers: list[int] = []
    if task == "mesh":
        while not (workers := _children(proc.pid)) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
    else:
        time.sleep(2)  # well inside the task
    assert partial.exists() and proc.poll() is None, proc.communicate()[1]
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if "interrupted" in ln]
    assert len(lines) == 1 and signal.Signals(signum).name in lines[0], err
    assert not partial.exists() and not (tmp_path / "run" / task).exists()
    assert not any(_alive(w) for w in workers)
    with sqlite3.connect(tmp_path / "mlflow.db") as db:
        assert [s for (s,) in db.execute("select status from runs")] == ["KILLED"]
