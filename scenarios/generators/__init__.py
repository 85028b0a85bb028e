"""Site generators: synthetic districts and rural streets, and the IEEE LV feeder.

Use :func:`make_site` to build a site by kind, e.g. from a Hydra config::

    site = make_site("district", DistrictConfig(buildings=8), seed=1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import Any

from scenarios.errors import InputError
from scenarios.site import Site
from scenarios.generators.district import DistrictConfig, make_district
from scenarios.generators.ieee import make_ieee_eu_lv_site
from scenarios.generators.rural import RuralConfig, make_rural_street

#: Site kinds :func:`make_site` knows.
KINDS = ("ieee_eu_lv", "district", "rural")

__all__ = ["KINDS", "DistrictConfig", "RuralConfig", "make_district", "make_ieee_eu_lv_site",
           "make_rural_street", "make_site"]


def _config(cls: type, cfg: Any, kind: str) -> Any:
    """Turns ``cfg`` (None, a dataclass or a mapping such as a DictConfig) into ``cls``."""
    if cfg is None:
        return cls()
    if isinstance(cfg, cls):
        return cfg
    if is_dataclass(cfg):
        raise InputError(f"{kind}: expected a {cls.__name__}, got a {type(cfg).__name__}")
    if not isinstance(cfg, Mapping):
        raise InputError(f"{kind}: config must be a mapping, got {type(cfg).__name__}")
    known = {f.name for f in fields(cls)}
    values = {str(k): v for k, v in cfg.items() if k != "kind"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(f"{kind}.{unknown[0]}: unknown key (known: {', '.join(sorted(known))})")
    return cls(**values)


def make_site(kind: str, cfg: Any = None, seed: int = 0) -> Site:
    """Builds a site of the given kind.

    Args:
        kind: ``"ieee_eu_lv"``, ``"district"`` or ``"rural"``.
        cfg: :class:`DistrictConfig` / :class:`RuralConfig`, a mapping of their
            fields (a key ``kind`` is ignored), or ``None`` for the defaults.
            Ignored for ``"ieee_eu_lv"`` except an optional ``cable_length_max_m``.
        seed: Seed of the generator's random draws.

    Raises:
        InputError: Unknown kind or config key, or a config value out of range.
    """
    if kind == "district":
        return make_district(_config(DistrictConfig, cfg, kind), seed)
    if kind == "rural":
        return make_rural_street(_config(RuralConfig, cfg, kind), seed)
    if kind == "ieee_eu_lv":
        if cfg is not None and isinstance(cfg, Mapping) and "cable_length_max_m" in cfg:
            return make_ieee_eu_lv_site(seed, cable_length_max_m=float(cfg["cable_length_max_m"]))
        return make_ieee_eu_lv_site(seed)
    raise InputError(f"site kind '{kind}': unknown (expected one of {', '.join(KINDS)})")
