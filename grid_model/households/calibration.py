"""Calibration of the synthetic homes against the IEEE European LV feeder.

Reference: the feeder's 55 loads, each replaying its own measured daily shape
(``scenarios.ieee_eu_lv.load_loads`` + ``load_shape``). Statistics compared:

* mean daily energy per home, kWh;
* evening peak: the maximum of the 55-home aggregate between 16:00 and 23:00
  (minutes 960..1379), kW.

The synthetic side uses 55 homes on the same buses and phases, with occupants
drawn from the ONS 2019 distribution of UK household sizes (1: 29 %, 2: 35 %,
3: 16 %, 4: 14 %, 5: 6 %) and floor area 50 + 15 · occupants m², the default
:class:`HouseholdConfig` (a winter day, see ``docs/households.md``) and a
generated weather day, all of the ``uk_ieee`` preset. Run ``python -m grid_model.households.calibration`` to
print the table quoted in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grid_model.households.config import HouseholdConfig
from grid_model.households.fleet import simulate_households
from grid_model.weather import WeatherConfig, generate_weather
from scenarios import ieee_eu_lv
from scenarios.site import Consumer, Position

EVENING_MINUTES = (960, 1380)
HOUSEHOLD_SIZE_SHARES = {1: 0.29, 2: 0.35, 3: 0.16, 4: 0.14, 5: 0.06}


@dataclass(frozen=True)
class FeederStats:
    """Calibration statistics of a set of homes.

    Attributes:
        mean_daily_kwh: Mean energy per home per day.
        evening_peak_kw: Maximum of the aggregate between 16:00 and 23:00.
    """

    mean_daily_kwh: float
    evening_peak_kw: float


def stats_of(p_kw: np.ndarray) -> FeederStats:
    """Statistics of a one-day (n, 1440) array of 1-minute kW values."""
    agg = p_kw.sum(axis=0)
    return FeederStats(float(p_kw.sum(axis=1).mean() / 60.0), float(agg[EVENING_MINUTES[0]:EVENING_MINUTES[1]].max()))


def ieee_reference() -> FeederStats:
    """Statistics of the 55 IEEE feeder loads with their own shapes."""
    loads = ieee_eu_lv.load_loads()
    return stats_of(np.vstack([ieee_eu_lv.load_shape(ld.shape) for ld in loads]))


def calibration_consumers(seed: int) -> list[Consumer]:
    """55 consumers on the IEEE feeder's load buses with UK household sizes."""
    rng = np.random.default_rng([seed, 0xCA1])
    sizes = np.array(list(HOUSEHOLD_SIZE_SHARES))
    shares = np.array(list(HOUSEHOLD_SIZE_SHARES.values()))
    out = []
    for ld in ieee_eu_lv.load_loads():
        occ = int(rng.choice(sizes, p=shares / shares.sum()))
        out.append(Consumer(consumer_id=ld.name.lower(), group_id="ieee_eu_lv", kind="house",
                            position=Position(0.0, 0.0), bus=ld.bus, phase=ld.phase,
                            occupants=occ, floor_area_m2=50.0 + 15.0 * occ))
    return out


def synthetic_stats(seed: int, cfg: HouseholdConfig | None = None) -> FeederStats:
    """Statistics of 55 synthetic homes for one seed (homes, weather and loads)."""
    cfg = cfg or HouseholdConfig(region="uk_ieee")
    weather = generate_weather(cfg.resolved_day_of_year(), seed, cfg=WeatherConfig(region=cfg.region))
    result = simulate_households(calibration_consumers(seed), cfg, weather, seed)
    return stats_of(result.p_kw)


def main(seeds: range = range(8)) -> None:
    """Prints the calibration table (reference, each seed, seed mean)."""
    ref = ieee_reference()
    print(f"IEEE reference: {ref.mean_daily_kwh:.2f} kWh/home/day, evening peak {ref.evening_peak_kw:.1f} kW")
    rows = [synthetic_stats(s) for s in seeds]
    for s, r in zip(seeds, rows):
        print(f"seed {s}: {r.mean_daily_kwh:.2f} kWh ({r.mean_daily_kwh / ref.mean_daily_kwh - 1:+.1%}), "
              f"peak {r.evening_peak_kw:.1f} kW ({r.evening_peak_kw / ref.evening_peak_kw - 1:+.1%})")
    e = np.mean([r.mean_daily_kwh for r in rows])
    p = np.mean([r.evening_peak_kw for r in rows])
    print(f"mean: {e:.2f} kWh ({e / ref.mean_daily_kwh - 1:+.1%}), peak {p:.1f} kW ({p / ref.evening_peak_kw - 1:+.1%})")


if __name__ == "__main__":
    main()
