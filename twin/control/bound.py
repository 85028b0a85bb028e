"""The optimal use of the same flexibility with perfect foresight: a linear programme per phase.

For one participation the programme sees the whole uncontrolled day (the
``none`` run) and schedules, minute by minute on each LV phase, the
participants' flexible load:

* GREEN (water heaters, washing machines, dishwashers, EV chargers) as one
  backlog: energy that wanted to run in minute ``t`` (``a_t``) may run later
  at up to the participants' rated GREEN power; what is still waiting at the
  end is reported as pending (no deadline: a relaxation of the EV departure
  and tank comfort limits);
* YELLOW thermal circuits (room heating/AC, fridges) as a thermal battery:
  power below the uncontrolled draw ``b_t`` builds a heat deficit ``D``
  (decaying with the building time constant), paid back at up to the rated
  power; the share of circuits off, ``f_t``, obeys the 15-minute limit in
  aggregate form (in every window of ``yellow_max_off_min + 1`` minutes at
  most ``yellow_max_off_min`` minutes off per circuit: what the module guard
  allows) and the power of the circuits on is at least their uncontrolled
  share, ``y_t ≥ (1 − f_t)·b_t``; a deficit beyond the homes' comfort
  reserve (heat capacity × (half deadband + comfort band)) counts as comfort
  violation;
* kettle and microwave uses may be dropped (energy not served).

It minimises, lexicographically by weights, the energy above the phase's
rating (kW·min, rating from the twin's power flow: loading per kW of the
uncontrolled run in that minute), then the comfort excess, then energy not
served and pending GREEN. It is solved with HiGHS through
``scipy.optimize.linprog`` (scipy is already a dependency; the problem is a
pure LP, so HiGHS's simplex/IPM through scipy is all that is needed).

Every real strategy is a feasible point of this programme (it can only
switch the same sockets, within the same guard, so it can only shift or drop
the same energy), except for thermostat phase shifts that let a controlled
home draw ahead of its uncontrolled cumulative energy; the programme is a
lower bound on the overload energy in that sense, and the tests check that no
simulated strategy beats it. Minutes over rating of the bound's schedule are
reported, but the programme minimises the overload *energy*; its minutes are
not a proven minimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

#: Objective weights: overload (kW·min), comfort excess (kW·min), kettle/microwave dropped (kW·min),
#: GREEN waiting (kW·min per minute, prefers serving early), GREEN pending at the end.
W_OVER, W_COMFORT, W_ENS, W_WAIT, W_PENDING = 1000.0, 1.0, 5.0, 1e-3, 10.0
#: Below the rating, load above these shares of it is penalised (kW·min) with these weights: a convex,
#: piecewise-linear stand-in for the I² heating, so the schedule is flat where flexibility allows
#: (cooler oil and hot spot), without costing comfort (weights below W_COMFORT).
METHOD = "highs"
TIERS: tuple[tuple[float, float], ...] = ((0.8, 0.05), (0.9, 0.2))


@dataclass
class PhaseFlex:
    """Inputs of one phase (kW per minute, participants only for the flexible parts).

    Attributes:
        fixed_kw: (T,) load that is not switched (non-participants, RED, non-switched circuits).
        green_kw: (T,) participants' uncontrolled GREEN demand (a_t).
        thermal_kw: (T,) participants' uncontrolled room-heating/AC and fridge power (b_t).
        event_kw: (T,) participants' kettle and microwave power.
        cap_kw: (T,) phase power at 100 % loading.
        green_max_kw: Participants' rated GREEN power.
        thermal_max_kw: Participants' rated thermal YELLOW power.
        comfort_reserve_kwmin: Heat deficit the homes absorb within their comfort band.
        reserve_per_home_kwmin: The largest reserve of a single home (comfort home-minutes bound).
    """

    fixed_kw: np.ndarray
    green_kw: np.ndarray
    thermal_kw: np.ndarray
    event_kw: np.ndarray
    cap_kw: np.ndarray
    green_max_kw: float
    thermal_max_kw: float
    comfort_reserve_kwmin: float
    reserve_per_home_kwmin: float


@dataclass
class PhaseSchedule:
    """The programme's schedule on one phase.

    Attributes:
        load_kw: (T,) phase load.
        over_kw: (T,) load above the rating.
        comfort_home_min: Lower bound of home-minutes out of comfort.
        not_served_kwh: Kettle/microwave energy dropped.
        pending_kwh: GREEN energy still waiting at the end.
        shifted_kwh: Energy taken out of minutes, relative to no control.
    """

    load_kw: np.ndarray
    over_kw: np.ndarray
    comfort_home_min: float
    not_served_kwh: float
    pending_kwh: float
    shifted_kwh: float


def solve_phase(flex: PhaseFlex, yellow_max_off_min: int, decay_per_min: float) -> PhaseSchedule:
    """Solves one phase's programme.

    Raises:
        RuntimeError: When HiGHS does not report an optimum.
    """
    T = len(flex.fixed_kw)
    # Variable blocks: u (GREEN served), Q (backlog), y (thermal), D (deficit), f (off share), e (comfort
    # excess), o (over), s (events dropped), h, k (load above the two tiers).
    nb = 10
    U, Q, Y, D, F, E, O, S, H, K = (np.arange(T) + k * T for k in range(nb))
    eye = sp.identity(T, format="csr")
    lag = sp.diags([np.ones(T - 1)], [-1], shape=(T, T), format="csr")

    def row(**blocks) -> sp.csr_matrix:
        m = next(iter(blocks.values())).shape[0]
        return sp.hstack([blocks.get(k, sp.csr_matrix((m, T))) for k in "UQYDFEOSHK"], format="csr")

    a, b, kb = flex.green_kw, flex.thermal_kw, flex.event_kw
    a_eq = sp.vstack([row(U=eye, Q=eye - lag), row(Y=eye, D=eye - (1 - decay_per_min) * lag)], format="csr")
    b_eq = np.concatenate([a, b])
    w = max(int(yellow_max_off_min), 1)
    win = sp.diags([np.ones(T - k) for k in range(w + 1)], [-k for k in range(w + 1)], shape=(T, T), format="csr")
    free = flex.cap_kw - flex.fixed_kw - kb
    a_ub = sp.vstack([row(Y=-eye, F=-sp.diags(b)), row(D=eye, E=-eye), row(U=eye, Y=eye, S=-eye, O=-eye),
                      row(F=win[w:]), row(U=eye, Y=eye, S=-eye, H=-eye), row(U=eye, Y=eye, S=-eye, K=-eye)],
                     format="csr")
    (f1, w1), (f2, w2) = TIERS
    b_ub = np.concatenate([-b, np.full(T, flex.comfort_reserve_kwmin), free, np.full(T - w, float(w)),
                           free - (1 - f1) * flex.cap_kw, free - (1 - f2) * flex.cap_kw])
    c = np.zeros(nb * T)
    c[Q] = W_WAIT
    c[Q[-1]] += W_PENDING
    c[E] = W_COMFORT
    c[O] = W_OVER
    c[S] = W_ENS
    c[H] = w1
    c[K] = w2
    bounds = np.zeros((nb * T, 2))
    bounds[:, 1] = np.inf
    bounds[U, 1] = max(flex.green_max_kw, float(a.max(initial=0.0)))
    bounds[Y, 1] = max(flex.thermal_max_kw, float(b.max(initial=0.0)))
    bounds[F, 1] = 1.0
    bounds[S, 1] = kb
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method=METHOD)
    if res.status != 0:
        raise RuntimeError(f"optimal bound: HiGHS did not solve the programme ({res.message})")
    x = res.x
    load = flex.fixed_kw + x[U] + x[Y] + kb - x[S]
    base = flex.fixed_kw + a + b + kb
    reserve = max(flex.reserve_per_home_kwmin, 1e-9)
    return PhaseSchedule(load_kw=load, over_kw=np.maximum(load - flex.cap_kw, 0.0),
                         comfort_home_min=float(x[E].sum() / reserve), not_served_kwh=float(x[S].sum() / 60.0),
                         pending_kwh=float(x[Q[-1]] / 60.0), shifted_kwh=float(np.maximum(base - load, 0).sum() / 60))


@dataclass
class BoundResult:
    """The programme's schedule over the three phases.

    Attributes:
        participation: Share of homes taking part.
        phase_loading_pct: (3, T) loading of each phase.
        p_trafo_kw: (T,) homes' demand (the uncontrolled run's losses added).
        comfort_violation_minutes: Lower bound of home-minutes out of comfort.
        energy_not_served_kwh: Kettle/microwave energy dropped.
        energy_pending_end_kwh: GREEN still waiting at the end.
        energy_shifted_kwh: Energy taken out of minutes.
    """

    participation: float
    phase_loading_pct: np.ndarray
    p_trafo_kw: np.ndarray
    comfort_violation_minutes: float
    energy_not_served_kwh: float
    energy_pending_end_kwh: float
    energy_shifted_kwh: float

    @property
    def loading_pct(self) -> np.ndarray:
        """(T,) worst phase loading."""
        return self.phase_loading_pct.max(axis=0)


def optimal_bound(none_run, participants: np.ndarray, weights: np.ndarray, kettle_kw: np.ndarray,
                  thermal_reserve_kwmin: np.ndarray, green_rated_kw: np.ndarray, thermal_rated_kw: np.ndarray,
                  yellow_max_off_min: int, decay_per_min: float, participation: float) -> BoundResult:
    """The bound at one participation, from the uncontrolled run.

    Args:
        none_run: The uncontrolled :class:`~twin.control.closed_loop.StrategyRun` (with ``p_kw_by_class``).
        participants: (n,) bool.
        weights: (n, 3) phase shares of each home.
        kettle_kw: (n, T) switched kettle and microwave power without control (0 where not switched).
        thermal_reserve_kwmin: (n,) heat deficit each home absorbs within its comfort band.
        green_rated_kw, thermal_rated_kw: (n,) rated switched GREEN and thermal YELLOW power.
        yellow_max_off_min: The module guard's limit.
        decay_per_min: Decay of a heat deficit per minute (1 / building time constant).
        participation: Reported with the result.
    """
    part = np.asarray(participants, dtype=bool)
    p = none_run.p_kw
    green = none_run.p_kw_by_class["GREEN"]
    thermal = np.maximum(none_run.p_kw_by_class["YELLOW"] - kettle_kw, 0.0)
    wp = weights * part[:, None]
    phase_kw = weights.T @ p
    load_pct = none_run.phase_loading_pct
    per_kw_mean = load_pct.sum(axis=1) / np.maximum(np.abs(phase_kw).sum(axis=1), 1e-9)
    per_kw = np.where(np.abs(phase_kw) > 1.0, load_pct / np.where(np.abs(phase_kw) > 1.0, phase_kw, 1.0),
                      per_kw_mean[:, None])
    T = p.shape[1]
    out = np.zeros((3, T))
    comfort = ens = pending = shifted = 0.0
    reserve_max = float(thermal_reserve_kwmin[part].max()) if part.any() else 1.0
    for ph in range(3):
        g, y, k = wp[:, ph] @ green, wp[:, ph] @ thermal, wp[:, ph] @ kettle_kw
        flex = PhaseFlex(fixed_kw=phase_kw[ph] - g - y - k, green_kw=g, thermal_kw=y, event_kw=k,
                         cap_kw=100.0 / per_kw[ph], green_max_kw=float(wp[:, ph] @ green_rated_kw),
                         thermal_max_kw=float(wp[:, ph] @ thermal_rated_kw),
                         comfort_reserve_kwmin=float(wp[:, ph] @ thermal_reserve_kwmin),
                         reserve_per_home_kwmin=reserve_max)
        if not part.any() or (g.max(initial=0) + y.max(initial=0) + k.max(initial=0)) <= 0:
            out[ph] = load_pct[ph]
            continue
        sched = solve_phase(flex, yellow_max_off_min, decay_per_min)
        out[ph] = sched.load_kw * per_kw[ph]
        comfort += sched.comfort_home_min
        ens += sched.not_served_kwh
        pending += sched.pending_kwh
        shifted += sched.shifted_kwh
    demand = p.sum(axis=0) + (none_run.p_trafo_kw - p.sum(axis=0))
    scale = np.where(load_pct.sum(axis=0) > 0, out.sum(axis=0) / np.maximum(load_pct.sum(axis=0), 1e-9), 1.0)
    return BoundResult(participation=participation, phase_loading_pct=out, p_trafo_kw=demand * scale,
                       comfort_violation_minutes=comfort, energy_not_served_kwh=ens, energy_pending_end_kwh=pending,
                       energy_shifted_kwh=shifted)


def bound_inputs(study) -> dict:
    """What :func:`optimal_bound` needs from a study (everything but the participants)."""
    from twin.control.forecast import phase_weights

    fleet, dr = study.fleet, study.plan.cfg
    hp, hh = fleet.homes, fleet.cfg
    ev = fleet.events
    kettle = np.zeros_like(ev.kettle_kw, dtype=float)
    if "kettle" in dr.controllable_yellow:
        kettle = kettle + ev.kettle_kw
    if "microwave" in dr.controllable_yellow:
        kettle = kettle + ev.microwave_kw
    thermal_on = any(d in dr.controllable_yellow for d in ("hvac", "fridge"))
    band_c = hh.thermostat_deadband_c / 2 + hh.comfort_band_c
    heated = np.asarray(hp.has_space_heating) | np.asarray(hp.has_ac)
    reserve = np.where(heated, np.asarray(hp.c_kwh_per_k) * band_c * 60.0, 0.0)
    return {"weights": phase_weights([c.phase for c in study.site.consumers]),
            "kettle_kw": kettle[:, :fleet.minutes],
            "thermal_reserve_kwmin": reserve,
            "green_rated_kw": study.plan.green_rated_kw if dr.control_green else np.zeros(fleet.n),
            "thermal_rated_kw": (fleet.yellow_rating_kw[:, 0] + fleet.yellow_rating_kw[:, 1]) * thermal_on,
            "yellow_max_off_min": dr.guard.yellow_max_off_min,
            "decay_per_min": 1.0 / (60.0 * hh.building_time_constant_h)}


@dataclass
class UncontrolledRun:
    """What the programme reads from the uncontrolled run (a small, picklable copy)."""

    p_kw: np.ndarray
    p_kw_by_class: dict[str, np.ndarray]
    phase_loading_pct: np.ndarray
    p_trafo_kw: np.ndarray


def bounds_for(none_run, participants: list[np.ndarray], participations: list[float],
               inputs: dict) -> list[BoundResult]:
    """The bound at several participations (one call, so it can run in a worker process)."""
    return [optimal_bound(none_run, m, participation=p, **inputs) for m, p in zip(participants, participations)]


def start_bounds(none_run, participants: list[np.ndarray], participations: list[float], inputs: dict):
    """Starts :func:`bounds_for` in one worker process (the closed loops use one core; the LPs take the other).

    Returns:
        A future whose ``result()`` is the list of :class:`BoundResult`.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    by_class = {k: none_run.p_kw_by_class[k] for k in ("GREEN", "YELLOW")}
    slim = UncontrolledRun(p_kw=none_run.p_kw, p_kw_by_class=by_class, phase_loading_pct=none_run.phase_loading_pct,
                           p_trafo_kw=none_run.p_trafo_kw)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"))
    future = pool.submit(bounds_for, slim, participants, participations, inputs)
    pool.shutdown(wait=False)
    return future
