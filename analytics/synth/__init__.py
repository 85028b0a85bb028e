"""Simulated hourly meter data of a site, with known losses and anomalies.

What every meter registers, hour by hour, for ``days`` days from ``start``
(local midnight; with ``timezone`` the hours follow the zone's clock changes,
else a fixed UTC offset), with the
truth behind it: the consumers' true electricity consumption, the technical
losses and the metering equipment's own consumption in every group, and the
injected anomalies (:mod:`analytics.inject`). :func:`make_data` does it:

- **Consumer electricity**: each consumer lives, every local day, one of its
  subset of the IEEE European LV feeder's 100 daily shapes, scaled by its
  level and a weekend factor (:mod:`analytics.synth.electricity`).
- **Consumer meters** register the truth with a constant accuracy error,
  changed where an anomaly is injected; short communication gaps (NaN) cover
  ``gap_share`` of the consumer readings. Group meters are exact and complete
  (:mod:`analytics.synth.meters`).
- **Group meters** register the true consumption of every consumer electricity
  meter below them plus the technical losses (a fixed and an I²R part, exactly
  ``loss_pct`` % of the group's input) and the concentrators' mains
  consumption of their own group and every group below
  (:mod:`analytics.synth.groups`).
- **Water, gas, heat** (m³, simple, not the focus), with optional water leaks
  (:mod:`analytics.synth.other_kinds`).
- **Realism** (:mod:`analytics.synth.behaviour`): electric heating that
  follows the season's temperature, look-alikes (vacation, new tenant,
  changed routine, balcony solar), faulty group meters, a long outage.
- **Local time**: everything is generated on the local wall clock (24 slots a
  day); with ``timezone`` the slots are then mapped to the real UTC hours, so
  the spring change drops the 03:00 slot and the autumn change repeats it.

Determinism: every draw comes from ``numpy.random.default_rng([seed, k])``
with its own stream ``k``, so the same seed gives the same arrays, and adding
anomalies does not change any other value.

Speed (2-core box): 10,000 flats × 90 days, electricity only, 0.2 s; with a
water meter each (20,000 consumer meters) about 1.1 s, most of it the water
draws. The 100 shapes are read once per process.

Modules:
    config: :class:`SynthConfig`, :class:`SynthData`, the default losses, the seed streams.
    electricity: :func:`hourly_shapes` and the consumers' true electricity.
    meters: Accuracy errors, anomalies and gaps of the consumer meters.
    groups: The hierarchy bottom up: group inputs, losses, equipment.
    other_kinds: Water, gas and heat meters, water leaks.
"""

from __future__ import annotations

import numpy as np

from analytics.inject import Anomaly
import pandas as pd

from analytics.synth.behaviour import apply_lookalike, daily_temperature_c, draw_group_faults, draw_lookalikes, heating_kwh
from analytics.synth.config import (_S_GAPS, _S_GFAULT, _S_HEATING, _S_LOOK, _S_OUTAGE, _S_TEMP, DEFAULT_LOSS_PCT,
                                    SynthConfig, SynthData, _check, _start)
from analytics.synth.electricity import _consumer_electricity, hourly_shapes
from analytics.synth.groups import _group_depths, _group_inputs
from analytics.synth.meters import GAP_RUN_MEAN_H, _gap_mask, _registered
from analytics.synth.other_kinds import (
    DRAW_M3,
    GAS_COOKING_M3_DAY,
    GAS_HEATING_M3_PER_100M2_DAY,
    HEAT_M3_H_PER_60M2,
    LEAK_M3_H,
    WATER_M3_PER_OCCUPANT_DAY,
    _other_kinds,
)
from scenarios.errors import InputError
from scenarios.site import MeterKind, Site

__all__ = [
    "DEFAULT_LOSS_PCT", "DRAW_M3", "GAP_RUN_MEAN_H", "GAS_COOKING_M3_DAY", "GAS_HEATING_M3_PER_100M2_DAY",
    "HEAT_M3_H_PER_60M2", "LEAK_M3_H", "SynthConfig", "SynthData", "WATER_M3_PER_OCCUPANT_DAY", "hourly_shapes",
    "make_data",
]


def make_data(site: Site, cfg: SynthConfig, seed: int, anomalies: list[Anomaly] | None = None) -> SynthData:
    """Simulates what every meter of ``site`` registers (module docstring).

    Args:
        site: The site (groups parents-first or not; consumers; meters; concentrators).
        cfg: Settings.
        seed: Seed of every draw.
        anomalies: Anomalies of consumer electricity meters to inject.

    Returns:
        The registrations and the truth.

    Raises:
        InputError: A bad setting, a meter in an unknown group, a
            non-electricity group meter, or an anomaly at a meter that is not a
            consumer electricity meter.
    """
    _check(cfg)
    start = _start(cfg)
    h0 = start.hour
    n_hours = cfg.days * 24
    n_days = (h0 + n_hours + 23) // 24

    groups = {g.group_id: g for g in site.groups}
    depth = _group_depths(groups)
    group_meter_ids = {g.group_meter_id for g in site.groups if g.group_meter_id}
    for m in site.meters:
        if m.group_id not in groups:
            raise InputError(f"meter {m.meter_id}: unknown group {m.group_id!r}")
        if m.meter_id in group_meter_ids and m.kind != MeterKind.ELECTRICITY:
            raise InputError(f"meter {m.meter_id}: only electricity group meters are simulated, not {m.kind.value}")

    consumer_meters = [m for m in site.meters if m.meter_id not in group_meter_ids and m.consumer_id is not None]
    elec = [m for m in consumer_meters if m.kind == MeterKind.ELECTRICITY]
    other = [m for m in consumer_meters if m.kind != MeterKind.ELECTRICITY]
    elec_ids = [m.meter_id for m in elec]

    true = _consumer_electricity(site, elec, cfg, seed, start, n_days, h0, n_hours)
    temp_c = daily_temperature_c(start, n_days, np.random.default_rng([seed, _S_TEMP]))
    lookalikes = []
    if cfg.heating_share > 0 or cfg.lookalike_share > 0:
        full = np.zeros((len(elec), n_days * 24))
        full[:, h0:h0 + n_hours] = true
        if cfg.heating_share > 0:
            full += heating_kwh(len(elec), cfg.heating_share, cfg.heating_kwh_per_kday, temp_c,
                                np.random.default_rng([seed, _S_HEATING]))
        rng = np.random.default_rng([seed, _S_LOOK])
        lookalikes = draw_lookalikes(elec_ids, n_days, cfg.lookalike_share, rng,
                                     {a.meter_id for a in anomalies or []})
        row_of = {mid: i for i, mid in enumerate(elec_ids)}
        for la in lookalikes:
            full[row_of[la.meter_id]] = apply_lookalike(full[row_of[la.meter_id]], la, rng)
        true = np.ascontiguousarray(full[:, h0:h0 + n_hours])
    registered, err, anomalies = _registered(true, elec_ids, cfg, seed, anomalies, h0, int(start.dayofweek))
    other_values, leaks = _other_kinds(site, other, cfg, seed, start, n_days, h0, n_hours)
    cols = _utc_columns(start, cfg)
    if cols is not None:
        true, registered, other_values = true[:, cols], registered[:, cols], other_values[:, cols]
        n_hours = len(cols)
    gindex, eq_w, inputs, losses = _group_inputs(site, groups, depth, elec, true, cfg, n_hours)

    # Every meter's row; gaps (NaN) on the consumer meters.
    site_row = {m.meter_id: r for r, m in enumerate(site.meters)}
    values = np.zeros((len(site.meters), n_hours))  # a meter with neither consumer nor group registers 0
    values[[site_row[m.meter_id] for m in elec]] = registered
    values[[site_row[m.meter_id] for m in other]] = other_values
    metered = [g for g in site.groups if g.group_meter_id]
    values[[site_row[g.group_meter_id] for g in metered]] = inputs[[gindex[g.group_id] for g in metered]]
    faults = _group_faults(site, metered, cfg, seed, n_days, values, site_row, start, n_hours)
    gap = _gap_mask(np.random.default_rng([seed, _S_GAPS]), len(consumer_meters), n_hours, cfg.gap_share)
    if cfg.outage_hours > 0 and metered:
        rng = np.random.default_rng([seed, _S_OUTAGE])
        g = metered[int(rng.integers(len(metered)))].group_id
        t0 = int(rng.integers(0, max(n_hours - cfg.outage_hours, 1)))
        rows = [k for k, m in enumerate(consumer_meters) if m.group_id == g]
        gap[np.ix_(rows, np.arange(t0, min(t0 + cfg.outage_hours, n_hours)))] = True
    gi, gj = np.nonzero(gap)
    values[np.asarray([site_row[m.meter_id] for m in consumer_meters], dtype=int)[gi], gj] = np.nan
    units = {m.meter_id: "kWh" if m.kind == MeterKind.ELECTRICITY else "m3" for m in site.meters}

    order = [g.group_id for g in site.groups]
    equipment = {gid: np.full(n_hours, eq_w[gindex[gid]] / 1000.0) for gid in order}
    return SynthData(meter_ids=[m.meter_id for m in site.meters], start=start, values=values, true_kwh=true,
                     consumer_meter_ids=elec_ids, technical_loss_kwh={gid: losses[gid] for gid in order},
                     equipment_kwh=equipment, meter_error=err, anomalies=anomalies, leaks=leaks, units=units,
                     lookalikes=lookalikes, group_faults=faults, temperature_c=temp_c)


def _utc_columns(start: pd.Timestamp, cfg: SynthConfig) -> np.ndarray | None:
    """Wall-clock slot of each real (UTC) hour with ``cfg.timezone``; None without."""
    if not cfg.timezone:
        return None
    wall0 = start.tz_localize(None)
    end = (wall0 + pd.Timedelta(days=cfg.days)).tz_localize(start.tz, ambiguous=False, nonexistent="shift_forward")
    hours = pd.date_range(start.tz_convert("UTC"), end.tz_convert("UTC"), freq="h", inclusive="left")
    wall = hours.tz_convert(start.tz).tz_localize(None)
    return np.asarray((wall - wall0) // pd.Timedelta(hours=1), dtype=int)


def _group_faults(site: Site, metered, cfg: SynthConfig, seed: int, n_days: int, values: np.ndarray,
                  site_row: dict[str, int], start: pd.Timestamp, n_hours: int) -> list:
    """Draws faulty lowest-level group meters and changes what they register."""
    if cfg.group_fault_share <= 0:
        return []
    parents = {g.parent_id for g in site.groups if g.parent_id}
    leaves = [(g.group_id, g.group_meter_id) for g in metered if g.group_id not in parents and g.parent_id]
    faults = draw_group_faults(leaves, cfg.group_fault_share, n_days, np.random.default_rng([seed, _S_GFAULT]))
    hours = start + pd.to_timedelta(np.arange(n_hours), unit="h")
    day = np.asarray((hours.tz_localize(None).normalize() - start.tz_localize(None).normalize()).days)
    for f in faults:
        row = site_row[f.meter_id]
        values[row] = np.where(day >= f.start_day, values[row] * (1.0 - f.error), values[row])
    return faults
