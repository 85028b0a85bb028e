"""Speed and memory of balance analytics: ~10,000 meters × 90 days hourly (~22 million readings).

Times import (parsing and validating ``readings.csv``), the dense hourly
arrays on the site's local calendar (Europe/Bucharest, DST), balances, the
group-meter fault test and the theft/faulty-meter detector, against a plain
``pandas.read_csv`` of the same file in the same process (the reference, read
after the pipeline so that its memory does not count). The data is generated
in a child process, so the peak memory reported is the analysis's own.
Target: at most 20 s and 2 GB for import + balances + detector.

Usage:
    python benchmarks/bench_analytics.py [--buildings 70] [--days 90] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from analytics.data_format import read_dir
from analytics.export import write_site_data
from analytics.inject import draw_anomalies
from analytics.pipeline import detect, prepare
from analytics.synth import SynthConfig, make_data
from analytics.theft import TheftConfig
from scenarios.generators import make_district
from scenarios.generators.district import DistrictConfig


ZONE = "Europe/Bucharest"


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def _generate(out: Path, buildings: int, days: int) -> int:
    """Writes the data set (in a child process); returns the number of injected anomalies."""
    site = make_district(DistrictConfig(buildings=buildings, streets=7, entrances=3, floors=12,
                                        flats_per_floor=4, water=False, sn_kva=1000.0 * buildings), 42)
    consumers = [m.meter_id for m in site.meters if m.consumer_id]
    group_of = {m.meter_id: m.group_id for m in site.meters}
    anomalies = draw_anomalies(consumers, days, 0.01, 1, groups=group_of, max_per_group=1)
    data = make_data(site, SynthConfig(days=days, start="2026-03-10T00:00:00", timezone=ZONE, heating_share=0.35,
                                       lookalike_share=0.05), 1, anomalies)
    t = time.perf_counter()
    write_site_data(out, site, data.meter_ids, data.start, data.values)
    size_mb = (out / "readings.csv").stat().st_size / 1e6
    print(f"{len(site.meters)} meters x {days} days: readings.csv {size_mb:.0f} MB written in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    return len(anomalies)


def main() -> None:
    """Prints the times, the ratio to a plain read_csv and the peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buildings", type=int, default=70)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", type=Path, default=None, help="write the data here and keep it")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    out = args.keep or Path(tmp.name)
    if not (out / "readings.csv").is_file():
        out.mkdir(parents=True, exist_ok=True)
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            pool.apply(_generate, (out, args.buildings, args.days))

    t0 = time.perf_counter()
    imported = read_dir(out)
    t1 = time.perf_counter()
    m1 = _rss_gb()
    prep = prepare(imported, ZONE)
    t2 = time.perf_counter()
    m2 = _rss_gb()
    suspects, _, _ = detect(prep, TheftConfig(), {})
    t3 = time.perf_counter()
    total = t3 - t0
    peak = _rss_gb()
    del imported, prep

    t = time.perf_counter()
    plain = pd.read_csv(out / "readings.csv")
    t_ref = time.perf_counter() - t
    rows = len(plain)
    del plain
    faults = sum(1 for s in suspects if s.kind == "group_meter_fault")
    print(f"readings: {rows:,}")
    print(f"reference pandas.read_csv:        {t_ref:6.1f} s")
    print(f"import + validation (read_dir):   {t1 - t0:6.1f} s  ({(t1 - t0) / t_ref:.2f}x read_csv), "
          f"peak so far {m1:.2f} GB")
    print(f"dense arrays, local calendar:     {t2 - t1:6.1f} s  peak so far {m2:.2f} GB")
    print(f"balances + faults + detector:     {t3 - t2:6.1f} s  ({len(suspects) - faults} suspects, "
          f"{faults} group-meter faults)")
    print(f"total: {total:.1f} s ({total / 20.0:.2f} of the 20 s target; {total / t_ref:.2f}x read_csv); "
          f"peak memory of the analysis {peak:.2f} GB (target 2 GB)")


if __name__ == "__main__":
    main()
