"""Range checks of a composed config, beyond what the typed schema enforces."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from scenarios.errors import InputError
from twin.config import LOAD_MODELS

#: Field-name endings of quantities that cannot be negative.
_NON_NEGATIVE_SUFFIXES = (
    "_kw", "_kva", "_kvar", "_kwh", "_kwp", "_m", "_m2", "_m3", "_a", "_kv", "_pu", "_s",
    "_min", "_mah", "_pct", "_percent", "minutes", "buildings", "floors", "entrances",
    "flats", "houses", "occupants", "per_floor", "per_building",
)
#: Allowed values of string fields: dotted key → allowed values.
_CHOICES: dict[str, tuple[str, ...]] = {
    "grid.load_model": LOAD_MODELS,
    "grid.network": ("site", "ieee_eu_lv"),
}


def _walk(prefix: str, obj: Any) -> None:
    """Checks every numeric field of a dataclass tree by its name."""
    if not is_dataclass(obj):
        return
    for f in fields(obj):
        key = f"{prefix}.{f.name}" if prefix else f.name
        value = getattr(obj, f.name)
        if is_dataclass(value):
            _walk(key, value)
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        name = f.name.lower()
        if "share" in name or name.endswith("_fraction") or name.endswith("_probability"):
            if not 0.0 <= value <= 1.0:
                raise InputError(f"{key}: must be between 0 and 1, got {value}")
        elif name.endswith(_NON_NEGATIVE_SUFFIXES) and value < 0:
            raise InputError(f"{key}: must not be negative, got {value}")


def check_config(cfg: DictConfig) -> None:
    """Raises InputError naming the first key whose value is out of range.

    Args:
        cfg: The composed root config.
    """
    for key, allowed in _CHOICES.items():
        value = OmegaConf.select(cfg, key)
        if value not in allowed:
            raise InputError(f"{key}: '{value}' is not allowed; allowed: {', '.join(allowed)}")
    if cfg.loads.minutes < 1:
        raise InputError(f"loads.minutes: must be >= 1, got {cfg.loads.minutes}")
    if not 0 < cfg.grid.vminpu < cfg.grid.vmaxpu:
        raise InputError(
            f"grid.vminpu/grid.vmaxpu: need 0 < vminpu < vmaxpu, got {cfg.grid.vminpu} and {cfg.grid.vmaxpu}"
        )
    for group in ("task", "site", "loads", "grid", "tracking"):
        try:
            obj = OmegaConf.to_object(cfg[group])
        except (ValueError, TypeError) as exc:
            raise InputError(f"{group}: {str(exc).splitlines()[0]}") from exc
        _walk(group, obj)
