"""Many subnets: split a site by concentrator and simulate the subnets in parallel.

Each J100UC runs its own subnet (its own channel of the 433.12-434.72 MHz
range), so subnets do not share air time; traffic of neighbouring subnets
enters each one through ``mesh.interference``. Every subnet is a pure
function of its nodes, the config and its seed (``seed`` plus the subnet's
index), so the split is reproducible and the runs are independent.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from mesh_sim.config import MeshConfig, RadioConfig
from mesh_sim.control import resolve_faults
from mesh_sim.propagation import Nodes, nodes_from_site
from mesh_sim.records import MeshResult
from mesh_sim.subnet import Subnet


@dataclass(frozen=True)
class SubnetSpec:
    """The inputs of one subnet run.

    Attributes:
        name: The concentrator id (or ``"site"`` for a site without one).
        nodes: Node positions, modules first.
        meters: Meters per node.
        is_concentrator: Per node.
        seed: Seed of this subnet.
    """

    name: str
    nodes: Nodes
    meters: tuple[int, ...]
    is_concentrator: tuple[bool, ...]
    seed: int


def split_site(site, seed: int, radio: RadioConfig | None = None) -> list[SubnetSpec]:
    """One spec per concentrator with the modules the site assigns to it.

    Modules without a concentrator id join the nearest concentrator in plan.
    A site with no concentrator is one subnet without a sink (all modules
    will be reported unreachable). ``radio`` gives the default building types
    of blocks and houses that name none (the defaults of RadioConfig if None).
    """
    radio = radio or RadioConfig()
    nodes = nodes_from_site(site, radio.block_type_default, radio.house_type_default)
    n_mod = len(site.modules)
    conc_ids = [c.concentrator_id for c in site.concentrators]
    if not conc_ids:
        idx = list(range(n_mod))
        return [_spec("site", nodes, idx, site, [], seed)]
    members: dict[str, list[int]] = {c: [] for c in conc_ids}
    cx = np.array([c.position.x_m for c in site.concentrators])
    cy = np.array([c.position.y_m for c in site.concentrators])
    for k, m in enumerate(site.modules):
        cid = m.concentrator_id
        if cid not in members:
            cid = conc_ids[int(np.argmin((cx - m.position.x_m) ** 2 + (cy - m.position.y_m) ** 2))]
        members[cid].append(k)
    return [_spec(cid, nodes, members[cid], site, [n_mod + c], seed + c)
            for c, cid in enumerate(conc_ids)]


def _spec(name: str, nodes: Nodes, modules: list[int], site, concs: list[int], seed: int) -> SubnetSpec:
    idx = np.asarray(modules + concs, dtype=np.int64)
    sub = nodes.subset(idx)
    meters = tuple(len(site.modules[i].meter_ids) for i in modules) + (0,) * len(concs)
    return SubnetSpec(name, sub, meters, (False,) * len(modules) + (True,) * len(concs), seed)


def run_subnet(spec: SubnetSpec, cfg: MeshConfig, progress: Callable[[int], None] | None = None) -> MeshResult:
    """Simulates one subnet, with the faults of its own nodes."""
    faults = [f for f in cfg.faults if f.node_id in spec.nodes.node_ids]
    return Subnet(spec.nodes, spec.meters, spec.is_concentrator, replace(cfg, faults=faults),
                  spec.seed).run(progress)


def merge(results: list[MeshResult]) -> MeshResult:
    """One result of several subnets: modules of all, then concentrators of all."""
    if len(results) == 1:
        return results[0]
    nodes = [r for res in results for r in res.nodes if r.kind == "module"]
    nodes += [r for res in results for r in res.nodes if r.kind != "module"]
    width = sum(res.broadcast_latency_s.shape[1] for res in results)
    rows = max(res.broadcast_latency_s.shape[0] for res in results)
    bl = np.full((rows, width), np.nan)
    col = 0
    for res in results:
        b = res.broadcast_latency_s
        bl[: b.shape[0], col: col + b.shape[1]] = b
        col += b.shape[1]
    cat = np.concatenate
    return MeshResult(
        nodes=nodes,
        reading_latency_s=cat([r.reading_latency_s for r in results]),
        reading_meters=cat([r.reading_meters for r in results]),
        first_attempt_readings=sum(r.first_attempt_readings for r in results),
        readings_generated=sum(r.readings_generated for r in results),
        readings_delivered=sum(r.readings_delivered for r in results),
        readings_dropped=sum(r.readings_dropped for r in results),
        broadcast_latency_s=bl,
        downlink_latency_s=cat([r.downlink_latency_s for r in results]),
        downlink_sent=sum(r.downlink_sent for r in results),
        clock_error_ms=cat([r.clock_error_ms for r in results]),
        events=sum(r.events for r in results),
        wall_s=max(r.wall_s for r in results),
        duration_s=max(r.duration_s for r in results),
        reroutes=sum(r.reroutes for r in results),
        extra={"subnets": len(results),
               "transmissions": sum(r.extra.get("transmissions", 0) for r in results),
               "mac_scheme": results[0].extra.get("mac_scheme") if results else None},
    )


def run_site(site, cfg: MeshConfig, seed: int, workers: int = 1,
             progress: Callable[[int], None] | None = None) -> MeshResult:
    """Simulates every subnet of ``site`` and merges the results.

    Args:
        site: The site.
        cfg: Simulation settings (shared by all subnets).
        seed: Master seed.
        workers: Parallel processes; 1 runs in this process (with progress).
        progress: Called with simulated hours done (single-process runs only).

    Raises:
        InputError: A fault names no node of the site.
    """
    specs = split_site(site, seed, cfg.radio)
    resolve_faults(tuple(i for s in specs for i in s.nodes.node_ids), cfg.faults)
    if workers <= 1 or len(specs) == 1:
        return merge([run_subnet(s, cfg, progress if len(specs) == 1 else None) for s in specs])
    with ProcessPoolExecutor(max_workers=min(workers, len(specs))) as pool:
        results = list(pool.map(run_subnet, specs, [cfg] * len(specs)))
    return merge(results)
