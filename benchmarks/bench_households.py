"""Speed of the household fleet: 2,000 synthetic homes for a day against the
reference of the IEEE feeder's 55 homes in the same process.

Usage:
    OMP_NUM_THREADS=1 python benchmarks/bench_households.py --repeat 3
"""

from __future__ import annotations

import argparse
import time

from grid_model.households.config import HouseholdConfig
from grid_model.households.fleet import simulate_households
from grid_model.weather import WeatherConfig, make_weather
from scenarios.generators import make_district, make_ieee_eu_lv_site
from scenarios.generators.district import DistrictConfig


def _best(consumers, repeat: int) -> float:
    cfg = HouseholdConfig()
    weather = make_weather(WeatherConfig(), cfg.resolved_day_of_year(), 0, 1440)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        simulate_households(consumers, cfg, weather, seed=0)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Prints the time per day for 55 and ~2,000 homes and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    small = make_ieee_eu_lv_site(0).consumers
    big = make_district(DistrictConfig(buildings=14, entrances=4, floors=9, flats_per_floor=4,
                                       sn_kva=2500.0, design="legacy"), 0).consumers
    t_small, t_big = _best(small, args.repeat), _best(big, args.repeat)
    print(f"{len(small)} homes x 1440 min: {t_small:.3f} s ({1e3 * t_small / 1440:.3f} ms/step)")
    print(f"{len(big)} homes x 1440 min: {t_big:.3f} s ({1e3 * t_big / 1440:.3f} ms/step)")
    print(f"ratio {len(big)}/{len(small)} homes: {t_big / t_small:.1f}x time for {len(big) / len(small):.1f}x homes")


if __name__ == "__main__":
    main()
