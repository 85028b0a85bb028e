"""Speed of the DMesh simulator: the full subnet (240 modules, 720 meters, one
J100UC) for 30 simulated days, against a bare simpy reference in the same
process (one process yielding the same number of timeouts), so the ratio says
how much each event costs on top of simpy itself.

Target (issue: DMesh simulator): the 30-day full-subnet run takes <= 60 s wall.

Usage:
    OMP_NUM_THREADS=1 python benchmarks/bench_mesh.py --days 30 --repeat 2
"""

from __future__ import annotations

import argparse
import time

import simpy

from mesh_sim.checks import full_subnet_site
from mesh_sim.config import MeshConfig
from mesh_sim.subnet import Subnet

#: The issue's wall-time target for the 30-day full subnet, s.
TARGET_S = 60.0


def bare_simpy_s(events: int) -> float:
    """Wall time of ``events`` plain simpy timeouts in one process."""
    env = simpy.Environment()

    def proc():
        for _ in range(events):
            yield env.timeout(1.0)

    env.process(proc())
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def main() -> None:
    """Prints wall time, events/s and the ratio to bare simpy."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    site = full_subnet_site(args.seed)
    cfg = MeshConfig(days=args.days)
    best_s, result = float("inf"), None
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = Subnet.from_site(site, cfg, args.seed).run()
        best_s = min(best_s, time.perf_counter() - start)
    ref_s = min(bare_simpy_s(result.events) for _ in range(args.repeat))
    print(f"full subnet: {len(site.modules)} modules, {len(site.meters)} meters, "
          f"{len(site.concentrators)} concentrator, {args.days:g} days")
    print(f"wall {best_s:.2f} s (target {TARGET_S:.0f} s for 30 days: "
          f"{'met' if best_s * 30.0 / args.days <= TARGET_S else 'MISSED'}), "
          f"{result.events} events, {result.events / best_s:,.0f} events/s")
    print(f"bare simpy, same number of timeouts: {ref_s:.2f} s ({result.events / ref_s:,.0f} events/s)")
    print(f"ratio simulator / bare simpy: {best_s / ref_s:.1f}x")


if __name__ == "__main__":
    main()
