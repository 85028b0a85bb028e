"""Runs one task: output folder, tracking and the summary every task writes.

A task writes into ``<run dir>/.<task>.partial/`` and the folder is renamed to
``<run dir>/<task>/`` only when the task succeeded, so a failed run never
leaves partial output that looks like a result.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from twin.tasks import TASKS
from twin.tracking import Tracker


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Writes ``data`` as indented JSON with a trailing newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=float) + "\n")


def execute(cfg: DictConfig, run_dir: Path, cwd: Path | None = None) -> dict[str, Any]:
    """Runs the configured task and returns its summary.

    Args:
        cfg: The composed root config.
        run_dir: The Hydra run directory; the task writes ``run_dir/<task>/``.
        cwd: Working directory of the local tracking store (current by default).

    Returns:
        The summary written to ``<task>/summary.json``.
    """
    name = cfg.task.name
    task = TASKS[name]
    out_dir = run_dir / name
    partial = run_dir / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    tracker = Tracker(cfg.tracking.enabled, cfg.tracking.uri, cfg.tracking.experiment, cwd or Path.cwd())
    params = OmegaConf.to_container(cfg, resolve=True)
    ok = False
    try:
        run_id = tracker.start(cfg.tracking.run_name or name, params, tags={"task": name})
        figures = task(cfg, partial)
        summary = {**figures, "task": name, "seed": int(cfg.seed), "mlflow_run_id": run_id,
                   "tracking_uri": tracker.uri if tracker.enabled else None}
        write_json(partial / "summary.json", summary)
        (partial / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(partial, out_dir)
        tracker.log_metrics(figures)
        tracker.log_artifacts(out_dir)
        ok = True
        return summary
    finally:
        if not ok:
            shutil.rmtree(partial, ignore_errors=True)
        tracker.end(ok)


def run_task(cfg: DictConfig) -> dict[str, Any]:
    """Hydra job body: runs the task under the Hydra run directory."""
    for noisy in ("pandapower", "mlflow", "alembic", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    summary = execute(cfg, run_dir)
    print(f"{cfg.task.name}: results in {run_dir / cfg.task.name}")
    code = int(summary.get("exit_code") or 0)
    if code:  # a task whose checks failed (e.g. the HIL suite) keeps its files and says so by its exit code
        sys.exit(code)
    return summary
