"""Registers the presets in ``experiments/*.yaml`` as the ``experiment`` group.

Presets live in their own top-level package so that they are found wherever
the console script runs; each file starts with ``# @package _global_`` and is
selected with ``+experiment=NAME``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf


def experiment_files() -> dict[str, Path]:
    """Returns preset name → YAML file for every shipped preset."""
    root = Path(str(resources.files("experiments")))
    return {p.stem: p for p in sorted(root.glob("*.yaml"))}


def register_experiments() -> None:
    """Stores every preset in Hydra's ConfigStore under group ``experiment``."""
    cs = ConfigStore.instance()
    for name, path in experiment_files().items():
        node = OmegaConf.load(path)
        cs.store(group="experiment", name=name, node=node, package="_global_")
