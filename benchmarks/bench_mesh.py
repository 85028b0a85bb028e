"""Speed of the DMesh simulator in the easy and the hard regime.

Cases (each a preset of ``experiments/`` plus overrides, simulated in this
process with one worker):

* ``default``: ``+experiment=mesh_subnet_240`` (240 modules, 720 meters);
* ``harsh``: the same site under the harsh building-type case;
* ``deep``: ``+experiment=mesh_deep`` (skipped if the preset does not exist).

Each is reported against two references measured in the same process:

* bare simpy: one process yielding the same number of timeouts, so the ratio
  says what each event costs on top of simpy itself;
* LoRaSim's cost per packet: about 90,000 generated packets a second for a
  240-node star (DOMAIN.md: 240 nodes x 30 days of hourly packets in about
  2 s on this kind of machine). The ratio is our wall time per generated
  report over LoRaSim's (LoRaSim has one hop, no ACK, no listening model).

Target (issue: deep meshes): ``deep`` and ``harsh`` 30-day runs each <= 30 s.
On a shared machine the wall time depends on the load; the CPU time of the
process and the ratio to bare simpy (measured alongside) do much less.

Usage:
    OMP_NUM_THREADS=1 python benchmarks/bench_mesh.py --days 30 --repeat 1
"""

from __future__ import annotations

import argparse
import time
from importlib import resources

import simpy

from mesh_sim.city import run_site
from mesh_sim.summary import summarize

#: The wall-time target of the hard-regime cases for 30 simulated days, s.
TARGET_S = 30.0
#: Bare simpy timeouts per second on this machine when idle (benchmarks/RESULTS.md,
#: 2026-11-26): scales a ratio measured on a busy machine back to an idle one.
IDLE_SIMPY_EVENTS_PER_S = 2_084_111.0
#: LoRaSim, 240-node star, ALOHA, no ACK: generated packets per second of wall time.
LORASIM_PACKETS_PER_S = 90_000.0
CASES = {
    "default": ["+experiment=mesh_subnet_240"],
    "harsh": ["+experiment=mesh_subnet_240", "mesh.radio.case=harsh"],
    "deep": ["+experiment=mesh_deep"],
}


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


def case_inputs(overrides: list[str], days: float, seed: int):
    """The site and mesh settings of a case, or None when its preset is missing."""
    from omegaconf import OmegaConf

    from twin import pipeline
    from twin.cli import compose_checked

    preset = overrides[0].split("=", 1)[1]
    if not (resources.files("experiments") / f"{preset}.yaml").is_file():
        return None
    cfg = compose_checked([*overrides, "tracking=off", f"mesh.days={days}", f"seed={seed}"])
    return pipeline.build_site(cfg.site, seed), OmegaConf.to_object(cfg.mesh)


def main() -> None:
    """Prints, per case, wall time, events/s and the two ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    for name in args.cases.split(","):
        inputs = case_inputs(CASES[name], args.days, args.seed)
        if inputs is None:
            print(f"{name}: preset missing, skipped")
            continue
        site, mesh = inputs
        best_s, cpu_s, result = float("inf"), float("inf"), None
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = run_site(site, mesh, args.seed, workers=1)
            best_s = min(best_s, time.perf_counter() - start)
            cpu_s = min(cpu_s, time.process_time() - start_cpu)
        s = summarize(result)
        ref_s = min(bare_simpy_s(result.events) for _ in range(args.repeat))
        reports = len(site.modules) * int(mesh.days * 86_400.0 / mesh.traffic.report_interval_s)
        lorasim_s = reports / LORASIM_PACKETS_PER_S
        print(f"{name}: {s['modules']} modules, {s['meters']} meters, {s['concentrators']} J100UC, "
              f"{args.days:g} days, {mesh.mac.scheme}, max hops {s['max_hops']}, pdr {s['pdr_final']}, "
              f"median battery {s['battery_life_years_median']} y, busiest relay "
              f"{s['busiest_relay_packets_per_day']}/day {s['busiest_relay_battery_years']} y")
        verdict = "met" if best_s * 30.0 / args.days <= TARGET_S else "MISSED on this load"
        idle_s = best_s / ref_s * result.events / IDLE_SIMPY_EVENTS_PER_S
        print(f"  wall {best_s:.2f} s, CPU {cpu_s:.2f} s (target {TARGET_S:.0f} s for 30 days: {verdict}), "
              f"{result.events:,} events, {result.events / best_s:,.0f} events/s")
        print(f"  bare simpy, same number of timeouts: {ref_s:.2f} s; ratio {best_s / ref_s:.1f}x; "
              f"at the idle machine's bare-simpy rate ({IDLE_SIMPY_EVENTS_PER_S:,.0f}/s) that is {idle_s:.1f} s")
        print(f"  LoRaSim cost for the same {reports:,} reports: {lorasim_s:.2f} s; ratio {best_s / lorasim_s:.1f}x "
              f"by wall, {cpu_s / lorasim_s:.1f}x by CPU ({reports / cpu_s:,.0f} reports per CPU second)")


if __name__ == "__main__":
    main()
