"""Helpers for running tasks in-process against a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.cli import compose_checked
from twin.runner import execute


@pytest.fixture
def run_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Returns ``run(name, overrides) -> (summary, out_dir)`` running in tmp_path."""
    monkeypatch.chdir(tmp_path)

    def run(run_name: str, overrides: list[str]):
        cfg = compose_checked(overrides)
        run_dir = tmp_path / run_name
        summary = execute(cfg, run_dir, cwd=tmp_path)
        return summary, run_dir / cfg.task.name

    return run
