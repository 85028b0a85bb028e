"""Times the default job (`balance-twin` with no arguments) as a whole process.

The issue's budget is 60 s on a 2-core machine. The reference run in the same
process is `balance-twin --help` (interpreter, imports and Hydra start-up), so
the printed ratio separates the job's own work from start-up costs.

Usage (an installed venv on PATH):
    python benchmarks/bench_default_run.py --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time

BUDGET_S = 60.0


def _time(args: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as work:
            start = time.perf_counter()
            subprocess.run(args, cwd=work, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Prints the default run's time, its ratio to start-up and to the budget."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    startup = _time(["balance-twin", "--help"], args.repeat)
    run = _time(["balance-twin", "hydra.run.dir=run"], args.repeat)
    s, r = statistics.median(startup), statistics.median(run)
    print(f"start-up (balance-twin --help): median {s:.2f} s (min {min(startup):.2f})")
    print(f"default run (balance-twin):     median {r:.2f} s (min {min(run):.2f}, max {max(run):.2f})")
    print(f"default run / start-up: {r / s:.1f}x; default run / {BUDGET_S:.0f} s budget: {r / BUDGET_S:.2f}")


if __name__ == "__main__":
    main()
