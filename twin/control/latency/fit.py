"""Fitting the command-latency model: from a mesh_sim run, a fixed delay, or a site.

:func:`fit_latency` turns one mesh_sim run into a :class:`LatencyModel` keyed
by each module's routing hop count; :func:`site_latency` runs mesh_sim on a
site first; :func:`fixed_latency` is a constant delay for every hop;
:func:`consumer_hops` gives the hop count of each consumer's meter module. The
package doc (:mod:`twin.control.latency`) describes the fitting runs.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from mesh_sim.config import MeshConfig
from mesh_sim.records import MeshResult
from mesh_sim.summary import modules_of
from scenarios.errors import InputError
from scenarios.site import MeterKind
from twin.control.latency.model import LatencyModel

#: Module status of a routed module (the only one that takes commands).
_ROUTED = "ok"


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
            package doc on rates that divide the hour).
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
