"""The ``balance-twin`` console script: a Hydra app with one-line config errors.

``balance-twin`` runs the default job (``task=simulate`` on the IEEE feeder);
``balance-twin task=NAME key=value ...`` runs the others. Before Hydra starts
the job, the overrides are composed once with the compose API so that a wrong
key or value is reported as a single line naming the key and the allowed
values, with exit code 2 and no traceback.
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from scenarios.errors import InputError
from twin.config import SCHEMAS, register_schemas
from twin.config_errors import describe
from twin.experiments import register_experiments
from twin.interrupt import Interrupted, cleaning_up, handle_signals, message
from twin.validation import check_config

EXIT_BAD_INPUT = 2


def _schemas_by_prefix(cfg_overrides: list[str]) -> dict[str, type]:
    """Maps config paths (``mesh``, ``mesh.energy.battery``) to the schema chosen for them, for error hints."""
    from twin.config import AppConfig
    from twin.config_errors import _schema_fields

    chosen = {"task": "simulate", "site": "ieee_eu_lv", "loads": "synthetic", "grid": "default", "mesh": "default",
              "dr": "default", "tariff": "default", "analytics": "default", "roi": "default", "plan": "default",
              "tracking": "default"}
    for ov in cfg_overrides:
        key, _, value = ov.lstrip("+~").partition("=")
        if key in chosen:
            chosen[key] = value
    out: dict[str, type] = {"": AppConfig}

    def add(path: str, schema: type, depth: int) -> None:
        out[path] = schema
        for name, tp in (_schema_fields(schema) or {}).items():
            if depth < 6 and _schema_fields(tp) is not None:
                add(f"{path}.{name}", tp, depth + 1)

    for group, option in chosen.items():
        schema = SCHEMAS.get((group, option)) or SCHEMAS.get((group, "default"))
        if schema is not None:
            add(group, schema, 0)
    return out


def compose_checked(overrides: list[str]) -> DictConfig:
    """Composes the config for these overrides and checks it.

    Args:
        overrides: Command-line overrides, without ``hydra.*`` ones.

    Returns:
        The composed config.

    Raises:
        InputError: One line naming the bad key or option.
    """
    register_schemas()
    register_experiments()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module="conf", version_base="1.3"):
            cfg = compose("config", overrides=overrides)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise InputError(describe(exc, _schemas_by_prefix(overrides))) from exc
    finally:
        GlobalHydra.instance().clear()
    check_config(cfg)
    return cfg


@hydra.main(config_path="pkg://conf", config_name="config", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    from twin.runner import run_task

    try:
        check_config(cfg)  # again inside the job: a multirun (-m) skips the check before Hydra starts
        run_task(cfg)
    except InputError as exc:
        print(f"balance-twin: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except Interrupted as exc:
        cleaning_up()
        print(message(exc, cfg.task.name, bool(cfg.tracking.enabled)), file=sys.stderr)
        sys.exit(exc.exit_code)


def main() -> None:
    """Console-script entry point: SIGINT/SIGTERM end it with one line (:mod:`twin.interrupt`)."""
    try:
        with handle_signals():
            _main()
    except Interrupted as exc:
        cleaning_up()
        print(message(exc), file=sys.stderr)
        sys.exit(exc.exit_code)


def _main() -> None:
    args = sys.argv[1:]
    job_overrides = [a for a in args if not a.startswith("-") and not a.lstrip("+~").startswith("hydra")]
    if not any(a.startswith("-") for a in args):
        try:
            compose_checked(job_overrides)
        except InputError as exc:
            print(f"balance-twin: error: {exc}", file=sys.stderr)
            sys.exit(EXIT_BAD_INPUT)
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    register_schemas()
    register_experiments()
    _hydra_main()


if __name__ == "__main__":
    main()

