"""CSV writers for grid-solving tasks. Column names are a stable interface.

Files:
    load_voltages.csv: ``minute`` 1..T, then one column per consumer (named as
        the consumer id, which for the IEEE feeder is its ``Loads.txt`` name,
        e.g. ``LOAD1``): voltage of the consumer's phase in pu of the LV
        nominal phase voltage (0.416/√3 kV for the IEEE feeder).
    feeder_timeseries.csv: per minute: ``p_kw_a/b/c``, ``q_kvar_total``,
        ``transformer_loading_pct``, ``i_neutral_a``, ``p_loss_kw_a/b/c``,
        ``p_loss_kw``, ``v_min_pu``, ``v_max_pu``.
    consumers.csv: per consumer: ``consumer_id``, ``bus``, ``phase``,
        ``energy_kwh``, ``peak_kw``, ``v_min_pu``, ``v_max_pu``,
        ``loss_share_kwh`` (allocation rule in docs/grid-model.md) and, for
        synthetic loads, ``energy_red_kwh``, ``energy_yellow_kwh``,
        ``energy_green_kwh``.
    buses.csv: per bus: ``bus``, ``x_m``, ``y_m``, ``v_min_pu``, ``v_max_pu``,
        ``vuf_max_pct``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from grid_model.load_result import LoadResult
from scenarios.site import Site

_FLOAT = "%.6f"


def write_load_voltages(path: Path, loads: LoadResult, grid) -> None:
    """Writes ``load_voltages.csv`` (minute × consumer, pu)."""
    frame = pd.DataFrame(grid.v_load_pu.T, columns=loads.consumer_ids)
    frame.insert(0, "minute", 1 + loads.minutes_per_step * np.arange(frame.shape[0]))
    frame.to_csv(path, index=False, float_format="%.8f")


def feeder_frame(loads: LoadResult, site: Site, grid) -> pd.DataFrame:
    """Per-minute feeder totals: phase loads, transformer, losses, voltage envelope."""
    phase_of = {c.consumer_id: c.phase for c in site.consumers}
    frame = pd.DataFrame({"minute": 1 + loads.minutes_per_step * np.arange(loads.p_kw.shape[1])})
    for ph in "ABC":
        share = np.array([1.0 if phase_of[c] == ph else (1 / 3 if phase_of[c] == "ABC" else 0.0)
                          for c in loads.consumer_ids])
        frame[f"p_kw_{ph.lower()}"] = share @ loads.p_kw
    frame["q_kvar_total"] = loads.q_kvar.sum(axis=0)
    frame["transformer_loading_pct"] = grid.loading_pct
    frame["i_neutral_a"] = grid.i_trafo_neutral_a
    for i, ph in enumerate("abc"):
        frame[f"p_loss_kw_{ph}"] = grid.p_loss_kw_by_phase[i]
    frame["p_loss_kw"] = grid.p_loss_kw
    frame["v_min_pu"] = np.nanmin(grid.v_bus_pu, axis=(0, 1))
    frame["v_max_pu"] = np.nanmax(grid.v_bus_pu, axis=(0, 1))
    return frame


def consumers_frame(loads: LoadResult, site: Site, grid) -> pd.DataFrame:
    """Per-consumer energy, peak, voltage range and loss share."""
    by_id = {c.consumer_id: c for c in site.consumers}
    hours_per_step = loads.minutes_per_step / 60.0
    frame = pd.DataFrame({
        "consumer_id": loads.consumer_ids,
        "bus": [by_id[c].bus for c in loads.consumer_ids],
        "phase": [by_id[c].phase for c in loads.consumer_ids],
        "energy_kwh": loads.p_kw.sum(axis=1) * hours_per_step,
        "peak_kw": loads.p_kw.max(axis=1),
        "v_min_pu": grid.v_load_pu.min(axis=1),
        "v_max_pu": grid.v_load_pu.max(axis=1),
        "loss_share_kwh": grid.loss_share_kw.sum(axis=1) * hours_per_step,
    })
    for cls, p_kw in (loads.p_kw_by_class or {}).items():
        frame[f"energy_{cls.lower()}_kwh"] = p_kw.sum(axis=1) * hours_per_step
    return frame


def buses_frame(site_network, grid) -> pd.DataFrame:
    """Per-bus voltage range and worst unbalance over the period."""
    xy = {b.name: (b.x_m, b.y_m) for b in site_network.buses}
    names = list(grid.bus_names)
    with np.errstate(all="ignore"):
        return pd.DataFrame({
            "bus": names,
            "x_m": [xy.get(n, (np.nan, np.nan))[0] for n in names],
            "y_m": [xy.get(n, (np.nan, np.nan))[1] for n in names],
            "v_min_pu": np.nanmin(grid.v_bus_pu, axis=(1, 2)),
            "v_max_pu": np.nanmax(grid.v_bus_pu, axis=(1, 2)),
            "vuf_max_pct": np.nanmax(grid.vuf_pct, axis=1),
        })


def write_frames(out_dir: Path, frames: dict[str, pd.DataFrame]) -> None:
    """Writes each frame as ``<name>.csv`` with 6 decimals."""
    for name, frame in frames.items():
        frame.to_csv(out_dir / f"{name}.csv", index=False, float_format=_FLOAT)
