"""Speed of the meter-data import: ``read_dir`` on 10,000 meters × 90 days of
hourly readings (21.6 million rows, ~0.9 GB CSV) against a plain
``pd.read_csv`` of the same file in the same process.

The directory is generated once (``--dir``, default /tmp/bench_meter_data) with
the export functions, which are timed too. Peak memory is the process's max RSS
right after the import (before the reference reads run).

Usage:
    python benchmarks/bench_import.py [--meters 10000] [--days 90] [--parquet]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data_format import MeterData, read_dir, write_dir


def _max_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # KiB on Linux


def make_dir(path: Path, n_meters: int, days: int, parquet: bool) -> float:
    """Writes a synthetic site: one building per 40 meters, gamma-distributed kWh; returns seconds."""
    buildings = [f"B{i:04d}" for i in range((n_meters + 39) // 40)]
    groups = pd.DataFrame({
        "group_id": ["S1"] + buildings,
        "parent_id": [None] + ["S1"] * len(buildings),
        "level": ["street"] + ["building"] * len(buildings),
        "group_meter_id": [None] * (1 + len(buildings)),
    })
    ids = [f"M-{i:05d}-E" for i in range(n_meters)]
    meters = pd.DataFrame({
        "meter_id": ids, "kind": "electricity", "group_id": [buildings[i // 40] for i in range(n_meters)],
        "phase": [("A", "B", "C")[i % 3] for i in range(n_meters)],
        "customer_id": [f"C{i:05d}" for i in range(n_meters)], "pulse_weight": 3200.0,
    })
    values = np.round(np.random.default_rng(0).gamma(2.0, 0.25, size=(n_meters, days * 24)), 4)
    from analytics.export import readings_frame
    start = time.perf_counter()
    frame = readings_frame(ids, pd.Timestamp("2026-01-01T00:00:00+02:00"), values)
    write_dir(path, MeterData(meters, groups, frame, tz="Europe/Kyiv"), parquet=parquet)
    return time.perf_counter() - start


def main() -> None:
    """Prints the import time, the reference read times and the peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bench_meter_data"))
    parser.add_argument("--parquet", action="store_true", help="readings.parquet instead of readings.csv")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    name = "readings.parquet" if args.parquet else "readings.csv"
    readings = args.dir / name
    if args.regenerate or not readings.exists():
        t = make_dir(args.dir, args.meters, args.days, args.parquet)
        print(f"wrote {readings} ({readings.stat().st_size / 1e6:.0f} MB) in {t:.1f} s")

    start = time.perf_counter()
    data = read_dir(args.dir)
    t_import = time.perf_counter() - start
    rss = _max_rss_gb()
    n = len(data.readings)
    print(f"read_dir: {n:,} readings, {len(data.rejects)} rejects: {t_import:.2f} s "
          f"({n / t_import / 1e6:.1f} M rows/s), max RSS {rss:.2f} GB")
    start = time.perf_counter()
    _, _, matrix = data.hourly()
    print(f"hourly(): {matrix.shape} in {time.perf_counter() - start:.2f} s")
    del data, matrix

    if args.parquet:
        start = time.perf_counter()
        pd.read_parquet(readings)
        print(f"pd.read_parquet (reference): {time.perf_counter() - start:.2f} s")
        return
    start = time.perf_counter()
    pd.read_csv(readings)
    t_plain = time.perf_counter() - start
    print(f"pd.read_csv (reference, C engine, no parsing of timestamps): {t_plain:.2f} s "
          f"-> import/plain = {t_import / t_plain:.2f}")
    start = time.perf_counter()
    pd.read_csv(readings, engine="pyarrow")
    t_pa = time.perf_counter() - start
    print(f"pd.read_csv(engine='pyarrow') (reference): {t_pa:.2f} s -> import/pyarrow = {t_import / t_pa:.2f}")


if __name__ == "__main__":
    main()
