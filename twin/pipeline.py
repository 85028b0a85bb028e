"""Wiring shared by the tasks: config → site → loads → grid results.

No model code lives here: each function reads its config group, calls the
package that owns the model and hands the typed result on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from grid_model.load_result import LoadResult
from scenarios.errors import InputError
from scenarios.site import Site


def _as_dataclass(node: DictConfig, cls: type) -> Any:
    """Builds ``cls`` from the config node's fields that ``cls`` declares."""
    data = OmegaConf.to_container(node, resolve=True)
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def build_site(site_cfg: DictConfig, seed: int) -> Site:
    """Generates or loads the configured site."""
    from scenarios.generators import make_district, make_ieee_eu_lv_site, make_rural_street
    from scenarios.generators.deep import DeepConfig, make_block_and_street
    from scenarios.generators.district import DistrictConfig
    from scenarios.generators.rural import RuralConfig
    from scenarios.site_io import load_site

    kind = site_cfg.kind
    if kind == "ieee_eu_lv":
        return make_ieee_eu_lv_site(seed)
    if kind == "district":
        return make_district(_as_dataclass(site_cfg, DistrictConfig), seed)
    if kind == "rural":
        return make_rural_street(_as_dataclass(site_cfg, RuralConfig), seed)
    if kind == "deep":
        return make_block_and_street(_as_dataclass(site_cfg, DeepConfig), seed)
    if kind == "file":
        return load_site(Path(site_cfg.path))
    raise InputError(f"site.kind: '{kind}' is not allowed; allowed: ieee_eu_lv, district, rural, deep, file")


def build_loads(loads_cfg: DictConfig, site: Site, seed: int, progress: bool = True) -> LoadResult:
    """Simulates or replays the consumers' 1-minute loads."""
    from grid_model.profiles import ieee_profiles, read_profile_csv
    from tqdm.auto import tqdm

    kind = loads_cfg.kind
    consumers = site.consumers
    if not consumers:
        raise InputError("site: has no consumers to simulate")
    if kind == "ieee_shapes":
        missing = [c.consumer_id for c in consumers if not (c.profile or "").startswith("ieee:")]
        if missing:
            raise InputError(
                f"loads=ieee_shapes: consumer '{missing[0]}' has no 'ieee:N' profile; use loads=synthetic or loads=csv"
            )
        return _cut(ieee_profiles(consumers), loads_cfg.minutes, "loads=ieee_shapes")
    if kind == "csv":
        return _cut(read_profile_csv(Path(loads_cfg.path), [c.consumer_id for c in consumers]),
                    loads_cfg.minutes, f"loads.path={loads_cfg.path}")
    if kind == "synthetic":
        fleet = build_fleet(loads_cfg, site, seed)
        for minute in tqdm(range(loads_cfg.minutes), desc="households", unit="min", disable=not progress,
                           leave=False, mininterval=0.5):
            fleet.step(minute)
        return fleet.result()
    raise InputError(f"loads.kind: '{kind}' is not allowed; allowed: synthetic, ieee_shapes, csv")


def build_fleet(loads_cfg: DictConfig, site: Site, seed: int):
    """The steppable household fleet of ``loads=synthetic``, before its first minute.

    ``build_loads`` steps it without control; ``task=dr`` copies it for every strategy.
    """
    from grid_model.households.config import HouseholdConfig
    from grid_model.households.fleet import HouseholdFleet
    from grid_model.weather import WeatherConfig, make_weather

    households = _as_dataclass(loads_cfg.households, HouseholdConfig)
    weather = make_weather(_as_dataclass(loads_cfg.weather, WeatherConfig), households.resolved_day_of_year(),
                           seed, loads_cfg.minutes)
    return HouseholdFleet(site.consumers, households, weather, seed, minutes=loads_cfg.minutes)


def _cut(loads: LoadResult, minutes: int, source: str) -> LoadResult:
    """Keeps the first ``minutes`` steps of a replayed profile."""
    available = loads.p_kw.shape[1]
    if minutes > available:
        raise InputError(f"{source}: has {available} minutes, loads.minutes={minutes} asks for more")
    if minutes == available:
        return loads
    return LoadResult(
        consumer_ids=loads.consumer_ids,
        p_kw=loads.p_kw[:, :minutes],
        q_kvar=loads.q_kvar[:, :minutes],
        p_kw_by_class={k: v[:, :minutes] for k, v in loads.p_kw_by_class.items()},
        pv_kw=None if loads.pv_kw is None else loads.pv_kw[:, :minutes],
        p_kw_by_appliance={k: v[:, :minutes] for k, v in loads.p_kw_by_appliance.items()},
        minutes_per_step=loads.minutes_per_step,
    )


def network_of(grid_cfg: DictConfig, site: Site):
    """Returns the network the grid task solves, checked against the site."""
    from scenarios.ieee_eu_lv import load_network

    if grid_cfg.network == "ieee_eu_lv":
        network = load_network()
    elif site.network is None:
        raise InputError(f"site '{site.name}': has no network; pick grid.network=ieee_eu_lv or a site with one")
    else:
        network = site.network
    buses = {b.name for b in network.buses}
    for c in site.consumers:
        if c.bus not in buses:
            raise InputError(f"grid.network={grid_cfg.network}: consumer '{c.consumer_id}' is on bus '{c.bus}', "
                             f"which the network does not have")
    return network


def build_engine(grid_cfg: DictConfig, site: Site):
    """Builds the pandapower net of the site and compiles the solver on it.

    Returns:
        ``(net, engine)``: the pandapower net users exchange and our engine.
    """
    from grid_model.engine import GridEngine
    from grid_model.network import Connection, build_net

    network = network_of(grid_cfg, site)
    connections = [Connection(c.consumer_id, c.bus, c.phase) for c in site.consumers]
    net = build_net(network, connections)
    engine = GridEngine.from_net(net, load_model=grid_cfg.load_model, vminpu=grid_cfg.vminpu,
                                 vmaxpu=grid_cfg.vmaxpu, load_kv=grid_cfg.load_kv,
                                 tol_pu=grid_cfg.tolerance_pu, max_iter=grid_cfg.max_iterations)
    return net, engine


@dataclass
class Day:
    """Everything a grid-solving task needs after the solve.

    Attributes:
        site: The site.
        network: The network that was solved.
        loads: The consumers' demand.
        engine: The compiled solver (reusable for more solves).
        grid: The day's grid results with bus-level outputs.
        solve_seconds: Time of the time-step solve alone (no bus-level outputs).
    """

    site: Site
    network: Any
    loads: LoadResult
    engine: Any
    grid: Any
    solve_seconds: float


def solve_day(cfg: DictConfig, step: Callable[[str], None]) -> Day:
    """Site → loads → network → solve, announcing each stage to ``step``."""
    step("site")
    site = build_site(cfg.site, cfg.seed)
    step("loads")
    loads = build_loads(cfg.loads, site, cfg.seed)
    step("network")
    network = network_of(cfg.grid, site)
    _, engine = build_engine(cfg.grid, site)
    step("solve")
    solve_seconds = engine.solve_day(loads.p_kw, loads.q_kvar, network_outputs=False).solve_seconds
    grid = engine.solve_day(loads.p_kw, loads.q_kvar)
    return Day(site, network, loads, engine, grid, float(solve_seconds))


def write_day(out_dir: Path, day: Day) -> dict[str, Any]:
    """Writes the CSVs every grid-solving task writes; returns its frames."""
    from twin import outputs

    frames = {
        "feeder_timeseries": outputs.feeder_frame(day.loads, day.site, day.grid),
        "consumers": outputs.consumers_frame(day.loads, day.site, day.grid),
        "buses": outputs.buses_frame(day.network, day.grid),
    }
    outputs.write_load_voltages(out_dir / "load_voltages.csv", day.loads, day.grid)
    outputs.write_frames(out_dir, frames)
    return frames


def key_figures(day: Day) -> dict[str, float]:
    """The figures every grid-solving task reports."""
    loads, grid = day.loads, day.grid
    energy_kwh = float(grid.energy_served_kwh)
    losses_kwh = float(grid.losses_kwh)
    v = grid.v_bus_pu
    return {
        "consumers": int(loads.p_kw.shape[0]),
        "minutes": int(loads.p_kw.shape[1]),
        "energy_served_kwh": energy_kwh,
        "losses_kwh": losses_kwh,
        "losses_pct": 100.0 * losses_kwh / (energy_kwh + losses_kwh) if energy_kwh > 0 else 0.0,
        "v_min_pu": float(np.nanmin(v)),
        "v_max_pu": float(np.nanmax(v)),
        "vuf_max_pct": float(np.nanmax(grid.vuf_pct)),
        "transformer_peak_loading_pct": float(np.max(grid.loading_pct)),
        "peak_load_kw": float(np.max(loads.p_kw.sum(axis=0))),
        "solve_seconds": day.solve_seconds,
        "solve_with_network_outputs_seconds": float(grid.solve_seconds),
    }
