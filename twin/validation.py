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
    "_ma", "_ua", "_v", "_ppm", "_bytes", "_packets", "_per_s", "_per_day", "_h", "sigma_db", "days",
    "_counter", "_retries", "_backoffs", "workers",
)
#: Mesh fields that must be strictly positive.
_MESH_POSITIVE = ("mesh.mac.wake_interval_s", "mesh.traffic.report_interval_s", "mesh.days",
                  "mesh.energy.battery.capacity_mah", "mesh.energy.battery.usable_fraction",
                  "mesh.mac.queue_capacity_packets", "mesh.radio.data_bytes", "mesh.radio.ack_bytes",
                  "mesh.topology.modules_per_concentrator_max", "mesh.topology.meters_per_concentrator_max")
#: Physically possible transmit power of a module radio, dBm.
TX_POWER_RANGE_DBM = (-30.0, 30.0)
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
        if "share" in name or name.endswith(("_fraction", "_probability", "_prr")):
            if not 0.0 <= value <= 1.0:
                raise InputError(f"{key}: must be between 0 and 1, got {value}")
        elif name.endswith(_NON_NEGATIVE_SUFFIXES) and value < 0:
            raise InputError(f"{key}: must not be negative, got {value}")


def check_config(cfg: DictConfig) -> None:
    """Raises InputError naming the first key whose value is out of range.

    Args:
        cfg: The composed root config.
    """
    check_known_keys(cfg)
    check_root(cfg)
    for key, allowed in _CHOICES.items():
        value = OmegaConf.select(cfg, key)
        if value not in allowed:
            raise InputError(f"{key}: '{value}' is not allowed; allowed: {', '.join(allowed)}")
    if cfg.loads.minutes < 1:
        raise InputError(f"loads.minutes: must be >= 1, got {cfg.loads.minutes}")
    if "region" in cfg.loads:
        from grid_model.households.regions import check_region

        check_region(str(cfg.loads.region), "loads.region")
    if not 0 < cfg.grid.vminpu < cfg.grid.vmaxpu:
        raise InputError(
            f"grid.vminpu/grid.vmaxpu: need 0 < vminpu < vmaxpu, got {cfg.grid.vminpu} and {cfg.grid.vmaxpu}"
        )
    if "mesh" in cfg:
        check_mesh(cfg)
    if "calendar" in cfg:
        from scenarios.calendars import CalendarConfig, check_calendar

        check_calendar(CalendarConfig(**OmegaConf.to_container(cfg.calendar, resolve=True)), "calendar")
    if "dr" in cfg and "tariff" in cfg:
        from twin.control.validation import check_dr

        check_dr(cfg)
    if "roi" in cfg:
        from analytics.roi.config import from_mapping

        from_mapping(cfg.roi)  # validates; one line naming the key
    for group in ("task", "site", "loads", "grid", "mesh", "dr", "analytics", "tracking"):
        if group not in cfg:
            continue
        try:
            obj = OmegaConf.to_object(cfg[group])
        except (ValueError, TypeError) as exc:
            raise InputError(f"{group}: {str(exc).splitlines()[0]}") from exc
        _walk(group, obj)


def check_known_keys(cfg: DictConfig) -> None:
    """Raises InputError for the first key no schema defines, with a suggestion.

    Hydra adds ``+key=value`` even to a typed group; such a key would be
    stored in the run's config and silently ignored.
    """
    from twin.config_errors import all_paths, unknown_key_message, unknown_keys

    unknown = unknown_keys(cfg)
    if unknown:
        key, allowed = unknown[0]
        raise InputError(unknown_key_message(key, allowed, all_paths(cfg)))


#: Tasks that read meter data from the root key ``data_dir``.
DATA_DIR_TASKS = ("analytics",)


def check_root(cfg: DictConfig) -> None:
    """Root keys: a seed numpy accepts, and ``data_dir`` only for a task that reads it."""
    seed = cfg.seed
    if not 0 <= seed < 2**32:
        raise InputError(f"seed: must be an integer from 0 to {2**32 - 1}, got {seed}")
    task = OmegaConf.select(cfg, "task.name")
    if "analytics" in cfg:
        check_import_window(cfg)
    if cfg.get("data_dir") and task not in DATA_DIR_TASKS:
        raise InputError(f"data_dir: task={task} does not read meter data (only task="
                         f"{', task='.join(DATA_DIR_TASKS)} does); remove data_dir={cfg.data_dir}")


def check_import_window(cfg: DictConfig) -> None:
    """The plausible time range of meter-data imports: a timestamp with offset, and days ahead >= 0."""
    from datetime import datetime

    text = str(cfg.analytics.earliest_timestamp)
    try:
        earliest = datetime.fromisoformat(text)
    except ValueError:
        earliest = None
    if earliest is None or earliest.tzinfo is None:
        raise InputError(f"analytics.earliest_timestamp: {text!r} is not an ISO 8601 time with a UTC offset "
                         "(e.g. 2001-01-01T00:00:00+00:00)")
    if cfg.analytics.max_days_ahead < 0:
        raise InputError(f"analytics.max_days_ahead: must not be negative, got {cfg.analytics.max_days_ahead}")


def check_mesh(cfg: DictConfig) -> None:
    """Choices and physical limits of the ``mesh`` group (one line naming the key)."""
    from mesh_sim.bands import BANDS
    from mesh_sim.bands import Environment
    from mesh_sim.config import FAULT_KINDS, MAC_SCHEMES, MAX_HOPS_LIMIT

    mesh = cfg.mesh
    choices = {"mesh.radio.band": tuple(BANDS), "mesh.mac.protocol": ("csma", "aloha"),
               "mesh.mac.scheme": MAC_SCHEMES,
               "mesh.radio.environment": tuple(e.value for e in Environment) + ("None",),
               "mesh.radio.indoor_model": ("p1238", "multiwall")}
    from mesh_sim.building_types import BUILDING_TYPE_MODES, BUILDING_TYPES, CASES

    choices["mesh.radio.building_type"] = BUILDING_TYPE_MODES + BUILDING_TYPES
    choices["mesh.radio.block_type_default"] = BUILDING_TYPES
    choices["mesh.radio.house_type_default"] = BUILDING_TYPES
    choices["mesh.radio.case"] = CASES
    for key, allowed in choices.items():
        value = str(OmegaConf.select(cfg, key))
        if value not in allowed:
            raise InputError(f"{key}: '{value}' is not allowed; allowed: {', '.join(allowed)}")
    hops = mesh.topology.max_hops
    if not 1 <= hops <= MAX_HOPS_LIMIT:
        raise InputError(f"mesh.topology.max_hops: must be in 1..{MAX_HOPS_LIMIT} (DMesh limit), got {hops}")
    tx = mesh.radio.tx_power_dbm
    low, high = TX_POWER_RANGE_DBM
    if tx is not None and not low <= tx <= high:
        raise InputError(f"mesh.radio.tx_power_dbm: must be between {low:g} and {high:g} dBm, got {tx}")
    for key in _MESH_POSITIVE:
        value = OmegaConf.select(cfg, key)
        if value is not None and value <= 0:
            raise InputError(f"{key}: must be > 0, got {value}")
    for k, fault in enumerate(mesh.faults):
        if fault.kind not in FAULT_KINDS:
            raise InputError(f"mesh.faults[{k}].kind: '{fault.kind}' is not allowed; "
                             f"allowed: {', '.join(FAULT_KINDS)}")
