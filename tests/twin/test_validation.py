"""Root keys checked before a run: the seed's range and ``data_dir`` only where meter data is read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.errors import InputError
from twin.cli import compose_checked

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_seed_out_of_range_is_one_line(seed) -> None:
    with pytest.raises(InputError, match=r"^seed: must be an integer from 0 to 4294967295, got -?\d+$"):
        compose_checked([f"seed={seed}"])


def test_seed_bounds_are_allowed() -> None:
    assert compose_checked(["seed=0"]).seed == 0
    assert compose_checked([f"seed={2**32 - 1}"]).seed == 2**32 - 1


@pytest.mark.parametrize("task", ["mesh", "simulate", "dr", "roi", "plan", "grid"])
def test_data_dir_for_a_task_that_reads_no_meter_data_is_an_error(task, tmp_path) -> None:
    with pytest.raises(InputError) as info:
        compose_checked([f"task={task}", f"data_dir={tmp_path}"])
    msg = str(info.value)
    assert msg.startswith("data_dir:") and f"task={task} does not read meter data" in msg and "\n" not in msg


def test_data_dir_for_analytics_is_accepted(tmp_path) -> None:
    assert compose_checked(["task=analytics", f"data_dir={tmp_path}"]).data_dir == str(tmp_path)


def test_cli_seed_minus_one_exits_2_without_traceback(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "twin.cli", "task=mesh", "seed=-1", "hydra.run.dir=run"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [ln for ln in result.stderr.splitlines() if ln.strip()] == [
        "balance-twin: error: seed: must be an integer from 0 to 4294967295, got -1"]
