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
from twin.validation import check_config

EXIT_BAD_INPUT = 2


def _schemas_by_prefix(cfg_overrides: list[str]) -> dict[str, type]:
    """Maps config paths to the schema chosen for them, for error hints."""
    chosen = {"task": "simulate", "site": "ieee_eu_lv", "loads": "synthetic", "grid": "default", "tracking": "default"}
    for ov in cfg_overrides:
        key, _, value = ov.lstrip("+~").partition("=")
        if key in chosen:
            chosen[key] = value
    out: dict[str, type] = {}
    for group, option in chosen.items():
        schema = SCHEMAS.get((group, option)) or SCHEMAS.get((group, "default"))
        if schema is not None:
            out[group] = schema
            for name, f in schema.__dataclass_fields__.items():
                sub = getattr(f.default_factory, "__dataclass_fields__", None) if callable(f.default_factory) else None
                if sub:
                    out[f"{group}.{name}"] = f.default_factory
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
        run_task(cfg)
    except InputError as exc:
        print(f"balance-twin: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def main() -> None:
    """Console-script entry point."""
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

