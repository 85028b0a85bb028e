"""State of the emulated J100UC and its D100FC network, built from a twin site.

The network table comes from a short ``mesh_sim`` run of the concentrator's
subnet (:func:`mesh_sim.city.run_site`): parent, hops and RSSI of the link to
the parent (``sensitivity + NodeRecord.link_margin_db``); neighbours are the
nodes whose links reach ``TopologyConfig.min_link_prr`` both ways in
:class:`mesh_sim.linkstate.LinkState`. Consumption is a deterministic hourly
profile per consumer (one of :func:`analytics.synth.hourly_shapes`, scaled);
group meters measure the sum of the consumers of their group's subtree plus
losses. Everything here is plain state: :mod:`hil.emulator.device` advances it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from analytics.synth import hourly_shapes
from mesh_sim.city import run_site, split_site
from mesh_sim.config import MeshConfig
from mesh_sim.energy import HOURS_PER_YEAR
from mesh_sim.linkstate import LinkState, radio_band
from scenarios.site import MeterKind, Site

#: Default emulated start time: 2024-01-01 00:00:00 UTC (on an hour boundary).
DEFAULT_START_UNIX_S = 1_704_067_200
#: Socket classes of the AD220 relays (bit values of GROUP_SHED ``classes``; RED is never shed).
YELLOW, GREEN, RED = 1, 2, 0
#: Share of a consumer's load behind a shed relay, per class.
SHED_SHARE = {YELLOW: 0.25, GREEN: 0.15, RED: 0.0}
#: Group meters measure their consumers plus this share (network losses).
GROUP_LOSS = 0.04
#: Units per kWh of a consumer's electricity for non-electric meters (synthetic).
UNITS_PER_KWH = {MeterKind.WATER: 0.02, MeterKind.GAS: 0.1, MeterKind.HEAT: 0.05}
#: Battery share below which a module flags BATTERY_LOW, %.
BATTERY_LOW_PCT = 10.0
#: Hours of profile a channel keeps (62 days); older hours are dropped.
PROFILE_HOURS_KEPT = 1488
#: Event codes of READ_EVENTS.
EV_MAGNET, EV_LINE_OPEN, EV_LINE_SHORT, EV_BATTERY_LOW, EV_REBOOT = 1, 2, 3, 4, 5


class EmuClock:
    """The emulation's time base: ``start + (monotonic elapsed) * speed + steps``.

    Args:
        start_unix_s: Emulated time at creation.
        speed: Emulated seconds per real second; 0 freezes time (tests step it).
    """

    def __init__(self, start_unix_s: float = DEFAULT_START_UNIX_S, speed: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._base = float(start_unix_s)
        self._t0 = time.monotonic()
        self._speed = float(speed)

    def now(self) -> float:
        """Current emulated time, s."""
        with self._lock:
            return self._base + (time.monotonic() - self._t0) * self._speed

    def step(self, seconds: float) -> float:
        """Advances the clock by ``seconds`` (>= 0) at once; returns the new time."""
        if seconds < 0:
            raise ValueError(f"clock step {seconds} < 0")
        with self._lock:
            self._base += float(seconds)
        return self.now()

    def set_speed(self, speed: float) -> None:
        """Changes the speed factor from now on (time does not jump)."""
        with self._lock:
            now = time.monotonic()
            self._base += (now - self._t0) * self._speed
            self._t0, self._speed = now, float(speed)


@dataclass
class Event:
    """One event-log entry (``code``: 1 magnet .. 5 reboot)."""

    index: int
    unix_s: int
    code: int


@dataclass
class Channel:
    """One pulse input and the meter wired to it.

    Attributes:
        meter_id: Site meter id.
        kind: What the meter measures.
        meter_weight: The meter's own pulses per unit (drives the pulse count).
        pulse_weight: Configured pulses per unit (reported, SET_PULSE_WEIGHT).
        pulses: Counter (kept on flash).
        frac: Fraction of a pulse carried to the next step.
        profile: Hour start (device unix s) -> pulses counted in that hour.
    """

    meter_id: str
    kind: MeterKind
    meter_weight: float
    pulse_weight: int
    pulses: int = 0
    frac: float = 0.0
    profile: dict[int, int] = field(default_factory=dict)


@dataclass
class ModuleState:
    """One D100FC as the concentrator knows it (network-table row plus state)."""

    index: int
    module_id: str
    parent: int
    hops: int
    rssi_dbm: int
    neighbours: int
    routed: bool
    channels: list[Channel]
    group: int
    socket_class: int
    relay_on: bool = True
    relay_switched_unix_ms: int = 0
    threshold_w: int = 0
    events: list[Event] = field(default_factory=list)
    battery_pct0: float = 100.0
    drain_pct_per_h: float = 0.0
    flags: int = 0


def battery_mv(pct: float) -> int:
    """Terminal voltage of a Li-SOCl2 cell (ER18505) at ``pct`` % charge left, mV.

    The usual shape of a lithium-thionyl-chloride discharge: a flat plateau
    (3.65 V full, 3.56 V at 10 % left) and a knee to 3.0 V at empty. A shape
    for the emulator's status replies, not a calibrated cell model.
    """
    p = min(max(pct, 0.0), 100.0)
    if p >= 10.0:
        return int(round(3650 - (100.0 - p) * 1.0))
    return int(round(3000 + p * 56.0))


def network_rows(site: Site, seed: int, concentrator_id: str | None = None,
                 mesh_cfg: MeshConfig | None = None) -> tuple[str, list[dict]]:
    """Forms the subnet of one concentrator with mesh_sim.

    Args:
        site: The site.
        seed: Mesh seed (master seed of :func:`run_site`).
        concentrator_id: Which J100UC; default the first one.
        mesh_cfg: Mesh settings; default ``MeshConfig(days=0.1)``.

    Returns:
        ``(concentrator id, rows)``, one row per module of the subnet in site
        order: ``module_id, parent_id, hops, rssi_dbm, neighbours, routed``.
    """
    cfg = mesh_cfg or MeshConfig(days=0.1)
    specs = split_site(site, seed)
    spec = next((s for s in specs if concentrator_id in (None, s.name)), None)
    if spec is None:
        raise KeyError(f"no concentrator {concentrator_id!r} in site {site.name}")
    result = run_site(site, cfg, seed)
    records = {r.node_id: r for r in result.nodes}
    link = LinkState(spec.nodes, cfg.radio, spec.seed)
    good = (link.prr >= cfg.topology.min_link_prr) & (link.prr.T >= cfg.topology.min_link_prr)
    sens = radio_band(cfg.radio).sensitivity_dbm
    rows = []
    for k, node_id in enumerate(spec.nodes.node_ids):
        if spec.is_concentrator[k]:
            continue
        r = records[node_id]
        rows.append({"module_id": node_id, "parent_id": r.parent_id, "hops": r.hops,
                     "rssi_dbm": int(np.clip(round(sens + r.link_margin_db), -128, 127)),
                     "neighbours": int(min(good[k].sum(), 255)), "routed": r.status == "ok",
                     "battery_life_years": float(r.battery_life_years)})
    return spec.name, rows


def build_modules(site: Site, rows: list[dict], seed: int, groups: int = 2) -> list[ModuleState]:
    """Module states (index 1..N in row order) with their channels.

    Module ``i`` is in rotation group ``1 + (i - 1) % groups``; its relay is a
    YELLOW, GREEN or RED socket in successive rounds of groups. Counters
    start at a random meter reading (0..10^6 pulses) drawn from ``seed``.
    Each battery has been in service 0..6 years (drawn from ``seed``) and
    empties linearly over the module's battery life from the mesh run
    (``NodeRecord.battery_life_years``: mean current plus self-discharge
    against the usable capacity).
    """
    rng = np.random.default_rng(seed)
    age_h = np.random.default_rng(seed + 2).uniform(0.0, 6 * 8766.0, len(rows))
    index = {r["module_id"]: i + 1 for i, r in enumerate(rows)}
    meters = {m.meter_id: m for m in site.meters}
    mods = {m.module_id: m for m in site.modules}
    out = []
    for i, r in enumerate(rows, start=1):
        chans = [Channel(mid, meters[mid].kind, float(meters[mid].pulse_weight),
                         int(round(meters[mid].pulse_weight)), pulses=int(rng.integers(0, 1_000_000)))
                 for mid in mods[r["module_id"]].meter_ids]
        life_h = r.get("battery_life_years", float("nan")) * HOURS_PER_YEAR
        drain = 100.0 / life_h if np.isfinite(life_h) and life_h > 0 else 0.0   # % per hour
        out.append(ModuleState(i, r["module_id"], index.get(r["parent_id"], 0), r["hops"], r["rssi_dbm"],
                               r["neighbours"], r["routed"], chans, 1 + (i - 1) % groups,
                               (YELLOW, GREEN, RED)[((i - 1) // groups) % 3],
                               battery_pct0=max(0.0, 100.0 - drain * age_h[i - 1]), drain_pct_per_h=drain))
    return out


class LoadModel:
    """Deterministic hourly consumption of every consumer and meter of a site.

    Args:
        site: The site.
        seed: Picks each consumer's daily shape and scale.
    """

    def __init__(self, site: Site, seed: int) -> None:
        rng = np.random.default_rng(seed)
        shapes = hourly_shapes()
        ids = [c.consumer_id for c in site.consumers]
        self.consumer_index = {c: k for k, c in enumerate(ids)}
        pick = rng.integers(0, shapes.shape[0], len(ids))
        scale = np.array([0.6 + 0.2 * c.occupants for c in site.consumers]) * rng.uniform(0.8, 1.2, len(ids))
        self.kw = shapes[pick] * scale[:, None]          # (consumers, 24), kWh per hour
        children: dict[str, list[str]] = {}
        for g in site.groups:
            children.setdefault(g.parent_id, []).append(g.group_id)
        self.members: dict[str, np.ndarray] = {}
        for g in site.groups:
            sub, todo = set(), [g.group_id]
            while todo:
                sub.add(todo[-1])
                todo.extend(children.get(todo.pop(), []))
            self.members[g.group_id] = np.array(
                [k for k, c in enumerate(site.consumers) if c.group_id in sub], dtype=np.int64)
        self.group_of_meter = {g.group_meter_id: g.group_id for g in site.groups if g.group_meter_id}
        self.meters = {m.meter_id: m for m in site.meters}

    def rate(self, meter_id: str, hour_of_day: int, supply: np.ndarray) -> float:
        """Units per hour of a meter now.

        Args:
            meter_id: The meter.
            hour_of_day: 0..23 of the device clock.
            supply: Per consumer, the share of its load switched on (relays).
        """
        load = self.kw[:, hour_of_day] * supply
        if meter_id in self.group_of_meter:
            return float(load[self.members[self.group_of_meter[meter_id]]].sum() * (1.0 + GROUP_LOSS))
        m = self.meters[meter_id]
        k = self.consumer_index.get(m.consumer_id)
        if k is None:
            return 0.0
        return float(load[k]) * (1.0 if m.kind == MeterKind.ELECTRICITY else UNITS_PER_KWH.get(m.kind, 0.0))
