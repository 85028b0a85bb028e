"""Speed and memory of balance analytics: ~10,000 meters × 90 days hourly (~22 million readings).

Times import (parsing and validating ``readings.csv``), the dense hourly
arrays, balances and the theft ranking, against a plain ``pandas.read_csv`` of
the same file in the same process (the reference). Target: at most 60 s and
4 GB for import + balances + theft ranking.

Usage:
    python benchmarks/bench_analytics.py [--buildings 70] [--days 90] [--keep DIR]
"""

from __future__ import annotations

import argparse
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


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def main() -> None:
    """Prints the times, the ratio to a plain read_csv and the peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buildings", type=int, default=70)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", type=Path, default=None, help="write the data here and keep it")
    args = parser.parse_args()
    site = make_district(DistrictConfig(buildings=args.buildings, streets=7, entrances=3, floors=12,
                                        flats_per_floor=4, water=False, sn_kva=1000.0 * args.buildings,
                                        design="legacy"), 42)
    consumers = [m.meter_id for m in site.meters if m.consumer_id]
    group_of = {m.meter_id: m.group_id for m in site.meters}
    anomalies = draw_anomalies(consumers, args.days, 0.01, 1, groups=group_of, max_per_group=1)
    data = make_data(site, SynthConfig(days=args.days), 1, anomalies)
    tmp = tempfile.TemporaryDirectory()
    out = args.keep or Path(tmp.name)
    t = time.perf_counter()
    write_site_data(out, site, data.meter_ids, data.start, data.values)
    t_write = time.perf_counter() - t
    del data
    size_mb = (out / "readings.csv").stat().st_size / 1e6
    print(f"{len(site.meters)} meters x {args.days} days: readings.csv {size_mb:.0f} MB written in {t_write:.1f} s")

    t = time.perf_counter()
    plain = pd.read_csv(out / "readings.csv")
    t_ref = time.perf_counter() - t
    rows = len(plain)
    del plain

    t0 = time.perf_counter()
    imported = read_dir(out)
    t1 = time.perf_counter()
    prep = prepare(imported, 2.0)
    t2 = time.perf_counter()
    suspects, _, _ = detect(prep, TheftConfig(), {})
    t3 = time.perf_counter()
    total = t3 - t0
    print(f"readings: {rows:,}")
    print(f"reference pandas.read_csv:        {t_ref:6.1f} s")
    print(f"import + validation (read_dir):   {t1 - t0:6.1f} s  ({(t1 - t0) / t_ref:.2f}x read_csv)")
    print(f"dense arrays + gap filling:       {t2 - t1:6.1f} s")
    print(f"balances + theft ranking:         {t3 - t2:6.1f} s  ({len(suspects)} suspects, "
          f"{len(anomalies)} injected)")
    print(f"total: {total:.1f} s ({total / 60.0:.2f} of the 60 s target; {total / t_ref:.1f}x read_csv); "
          f"peak memory {_rss_gb():.2f} GB (target 4 GB)")


if __name__ == "__main__":
    main()
