"""MLflow tracking of task runs: flattened config as params, key figures as
metrics, the task's files as artifacts.

The default store is local and embedded: an SQLite database ``mlflow.db`` in
the working directory with artifacts under ``mlartifacts/`` beside it, so no
server is needed; ``tracking.uri=http://host:5000`` logs to a server instead.

Runs started together may share a fresh local store: creating its tables and
the experiment is not safe to do twice at once (two processes migrating one
new SQLite file fail with ``duplicate column name``), so every process opens a
local store under an exclusive lock on ``<store>.lock`` (:func:`store_lock`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote, urlparse

from scenarios.errors import InputError

#: MLflow's limit on one parameter value.
_PARAM_VALUE_MAX = 6000
#: Parameters and metrics per log_batch call.
_BATCH = 100


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flattens nested mappings to dotted keys (``site.buildings``)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten(value, name))
        else:
            out[name] = value
    return out


def default_uri(cwd: Path) -> str:
    """Returns the local embedded store's URI for a working directory."""
    return f"sqlite:///{(cwd / 'mlflow.db').resolve()}"


def lock_path(uri: str) -> Path | None:
    """The lock file of a local store (SQLite file or ``file:`` folder); None for a server."""
    if uri.startswith("sqlite:///"):
        db = uri[len("sqlite:///"):].split("?", 1)[0]
        if not db or db == ":memory:":
            return None
        db_path = Path(unquote(db))
        return db_path.with_name(db_path.name + ".lock")
    parsed = urlparse(uri)
    if uri == "databricks":
        return None
    if parsed.scheme in ("", "file"):
        folder = Path(unquote(parsed.path) if parsed.scheme else uri)
        return folder.parent / (folder.name + ".lock")
    return None


@contextlib.contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """Holds an exclusive lock on a local store's lock file (blocking; no-op for servers or without fcntl)."""
    path = lock_path(uri)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (concurrent first use of a fresh store may then fail)
        fcntl = None
    if path is None or fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Tracker:
    """One MLflow run per task run; a no-op when tracking is disabled.

    Args:
        enabled: Log anything at all.
        uri: Tracking URI, or ``None`` for the local embedded store.
        experiment: Experiment name.
        cwd: Working directory holding the local store.
    """

    def __init__(self, enabled: bool, uri: str | None, experiment: str, cwd: Path) -> None:
        self.enabled = enabled
        self.uri = uri or default_uri(cwd)
        self.experiment = experiment
        self.cwd = cwd
        self.run_id: str | None = None
        self._client = None

    def start(self, run_name: str, params: Mapping[str, Any], tags: Mapping[str, str] | None = None) -> str | None:
        """Starts the run and logs the flattened config as params.

        Returns:
            The MLflow run id, or ``None`` when tracking is disabled.

        Raises:
            InputError: The tracking store cannot be reached.
        """
        if not self.enabled:
            return None
        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        # Fail fast on an unreachable server (MLflow's default retries for minutes);
        # a user's own settings of these variables win.
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
        from mlflow import MlflowClient
        from mlflow.entities import Param

        try:
            with store_lock(self.uri):  # creating the store or the experiment twice at once fails
                self._client = MlflowClient(tracking_uri=self.uri)
                exp = self._client.get_experiment_by_name(self.experiment)
                if exp is None:
                    location = None
                    if self.uri.startswith("sqlite:"):
                        location = (self.cwd / "mlartifacts").resolve().as_uri()
                    exp_id = self._client.create_experiment(self.experiment, artifact_location=location)
                else:
                    exp_id = exp.experiment_id
                run = self._client.create_run(exp_id, run_name=run_name, tags=dict(tags or {}))
        except Exception as exc:  # noqa: BLE001 - any store failure is a config problem
            raise InputError(f"tracking.uri={self.uri}: cannot use the tracking store ({str(exc).splitlines()[0]})") from exc
        self.run_id = run.info.run_id
        items = [Param(k, str(v)[:_PARAM_VALUE_MAX]) for k, v in sorted(flatten(params).items())]
        for i in range(0, len(items), _BATCH):
            self._client.log_batch(self.run_id, params=items[i : i + _BATCH])
        return self.run_id

    def log_metrics(self, figures: Mapping[str, Any]) -> None:
        """Logs every finite numeric figure as a metric and every short text figure as a tag."""
        if self._client is None or self.run_id is None:
            return
        from mlflow.entities import Metric

        metrics = [
            Metric(k, float(v), 0, 0)
            for k, v in sorted(figures.items())
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))
        ]
        for i in range(0, len(metrics), _BATCH):
            self._client.log_batch(self.run_id, metrics=metrics[i : i + _BATCH])
        # Short text figures (a device's serial number and firmware, a latency source) become tags.
        from mlflow.entities import RunTag

        tags = [RunTag(k, v) for k, v in sorted(figures.items()) if isinstance(v, str) and 0 < len(v) <= 250]
        for i in range(0, len(tags), _BATCH):
            self._client.log_batch(self.run_id, tags=tags[i : i + _BATCH])

    def log_artifacts(self, directory: Path) -> None:
        """Uploads every file of ``directory`` as the run's artifacts."""
        if self._client is not None and self.run_id is not None:
            self._client.log_artifacts(self.run_id, str(directory))

    def end(self, ok: bool, status: str | None = None) -> None:
        """Marks the run FINISHED or FAILED, or ``status`` when given (``KILLED``: stopped by a signal)."""
        if self._client is not None and self.run_id is not None:
            self._client.set_terminated(self.run_id, status=status or ("FINISHED" if ok else "FAILED"))
