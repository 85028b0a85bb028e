"""Speed of DR closed loops against the open-loop day of the same homes, in the same process.

1. The IEEE feeder (55 synthetic homes): one strategy's closed-loop day
   (controllers + households + grid solved each minute; target <= 30 s)
   against the open-loop reference: the same fleet stepped without control
   and the grid solved minute by minute by the same stepper.
2. The whole ``task=dr`` (four strategies, the 11-point sweep, four
   robustness runs, the ``optimal_bound`` programme at every swept
   participation and the IEC 60076-7 thermal model of every run, on the
   default 432-flat district, 36 h, mesh_sim latency; target <= 60 s on two
   cores), timed as a subprocess against ``balance-twin --help`` (start-up),
   wall and CPU time both printed (the machine is shared).

Usage:
    OMP_NUM_THREADS=1 python benchmarks/bench_dr.py --repeat 3
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time

from grid_model.engine.stepper import Stepper
from twin.cli import compose_checked
from twin.control.closed_loop import run_strategy
from twin.control.study import build_study


def _open_loop(study) -> None:
    fleet = copy.deepcopy(study.fleet)
    stepper = Stepper(study.engine)
    for t in range(fleet.minutes):
        p, q = fleet.step(t)
        stepper.step(p, q)


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _command(args: list[str], repeat: int, cpu: list[float] | None = None) -> list[float]:
    import resource

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "twin.cli", *args, f"hydra.run.dir={tmp}/{k}"], check=True,
                           capture_output=True, cwd=tmp)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if cpu is not None:
                cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return times


def main() -> None:
    """Prints the closed-loop and whole-task times and their ratios to the references."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-task", action="store_true", help="only the IEEE closed loop")
    args = parser.parse_args()
    cfg = compose_checked(["task=dr", "site=ieee_eu_lv", "loads.minutes=1440", "dr.latency.source=fixed",
                           "tracking=off", "loads.households.share_ev=0.3", "dr.dlm.threshold_kw=6"])
    study = build_study(cfg)
    t_open = _best(lambda: _open_loop(study), args.repeat)
    t_closed = _best(lambda: run_strategy(study.fleet, study.engine, study.plan, "combined", 0.4), args.repeat)
    print(f"IEEE feeder, {study.fleet.n} homes x {study.fleet.minutes} min:")
    print(f"  open loop (fleet + grid each minute): {t_open:.2f} s")
    print(f"  closed loop, combined DR + DLM:       {t_closed:.2f} s  ({t_closed / t_open:.2f}x open loop; "
          f"{t_closed / 30.0:.3f} of the 30 s target)")
    if args.skip_task:
        return
    ref = _command(["--help"], args.repeat)
    cpu: list[float] = []
    task = _command(["task=dr", "tracking=off"], args.repeat, cpu)
    print(f"balance-twin --help:           median {statistics.median(ref):.2f} s")
    print(f"balance-twin task=dr (default): wall median {statistics.median(task):.2f} s, min {min(task):.2f}, "
          f"max {max(task):.2f}; CPU median {statistics.median(cpu):.2f} s "
          f"({statistics.median(task) / statistics.median(ref):.1f}x start-up; "
          f"{statistics.median(task) / 60.0:.2f} of the 60 s target)")


if __name__ == "__main__":
    main()
