"""Runs one task: output folder, tracking and the summary every task writes.

A task writes into ``<run dir>/.<task>.partial/`` and the folder is renamed to
``<run dir>/<task>/`` only when the task succeeded, so a failed run never
leaves partial output that looks like a result. SIGINT and SIGTERM are handled
the same way (:mod:`twin.interrupt`): workers stopped, the partial folder
removed, the MLflow run marked ``KILLED``.

Every MLflow run is tagged with the task, its command-line overrides
(``overrides``) and its output folder (``output_dir``), so the runs of a
multirun (``-m seed=1,2,3``) can be told apart and found on disk.
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

from twin.interrupt import Interrupted, cleaning_up, handle_signals
from twin.tasks import TASKS
from twin.tracking import Tracker

#: Longest tag value logged (MLflow allows 8000 characters).
_TAG_MAX = 5000


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Writes ``data`` as indented JSON with a trailing newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=float) + "\n")


def run_tags(name: str, run_dir: Path, overrides: list[str] | None) -> dict[str, str]:
    """MLflow tags of a run: the task, its overrides (space-separated) and its output folder."""
    tags = {"task": name, "output_dir": str((run_dir / name).resolve())[:_TAG_MAX]}
    if overrides is not None:
        tags["overrides"] = " ".join(overrides)[:_TAG_MAX]
    return tags


def execute(cfg: DictConfig, run_dir: Path, cwd: Path | None = None,
            overrides: list[str] | None = None) -> dict[str, Any]:
    """Runs the configured task and returns its summary.

    Args:
        cfg: The composed root config.
        run_dir: The Hydra run directory; the task writes ``run_dir/<task>/``.
        cwd: Working directory of the local tracking store (current by default).
        overrides: The command-line overrides of this run, tagged on the MLflow run.

    Returns:
        The summary written to ``<task>/summary.json``.

    Raises:
        Interrupted: SIGINT or SIGTERM arrived; nothing of the task is left on
            disk and the MLflow run is marked KILLED.
    """
    name = cfg.task.name
    task = TASKS[name]
    out_dir = run_dir / name
    partial = run_dir / f".{name}.partial"
    tracker = Tracker(cfg.tracking.enabled, cfg.tracking.uri, cfg.tracking.experiment, cwd or Path.cwd())
    params = OmegaConf.to_container(cfg, resolve=True)
    ok = False
    status = "FAILED"
    with handle_signals():
        try:
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            run_id = tracker.start(cfg.tracking.run_name or name, params, tags=run_tags(name, run_dir, overrides))
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
        except Interrupted:
            cleaning_up()
            status = "KILLED"
            raise
        finally:
            if not ok:
                shutil.rmtree(partial, ignore_errors=True)
            try:
                tracker.end(ok, status=None if ok else status)
            except Exception:  # noqa: BLE001 - keep the error that stopped the run, not this one
                if ok:
                    raise
                logging.getLogger(__name__).warning("could not mark the tracking run %s", status, exc_info=True)


def run_task(cfg: DictConfig) -> dict[str, Any]:
    """Hydra job body: runs the task under the Hydra run directory."""
    for noisy in ("pandapower", "mlflow", "alembic", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    summary = execute(cfg, run_dir, overrides=list(hydra_cfg.overrides.task))
    print(f"{cfg.task.name}: results in {run_dir / cfg.task.name}")
    code = int(summary.get("exit_code") or 0)
    if code:  # a task whose checks failed (e.g. the HIL suite) keeps its files and says so by its exit code
        sys.exit(code)
    return summary
