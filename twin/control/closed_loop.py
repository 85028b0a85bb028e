"""One strategy's closed loop: controllers → households → grid, minute by minute.

Each minute the controllers decide from what was measured in the previous
minute (transformer loading at the substation for central DR, each home's own
demand for DLM), the module guard applies the YELLOW limits, the household
fleet steps with those sockets powered, and the unbalanced grid is solved for
that minute. Every strategy starts from a copy of the same fleet (same homes,
appliances, weather and random draws), so strategies differ only by control.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from grid_model.engine.stepper import Stepper
from grid_model.households.config import GREEN, YELLOW_DEVICES
from grid_model.households.fleet import HouseholdFleet
from twin.control.central import CentralDR
from twin.control.config import DRConfig
from twin.control.dlm import LocalDLM
from twin.control.forecast import LoadForecast
from twin.control.forecast_dr import ForecastDR
from twin.control.guard import SocketGuard
from twin.control.latency import LatencyModel


@dataclass
class ControlPlan:
    """What every strategy of one comparison shares.

    Attributes:
        cfg: DR settings.
        peak: (T,) bool, minutes of the day's highest tariff rate.
        cheapest: (T,) bool, minutes of the day's cheapest rate.
        threshold_kw: (n, T) each home's DLM limit each minute.
        hops: (n,) radio hops of each home's module (-1: unreachable).
        latency: Command delay model.
        rank: (n,) a seeded permutation: the homes with ``rank < round(p·n)``
            take part at participation ``p`` (so a larger ``p`` adds homes).
        seed: Seed of the command delays.
        forecast: The operator's load forecast (set from the uncontrolled run
            before the controlled runs; needed by ``central.mode=forecast``).
        green_rated_kw: (n,) installed GREEN power of each home.
        phase_weight: (n, 3) share of each home on the phases.
    """

    cfg: DRConfig
    peak: np.ndarray
    cheapest: np.ndarray
    threshold_kw: np.ndarray
    hops: np.ndarray
    latency: LatencyModel
    rank: np.ndarray
    seed: int
    forecast: LoadForecast | None = None
    green_rated_kw: np.ndarray | None = None
    phase_weight: np.ndarray | None = None

    def participants(self, participation: float) -> np.ndarray:
        """(n,) bool, the homes taking part at ``participation``."""
        return self.rank < int(round(participation * len(self.rank)))


@dataclass
class StrategyRun:
    """Time series and totals of one strategy.

    Attributes:
        strategy: ``none``, ``dr``, ``dlm`` or ``combined``.
        participation: Share of homes taking part.
        p_trafo_kw: (T,) power through the transformer (consumers + losses).
        loading_pct: (T,) transformer loading (largest phase current / rated).
        phase_loading_pct: (3, T) loading of each LV phase.
        p_loss_kw: (T,) line and transformer losses.
        v_min_pu: (T,) lowest consumer voltage.
        p_class_kw: (3, T) demand of RED, YELLOW and GREEN sockets.
        p_kw: (n, T) each home's demand (for the bills).
        energy_not_served_kwh: (n,) kettle/microwave uses lost, EV energy missing at departure.
        deferred_kwh: (n,) GREEN cycle and EV energy postponed.
        deferrable_served_kwh: (n,) cycle and EV energy drawn.
        pending_kwh: (n,) cycle and EV energy still waiting at the end.
        ev_unserved_kwh: (n,) EV energy missing at departure.
        comfort_violation_min: Device → (n,) minutes outside the comfort band.
        yellow_longest_off_min: (n, devices) longest YELLOW off-run.
        mean_command_latency_s: Mean delay of delivered central commands (NaN without).
        commands_sent: Central broadcasts sent.
        deliveries_lost: (command, home) pairs never delivered.
        event_minutes: Minutes a central DR event was on.
        event_on: (T,) bool, the minutes a central DR event was on.
        forced_restores: YELLOW circuits the guard switched back on.
        p_kw_by_class: RED/YELLOW/GREEN → (n, T) per home (kept for the uncontrolled run only).
        shortfall_minutes: Phase-minutes the forecast controller had too few homes to shed.
        variant: Robustness variant (empty for the main runs).
    """

    strategy: str
    participation: float
    p_trafo_kw: np.ndarray
    loading_pct: np.ndarray
    phase_loading_pct: np.ndarray
    p_loss_kw: np.ndarray
    v_min_pu: np.ndarray
    p_class_kw: np.ndarray
    p_kw: np.ndarray
    energy_not_served_kwh: np.ndarray
    deferred_kwh: np.ndarray
    deferrable_served_kwh: np.ndarray
    pending_kwh: np.ndarray
    ev_unserved_kwh: np.ndarray
    comfort_violation_min: dict[str, np.ndarray] = field(default_factory=dict)
    yellow_longest_off_min: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=int))
    mean_command_latency_s: float = float("nan")
    commands_sent: int = 0
    deliveries_lost: int = 0
    event_minutes: int = 0
    event_on: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    forced_restores: int = 0
    p_kw_by_class: dict[str, np.ndarray] = field(default_factory=dict)
    shortfall_minutes: int = 0
    variant: str = ""


def plan_forecast(plan: ControlPlan, none_run: StrategyRun, error_scale: float = 1.0, stream: int = 0) -> LoadForecast:
    """The operator's forecast from the uncontrolled run (``error_scale`` × the configured error)."""
    from dataclasses import replace

    from twin.control.forecast import build_forecast

    fc = plan.cfg.forecast
    cfg = replace(fc, error_pct=fc.error_pct * error_scale)
    rng = np.random.default_rng([plan.seed, 21, stream])
    return build_forecast(cfg, none_run.p_kw, none_run.p_kw_by_class["GREEN"], none_run.p_kw_by_class["YELLOW"],
                          none_run.phase_loading_pct, plan.phase_weight, rng)


def run_strategy(fleet_template: HouseholdFleet, engine, plan: ControlPlan, strategy: str,
                 participation: float, latency: LatencyModel | None = None, forecast: LoadForecast | None = None,
                 variant: str = "") -> StrategyRun:
    """Simulates one strategy over the fleet's horizon.

    Args:
        fleet_template: A fleet that has not been stepped; it is copied, not changed.
        engine: The compiled grid engine of the site.
        plan: What the strategies share.
        strategy: ``none``, ``dr``, ``dlm`` or ``combined``.
        participation: Share of homes taking part.
        latency: Command delays instead of the plan's (robustness runs).
        forecast: Forecast instead of the plan's (robustness runs).
        variant: Label of a robustness run.
    """
    cfg = plan.cfg
    latency = latency if latency is not None else plan.latency
    forecast = forecast if forecast is not None else plan.forecast
    fleet = copy.deepcopy(fleet_template)
    n, minutes = fleet.n, fleet.minutes
    devices = len(YELLOW_DEVICES)
    part = plan.participants(participation) if strategy != "none" else np.zeros(n, dtype=bool)
    controllable = np.array([d in cfg.controllable_yellow for d in YELLOW_DEVICES])
    switched = part[:, None] & controllable[None, :]
    rng = np.random.default_rng([plan.seed, 7, int(round(participation * 1000))])
    central: CentralDR | ForecastDR | None = None
    central_dev = np.ones(devices, dtype=bool)
    if strategy in ("dr", "combined"):
        if cfg.central.mode == "forecast":
            if forecast is None:
                # The operator's forecast comes from the twin's uncontrolled run of the same day.
                plan.forecast = forecast = plan_forecast(plan, run_strategy(fleet_template, engine, plan, "none", 0.0))
            central = ForecastDR(cfg.central, cfg.guard, part, plan.hops, latency, forecast, plan.green_rated_kw, rng,
                                 plan.rank, fleet.tank.kw > 0)
            central_dev = np.array([d in cfg.central.yellow_devices for d in YELLOW_DEVICES])
        else:
            central = CentralDR(cfg.central, cfg.guard, part, plan.hops, latency, plan.peak, rng)
    forecast_mode = isinstance(central, ForecastDR)
    # With the forecast controller GREEN is the operator's (released against the headroom); an armed
    # local DLM only rotates the home's YELLOW circuits to hold its threshold.
    dlm = LocalDLM(cfg.dlm, part, plan.threshold_kw, plan.cheapest, controllable,
                   cfg.control_green and not forecast_mode,
                   fleet.yellow_rating_kw, np.random.default_rng([plan.seed, 8, int(round(participation * 1000))])) \
        if strategy in ("dlm", "combined") else None
    guard = SocketGuard(n, devices, cfg.guard)
    stepper = Stepper(engine)
    i_rated = engine.model.trafo.i_rated_lv_a
    out = {k: np.zeros(minutes) for k in ("p_trafo_kw", "loading_pct", "p_loss_kw", "v_min_pu")}
    phase_loading, p_class = np.zeros((3, minutes)), np.zeros((3, minutes))
    event_on = np.zeros(minutes, dtype=bool)
    allow = np.ones((n, 3), dtype=bool)
    loading_prev, p_prev = 0.0, np.zeros(n)
    phase_prev = np.zeros(3)
    no_urgent = np.zeros(n, dtype=bool)
    for t in range(minutes):
        yellow_on = np.ones((n, devices), dtype=bool)
        green_on = np.ones(n, dtype=bool)
        if central is not None:
            central.decide(t, phase_prev if forecast_mode else loading_prev)
            central.receive(t)
            if dlm is not None and forecast_mode:
                # combined: local DLM holds its threshold only where the central controller armed it.
                newly_off = dlm.participants & ~central.dlm_armed
                central.adopt_green(newly_off & dlm.green_deferred, t)
                dlm.disarm(newly_off)
                dlm.participants = part & central.dlm_armed
            event_on[t] = central.last_on
            yellow_on &= ~(central.yellow_off[:, None] & central_dev[None, :])
            green_on &= ~central.green_off
        urgent = fleet.ev.urgent(t, cfg.ev_deadline_margin_min) if cfg.ev_deadline_override else no_urgent
        if dlm is not None:
            green_prev = fleet.p_kw_by_class["GREEN"][:, t - 1] if t else np.zeros(n)
            y, g = dlm.decide(t, p_prev, fleet.yellow_kw, green_prev, guard.may_shed(), urgent)
            yellow_on &= y
            green_on &= g
        green_on |= urgent
        yellow_on |= ~switched
        if not cfg.control_green:
            green_on[:] = True
        green_on |= ~part
        actual = guard.apply(t, yellow_on)
        if dlm is not None:
            dlm.sync(actual)
        allow[:, GREEN] = green_on
        p, q = fleet.step(t, allow, actual)
        r = stepper.step(p, q)
        out["p_trafo_kw"][t] = float(r.p_load_kw.sum()) + r.p_loss_kw
        out["loading_pct"][t] = r.loading_pct
        out["p_loss_kw"][t] = r.p_loss_kw
        out["v_min_pu"][t] = float(np.min(r.v_load_pu))
        phase_loading[:, t] = 100.0 * r.i_trafo_a / i_rated
        for k, cls in enumerate(("RED", "YELLOW", "GREEN")):
            p_class[k, t] = fleet.p_kw_by_class[cls][:, t].sum()
        loading_prev, p_prev = r.loading_pct, p
        phase_prev = phase_loading[:, t]
    return StrategyRun(
        strategy=strategy, participation=participation, phase_loading_pct=phase_loading, p_class_kw=p_class,
        p_kw=fleet.p_kw, energy_not_served_kwh=fleet.energy_not_served_kwh.copy(),
        deferred_kwh=fleet.deferred_kwh.copy(), deferrable_served_kwh=fleet.deferrable_served_kwh.copy(),
        pending_kwh=fleet.pending_kwh(), ev_unserved_kwh=fleet.ev.unserved_kwh.copy(),
        comfort_violation_min={k: v.copy() for k, v in fleet.comfort_violation_min.items()},
        yellow_longest_off_min=np.where(switched, guard.longest_off_min, 0),
        mean_command_latency_s=central.mean_latency_s() if central else float("nan"),
        commands_sent=central.commands_sent if central else 0,
        deliveries_lost=central.deliveries_lost if central else 0,
        event_minutes=central.event_minutes if central else 0, event_on=event_on,
        forced_restores=guard.forced_restores,
        p_kw_by_class={k: v.copy() for k, v in fleet.p_kw_by_class.items()} if strategy == "none" else {},
        shortfall_minutes=getattr(central, "shortfall_minutes", 0), variant=variant, **out)
