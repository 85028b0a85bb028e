"""Settings of demand response (DR) and local demand management (DLM).

:class:`DRConfig` is the Hydra schema of the ``dr`` config group; the
tariff lives in its own group (``twin.control.tariffs.TariffConfig``).
Defaults follow ``docs/domain.md``: YELLOW sockets off 7-15 min at most,
GREEN loads deferred to the night tariff, about 40 % participation, broadcast
commands through the DMesh network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grid_model.households.config import YELLOW_DEVICES
from twin.control.forecast import ForecastConfig
from twin.control.thermal import ThermalConfig

#: Strategies ``task=dr`` compares, in output order.
STRATEGIES: tuple[str, ...] = ("none", "dr", "dlm", "combined")
#: What starts a central DR event.
TRIGGERS: tuple[str, ...] = ("peak_tariff", "overload", "both")
#: How central DR decides.
CENTRAL_MODES: tuple[str, ...] = ("forecast", "event")
#: Where central commands get their delay from.
LATENCY_SOURCES: tuple[str, ...] = ("mesh", "fixed")


@dataclass
class GuardConfig:
    """Limits every D100FC/AD220 enforces on its own sockets, whoever commands them.

    Attributes:
        yellow_max_off_min: Longest a YELLOW circuit may stay off (vendor: 7-15 min).
        yellow_min_on_min: Time a YELLOW circuit stays on after being restored
            before it may be shed again.
        command_timeout_min: A central shed command expires in the module after
            this long without a restore (fail-safe against a lost restore).
    """

    yellow_max_off_min: int = 15
    yellow_min_on_min: int = 15
    command_timeout_min: int = 240


@dataclass
class CentralDRConfig:
    """The operator's or supplier's DR: group broadcasts through the radio network.

    Attributes:
        mode: ``forecast`` (default: sheds just enough from the forecast and the
            measured phase loading, :mod:`twin.control.forecast_dr`) or
            ``event`` (the earlier event logic: an event sheds all GREEN and
            rotates YELLOW in every participating home, :mod:`twin.control.central`).
        trigger: (``event`` mode) ``peak_tariff`` (the day's highest-rate period), ``overload``
            (measured transformer loading) or ``both``.
        start_loading_pct: Loading at which an overload event starts.
        release_loading_pct: The event ends once loading stays below this ...
        release_hold_min: ... for this many minutes ...
        min_event_min: ... and the event has lasted at least this long.
        rotation_groups: Participants are split into this many groups; YELLOW
            is shed in one group at a time, rotating every ``yellow_max_off_min``.
        shed_yellow: Rotate YELLOW sheds during an event.
        shed_green: Hold GREEN off during an event.
        restore_stagger_min: At the end of an event the groups get their
            restore command this many minutes apart (limits the rebound).
        restore_spread_min: Each module switches GREEN back on after a random
            delay of up to this long once the restore arrives (randomised
            restoration, so that tanks and chargers do not start together).
        target_loading_pct: (``forecast`` mode) Phase loading the controller keeps under.
        release_margin_pct: Sheds are released only while the predicted
            loading is this far under the target (hysteresis).
        rebound_factor: A released YELLOW circuit is expected to draw this
            multiple of its forecast power (thermostats catching up).
        green_max_off_min: A home's GREEN off longer than this is swapped for
            fresh homes when they can take its place.
        max_swaps_per_min: Such swaps per phase and minute.
        tank_max_off_min: GREEN of a home with a water heater is released after
            this long (rebound counted): a shed tank that is drawn on runs cold
            (0: no such limit; tried at 30-60 min, it traded a few hundred
            comfort home-minutes for many more minutes over rating).
        tank_rest_min: ... and may not be shed again for this long.
        yellow_devices: YELLOW circuits the central shed switches (not the
            kettle or microwave: a lost boil is energy not served).
        dlm_arm_hold_min: (``combined``) local DLM is armed on a phase for this
            long after the controller ran short of homes to shed there.
        refresh_min: The full commanded state is broadcast again this often (0: never).
    """

    mode: str = "forecast"
    trigger: str = "both"
    start_loading_pct: float = 95.0
    release_loading_pct: float = 80.0
    release_hold_min: int = 15
    min_event_min: int = 30
    rotation_groups: int = 3
    shed_yellow: bool = True
    shed_green: bool = True
    restore_stagger_min: int = 15
    restore_spread_min: int = 30
    target_loading_pct: float = 90.0
    release_margin_pct: float = 5.0
    rebound_factor: float = 1.5
    green_max_off_min: int = 90
    max_swaps_per_min: int = 3
    tank_max_off_min: int = 0
    tank_rest_min: int = 0
    yellow_devices: list[str] = field(default_factory=lambda: ["hvac", "fridge"])
    dlm_arm_hold_min: int = 30
    refresh_min: int = 15


@dataclass
class DLMConfig:
    """Local demand management inside each participating home.

    Attributes:
        threshold_kw: The supplier's limit on the home's demand.
        peak_threshold_kw: Limit in the day's highest-rate minutes (0: ``threshold_kw``).
        night_threshold_kw: Limit in the day's cheapest-rate minutes (0: ``threshold_kw``).
        threshold_kw_by_zone: Limit per tariff zone name (e.g. ``shoulder: 6.0``);
            overrides the three above in that zone.
        customer_threshold_kw: A stricter limit some customers set themselves
            (0: nobody does).
        customer_threshold_share: Share of participants who set it.
        green_min_off_min: At night a GREEN shed lasts at least this long
            (each shed adds a random 0 to ``green_min_off_min`` more).
        night_release_spread_min: GREEN deferred to the night comes back at a
            random minute within this long after the cheap rate starts.
    """

    threshold_kw: float = 7.0
    peak_threshold_kw: float = 5.0
    night_threshold_kw: float = 11.0
    threshold_kw_by_zone: dict[str, float] = field(default_factory=dict)
    customer_threshold_kw: float = 0.0
    customer_threshold_share: float = 0.0
    green_min_off_min: int = 15
    night_release_spread_min: int = 120


@dataclass
class LatencyConfig:
    """Delay and loss of central commands.

    Attributes:
        source: ``mesh`` (fit to a mesh_sim run of the site's radio network)
            or ``fixed``.
        days: Simulated days of the mesh_sim run.
        broadcasts_per_day: Broadcasts in that run (samples for the fit); a rate
            that does not divide the hour samples every minute of the hourly
            report cycle, so the tail of the delays is represented.
        fixed_latency_s: Delay with ``source=fixed``.
        fixed_delivery: Share of homes a command reaches with ``source=fixed``.
    """

    source: str = "mesh"
    days: float = 1.0
    broadcasts_per_day: float = 47.0
    fixed_latency_s: float = 35.0
    fixed_delivery: float = 1.0


@dataclass
class DRConfig:
    """Demand response and local demand management (``dr`` config group).

    Attributes:
        participation: Share of homes with controllable sockets (0..1).
        controllable_yellow: YELLOW circuits on switched sockets, from
            ``hvac``, ``fridge``, ``kettle``, ``microwave``.
        control_green: GREEN sockets (water heater, washing machine,
            dishwasher, EV charger) are switched.
        strategies: Strategies to compare, from ``none``, ``dr``, ``dlm``, ``combined``.
        sweep: Participation rates of the combined-strategy sweep (empty: no sweep).
        sweep_strategies: Strategies swept (``combined`` always; add ``dr``/``dlm``
            to answer the participation question for them too, at one closed
            loop per rate each).
        ev_deadline_override: The EV charger overrides a GREEN shed (central or
            local) once the car needs all its remaining plug-in time, less
            ``ev_deadline_margin_min``, to charge by departure.
        ev_deadline_margin_min: Safety margin of that override.
        year: Calendar year of the simulated day (tariff calendar, bills).
        guard: Module-side socket limits.
        central: Central DR.
        dlm: Local DLM.
        latency: Command delay model.
        forecast: The operator's load forecast (``forecast`` mode).
        thermal: IEC 60076-7 thermal characteristics of the transformer.
        bound: Compute the ``optimal_bound`` rows (perfect-foresight programme).
        robustness: Also run ``dr`` and ``combined`` at ``participation`` with
            the forecast error tripled, with the radio degraded, and with both.
        degraded_delivery: Delivery of each broadcast to each home in the
            degraded-radio runs, on top of the mesh model's own losses.
        degraded_extra_delay_s: Delay added to every command in those runs.
    """

    participation: float = 0.4
    controllable_yellow: list[str] = field(default_factory=lambda: list(YELLOW_DEVICES))
    control_green: bool = True
    strategies: list[str] = field(default_factory=lambda: list(STRATEGIES))
    sweep: list[float] = field(default_factory=lambda: [round(0.1 * k, 1) for k in range(11)])
    sweep_strategies: list[str] = field(default_factory=lambda: ["combined"])
    ev_deadline_override: bool = True
    ev_deadline_margin_min: int = 30
    year: int = 2026
    guard: GuardConfig = field(default_factory=GuardConfig)
    central: CentralDRConfig = field(default_factory=CentralDRConfig)
    dlm: DLMConfig = field(default_factory=DLMConfig)
    latency: LatencyConfig = field(default_factory=LatencyConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    thermal: ThermalConfig = field(default_factory=ThermalConfig)
    bound: bool = True
    robustness: bool = True
    degraded_delivery: float = 0.8
    degraded_extra_delay_s: float = 60.0
