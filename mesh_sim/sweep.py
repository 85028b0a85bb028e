"""Design-space sweep of the claims: wake interval x MAC scheme x building type.

Every point runs the full simulator on one site under full default traffic
(hourly reports of every meter, broadcasts and downlink commands on) and
records what the vendor's claims are about: the busiest relay's packets a day
and battery life, the first modules to die, broadcast latency to the last
module, delivery within 24 h and the latency p95. ``pareto.png`` plots the
busiest relay's battery life against the broadcast latency to the last
module, with the claims' box (>= 6 years, <= 60 s).

Usage (writes ``sweep.csv`` and ``pareto.png`` into ``--out``)::

    python -m mesh_sim.sweep --preset mesh_deep --days 3 --out /tmp/sweep

``--preset`` names an experiment preset whose ``site`` section is used
(``experiments/<name>.yaml``), or ``chain`` for :func:`chain_nodes` (24
clusters of 10 modules on a line, 14 hops: every packet of the far clusters
crosses one relay per cluster); the grid is set with ``--schemes``,
``--wake`` (``scheme:interval,...`` pairs) and ``--building-types``.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from mesh_sim.config import MeshConfig
from mesh_sim.records import MeshResult
from mesh_sim.summary import first_to_die, summarize

#: Default grid: wake intervals per scheme (X-MAC needs short ones, see docs/mesh-model.md).
DEFAULT_WAKE_S = {"sync": (15.0, 30.0, 60.0, 120.0), "wisemac": (10.0, 30.0, 60.0),
                  "xmac": (0.5, 1.0, 2.0, 4.0)}
#: The claims' box: battery life floor (years) and broadcast latency ceiling (s).
CLAIM_YEARS_MIN = 6.0
CLAIM_BROADCAST_S_MAX = 60.0
CLAIM_DELIVERY_MIN = 0.999
COLUMNS = ("scheme", "wake_interval_s", "building_type", "modules", "max_hops", "busiest_relay_packets_per_day",
           "busiest_relay_battery_years", "battery_life_years_min", "battery_life_years_median",
           "first_to_die", "broadcast_latency_mean_s", "broadcast_latency_last_s", "broadcast_coverage",
           "delivery_24h", "pdr_final", "latency_p95_s", "meets_claims", "wall_s")


def preset_site(name: str, seed: int):
    """The site of ``experiments/<name>.yaml`` (its ``site`` section through the normal builder)."""
    from importlib import resources

    from omegaconf import OmegaConf

    from twin.cli import compose_checked
    from twin import pipeline

    if not (resources.files("experiments") / f"{name}.yaml").is_file():
        raise FileNotFoundError(f"--preset: no experiments/{name}.yaml")
    cfg = compose_checked([f"+experiment={name}", "tracking=off"])
    return pipeline.build_site(cfg.site, seed), OmegaConf.to_object(cfg.mesh)


def chain_nodes(cfg: MeshConfig, clusters: int = 24, per_cluster: int = 10, margin_db: float = 10.0):
    """A deep outdoor test site: clusters of modules on a line, one hop apart, J100UC at one end.

    Each cluster is a 4 m ring; consecutive clusters are spaced so that the
    mean link has ``margin_db`` above sensitivity (log-distance, band
    exponent); shadowing and fading as configured. Returns ``(nodes, meters,
    is_concentrator)`` for :class:`mesh_sim.subnet.Subnet`.
    """
    from mesh_sim.checks import _distance_for_loss, _nodes, _ring

    from mesh_sim.bands import band

    b = band(cfg.radio.band)
    tx = b.tx_power_dbm if cfg.radio.tx_power_dbm is None else cfg.radio.tx_power_dbm
    hop_m = _distance_for_loss(tx + 2 * cfg.radio.antenna_gain_dbi - b.sensitivity_dbm - margin_db, cfg)
    ids, xs, ys = [], [], []
    for k in range(clusters):
        i, x, y = _ring(per_cluster, 4.0, ((k + 1) * hop_m, 0.0), start=k * per_cluster)
        ids += i
        xs += x
        ys += y
    n = len(ids)
    return _nodes(ids + ["J0001"], xs + [0.0], ys + [0.0]), [3] * n + [0], [False] * n + [True]


def delivery_within_s(result: MeshResult, limit_s: float) -> float | None:
    """Readings delivered within ``limit_s`` of their generation over readings generated."""
    if result.readings_generated <= 0:
        return None
    lat = np.asarray(result.reading_latency_s, dtype=float)
    meters = np.asarray(result.reading_meters, dtype=float)
    return float(meters[lat <= limit_s].sum() / result.readings_generated)


def broadcast_last_s(result: MeshResult) -> float | None:
    """Mean over broadcasts of the latency to the last module that received it."""
    b = np.asarray(result.broadcast_latency_s, dtype=float)
    if b.size == 0:
        return None
    got = np.isfinite(b).any(axis=1)
    if not got.any():
        return None
    return float(np.nanmax(b[got], axis=1).mean())


def point(site, mesh: MeshConfig, scheme: str, wake_s: float, building_type: str | None, seed: int,
          days: float) -> dict[str, Any]:
    """One sweep point: the site (a Site, or ``"chain"``) simulated under that MAC and building type."""
    from mesh_sim.city import run_site
    from mesh_sim.subnet import Subnet

    radio = mesh.radio
    if building_type is not None:
        btype, _, case = building_type.partition(":")
        radio = replace(radio, building_type=btype, case=case or radio.case)
    cfg = replace(mesh, days=days, radio=radio, mac=replace(mesh.mac, scheme=scheme, wake_interval_s=wake_s))
    if site == "chain":
        res = Subnet(*chain_nodes(cfg), cfg, seed).run()
    else:
        res = run_site(site, cfg, seed)
    s = summarize(res)
    d24 = delivery_within_s(res, 86_400.0)
    last = broadcast_last_s(res)
    dead = first_to_die(res, 3)
    busiest = s["busiest_relay_battery_years"]
    meets = (busiest is not None and busiest >= CLAIM_YEARS_MIN and last is not None
             and last <= CLAIM_BROADCAST_S_MAX and d24 is not None and d24 >= CLAIM_DELIVERY_MIN
             and (s["battery_life_years_min"] or 0.0) >= CLAIM_YEARS_MIN)
    return {
        "scheme": scheme, "wake_interval_s": wake_s,
        "building_type": building_type or f"{radio.building_type}:{radio.case}",
        "modules": s["modules"], "max_hops": s["max_hops"],
        "busiest_relay_packets_per_day": s["busiest_relay_packets_per_day"],
        "busiest_relay_battery_years": busiest, "battery_life_years_min": s["battery_life_years_min"],
        "battery_life_years_median": s["battery_life_years_median"],
        "first_to_die": "; ".join(f"{r['node_id']} {r['battery_life_years']:.1f} y ({r['dominant_cause']})"
                                  for r in dead),
        "broadcast_latency_mean_s": s["broadcast_latency_mean_s"], "broadcast_latency_last_s": last,
        "broadcast_coverage": s["broadcast_coverage"], "delivery_24h": d24, "pdr_final": s["pdr_final"],
        "latency_p95_s": s["latency_p95_s"], "meets_claims": bool(meets), "wall_s": s["wall_s"],
    }


def pareto_front(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Points not beaten on both axes (shorter broadcast and longer busiest-relay life)."""
    pts = [r for r in rows
           if r["broadcast_latency_last_s"] is not None and r["busiest_relay_battery_years"] is not None]
    front = [r for r in pts if not any(
        o["broadcast_latency_last_s"] <= r["broadcast_latency_last_s"]
        and o["busiest_relay_battery_years"] >= r["busiest_relay_battery_years"]
        and (o["broadcast_latency_last_s"] < r["broadcast_latency_last_s"]
             or o["busiest_relay_battery_years"] > r["busiest_relay_battery_years"]) for o in pts)]
    return sorted(front, key=lambda r: r["broadcast_latency_last_s"])


def plot_pareto(path: Path, rows: list[dict[str, Any]]) -> None:
    """Busiest relay's battery life against broadcast latency to the last module."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"sync": "tab:green", "wisemac": "tab:blue", "xmac": "tab:red"}
    markers = ["o", "s", "^", "D", "v"]
    types = sorted({r["building_type"] for r in rows})
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.axvspan(0, CLAIM_BROADCAST_S_MAX, ymin=0, ymax=1, color="0.93", zorder=0)
    ax.axhline(CLAIM_YEARS_MIN, color="0.4", ls="--", lw=1)
    ax.axvline(CLAIM_BROADCAST_S_MAX, color="0.4", ls="--", lw=1)
    for r in rows:
        x, y = r["broadcast_latency_last_s"], r["busiest_relay_battery_years"]
        if x is None or y is None:
            continue
        c = colours.get(r["scheme"], "k")
        delivered = (r["delivery_24h"] or 0.0) >= CLAIM_DELIVERY_MIN
        ax.scatter(x, y, color=c if delivered else "none", marker=markers[types.index(r["building_type"]) % 5],
                   s=55, edgecolors="k" if r["meets_claims"] else c, linewidths=1.2, zorder=3)
        ax.annotate(f"{r['wake_interval_s']:g}s", (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7)
    front = pareto_front(rows)
    if front:
        ax.step([r["broadcast_latency_last_s"] for r in front], [r["busiest_relay_battery_years"] for r in front],
                where="post", color="0.2", lw=1, alpha=0.6, label="Pareto front")
    for scheme, c in colours.items():
        ax.scatter([], [], color=c, label=scheme)
    for k, t in enumerate(types):
        ax.scatter([], [], color="0.5", marker=markers[k % 5], label=t)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("broadcast latency to the last module, mean over broadcasts (s)")
    ax.set_ylabel("battery life of the busiest relay (years)")
    ax.set_title("Claims box: grey, <= 60 s and >= 6 years; black edge: all claims met;\n"
                 "hollow: under 99.9 % delivered within 24 h", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """One row per sweep point (see :data:`COLUMNS`)."""
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r[k] is None else (round(r[k], 4) if isinstance(r[k], float) and math.isfinite(r[k])
                                                    else r[k])) for k in COLUMNS})


def _wake_grid(spec: str | None, schemes: list[str]) -> dict[str, tuple[float, ...]]:
    if not spec:
        return {s: DEFAULT_WAKE_S[s] for s in schemes}
    grid: dict[str, list[float]] = {s: [] for s in schemes}
    for item in spec.split(","):
        scheme, _, value = item.partition(":")
        if scheme not in grid:
            raise SystemExit(f"--wake: {item!r}: scheme must be one of {', '.join(schemes)}")
        grid[scheme].append(float(value))
    return {s: tuple(v) for s, v in grid.items()}


def main(argv: list[str] | None = None) -> int:
    """Runs the sweep; prints one line per point and writes the CSV and the plot."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="mesh_subnet_240")
    p.add_argument("--days", type=float, default=3.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--schemes", default="sync,wisemac,xmac")
    p.add_argument("--wake", default=None, help="scheme:interval pairs, e.g. sync:30,xmac:1")
    p.add_argument("--building-types", default="",
                   help="comma list of TYPE or TYPE:CASE forced on every building (e.g. panel_concrete:harsh); "
                        "empty = the preset's own")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    schemes = args.schemes.split(",")
    site, mesh = ("chain", MeshConfig()) if args.preset == "chain" else preset_site(args.preset, args.seed)
    types = [t for t in args.building_types.split(",") if t] or [None]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for btype in types:
        for scheme, wakes in _wake_grid(args.wake, schemes).items():
            for wake_s in wakes:
                row = point(site, mesh, scheme, wake_s, btype, args.seed, args.days)
                rows.append(row)
                print(f"{row['building_type']:>14} {scheme:>7} {wake_s:6g} s: busiest relay "
                      f"{row['busiest_relay_packets_per_day'] or 0:7.0f}/day "
                      f"{row['busiest_relay_battery_years'] or 0:6.1f} y, "
                      f"broadcast last {row['broadcast_latency_last_s'] or float('nan'):7.1f} s, "
                      f"24 h delivery {row['delivery_24h'] or 0:.4f}, hops {row['max_hops']}, "
                      f"{'MEETS' if row['meets_claims'] else 'misses'}", file=sys.stderr)
    write_csv(args.out / "sweep.csv", rows)
    plot_pareto(args.out / "pareto.png", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
