"""Command latency of demand-response broadcasts, fitted to a mesh_sim run.

A shed/restore command is a group broadcast: the J100UC floods it through the
mesh and every D100FC switches its contactor when the flood first reaches it
(``mesh_sim/control.py``). The closed-loop DR simulation needs, per command and
per home, the delay until the home's module has the command, or "lost".
Running the packet-level simulator for every command would be too slow, so
:func:`fit_latency` turns one mesh_sim run into an empirical model keyed by the
module's hop count, and :meth:`LatencyModel.sample` draws from it.

The model, per hop count ``h`` (routing hops of the module at the end of the
run, ``NodeRecord.hops``):

* ``delivery[h]``: share of (broadcast, module) pairs at hop ``h`` that
  received the broadcast;
* ``samples_s[h]``: the latencies of those receptions (sorted).

A draw for a home at hop ``h`` is lost with probability ``1 - delivery[h]``,
otherwise one of ``samples_s[h]`` picked uniformly (bootstrap).

Floods fail together: in a multi-hop mesh a flood now and then misses a whole
building (in mesh_sim runs of two buildings joined by weak links, the share of
modules a broadcast reaches is about 1.0 or about 0.5). Independent draws per
home would keep the mean delivery but make the share of homes a command
reaches almost constant. So the fit also
keeps each broadcast's delivery per hop (``delivery_by_broadcast``) and, by
default, a command first picks one fitted broadcast and uses its per-hop
delivery for all homes (same marginal delivery, realistic spread of the share
of homes reached). Latencies of received homes are still drawn independently
from the pooled samples of their hop, and which homes miss a command is
random, not tied to a building.

**Hop counts without data** (not in ``delivery``) are extrapolated from the nearest lower hop count ``h0`` with samples
(the smallest one if none is lower): its samples shifted by ``(h - h0) * step``
(clipped at 0), where ``step`` is the per-hop latency increment, the slope of
a least-squares line through the per-hop mean latencies weighted by their
sample counts (clipped at 0; with a single hop count the line goes through the
origin, ``step = mean / h0``, i.e. latency proportional to hops: "a flood
costs one wake interval per hop", docs/mesh-model.md). Delivery is
``delivery[h0] * q ** (h - h0)`` (capped at 1) with ``q`` the per-hop survival that
compounds to the deepest fitted hop's delivery, ``q = delivery[hmax] ** (1 /
hmax)``. A fitted hop count that never received stays always lost. Hop ``-1``
(no route, module down or left out, or no module) is always lost.

Routing hops are not flood hops: a flood is decoded by every module within
``FLOOD_MARGIN_MIN_DB`` of sensitivity, so a module routed over two hops often
hears the J100UC's flood directly. The model is fitted and used with the same
key (routing hops), so this is part of the fitted distribution. Floods that
reach a module without a route are not used.

**Fitting runs** (what the mesh_sim runs behind the tests showed):

* Each module reports once an hour at a fixed minute of its own, and a flood
  that meets a report can reach part of the mesh one wake interval (30 s)
  late or not at all. A broadcast rate that divides the hour (48 a day: every
  30 min) tries only a few minutes of the hour, so the fitted tail depends on
  the run's random start; a rate that does not (47 or 191 a day) sweeps it.
* Flood traffic loads a weak multi-hop mesh: in a two-building test mesh at
  -20 dBm, delivery was 0.97-0.99 at 12 broadcasts a day and 0.85-0.99 at 48
  or 192 a day (4 seeds, 4 days). Fit at about the command rate of the DR run.
* The fit belongs to one mesh: another seed redraws the shadowing, hence the
  routes. On the default (one-hop) district that changes nothing; on a
  multi-hop mesh a held-out seed differed by up to 20 % in mean latency and
  0.06 in delivery. Losses come a building at a time, so the fit's sampling
  error is set by the number of broadcasts, not of homes.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from mesh_sim.config import MAX_HOPS_LIMIT, MeshConfig
from mesh_sim.records import MeshResult
from mesh_sim.summary import modules_of
from scenarios.errors import InputError
from scenarios.site import MeterKind

#: Module status of a routed module (the only one that takes commands).
_ROUTED = "ok"


@dataclass
class _Table:
    """Per-hop lookup arrays for vectorised draws, hops ``0..size-1``."""

    pool: np.ndarray        # all samples, concatenated
    offset: np.ndarray      # start of hop h's samples in pool
    count: np.ndarray       # number of samples of hop h (0: always lost)
    shift: np.ndarray       # added to every sample of hop h (extrapolation)
    delivery: np.ndarray    # probability of reception at hop h
    mean: np.ndarray        # mean latency of a received command at hop h (NaN if never received)
    by_broadcast: np.ndarray | None  # (broadcasts, size): delivery at hop h in fitted broadcast k


@dataclass
class LatencyModel:
    """Per hop count: empirical latency samples (s) of received broadcasts and the delivery ratio.

    Treat an instance as immutable: the lookup arrays built for
    :meth:`sample` are cached.

    Attributes:
        samples_s: Hop count -> sorted latencies (s) of received broadcasts.
        delivery: Hop count -> fraction of (broadcast, module) pairs received
            (same keys as ``samples_s``; a hop with delivery > 0 needs samples).
        source: Where the numbers come from, e.g. ``"mesh_sim district seed
            42, 48 broadcasts"`` or ``"fixed 35 s"``.
        delivery_by_broadcast: Optional, hop count -> delivery ratio of each
            fitted broadcast at that hop (same keys as ``delivery``, arrays of
            one length). With it, :meth:`sample` can lose a command for many
            homes at once as the fitted floods did (``correlated=True``).
    """

    samples_s: dict[int, np.ndarray]
    delivery: dict[int, float]
    source: str
    delivery_by_broadcast: dict[int, np.ndarray] | None = None
    _cache: dict[int, _Table] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.samples_s = {int(h): np.sort(np.asarray(s, dtype=float).ravel()) for h, s in self.samples_s.items()}
        self.delivery = {int(h): float(d) for h, d in self.delivery.items()}
        if set(self.samples_s) != set(self.delivery):
            raise InputError(f"latency model ({self.source}): samples_s and delivery need the same hop counts")
        for h, s in self.samples_s.items():
            d = self.delivery[h]
            if h < 0 or not 0.0 <= d <= 1.0:
                raise InputError(f"latency model ({self.source}): delivery[{h}] = {d} (hop >= 0, delivery 0..1)")
            if s.size and not (np.all(np.isfinite(s)) and s[0] >= 0.0):
                raise InputError(f"latency model ({self.source}): samples of hop {h} must be finite and >= 0")
            if d > 0.0 and s.size == 0:
                raise InputError(f"latency model ({self.source}): hop {h} has delivery {d} but no samples")
        if not self._fitted():
            raise InputError(f"latency model ({self.source}): no received broadcast to fit")
        if self.delivery_by_broadcast is not None:
            dbb = {int(h): np.asarray(v, dtype=float).ravel() for h, v in self.delivery_by_broadcast.items()}
            sizes = {v.size for v in dbb.values()}
            if set(dbb) != set(self.delivery) or len(sizes) != 1 or 0 in sizes:
                raise InputError(f"latency model ({self.source}): delivery_by_broadcast needs the hop counts of "
                                 f"delivery and one non-empty array length")
            if any(np.any(~((v >= 0.0) & (v <= 1.0))) for v in dbb.values()):
                raise InputError(f"latency model ({self.source}): delivery_by_broadcast must be in 0..1")
            self.delivery_by_broadcast = dbb

    # -- extrapolation ---------------------------------------------------------------------------
    def _fitted(self) -> list[int]:
        """Hop counts with received samples, ascending."""
        return sorted(h for h, s in self.samples_s.items() if s.size and self.delivery[h] > 0.0)

    def step_s(self) -> float:
        """Per-hop latency increment used for hop counts without data (see module doc)."""
        hops = self._fitted()
        h = np.array(hops, dtype=float)
        mu = np.array([self.samples_s[k].mean() for k in hops])
        w = np.array([self.samples_s[k].size for k in hops], dtype=float)
        if len(hops) == 1:
            return float(mu[0] / h[0]) if h[0] > 0 else 0.0
        hm = np.average(h, weights=w)
        slope = np.sum(w * (h - hm) * (mu - np.average(mu, weights=w))) / np.sum(w * (h - hm) ** 2)
        return max(float(slope), 0.0)

    def per_hop_survival(self) -> float:
        """Delivery factor per extra hop used for hop counts without data (see module doc)."""
        hmax = self._fitted()[-1]
        return self.delivery[hmax] ** (1.0 / hmax) if hmax > 0 else 1.0

    def _table(self, hmax: int) -> _Table:
        """Lookup arrays for hops ``0..max(hmax, MAX_HOPS_LIMIT, fitted hops)`` (cached)."""
        size = max(int(hmax), MAX_HOPS_LIMIT, max(self.delivery)) + 1
        for n, table in self._cache.items():
            if n >= size:
                return table
        fitted = self._fitted()
        step, q = self.step_s(), self.per_hop_survival()
        pools, offset, count = [], np.zeros(size, np.int64), np.zeros(size, np.int64)
        shift, delivery, mean = np.zeros(size), np.zeros(size), np.full(size, np.nan)
        src, factor = np.full(size, -1, np.int64), np.zeros(size)
        start = 0
        for h in range(size):
            if h in self.delivery:
                if self.delivery[h] == 0.0:
                    continue  # observed, never received: always lost
                h0 = h
            else:
                lower = [k for k in fitted if k < h]
                h0 = lower[-1] if lower else fitted[0]
            s, sh = self.samples_s[h0], (h - h0) * step
            if sh < 0.0:
                # Below the smallest fitted hop: shift down, clipped at 0.
                s, sh = np.maximum(s + sh, 0.0), 0.0
            src[h], factor[h] = h0, q ** max(h - h0, 0)
            pools.append(s)
            offset[h], count[h], shift[h] = start, s.size, sh
            delivery[h] = min(self.delivery[h0] * factor[h], 1.0)
            mean[h] = float(s.mean()) + sh
            start += s.size
        by_broadcast = None
        if self.delivery_by_broadcast is not None:
            n_b = next(iter(self.delivery_by_broadcast.values())).size
            by_broadcast = np.zeros((n_b, size))
            for h in np.flatnonzero(src >= 0):
                by_broadcast[:, h] = np.minimum(self.delivery_by_broadcast[int(src[h])] * factor[h], 1.0)
        table = _Table(np.concatenate(pools), offset, count, shift, delivery, mean, by_broadcast)
        self._cache.clear()
        self._cache[size] = table
        return table

    # -- use --------------------------------------------------------------------------------------
    def sample(self, hops: np.ndarray, rng: np.random.Generator, correlated: bool = True) -> np.ndarray:
        """Latency in s for one command to each home (hops per home, -1 = no route); np.inf where lost.

        A home at hop ``h`` receives with probability ``delivery[h]`` and then
        gets one of ``samples_s[h]`` (uniform, with replacement).

        With ``correlated`` and ``delivery_by_broadcast`` known, the command
        first draws one fitted broadcast ``k`` and homes at hop ``h`` receive
        with that broadcast's delivery at ``h``: the same marginal delivery,
        but a command that a flood lost for half the mesh is lost for half the
        homes, as in mesh_sim. Otherwise homes are independent.

        Draws from ``rng``: one integer (correlated case only), then two
        uniform arrays of ``len(hops)``; the same generator state gives the
        same draws.
        """
        h = np.asarray(hops, dtype=np.int64).ravel()
        n = h.size
        hmax = int(h.max()) if n else 0
        t = self._table(hmax)
        k = int(rng.integers(t.by_broadcast.shape[0])) if correlated and t.by_broadcast is not None else -1
        u_keep, u_pick = rng.random(n), rng.random(n)
        out = np.full(n, np.inf)
        ok = h >= 0
        if not ok.any():
            return out
        hk = h[ok]
        cnt = t.count[hk]
        p = t.delivery[hk] if k < 0 else t.by_broadcast[k, hk]
        got = (u_keep[ok] < p) & (cnt > 0)
        idx = t.offset[hk] + np.minimum((u_pick[ok] * cnt).astype(np.int64), np.maximum(cnt - 1, 0))
        out[ok] = np.where(got, t.pool[np.where(got, idx, 0)] + t.shift[hk], np.inf)
        return out

    def mean_s(self, hops: np.ndarray) -> float:
        """Expected latency of a received command over homes that can receive (delivery-weighted).

        ``sum_i d(h_i) * mean(h_i) / sum_i d(h_i)`` over homes with ``h_i >= 0``;
        NaN if no home can receive.
        """
        h = np.asarray(hops, dtype=np.int64).ravel()
        h = h[h >= 0]
        if h.size == 0:
            return float("nan")
        t = self._table(int(h.max()))
        d = t.delivery[h]
        if d.sum() <= 0.0:
            return float("nan")
        return float(np.sum(d * np.nan_to_num(t.mean[h])) / d.sum())

    def delivery_of(self, hops: np.ndarray) -> np.ndarray:
        """Probability that a command reaches each home (0 for hop -1)."""
        h = np.asarray(hops, dtype=np.int64).ravel()
        out = np.zeros(h.size)
        ok = h >= 0
        if ok.any():
            out[ok] = self._table(int(h[ok].max())).delivery[h[ok]]
        return out

    def describe(self) -> dict[int, dict[str, float]]:
        """Per fitted hop count: ``n`` samples, ``delivery``, ``mean_s``, ``p50_s``, ``p95_s``, ``p99_s``, ``max_s``."""
        out = {}
        for h in sorted(self.delivery):
            s = self.samples_s[h]
            q = np.percentile(s, [50, 95, 99]) if s.size else [math.nan] * 3
            out[h] = {"n": int(s.size), "delivery": self.delivery[h],
                      "mean_s": float(s.mean()) if s.size else math.nan,
                      "p50_s": float(q[0]), "p95_s": float(q[1]), "p99_s": float(q[2]),
                      "max_s": float(s.max()) if s.size else math.nan}
        return out


def _padding(result: MeshResult, hops: np.ndarray) -> np.ndarray:
    """Mask of (broadcast, module) cells that are padding of a merged multi-subnet result.

    :func:`mesh_sim.city.merge` pads subnets with fewer broadcasts (their
    random start can give one fewer when ``days * broadcasts_per_day`` is not
    whole) with NaN rows. A subnet (modules of one concentrator) whose last row
    is all NaN while another subnet received in that row is taken as padded.
    """
    b = result.broadcast_latency_s
    pad = np.zeros(b.shape, dtype=bool)
    if b.shape[0] == 0:
        return pad
    conc = np.array([m.concentrator_id for m in modules_of(result)])
    last = np.isfinite(b[-1])
    if not last.any():
        return pad
    for cid in set(conc[hops >= 0].tolist()):
        cols = (conc == cid) & (hops >= 0)
        if not last[cols].any():
            pad[-1, cols] = True
    return pad


def fit_latency(result: MeshResult, source: str | None = None) -> LatencyModel:
    """Per-hop latency samples and delivery from a run's broadcasts and its modules' hops.

    Columns of ``result.broadcast_latency_s`` are the modules in
    :func:`mesh_sim.summary.modules_of` order; modules without a route at the
    end of the run (``hops < 0`` or status not ``ok``) are left out.

    Raises:
        InputError: The run has no broadcast, or no routed module received one.
    """
    mods = modules_of(result)
    b = np.asarray(result.broadcast_latency_s, dtype=float)
    if b.ndim != 2 or b.shape[1] != len(mods):
        raise InputError(f"mesh result: broadcast_latency_s has shape {b.shape}, expected (broadcasts, {len(mods)})")
    if b.shape[0] == 0:
        raise InputError("mesh result: no broadcast to fit (set mesh.traffic.broadcasts_per_day > 0)")
    hops = np.array([m.hops if m.status == _ROUTED else -1 for m in mods], dtype=np.int64)
    valid = ~_padding(result, hops)
    if not (hops >= 0).any():
        raise InputError("mesh result: no module has a route, nothing to fit")
    samples, delivery, by_broadcast = {}, {}, {}
    for h in sorted(set(hops[hops >= 0].tolist())):
        cols = hops == h
        cell, keep = b[:, cols], valid[:, cols]
        got = np.isfinite(cell) & keep
        samples[h] = np.sort(cell[got])
        delivery[h] = float(got.sum() / keep.sum()) if keep.sum() else 0.0
        per = keep.sum(axis=1)
        # A padded row has no module of this hop: use the hop's overall ratio.
        by_broadcast[h] = np.where(per > 0, got.sum(axis=1) / np.maximum(per, 1), delivery[h])
    if source is None:
        source = f"mesh_sim, {b.shape[0]} broadcasts x {len(mods)} modules"
    return LatencyModel(samples, delivery, source, by_broadcast)


def fixed_latency(latency_s: float, delivery: float = 1.0, max_hops: int = 30) -> LatencyModel:
    """Every hop ``0..max_hops`` (and beyond) gets ``latency_s`` exactly, received with ``delivery``."""
    if not (math.isfinite(latency_s) and latency_s >= 0.0):
        raise InputError(f"fixed latency: latency_s must be finite and >= 0, got {latency_s}")
    if not 0.0 < delivery <= 1.0:
        raise InputError(f"fixed latency: delivery must be in (0, 1], got {delivery}")
    hops = range(max(int(max_hops), 1) + 1)
    text = f"fixed {latency_s:g} s" + (f", delivery {delivery:g}" if delivery < 1.0 else "")
    return LatencyModel({h: np.array([float(latency_s)]) for h in hops}, {h: float(delivery) for h in hops}, text)


def consumer_hops(site, result: MeshResult) -> np.ndarray:
    """Hops of the module reading each consumer's electricity meter, in ``site.consumers`` order.

    -1 if the consumer has no electricity meter, the meter no module, the
    module is not in the run, or the module has no route (status not ``ok``).
    """
    by_id = {m.node_id: (m.hops if m.status == _ROUTED and m.hops >= 0 else -1) for m in modules_of(result)}
    meter_module = {m.consumer_id: m.module_id for m in site.meters
                    if m.kind == MeterKind.ELECTRICITY and m.consumer_id is not None}
    return np.array([by_id.get(meter_module.get(c.consumer_id), -1) for c in site.consumers], dtype=np.int64)


def site_latency(site, mesh_cfg: MeshConfig, seed: int, days: float = 1.0, broadcasts_per_day: float = 48.0,
                 workers: int = 1) -> tuple[LatencyModel, np.ndarray, MeshResult]:
    """Runs mesh_sim on ``site`` with that many broadcasts and fits the model.

    Args:
        site: The site (its modules and concentrators form the mesh).
        mesh_cfg: Mesh settings; a copy with ``days`` and
            ``traffic.broadcasts_per_day`` replaced is run.
        seed: Master seed of the mesh run.
        days: Simulated days.
        broadcasts_per_day: Broadcasts a day (48: one every 30 min; see the
            module doc on rates that divide the hour).
        workers: Parallel subnet processes.

    Returns:
        ``(model, hops per consumer in site.consumers order, raw result)``.
    """
    from mesh_sim.city import run_site

    if days <= 0 or broadcasts_per_day <= 0:
        raise InputError(f"site latency: days and broadcasts_per_day must be > 0, got {days}, {broadcasts_per_day}")
    traffic = dataclasses.replace(mesh_cfg.traffic, broadcasts_per_day=float(broadcasts_per_day))
    cfg = dataclasses.replace(mesh_cfg, days=float(days), traffic=traffic)
    result = run_site(site, cfg, seed, workers=workers)
    n_b = result.broadcast_latency_s.shape[0]
    model = fit_latency(result, source=f"mesh_sim {site.name} seed {seed}, {n_b} broadcasts")
    return model, consumer_hops(site, result), result
