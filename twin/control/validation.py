"""Checks of the ``dr`` and ``tariff`` settings: one line naming the key.

:func:`check_dr` runs when the command line composes the config (before any
work); :func:`check_thresholds` needs the households (their RED load) and
runs when the study is built.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from omegaconf import DictConfig, OmegaConf

from grid_model.households.config import YELLOW_DEVICES
from scenarios.errors import InputError
from twin.control.config import CENTRAL_MODES, LATENCY_SOURCES, STRATEGIES, TRIGGERS, DRConfig


def _share(key: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{key}: must be between 0 and 1, got {value}")


def check_dr(cfg: DictConfig) -> None:
    """Choices, ranges and the tariff of a composed config with a ``dr`` group.

    Raises:
        InputError: Naming the first bad key.
    """
    from twin.control.tariffs import validate_tariff

    dr: DRConfig = OmegaConf.to_object(cfg.dr)
    _share("dr.participation", dr.participation)
    for k, p in enumerate(dr.sweep):
        _share(f"dr.sweep[{k}]", p)
    _share("dr.dlm.customer_threshold_share", dr.dlm.customer_threshold_share)
    if not 0.0 < dr.latency.fixed_delivery <= 1.0:
        raise InputError(f"dr.latency.fixed_delivery: must be in (0, 1], got {dr.latency.fixed_delivery}")
    choices = [("dr.central.trigger", dr.central.trigger, TRIGGERS),
               ("dr.central.mode", dr.central.mode, CENTRAL_MODES),
               ("dr.latency.source", dr.latency.source, LATENCY_SOURCES)]
    choices += [(f"dr.central.yellow_devices[{k}]", d, YELLOW_DEVICES) for k, d in enumerate(dr.central.yellow_devices)]
    choices += [(f"dr.strategies[{k}]", s, STRATEGIES) for k, s in enumerate(dr.strategies)]
    choices += [(f"dr.controllable_yellow[{k}]", d, YELLOW_DEVICES) for k, d in enumerate(dr.controllable_yellow)]
    for key, value, allowed in choices:
        if value not in allowed:
            raise InputError(f"{key}: '{value}' is not allowed; allowed: {', '.join(allowed)}")
    if not dr.strategies:
        raise InputError("dr.strategies: is empty; pick from " + ", ".join(STRATEGIES))
    positive = {"dr.dlm.threshold_kw": dr.dlm.threshold_kw, "dr.guard.yellow_max_off_min": dr.guard.yellow_max_off_min,
                "dr.central.rotation_groups": dr.central.rotation_groups,
                "dr.guard.command_timeout_min": dr.guard.command_timeout_min}
    positive.update({f"dr.dlm.threshold_kw_by_zone.{z}": v for z, v in dr.dlm.threshold_kw_by_zone.items()})
    for key, value in positive.items():
        if value <= 0:
            raise InputError(f"{key}: must be > 0, got {value}")
    for key in ("customer_threshold_kw", "peak_threshold_kw", "night_threshold_kw"):
        if getattr(dr.dlm, key) < 0:
            raise InputError(f"dr.dlm.{key}: must not be negative, got {getattr(dr.dlm, key)}")
    if not 0.0 < dr.degraded_delivery <= 1.0:
        raise InputError(f"dr.degraded_delivery: must be in (0, 1], got {dr.degraded_delivery}")
    if dr.forecast.error_pct < 0 or dr.forecast.block_min < 1:
        raise InputError(f"dr.forecast: error_pct must be >= 0 and block_min >= 1, got {dr.forecast.error_pct}, "
                         f"{dr.forecast.block_min}")
    if dr.central.target_loading_pct <= 0:
        raise InputError(f"dr.central.target_loading_pct: must be > 0, got {dr.central.target_loading_pct}")
    if dr.central.release_loading_pct > dr.central.start_loading_pct:
        raise InputError(f"dr.central.release_loading_pct: {dr.central.release_loading_pct} is above "
                         f"dr.central.start_loading_pct={dr.central.start_loading_pct}")
    if not 1 <= dr.year <= 9999:
        raise InputError(f"dr.year: {dr.year} is not a calendar year")
    validate_tariff(OmegaConf.to_object(cfg.tariff), "tariff")


def _key_of_limit(dr: DRConfig, limit_kw: float, zone: str) -> str:
    """The key whose value is the binding limit (checked in the order they override)."""
    dlm = dr.dlm
    if zone in dlm.threshold_kw_by_zone and dlm.threshold_kw_by_zone[zone] == limit_kw:
        return f"dr.dlm.threshold_kw_by_zone.{zone}"
    for key, value in (("customer_threshold_kw", dlm.customer_threshold_kw), ("peak_threshold_kw", dlm.peak_threshold_kw),
                       ("night_threshold_kw", dlm.night_threshold_kw)):
        if value == limit_kw:
            return f"dr.dlm.{key}"
    return "dr.dlm.threshold_kw"


def check_thresholds(dr: DRConfig, threshold_kw: np.ndarray, fleet, zone_names: np.ndarray, customer: np.ndarray,
                     start: datetime) -> None:
    """A threshold must stay above the RED load DLM can never switch off.

    Raises:
        InputError: Naming the key of the limit, the home and the minute.
    """
    red = fleet.red_p[:, : threshold_kw.shape[1]]
    gap = red - threshold_kw
    i, t = np.unravel_index(int(np.argmax(gap)), gap.shape)
    if gap[i, t] > 0:
        key = _key_of_limit(dr, float(threshold_kw[i, t]), str(zone_names[t]))
        when = (start + timedelta(minutes=int(t))).strftime("%Y-%m-%d %H:%M")
        raise InputError(f"{key}: {threshold_kw[i, t]:g} kW is below the RED (never switched) load of home "
                         f"{fleet.consumer_ids[i]}, {red[i, t]:.2f} kW at {when}; use a higher threshold")
