"""Simulated hourly meter data of a site, with known losses and anomalies.

What every meter registers, hour by hour, for ``days`` days from ``start``
(local midnight with a fixed UTC offset; no daylight-saving shift), with the
truth behind it: the consumers' true electricity consumption, the technical
losses and the metering equipment's own consumption in every group, and the
injected anomalies (:mod:`analytics.inject`).

**Consumer electricity.** Each consumer has its habits: a subset of
``shapes_per_consumer`` of the IEEE European LV feeder's 100 measured daily
shapes (a consumer whose ``profile`` is ``"ieee:N"`` always has shape N in
its subset; other ``profile`` values are ignored). Every local day it lives
one shape of its subset, drawn uniformly; the shape's 1-minute kW are
averaged per hour (kWh per hour). The day is
scaled by the consumer's level (lognormal, ``scale_sigma``, mean 1: the IEEE
shapes' own level, 8.4 kWh a day on average) and by ``weekend_factor`` on
Saturdays and Sundays.

**Consumer meters** register ``true × (1 + e)``, ``e`` the meter's constant
accuracy error (normal, ``meter_error_sd_pct`` %), except where an anomaly
changes it. Communication gaps (NaN) are short runs (geometric lengths, mean
:data:`GAP_RUN_MEAN_H` h) covering ``gap_share`` of the consumer readings.
Group meters are exact and complete.

**Group meters.** Group ``g`` delivers ``P_g(t)`` = the true consumption of
its own consumers' electricity meters + the equipment mounted in it + the
inputs of its child groups; its network loses ``L_g(t)``; its meter
registers the input ``P_g + L_g``. So a group meter registers the true
consumption of every consumer electricity meter below it, plus the losses and
equipment of its own group and of every group below it. The loss is
``L_g(t) = L̄_g·(f + (1 − f)·P_g(t)²/mean(P_g²))``: a fixed part ``f``
(``loss_fixed_share``: no-load transformer losses, meters' voltage coils,
leakage) and a load part ∝ P² (I²R), scaled so that over the simulated
period the losses are exactly ``loss_pct`` % of the energy entering the
group (``Σ L_g / Σ (P_g + L_g)``).

**Equipment.** Each J100UC concentrator draws ``equipment_w_per_concentrator``
W from the mains in the group of the module nearest to it (the module it is
mounted at; that module's most common meter group, the deepest on a tie).
D100FC modules are battery powered.

**Water, gas, heat** (m³, simple, not the focus): water and gas as Poisson
counts of 10 L (0.01 m³) draws with a morning and evening diurnal weight
(water 0.11 m³ per occupant and day; gas 0.35 m³ a day for cooking in a flat,
space heating in a house, 4 m³ per 100 m²); heat-meter volume as a steady
circulation flow of 0.13 m³/h per 60 m² (3 kW at ΔT 20 K) with ±10 % noise.
``water_leak_share`` of the water meters get a constant leak (4–20 L/h) from
a random day: their night hours are never zero again.

Determinism: every draw comes from ``numpy.random.default_rng([seed, k])``
with its own stream ``k``, so the same seed gives the same arrays, and adding
anomalies does not change any other value.

Speed (2-core box): 10,000 flats × 90 days, electricity only, 0.2 s; with a
water meter each (20,000 consumer meters) about 1.1 s, most of it the water
draws. The 100 shapes are read once per process.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analytics.inject import Anomaly, apply
from grid_model.profiles import parse_ieee_profile
from scenarios import ieee_eu_lv
from scenarios.errors import InputError
from scenarios.site import Level, MeterKind, Site

#: Technical losses of a group, % of the energy entering it (its meter). A
#: district meter is taken on the MV side of the substation (transformer
#: losses), region and city meters at the same point as the district's.
DEFAULT_LOSS_PCT: dict[str, float] = {
    Level.REGION.value: 0.0,
    Level.CITY.value: 0.0,
    Level.DISTRICT.value: 2.5,
    Level.STREET.value: 2.0,
    Level.BUILDING.value: 1.5,
    Level.ENTRANCE.value: 1.0,
}
#: Mean length of a run of missing readings, hours.
GAP_RUN_MEAN_H = 2.5
#: Volume of one water or gas draw quantum, m³ (10 L; the meters' 100 imp/m³).
DRAW_M3 = 0.01
#: Water per occupant and day, m³.
WATER_M3_PER_OCCUPANT_DAY = 0.11
#: Cooking gas of a flat per day, m³.
GAS_COOKING_M3_DAY = 0.35
#: Heating gas of a house per 100 m² and day (winter), m³.
GAS_HEATING_M3_PER_100M2_DAY = 4.0
#: Heating circulation flow per 60 m², m³/h.
HEAT_M3_H_PER_60M2 = 0.13
#: Leak flow range of a leaking water meter, m³/h.
LEAK_M3_H = (0.004, 0.02)

#: Diurnal weights (local hours 0..23) of water draws and of cooking gas.
_WATER_W = np.array([0.4, 0.2, 0.1, 0.1, 0.2, 0.8, 4, 8, 7, 5, 4, 4, 4, 4, 3, 3, 4, 5, 6, 7, 8, 6, 4, 1.5])
_COOK_W = np.array([0, 0, 0, 0, 0, 0, 1, 4, 3, 1, 1, 2, 4, 3, 1, 1, 1, 2, 5, 6, 3, 1, 0.5, 0])
_HEAT_W = np.array([0.8] * 6 + [1.2, 1.3, 1.1] + [1.0] * 8 + [1.1, 1.2, 1.2, 1.1, 1.0, 0.9, 0.85])

# Seed streams.
_S_HABITS, _S_ERROR, _S_WATER, _S_GAS, _S_HEAT, _S_GAPS, _S_LEAKS = range(1, 8)


@dataclass
class SynthConfig:
    """Settings of the simulated data (see the module docstring).

    Attributes:
        days: Days of hourly data.
        start: First hour, ISO-8601 with offset (local midnight).
        shapes_per_consumer: Size of each consumer's subset of the 100 IEEE shapes.
        scale_sigma: Lognormal sigma of the consumers' consumption level.
        weekend_factor: Consumption factor on Saturdays and Sundays.
        loss_pct: Technical loss of a group, % of its input energy: one number
            for every group, or by group id or level name (a group id wins;
            a group in neither gets 0).
        loss_fixed_share: Share of the losses independent of the load (float,
            or by group id or level name like ``loss_pct``).
        meter_error_sd_pct: Standard deviation of a consumer meter's constant
            accuracy error, %.
        equipment_w_per_concentrator: A J100UC's mains consumption, W.
        gap_share: Share of consumer readings missing.
        water_leak_share: Share of water meters with a leak.
        leak_min_start_day: Earliest start day of a leak.
    """

    days: int = 60
    start: str = "2026-01-05T00:00:00+02:00"
    shapes_per_consumer: int = 8
    scale_sigma: float = 0.35
    weekend_factor: float = 1.1
    loss_pct: float | dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LOSS_PCT))
    loss_fixed_share: float | dict[str, float] = 0.2
    meter_error_sd_pct: float = 0.5
    equipment_w_per_concentrator: float = 5.0
    gap_share: float = 0.002
    water_leak_share: float = 0.0
    leak_min_start_day: int = 7


@dataclass
class SynthData:
    """Simulated registrations and the truth behind them.

    Attributes:
        meter_ids: Every meter of the site, in site order.
        start: Timestamp of column 0 (column ``h`` covers ``[start + h, start + h + 1 h)``).
        values: (n_meters, H) registered hourly values, kWh (electricity) or
            m³ (water, gas, heat); NaN = missing reading.
        true_kwh: (n_consumer_meters, H) true consumption behind the consumer
            electricity meters.
        consumer_meter_ids: The consumer electricity meters, rows of ``true_kwh``.
        technical_loss_kwh: Group id → (H,) technical loss inside that group.
        equipment_kwh: Group id → (H,) metering equipment's consumption in that group.
        meter_error: (n_consumer_meters,) relative accuracy error of each
            consumer electricity meter.
        anomalies: The injected anomalies.
        leaks: Water leaks: ``meter_id``, ``start_day``, ``m3_per_h``.
        units: Meter id → ``"kWh"`` or ``"m3"``.
    """

    meter_ids: list[str]
    start: pd.Timestamp
    values: np.ndarray
    true_kwh: np.ndarray
    consumer_meter_ids: list[str]
    technical_loss_kwh: dict[str, np.ndarray]
    equipment_kwh: dict[str, np.ndarray]
    meter_error: np.ndarray = field(default_factory=lambda: np.zeros(0))
    anomalies: list[Anomaly] = field(default_factory=list)
    leaks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["meter_id", "start_day", "m3_per_h"]))
    units: dict[str, str] = field(default_factory=dict)

    @property
    def hours(self) -> int:
        return self.values.shape[1]

    def row(self, meter_id: str) -> np.ndarray:
        """The registered series of one meter."""
        return self.values[self.meter_ids.index(meter_id)]


@functools.lru_cache(maxsize=1)
def hourly_shapes() -> np.ndarray:
    """The 100 IEEE daily shapes as hourly energy, (100, 24) kWh per hour (read-only)."""
    table = ieee_eu_lv.all_shapes().reshape(100, 24, 60).mean(axis=2)
    table.setflags(write=False)
    return table


def _check(cfg: SynthConfig) -> None:
    if cfg.days < 1:
        raise InputError(f"synth.days: {cfg.days} must be ≥ 1")
    if not 1 <= cfg.shapes_per_consumer <= 100:
        raise InputError(f"synth.shapes_per_consumer: {cfg.shapes_per_consumer} must be 1..100")
    for key in ("scale_sigma", "weekend_factor", "meter_error_sd_pct", "equipment_w_per_concentrator"):
        if not getattr(cfg, key) >= 0:
            raise InputError(f"synth.{key}: {getattr(cfg, key)} must be ≥ 0")
    for key in ("gap_share", "water_leak_share"):
        if not 0.0 <= getattr(cfg, key) <= 1.0:
            raise InputError(f"synth.{key}: {getattr(cfg, key)} must be in 0..1")


def _per_group(setting, group_id: str, level: str, key: str, hi: float, hi_inclusive: bool) -> float:
    """A setting given as one number or by group id / level name (0 when absent)."""
    if isinstance(setting, Mapping):
        v = setting.get(group_id, setting.get(level, 0.0))
    else:
        v = setting
    v = float(v)
    if not (0.0 <= v <= hi if hi_inclusive else 0.0 <= v < hi):
        raise InputError(f"synth.{key}: {v} for group {group_id} must be in [0, {hi}{']' if hi_inclusive else ')'}")
    return v


def _start(cfg: SynthConfig) -> pd.Timestamp:
    try:
        t = pd.Timestamp(cfg.start)
    except (ValueError, TypeError) as exc:
        raise InputError(f"synth.start: {cfg.start!r} is not an ISO-8601 timestamp") from exc
    if t != t.floor("h"):
        raise InputError(f"synth.start: {cfg.start!r} is not on a full hour")
    return t


def _local_days(start: pd.Timestamp, n_days: int) -> np.ndarray:
    """Day of week (Mon=0) of local days 0..n_days-1."""
    return (start.dayofweek + np.arange(n_days)) % 7


def _consumer_electricity(site: Site, meters, cfg: SynthConfig, seed: int, start: pd.Timestamp,
                          n_days: int, h0: int, n_hours: int) -> np.ndarray:
    """(n, H) true hourly kWh behind the consumer electricity meters."""
    table = hourly_shapes()
    rng = np.random.default_rng([seed, _S_HABITS])
    n = len(meters)
    k = cfg.shapes_per_consumer
    subsets = np.argsort(rng.random((n, 100)), axis=1)[:, :k]
    consumers = {c.consumer_id: c for c in site.consumers if c.profile and c.profile.lower().startswith("ieee:")}
    for i, m in enumerate(meters):
        c = consumers.get(m.consumer_id)
        if c is not None:
            own = parse_ieee_profile(c.profile, c.consumer_id) - 1
            row = subsets[i]
            hit = np.flatnonzero(row == own)
            if hit.size:
                row[hit[0]] = row[0]
            row[0] = own
    pick = rng.integers(0, k, size=(n, n_days))
    idx = np.take_along_axis(subsets, pick, axis=1)
    sigma = cfg.scale_sigma
    scale = np.exp(sigma * rng.standard_normal(n) - sigma * sigma / 2.0)
    dow = _local_days(start, n_days)
    day_factor = np.where(dow >= 5, cfg.weekend_factor, 1.0)
    true = table[idx]
    true *= (scale[:, None] * day_factor[None, :])[:, :, None]
    true = true.reshape(n, n_days * 24)
    return true if h0 == 0 and n_days * 24 == n_hours else np.ascontiguousarray(true[:, h0:h0 + n_hours])


def _poisson_draws(rng, level_m3_day: np.ndarray, weights: np.ndarray, n_days: int, h0: int, n_hours: int,
                   day_sd: float = 0.25) -> np.ndarray:
    """(n, H) m³: Poisson counts of DRAW_M3 draws with a diurnal weight and a daily level noise."""
    w = weights / weights.sum()
    n = len(level_m3_day)
    day = level_m3_day[:, None] * rng.lognormal(-day_sd ** 2 / 2, day_sd, size=(n, n_days))
    lam = (day[:, :, None] * (w / DRAW_M3)[None, None, :]).reshape(n, n_days * 24)[:, h0:h0 + n_hours]
    counts = rng.poisson(lam)
    return np.multiply(counts, DRAW_M3, out=lam if lam.flags.c_contiguous else None)


def _other_kinds(site: Site, meters, cfg: SynthConfig, seed: int, start: pd.Timestamp, n_days: int,
                 h0: int, n_hours: int) -> tuple[np.ndarray, pd.DataFrame]:
    """(n, H) m³ of the water, gas and heat consumer meters, and the water leaks."""
    consumers = {c.consumer_id: c for c in site.consumers}
    out = np.zeros((len(meters), n_hours))
    leaks = pd.DataFrame({"meter_id": pd.Series([], dtype=object), "start_day": pd.Series([], dtype="int64"),
                          "m3_per_h": pd.Series([], dtype=float)})
    by_kind: dict[MeterKind, list[int]] = {}
    for i, m in enumerate(meters):
        by_kind.setdefault(m.kind, []).append(i)

    def cons(i):
        c = consumers.get(meters[i].consumer_id)
        return (c.occupants, c.floor_area_m2, c.kind) if c is not None else (2, 60.0, "flat")

    if MeterKind.WATER in by_kind:
        rows = by_kind[MeterKind.WATER]
        rng = np.random.default_rng([seed, _S_WATER])
        level = np.array([cons(i)[0] for i in rows], float) * WATER_M3_PER_OCCUPANT_DAY
        level *= rng.lognormal(-0.3 ** 2 / 2, 0.3, size=len(rows))
        out[rows] = _poisson_draws(rng, level, _WATER_W, n_days, h0, n_hours)
        n_leak = int(round(cfg.water_leak_share * len(rows)))
        if n_leak:
            lr = np.random.default_rng([seed, _S_LEAKS])
            which = np.sort(lr.choice(len(rows), size=n_leak, replace=False))
            lo = min(cfg.leak_min_start_day, cfg.days - 1)
            day = lr.integers(lo, cfg.days, size=n_leak)
            flow = np.round(lr.uniform(*LEAK_M3_H, size=n_leak), 4)
            local_day = (h0 + np.arange(n_hours)) // 24
            for j, d, f in zip(which, day, flow):
                out[rows[j]] += np.where(local_day >= d, f, 0.0)
            leaks = pd.DataFrame({"meter_id": pd.Series([meters[rows[j]].meter_id for j in which], dtype=object),
                                  "start_day": day.astype("int64"), "m3_per_h": flow})
    if MeterKind.GAS in by_kind:
        rows = by_kind[MeterKind.GAS]
        rng = np.random.default_rng([seed, _S_GAS])
        info = [cons(i) for i in rows]
        house = np.array([k == "house" for _, _, k in info])
        area = np.array([a for _, a, _ in info], float)
        level = np.where(house, area / 100.0 * GAS_HEATING_M3_PER_100M2_DAY, GAS_COOKING_M3_DAY)
        level *= rng.lognormal(-0.3 ** 2 / 2, 0.3, size=len(rows))
        cook = _poisson_draws(rng, np.where(house, 0.0, level), _COOK_W, n_days, h0, n_hours)
        heat = _poisson_draws(rng, np.where(house, level, 0.0), _HEAT_W, n_days, h0, n_hours, day_sd=0.15)
        out[rows] = cook + heat
    if MeterKind.HEAT in by_kind:
        rows = by_kind[MeterKind.HEAT]
        rng = np.random.default_rng([seed, _S_HEAT])
        area = np.array([cons(i)[1] for i in rows], float)
        w = np.resize(_HEAT_W / _HEAT_W.mean(), n_days * 24)[h0:h0 + n_hours]
        base = HEAT_M3_H_PER_60M2 * area / 60.0 * rng.lognormal(-0.2 ** 2 / 2, 0.2, size=len(rows))
        noise = np.clip(1.0 + 0.1 * rng.standard_normal((len(rows), n_hours)), 0.5, 1.5)
        out[rows] = base[:, None] * w[None, :] * noise
    return out, leaks


def _gap_mask(rng, n: int, n_hours: int, share: float) -> np.ndarray:
    """(n, H) boolean mask of missing readings: short runs covering about ``share`` of the cells."""
    mask = np.zeros((n, n_hours), dtype=bool)
    runs = int(round(share * n * n_hours / GAP_RUN_MEAN_H))
    if runs == 0 or n == 0:
        return mask
    rows = rng.integers(0, n, size=runs)
    cols = rng.integers(0, n_hours, size=runs)
    length = rng.geometric(1.0 / GAP_RUN_MEAN_H, size=runs)
    offset = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    r = np.repeat(rows, length)
    c = np.repeat(cols, length) + offset
    keep = c < n_hours
    mask[r[keep], c[keep]] = True
    return mask


def _concentrator_groups(site: Site, depth: dict[str, int]) -> list[str]:
    """Group id powering each concentrator (see the module docstring)."""
    meters = {m.meter_id: m for m in site.meters}
    out = []
    top = next((g.group_id for g in site.groups if g.parent_id is None), None)
    for c in site.concentrators:
        mods = [m for m in site.modules if m.concentrator_id == c.concentrator_id and m.meter_ids]
        if not mods:
            if top is not None:
                out.append(top)
            continue
        p = c.position

        def dist(m):
            q = m.position
            return (math.hypot(q.x_m - p.x_m, q.y_m - p.y_m) + 3.0 * abs(q.floor - p.floor), m.module_id)

        near = min(mods, key=dist)
        counts: dict[str, int] = {}
        for mid in near.meter_ids:
            if mid in meters:
                g = meters[mid].group_id
                counts[g] = counts.get(g, 0) + 1
        if not counts:
            if top is not None:
                out.append(top)
            continue
        out.append(max(counts, key=lambda g: (counts[g], depth.get(g, 0))))
    return out


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
    depth: dict[str, int] = {}

    def depth_of(gid: str) -> int:
        if gid not in depth:
            seen, g, d = set(), groups[gid], 0
            while g.parent_id is not None:
                if g.parent_id not in groups:
                    raise InputError(f"group {g.group_id}: unknown parent {g.parent_id!r}")
                if g.group_id in seen:
                    raise InputError(f"group {gid}: cycle in the hierarchy")
                seen.add(g.group_id)
                g, d = groups[g.parent_id], d + 1
            depth[gid] = d
        return depth[gid]

    for gid in groups:
        depth_of(gid)
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
    err = np.random.default_rng([seed, _S_ERROR]).normal(0.0, cfg.meter_error_sd_pct / 100.0, size=len(elec))
    registered = true * (1.0 + err[:, None])
    anomalies = list(anomalies or [])
    row_of = {mid: i for i, mid in enumerate(elec_ids)}
    for a in anomalies:
        if a.meter_id not in row_of:
            raise InputError(f"anomaly at {a.meter_id}: not a consumer electricity meter of the site")
        i = row_of[a.meter_id]
        registered[i] = apply(registered[i], true[i], a, 24, h0)
    other_values, leaks = _other_kinds(site, other, cfg, seed, start, n_days, h0, n_hours)

    # Groups, bottom up.
    gids = sorted(groups, key=lambda g: -depth[g])
    gindex = {g: j for j, g in enumerate(gids)}
    children: dict[str, list[str]] = {}
    for g in site.groups:
        if g.parent_id is not None:
            children.setdefault(g.parent_id, []).append(g.group_id)
    eq_w = np.zeros(len(gids))
    for g in _concentrator_groups(site, depth):
        eq_w[gindex[g]] += cfg.equipment_w_per_concentrator
    member = sp.csr_matrix((np.ones(len(elec)), ([gindex[m.group_id] for m in elec], np.arange(len(elec)))),
                           shape=(len(gids), len(elec)))
    direct = np.asarray(member @ true) + (eq_w / 1000.0)[:, None]
    inputs = np.zeros((len(gids), n_hours))
    losses: dict[str, np.ndarray] = {}
    for j, gid in enumerate(gids):
        g = groups[gid]
        flow = direct[j].copy()
        for child in children.get(gid, []):
            flow += inputs[gindex[child]]
        level = g.level.value if isinstance(g.level, Level) else str(g.level)
        pct = _per_group(cfg.loss_pct, gid, level, "loss_pct", 100.0, False) / 100.0
        fixed = _per_group(cfg.loss_fixed_share, gid, level, "loss_fixed_share", 1.0, True)
        mean_p = flow.mean()
        mean_p2 = float(np.mean(flow * flow))
        if pct > 0 and mean_p2 > 0:
            lbar = pct / (1.0 - pct) * mean_p
            loss = lbar * (fixed + (1.0 - fixed) * flow * flow / mean_p2)
        else:
            loss = np.zeros(n_hours)
        losses[gid] = loss
        inputs[j] = flow + loss

    # Every meter's row; gaps (NaN) on the consumer meters.
    site_row = {m.meter_id: r for r, m in enumerate(site.meters)}
    values = np.zeros((len(site.meters), n_hours))  # a meter with neither consumer nor group registers 0
    values[[site_row[m.meter_id] for m in elec]] = registered
    values[[site_row[m.meter_id] for m in other]] = other_values
    metered = [g for g in site.groups if g.group_meter_id]
    values[[site_row[g.group_meter_id] for g in metered]] = inputs[[gindex[g.group_id] for g in metered]]
    gap = _gap_mask(np.random.default_rng([seed, _S_GAPS]), len(consumer_meters), n_hours, cfg.gap_share)
    gi, gj = np.nonzero(gap)
    values[np.asarray([site_row[m.meter_id] for m in consumer_meters], dtype=int)[gi], gj] = np.nan
    units = {m.meter_id: "kWh" if m.kind == MeterKind.ELECTRICITY else "m3" for m in site.meters}

    order = [g.group_id for g in site.groups]
    equipment = {gid: np.full(n_hours, eq_w[gindex[gid]] / 1000.0) for gid in order}
    return SynthData(meter_ids=[m.meter_id for m in site.meters], start=start, values=values, true_kwh=true,
                     consumer_meter_ids=elec_ids, technical_loss_kwh={gid: losses[gid] for gid in order},
                     equipment_kwh=equipment, meter_error=err, anomalies=anomalies, leaks=leaks, units=units)
