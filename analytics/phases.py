"""Phase balancing: which consumers to move to another phase, which to give three phases.

DOMAIN.md (balance analytics): "per-phase losses in in-building networks;
recommend the best distribution of consumers across phases, and which consumers
should get two or three phases". :func:`recommend` does it in two stages.

1. **Search on a proxy** (numpy, milliseconds per step). The consumers'
   complex demand ``S = P + jQ`` is averaged into blocks of ``search_minutes``
   (15 min by default). For every network section ``b`` (each LV line, lines
   grouped by the set of consumers downstream of them; the first section is the
   transformer plus the trunk every consumer hangs on) the proxy adds up the
   squared deviation of the section's three phase loads from their three-phase
   mean over time, weighted by the section's resistance::

       J = Σ_b w_b · Σ_t Δt · Σ_p |L_b,p(t) − mean_p L_b,p(t)|² · 1e3/V²

   With the head section alone this is the plain "sum of squared deviations of
   the aggregate phase loads" (the *head* proxy). Why the weights: a section
   with sequence resistances r1, r0 carrying phase currents whose magnitudes
   deviate by ``dev_p`` from their mean (equal power factors, 120° apart) loses
   ``3·r1·mean² + (r1 + r0)/2 · Σ_p dev_p²``; the second term is what phase
   balancing can remove, so with ``w_b = (r1 + r0)/2 · length`` (plus the
   transformer's resistance on the head) J is a kWh estimate of the losses
   caused by unbalance at nominal voltage (the *network* proxy). On the IEEE
   feeder day at one-minute resolution its ΔJ for single moves matches the
   power flow's change of losses with correlation 1.00 and slope 0.98.
   Objective ``"losses"`` uses the network proxy. Objective ``"unbalance"``
   runs the whole search with the head proxy and with the network proxy and
   keeps the plan the power flow finds better (the head balance did better
   for the largest VUF on the IEEE feeder and a small district, the network
   one on a 432-flat district). Without a network topology in the site the
   head proxy is the only one.

   Search: greedy best-improvement moves of single-phase consumers to another
   phase (the exact ΔJ of every candidate comes from one matrix product), then
   an exchange local search (take one planned move back and put the best
   other move in its place while J falls). ``ABC`` consumers never move, a
   consumer moves at most once.

2. **Proof with the unbalanced power flow** (the engine). The proxy's plan
   is solved move by move, in the greedy order, at full resolution: a move is
   kept only when the power flow confirms that it improves the criterion
   (objective ``"losses"``: energy lost; ``"unbalance"``: the largest VUF at
   the consumer buses, rounded to 0.001 %, then the losses) over the moves
   accepted before it. A rejected move is banned and the rest of the budget is
   planned again from the accepted state; the search stops after ``max_moves``
   accepted moves, after ``max_rejections`` rejected ones, or when the proxy
   finds no improving move.

   One engine is built by ``engine_factory`` for a *probe* site in which every
   consumer is replaced by three single-phase loads at its bus, one per phase:
   any phase assignment, including ``ABC`` (a third on each phase, exactly how
   the engine models a three-phase consumer), is then just a routing of the
   demand rows, so every proposal is solved without rebuilding the network
   (building a pandapower net takes seconds, a day's solve a few hundredths).
   The probe is mathematically the same circuit as the engine built for the
   site with the moved phases (equal to ~1e-15 on the IEEE feeder); its solves
   are warm-started from the first one.

   Finally (``verify=True``) the engine factory builds the site's own engines
   before and after the plan and solves them with network outputs: the
   summary's before/after figures come from these two runs (``verify=False``:
   from the probe solved with network outputs, the same numbers).

Three-phase candidates: single-phase consumers (with their phase after the
plan) whose peak exceeds ``three_phase_min_peak_kw``, or whose own load makes
up at least ``dominance_share`` of its phase's excess over the three-phase mean
in its balance group (``Consumer.group_id``: the entrance of a flat, the
feeder of an IEEE house). They are ranked by the proxy's ΔJ of connecting them
as ``ABC``; the best ``max_three_phase`` are solved as ``ABC`` on top of the
plan, one at a time; those that improve the criterion are then added one by
one (best first) to a combined set, each kept only when the set improves
(``recommended``). Two-phase supplies are not assessed: the site format and
the engine know single-phase and balanced three-phase connections only.

Output frame (``phase_moves.csv``), one row per recommendation:

* ``action == "move"`` rows, in the order the plan applies them; the figures
  are **cumulative**: ``*_before`` is the state with the previous moves applied,
  ``*_after`` with this one too (the first row's before is the site as is, the
  last row's after the whole plan). Every move was confirmed in that order, so
  the criterion falls row by row.
* ``action == "three_phase"`` rows: ``from_phase`` is the consumer's phase
  after the plan, ``to_phase`` is ``ABC``; ``*_before`` is the whole plan,
  ``*_after`` the plan plus this one consumer as ``ABC`` (each row on its own,
  not cumulative); ``recommended`` marks the combined set; recommended rows
  first, then by losses after.
* ``vuf_max_*_pct`` in the rows is the largest VUF over time at the consumer
  buses (the supply points, where EN 50160 applies); the summary's
  ``vuf_max_*_pct`` is over every bus of the network. On a radial feeder the
  two agree (verified on the IEEE feeder at every minute).
* Losses are LV lines plus transformer, kWh over the horizon.
* ``recommended``: True on move rows; on three-phase rows, member of the
  combined set. ``reason``: why the row is there, with the proxy's ΔJ and (for
  moves) the power flow's change.

Summary keys: ``moves``, ``losses_before_kwh``, ``losses_after_kwh``,
``loss_reduction_pct``, ``vuf_max_before_pct``, ``vuf_max_after_pct``,
``neutral_peak_before_a``, ``neutral_peak_after_a``,
``loading_peak_before_pct``, ``loading_peak_after_pct``, the search counts
(``proposed_moves``, ``rejected_moves``), the proxy's figures, the three-phase
candidates and their combined effect, ``plan`` (the moves as dicts) and
timings.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from grid_model import losses as grid_losses
from grid_model.engine.errors import ConvergenceError
from grid_model.engine.ybus import trafo_flows
from scenarios.errors import InputError
from scenarios.site import Site

#: File name of the recommendation frame.
PHASE_MOVES_CSV = "phase_moves.csv"
#: Columns of the recommendation frame.
COLUMNS = ["consumer_id", "bus", "from_phase", "to_phase", "action", "peak_kw", "energy_kwh", "losses_before_kwh",
           "losses_after_kwh", "vuf_max_before_pct", "vuf_max_after_pct", "recommended", "reason"]
#: Objectives :class:`PhaseBalanceConfig` accepts.
OBJECTIVES = ("losses", "unbalance")
#: Phase labels; index 3 is the three-phase connection.
_LABELS = ("A", "B", "C", "ABC")
#: Separator of the probe site's per-phase load names (``<consumer>~A``).
_PROBE_SEP = "~"
#: VUF resolution of the ``"unbalance"`` criterion, %.
_VUF_ROUND_PCT = 1e-3
#: Relative tolerance below which a criterion change counts as no change.
_REL_TOL = 1e-9
#: Passes of the exchange local search on the proxy.
_LOCAL_SEARCH_PASSES = 5
#: Complex values per column chunk of the probe's fixed point.
_CHUNK_ELEMENTS = 4_000_000


@dataclass
class PhaseBalanceConfig:
    """Settings of the phase-balance recommendation.

    Attributes:
        max_moves: Most single-phase consumers moved to another phase.
        three_phase_min_peak_kw: Single-phase consumers above this peak are
            candidates for a three-phase supply.
        objective: ``"losses"`` (energy lost in the LV network and the
            transformer) or ``"unbalance"`` (largest VUF at the consumer buses,
            then losses): what the power flow must confirm, and which proxy
            proposes (module docstring).
        dominance_share: A single-phase consumer whose load makes up at least
            this share of its phase's excess over the three-phase mean in its
            balance group is a three-phase candidate too.
        step_minutes: Length of one column of ``p_kw``; ``None``: the series is
            one day when T divides 1440 (T=24 hourly, 96 quarter-hourly, 1440
            one-minute), else one-minute steps.
        search_minutes: Block length the proxy search averages the demand
            over; the proof uses the full series. 15-minute means keep most
            of the within-hour unbalance (on the IEEE feeder day the unbalance
            part of the losses is 1.47 kWh at 1 min, 1.01 kWh at 15 min, 0.68
            kWh at 60 min) at a few times the cost of hourly means.
        max_rejections: Most proposals the power flow may reject before the
            search stops; ``None``: ``max_moves``.
        max_three_phase: Most three-phase candidates solved with the power
            flow (the best by the proxy).
        verify: Build the real engines of the site before and after the plan
            (two more ``engine_factory`` calls, a few seconds each) for the
            summary; ``False``: solve the probe (the same circuit) with network
            outputs instead.
    """

    max_moves: int = 10
    three_phase_min_peak_kw: float = 7.0
    objective: str = "losses"
    dominance_share: float = 0.5
    step_minutes: Optional[float] = None
    search_minutes: float = 15.0
    max_rejections: Optional[int] = None
    max_three_phase: int = 10
    verify: bool = True

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise InputError(f"phases.objective: '{self.objective}' is not one of {', '.join(OBJECTIVES)}")
        if int(self.max_moves) != self.max_moves or self.max_moves < 0:
            raise InputError(f"phases.max_moves: must be a whole number ≥ 0, got {self.max_moves}")
        for key in ("max_rejections", "max_three_phase"):
            value = getattr(self, key)
            if (value is None and key == "max_three_phase") or \
                    (value is not None and (int(value) != value or value < 0)):
                raise InputError(f"phases.{key}: must be a whole number ≥ 0, got {value}")
        if not self.three_phase_min_peak_kw > 0:
            raise InputError(f"phases.three_phase_min_peak_kw: must be positive, got {self.three_phase_min_peak_kw}")
        if not 0.0 < self.dominance_share <= 1.0:
            raise InputError(f"phases.dominance_share: must be within (0, 1], got {self.dominance_share}")
        if self.step_minutes is not None and not self.step_minutes > 0:
            raise InputError(f"phases.step_minutes: must be positive, got {self.step_minutes}")
        if not self.search_minutes > 0:
            raise InputError(f"phases.search_minutes: must be positive, got {self.search_minutes}")


@dataclass
class PhaseMove:
    """One recommended change of a consumer's connection.

    Attributes:
        consumer_id: The consumer.
        from_phase: Its phase before.
        to_phase: Its phase after (``"ABC"`` for a three-phase supply).
        reason: Why, in words, with the proxy's and the power flow's numbers.
    """

    consumer_id: str
    from_phase: str
    to_phase: str
    reason: str


@dataclass
class _Metrics:
    """Power-flow figures of one phase assignment."""

    losses_kwh: float
    vuf_max_pct: float
    neutral_peak_a: float
    loading_peak_pct: float


def default_engine_factory(grid_cfg: Any = None) -> Callable[[Site], Any]:
    """Engine factory of the twin: :func:`twin.pipeline.build_engine` with ``grid_cfg``.

    Args:
        grid_cfg: A :class:`twin.config.GridConfig` (or the ``grid`` config
            node); ``None``: the defaults.
    """
    from twin.config import GridConfig
    from twin.pipeline import build_engine

    cfg = GridConfig() if grid_cfg is None else grid_cfg

    def factory(site: Site):
        return build_engine(cfg, site)[1]

    return factory


def apply_phases(site: Site, phases: dict[str, str]) -> Site:
    """Returns a copy of ``site`` whose consumers in ``phases`` have the new phase.

    Consumers are copied with :func:`dataclasses.replace`; the site's meters
    are left as they are (the engine reads the consumers).
    """
    unknown = set(phases) - {c.consumer_id for c in site.consumers}
    if unknown:
        raise InputError(f"apply_phases: unknown consumer '{sorted(unknown)[0]}'")
    consumers = [replace(c, phase=phases[c.consumer_id]) if c.consumer_id in phases else c for c in site.consumers]
    return replace(site, consumers=consumers)


def plan_phases(frame: pd.DataFrame) -> dict[str, str]:
    """The new phase of every consumer the frame's ``move`` rows move."""
    moves = frame[frame["action"] == "move"]
    return dict(zip(moves["consumer_id"], moves["to_phase"]))


def write_phase_moves(out_dir: str | Path, frame: pd.DataFrame) -> Path:
    """Writes the frame as ``phase_moves.csv`` in ``out_dir``; returns the path."""
    path = Path(out_dir) / PHASE_MOVES_CSV
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------
# proxy


def _step_minutes(cfg: PhaseBalanceConfig, n_steps: int) -> float:
    if cfg.step_minutes is not None:
        return float(cfg.step_minutes)
    return 1440.0 / n_steps if 1440 % n_steps == 0 else 1.0


def _block_means(x: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of consecutive column blocks and each block's column count."""
    n_steps = x.shape[1]
    starts = np.arange(0, n_steps, block)
    sums = np.add.reduceat(x, starts, axis=1)
    counts = np.diff(np.append(starts, n_steps)).astype(float)
    return sums / counts, counts


@dataclass
class _Topology:
    """The radial network as seen by the proxy.

    Attributes:
        a: (n_consumers, n_sections) 0/1, consumer downstream of the section;
            lines with the same downstream consumers are one section; the
            first section (all consumers) holds the transformer and the trunk.
        r_ohm: Loss weight ``(r1 + r0)/2 · length`` of each section (plus the
            transformer's resistance on the first), ohm.
        v_ph: Nominal LV phase voltage, V.
        kind: ``"network"``, or ``"head"`` when only the first section is kept
            (the feeder-head balance; also used when the site has no usable
            topology).
    """

    a: sp.csr_matrix
    r_ohm: np.ndarray
    v_ph: float
    kind: str


def _head(n: int, r_ohm: float, v_ph: float) -> _Topology:
    """The aggregate (feeder-head) section alone."""
    return _Topology(sp.csr_matrix(np.ones((n, 1))), np.array([r_ohm]), v_ph, "head")


def _topology(site: Site) -> _Topology:
    """Sections of the site's radial LV network, from the transformer down."""
    n = len(site.consumers)
    net = site.network
    if net is None:
        return _head(n, 1.0, 230.0)
    tr = net.transformer
    v_ll = tr.vn_lv_kv * 1e3
    v_ph = v_ll / math.sqrt(3.0)
    r_tr = tr.r_percent / 100.0 * v_ll * v_ll / (tr.sn_kva * 1e3)
    adjacency: dict[str, list[tuple[str, int]]] = {}
    for k, line in enumerate(net.lines):
        adjacency.setdefault(line.from_bus, []).append((line.to_bus, k))
        adjacency.setdefault(line.to_bus, []).append((line.from_bus, k))
    parent: dict[str, tuple[str, int] | None] = {tr.lv_bus: None}
    queue = [tr.lv_bus]
    while queue:
        bus = queue.pop()
        for other, k in adjacency.get(bus, []):
            if other not in parent:
                parent[other] = (bus, k)
                queue.append(other)
    if any(c.bus not in parent for c in site.consumers) or any(ln.linecode not in net.linecodes for ln in net.lines):
        return _head(n, r_tr, v_ph)
    downstream: dict[int, list[int]] = {}
    for i, c in enumerate(site.consumers):
        step = parent[c.bus]
        while step is not None:
            bus, k = step
            downstream.setdefault(k, []).append(i)
            step = parent[bus]
    sections: dict[tuple[int, ...], float] = {tuple(range(n)): r_tr}
    for k, members in downstream.items():
        line = net.lines[k]
        code = net.linecodes[line.linecode]
        key = tuple(sorted(members))
        sections[key] = sections.get(key, 0.0) + 0.5 * (code.r1_ohm_per_km + code.r0_ohm_per_km) * line.length_m / 1e3
    rows, cols = [], []
    for j, key in enumerate(sections):
        rows.extend(key)
        cols.extend([j] * len(key))
    a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(sections)))
    return _Topology(a, np.fromiter(sections.values(), float), v_ph, "network")


class _Proxy:
    """Resistance-weighted squared phase-load deviation of every section.

    ``J = Σ_b w_b Σ_t Δt Σ_p |L_b,p − mean|² · 1e3/V²``: the losses caused by
    unbalance, kWh, at nominal voltage (loads in kVA, weights in ohm); with the
    head section alone, the losses the feeder-head unbalance causes there.
    """

    def __init__(self, s_kva: np.ndarray, hours: np.ndarray, phase: np.ndarray, topo: _Topology):
        a = topo.a
        self.x = s_kva                                    # (n, T) complex
        self.hours = hours                                # (T,)
        self.a_dense = a.toarray()                        # (n, nb)
        self.w = topo.r_ohm
        self.aw = self.a_dense * self.w[None, :]          # (n, nb)
        self.scale = 1e3 / (topo.v_ph * topo.v_ph)        # kVA²·Ω → kW
        self.phase = phase.copy()
        self.loads = np.zeros((a.shape[1], 3, s_kva.shape[1]), dtype=complex)
        for p in range(3):
            on = phase == p
            self.loads[:, p] = a[on].T @ s_kva[on]
        self.self_term = self.aw.sum(axis=1) * (np.abs(s_kva) ** 2 @ hours)

    def value(self) -> float:
        """J in kWh."""
        dev = self.loads - self.loads.mean(axis=1, keepdims=True)
        per_section = (np.abs(dev) ** 2).sum(axis=1) @ self.hours
        return float(self.scale * self.w @ per_section)

    def _weighted_cross(self) -> np.ndarray:
        """(n, 3) ``G[i, r] = Σ_b∋i w_b Σ_t Δt Re(conj(x_i) L_b,r)``."""
        xw = np.conj(self.x) * self.hours[None, :]
        nb, _, n_steps = self.loads.shape
        cross = (xw @ self.loads.reshape(nb * 3, n_steps).T).real.reshape(len(xw), nb, 3)
        return np.einsum("ib,ibp->ip", self.aw, cross)

    def deltas(self) -> np.ndarray:
        """(n, 3) change of J when single-phase consumer i moves to phase q (inf where not allowed).

        ``Σ_r |L_r|²`` changes by ``2 Re(x̄ (L_q − L_p)) + 2 |x|²`` on each
        section upstream of i (the three-phase total is unchanged, so this is
        also the change of the squared deviations).
        """
        g = self._weighted_cross()
        out = np.full((len(self.phase), 3), np.inf)
        idx = np.flatnonzero(self.phase < 3)
        own = g[idx, self.phase[idx]]
        out[idx] = 2.0 * (g[idx] - own[:, None]) + 2.0 * self.self_term[idx, None]
        out[idx, self.phase[idx]] = np.inf
        return self.scale * out

    def abc_deltas(self) -> np.ndarray:
        """(n,) change of J when single-phase consumer i becomes ``ABC`` (inf for ``ABC`` ones).

        Phase p loses ``2x/3``, the other two gain ``x/3``:
        ``ΔΣ|L_r|² = (2/3)·Σ_r G_r − 2·G_p + (2/3)·|x|²`` per section.
        """
        g = self._weighted_cross()
        out = np.full(len(self.phase), np.inf)
        idx = np.flatnonzero(self.phase < 3)
        own = g[idx, self.phase[idx]]
        out[idx] = (2.0 / 3.0) * g[idx].sum(axis=1) - 2.0 * own + (2.0 / 3.0) * self.self_term[idx]
        return self.scale * out

    def move(self, i: int, q: int) -> None:
        """Moves single-phase consumer i to phase q."""
        p = self.phase[i]
        sections = np.flatnonzero(self.a_dense[i])
        self.loads[sections, p] -= self.x[i]
        self.loads[sections, q] += self.x[i]
        self.phase[i] = q


def _best_move(proxy, banned: np.ndarray) -> tuple[int, int, float]:
    delta = proxy.deltas()
    delta[banned] = np.inf
    k = int(np.argmin(delta))
    i, q = divmod(k, 3)
    return i, q, float(delta[i, q])


def _plan_on_proxy(proxy, budget: int, banned: np.ndarray) -> list[tuple[int, int, float]]:
    """Up to ``budget`` moves minimising the proxy: greedy, then exchange local search.

    Exchange: take one planned move back and put in the best move instead
    (possibly the same consumer to its other phase) while that lowers J; the
    budget is refilled greedily after a move is dropped. The plan is returned
    in greedy order (each move the best next one given the earlier ones) with
    each move's ΔJ in that order; the proxy is left as it was.
    """
    origin = proxy.phase.copy()
    tol = _REL_TOL * max(abs(proxy.value()), 1e-300)
    plan: dict[int, int] = {}

    def ban() -> np.ndarray:
        out = banned.copy()
        out[list(plan)] = True
        return out

    def fill() -> bool:
        added = False
        while len(plan) < budget:
            i, q, dj = _best_move(proxy, ban())
            if not np.isfinite(dj) or dj >= -tol:
                break
            proxy.move(i, q)
            plan[i] = q
            added = True
        return added

    fill()
    for _ in range(_LOCAL_SEARCH_PASSES):
        improved = False
        for j in list(plan):
            j_now = proxy.value()
            q_old = plan.pop(j)
            proxy.move(j, origin[j])
            j_back = proxy.value()
            i, q, dj = _best_move(proxy, ban())
            if np.isfinite(dj) and j_back + dj < j_now - tol and (i, q) != (j, q_old):
                proxy.move(i, q)
                plan[i] = q
                improved = True
            elif j_back < j_now - tol:
                improved = True
            else:
                proxy.move(j, q_old)
                plan[j] = q_old
        improved = fill() or improved
        if not improved:
            break
    for i in plan:
        proxy.move(i, origin[i])
    ordered: list[tuple[int, int, float]] = []
    remaining = dict(plan)
    while remaining:
        delta = proxy.deltas()
        ids = np.array(list(remaining))
        gains = delta[ids, [remaining[i] for i in ids]]
        k = int(np.argmin(gains))
        i = int(ids[k])
        proxy.move(i, remaining.pop(i))
        ordered.append((i, plan[i], float(gains[k])))
    for i, _, _ in ordered:
        proxy.move(i, origin[i])
    return ordered


# ---------------------------------------------------------------------------
# power flow on the probe engine


def _engine_of(built: Any) -> Any:
    """Accepts factories returning the engine or ``(net, engine)``."""
    return built[-1] if isinstance(built, tuple) else built


class _Probe:
    """Engine of the site with one load per consumer and phase; solves any assignment."""

    def __init__(self, site: Site, engine_factory: Callable[[Site], Any], p_kw: np.ndarray, q_kvar: np.ndarray,
                 step_h: float):
        consumers = [replace(c, consumer_id=f"{c.consumer_id}{_PROBE_SEP}{ph}", phase=ph)
                     for c in site.consumers for ph in "ABC"]
        self.engine = _engine_of(engine_factory(replace(site, consumers=consumers)))
        index = {c.consumer_id: i for i, c in enumerate(site.consumers)}
        rows = []
        for name in self.engine.load_names:
            cid, ph = name.rsplit(_PROBE_SEP, 1)
            rows.append((index[cid], "ABC".index(ph)))
        self.row_consumer = np.array([r[0] for r in rows])
        self.row_phase = np.array([r[1] for r in rows])
        self.p, self.q, self.step_h = p_kw, q_kvar, step_h
        self.cache: dict[tuple[int, ...], _Metrics] = {}
        term = self.engine.terminals
        first: dict[int, int] = {}
        for k, node in enumerate(term.term_node):
            first.setdefault(int(node), k)
        buses = np.unique(term.term_node // 3)
        self.bus_terms = np.array([[first[3 * b + ph] for ph in range(3)] for b in buses])
        self.v_warm: np.ndarray | None = None
        self.warm = False

    def routing(self, assign: np.ndarray) -> sp.csr_matrix:
        """(rows, n) matrix mapping consumer demand to the probe's loads."""
        a = assign[self.row_consumer]
        frac = np.where(a == 3, 1.0 / 3.0, (a == self.row_phase).astype(float))
        keep = frac > 0
        return sp.csr_matrix((frac[keep], (np.flatnonzero(keep), self.row_consumer[keep])),
                             shape=(len(a), len(assign)))

    def metrics(self, assign: np.ndarray) -> _Metrics:
        """Losses, largest consumer-bus VUF, neutral and loading peaks of one assignment (cached)."""
        key = tuple(int(v) for v in assign)
        if key not in self.cache:
            r = self.routing(assign)
            try:
                self.cache[key] = self._solve(np.asarray(r @ self.p), np.asarray(r @ self.q))
            except ConvergenceError:
                self.cache[key] = _Metrics(math.inf, math.inf, math.inf, math.inf)
        return self.cache[key]

    def _solve(self, p: np.ndarray, q: np.ndarray) -> _Metrics:
        """One fixed point per column chunk, warm-started from the first solve.

        The outputs are computed as the engine's own time-series and
        closed-loop paths compute them (``batch._Accumulator.add_terminals``,
        ``Stepper.step``), without the per-consumer loss shares.
        """
        eng = self.engine
        term, trafo = eng.terminals, eng.model.trafo
        s_term = term.terminal_power(p, q)
        n_term, n_steps = s_term.shape
        if self.v_warm is None:
            self.v_warm = np.repeat(eng.system.v0_term[:, None], n_steps, axis=1)
        cols = max(1, _CHUNK_ELEMENTS // max(1, n_term))
        loss_w = np.empty(n_steps)
        neutral = np.empty(n_steps)
        i_max = np.empty(n_steps)
        vuf_t = np.empty(n_steps)
        for c0 in range(0, n_steps, cols):
            c1 = min(n_steps, c0 + cols)
            v_term, i_term, _ = eng.fixed_point(s_term[:, c0:c1], self.v_warm[:, c0:c1], c0)
            if not self.warm:
                self.v_warm[:, c0:c1] = v_term
            v_mon = eng.system.monitored_voltages(i_term)
            v_lv, v_hv = v_mon[:3], v_mon[3:]
            i_lw, loss_tr = trafo_flows(trafo, v_hv, v_lv)
            loss_line = grid_losses.line_loss_by_phase_w(v_lv, v_term, i_term, term.term_phase, eng.phase_sum)
            loss_w[c0:c1] = (loss_line + loss_tr).sum(axis=0)
            neutral[c0:c1] = np.abs(i_lw.sum(axis=0))
            i_max[c0:c1] = np.abs(i_lw).max(axis=0)
            vuf_t[c0:c1] = grid_losses.voltage_unbalance_pct(v_term[self.bus_terms]).max(axis=0)
        self.warm = True
        return _Metrics(float(loss_w.sum() / 1e3 * self.step_h), float(vuf_t.max()), float(neutral.max()),
                        float(100.0 * i_max.max() / trafo.i_rated_lv_a))


def _criterion(m: _Metrics, objective: str) -> tuple[float, float]:
    if objective == "losses":
        return (m.losses_kwh, 0.0)
    return (round(m.vuf_max_pct / _VUF_ROUND_PCT) * _VUF_ROUND_PCT, m.losses_kwh)


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Strictly better beyond the relative tolerance."""
    for x, y in zip(a, b):
        if x < y - _REL_TOL * max(abs(y), 1e-12):
            return True
        if x > y + _REL_TOL * max(abs(y), 1e-12):
            return False
    return False


@dataclass
class _Search:
    """Outcome of the proxy-proposes, power-flow-confirms search."""

    accepted: list[tuple[int, int, float]]   # (consumer, new phase, proxy ΔJ) in order
    proposed: int
    rejected: int
    state: np.ndarray


def _search_moves(proxy, probe: _Probe, base: np.ndarray, cfg: PhaseBalanceConfig) -> _Search:
    """Proxy plans (greedy + local search), each move accepted only when the power flow confirms it.

    The proxy's plan for the remaining budget is checked move by move in its
    greedy order; a rejected move is banned and the rest of the budget is
    planned again from the accepted state.
    """
    state = base.copy()
    crit = _criterion(probe.metrics(state), cfg.objective)
    max_rej = int(cfg.max_moves if cfg.max_rejections is None else cfg.max_rejections)
    banned = np.zeros((len(base), 3), dtype=bool)
    banned[base == 3] = True
    accepted: list[tuple[int, int, float]] = []
    proposed = rejected = 0
    while len(accepted) < cfg.max_moves:
        plan = _plan_on_proxy(proxy, int(cfg.max_moves) - len(accepted), banned)
        if not plan:
            break
        replan = False
        for i, q, dj in plan:
            proposed += 1
            trial = state.copy()
            trial[i] = q
            c = _criterion(probe.metrics(trial), cfg.objective)
            if _better(c, crit):
                proxy.move(i, q)
                accepted.append((i, q, dj))
                state, crit = trial, c
                banned[i] = True
            else:
                rejected += 1
                banned[i, q] = True
                replan = True
                break
        if not replan or rejected >= max_rej:
            break
    return _Search(accepted, proposed, rejected, state)


# ---------------------------------------------------------------------------
# three-phase candidates


def _dominance(site: Site, p_kw: np.ndarray, assign: np.ndarray) -> np.ndarray:
    """Each single-phase consumer's share of its phase's excess over the mean in its group."""
    n = len(site.consumers)
    share = np.zeros(n)
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(site.consumers):
        groups.setdefault(c.group_id, []).append(i)
    for members in groups.values():
        idx = np.array(members)
        loads = np.zeros((3, p_kw.shape[1]))
        for p in range(3):
            on = idx[assign[idx] == p]
            loads[p] = p_kw[on].sum(axis=0)
        three = idx[assign[idx] == 3]
        if len(three):
            loads += p_kw[three].sum(axis=0)[None, :] / 3.0
        excess = np.maximum(loads - loads.mean(axis=0, keepdims=True), 0.0)
        total = excess.sum(axis=1)
        for i in idx:
            p = assign[i]
            if p < 3 and total[p] > 0:
                share[i] = float(np.minimum(p_kw[i], excess[p]).sum() / total[p])
    return share


# ---------------------------------------------------------------------------
# main entry


def _check_inputs(site: Site, p_kw, q_kvar) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p_kw, dtype=float)
    q = np.asarray(q_kvar, dtype=float)
    n = len(site.consumers)
    if n == 0:
        raise InputError(f"site '{site.name}': has no consumers")
    if p.ndim != 2 or p.shape[0] != n or q.shape != p.shape or p.shape[1] == 0:
        raise InputError(f"p_kw and q_kvar must both have shape ({n}, T) with T ≥ 1, got {p.shape} and {q.shape}")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))):
        raise InputError("p_kw/q_kvar contain nan or inf")
    for c in site.consumers:
        if c.phase not in _LABELS:
            raise InputError(f"consumer {c.consumer_id}: phase '{c.phase}' is not one of {', '.join(_LABELS)}")
    return p, q


def _network_metrics(engine: Any, p: np.ndarray, q: np.ndarray, step_h: float) -> _Metrics:
    """Solves an engine with network outputs (VUF over every bus)."""
    res = engine.solve_day(p, q, network_outputs=True)
    return _Metrics(float(res.p_loss_kw.sum() * step_h), float(np.nanmax(res.vuf_pct)),
                    float(res.i_trafo_neutral_a.max()), float(res.loading_pct.max()))


def _real_metrics(engine: Any, site: Site, p: np.ndarray, q: np.ndarray, step_h: float) -> _Metrics:
    """Solves the site's own engine (rows matched by consumer id) with network outputs."""
    index = {c.consumer_id: i for i, c in enumerate(site.consumers)}
    order = [index[name] for name in engine.load_names]
    return _network_metrics(engine, p[order], q[order], step_h)


def _probe_network_metrics(probe: _Probe, assign: np.ndarray) -> _Metrics:
    """The probe solved with network outputs: the same figures as the site's own engine."""
    r = probe.routing(assign)
    return _network_metrics(probe.engine, np.asarray(r @ probe.p), np.asarray(r @ probe.q), probe.step_h)


def _row(c, from_phase: str, to_phase: str, action: str, peak: float, energy: float, before: _Metrics,
         after: _Metrics, reason: str) -> dict[str, Any]:
    return {"consumer_id": c.consumer_id, "bus": c.bus, "from_phase": from_phase, "to_phase": to_phase,
            "action": action, "peak_kw": peak, "energy_kwh": energy, "losses_before_kwh": before.losses_kwh,
            "losses_after_kwh": after.losses_kwh, "vuf_max_before_pct": before.vuf_max_pct,
            "vuf_max_after_pct": after.vuf_max_pct, "recommended": True, "reason": reason}


def recommend(site: Site, p_kw: np.ndarray, q_kvar: np.ndarray, cfg: PhaseBalanceConfig | None = None,
              engine_factory: Callable[[Site], Any] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Recommends phase moves and three-phase supplies, proven with the power flow.

    Args:
        site: The building or feeder; ``site.consumers`` gives the row order
            of the demand and each consumer's bus and phase.
        p_kw: (n_consumers, T) active power per consumer, kW (any step length,
            see :attr:`PhaseBalanceConfig.step_minutes`).
        q_kvar: (n_consumers, T) reactive power, kvar.
        cfg: Settings; ``None``: the defaults.
        engine_factory: ``factory(site) -> engine`` building the grid engine
            of a site whose consumers' phases changed (a ``(net, engine)``
            tuple is accepted too); ``None``: :func:`default_engine_factory`.

    Returns:
        ``(frame, summary)``: the recommendations (columns :data:`COLUMNS`,
        see the module docstring) and the before/after figures.

    Raises:
        InputError: Bad shapes, non-finite demand, unknown phases or settings.
    """
    t_start = time.perf_counter()
    cfg = PhaseBalanceConfig() if cfg is None else cfg
    factory = default_engine_factory() if engine_factory is None else engine_factory
    p, q = _check_inputs(site, p_kw, q_kvar)
    n, n_steps = p.shape
    step_min = _step_minutes(cfg, n_steps)
    step_h = step_min / 60.0
    base = np.array([_LABELS.index(c.phase) for c in site.consumers])
    peak = p.max(axis=1)
    energy = p.sum(axis=1) * step_h

    # 1. the probe engine and the proxy
    probe = _Probe(site, factory, p, q, step_h)
    t_probe = time.perf_counter()
    block = max(1, int(round(cfg.search_minutes / step_min)))
    s_mean, counts = _block_means(p + 1j * q, block)
    topo = _topology(site)
    kinds = [topo] if cfg.objective == "losses" or topo.kind == "head" else \
        [_head(n, float(topo.r_ohm[0]), topo.v_ph), topo]

    # 2. moves: proposed by the proxy, confirmed by the power flow (objective
    #    "unbalance": the head-balance and the network proxies each plan, the
    #    power flow picks the better plan)
    best = None
    for kind in kinds:
        proxy = _Proxy(s_mean, counts * step_h, base, kind)
        j_before = proxy.value()
        search = _search_moves(proxy, probe, base, cfg)
        crit = _criterion(probe.metrics(search.state), cfg.objective)
        if best is None or _better(crit, best[0]):
            best = (crit, kind.kind, proxy, j_before, search)
    _, proxy_kind, proxy, proxy_before, search = best
    proxy_after = proxy.value()
    rows: list[dict[str, Any]] = []
    plan: list[PhaseMove] = []
    state = base.copy()
    for i, qq, dj in search.accepted:
        before = probe.metrics(state)
        nxt = state.copy()
        nxt[i] = qq
        after = probe.metrics(nxt)
        c = site.consumers[i]
        reason = (f"proxy ΔJ {dj:+.4g}; power flow: losses {after.losses_kwh - before.losses_kwh:+.4f} "
                  f"kWh, max VUF {after.vuf_max_pct - before.vuf_max_pct:+.3f} %")
        plan.append(PhaseMove(c.consumer_id, c.phase, _LABELS[qq], reason))
        rows.append(_row(c, c.phase, _LABELS[qq], "move", float(peak[i]), float(energy[i]), before, after, reason))
        state = nxt
    planned = search.state
    plan_metrics = probe.metrics(planned)
    t_moves = time.perf_counter()

    # 3. three-phase candidates on top of the plan, each alone, then a combined set
    share = _dominance(site, p, planned)
    abc_gain = proxy.abc_deltas()
    candidates: list[tuple[float, int, str]] = []
    for i, c in enumerate(site.consumers):
        if planned[i] == 3:
            continue
        why = []
        if peak[i] > cfg.three_phase_min_peak_kw:
            why.append(f"peak {peak[i]:.1f} kW > {cfg.three_phase_min_peak_kw:g} kW")
        if share[i] >= cfg.dominance_share:
            why.append(f"{100 * share[i]:.0f} % of phase {_LABELS[planned[i]]}'s excess over the mean "
                       f"in group {c.group_id}")
        if why:
            candidates.append((float(abc_gain[i]), i, "; ".join(why)))
    candidates.sort()
    plan_crit = _criterion(plan_metrics, cfg.objective)
    three_rows: list[dict[str, Any]] = []
    improving: list[tuple[tuple[float, float], int]] = []
    for dj, i, why in candidates[: int(cfg.max_three_phase)]:
        trial = planned.copy()
        trial[i] = 3
        after = probe.metrics(trial)
        crit = _criterion(after, cfg.objective)
        if _better(crit, plan_crit):
            improving.append((crit, i))
        three_rows.append(_row(site.consumers[i], _LABELS[planned[i]], "ABC", "three_phase", float(peak[i]),
                               float(energy[i]), plan_metrics, after, f"{why}; proxy ΔJ {dj:+.4g}"))
    combined = planned.copy()
    chosen: list[int] = []
    for _, i in sorted(improving):
        trial = combined.copy()
        trial[i] = 3
        if _better(_criterion(probe.metrics(trial), cfg.objective), _criterion(probe.metrics(combined), cfg.objective)):
            combined = trial
            chosen.append(i)
    chosen_ids = {site.consumers[i].consumer_id for i in chosen}
    for r in three_rows:
        r["recommended"] = r["consumer_id"] in chosen_ids
    three_rows.sort(key=lambda r: (not r["recommended"], r["losses_after_kwh"]))
    rows.extend(three_rows)
    three_metrics = probe.metrics(combined)
    t_three = time.perf_counter()

    # 4. the site's own engines before and after the plan
    moved = {site.consumers[i].consumer_id: _LABELS[qq] for i, qq, _ in search.accepted}
    if cfg.verify:
        m_before = _real_metrics(_engine_of(factory(site)), site, p, q, step_h)
        if moved:
            after_site = apply_phases(site, moved)
            m_after = _real_metrics(_engine_of(factory(after_site)), after_site, p, q, step_h)
        else:
            m_after = m_before
    else:
        m_before = _probe_network_metrics(probe, base)
        m_after = _probe_network_metrics(probe, planned) if moved else m_before
    t_end = time.perf_counter()

    frame = pd.DataFrame(rows, columns=COLUMNS)
    loss_red = 100.0 * (m_before.losses_kwh - m_after.losses_kwh) / m_before.losses_kwh if m_before.losses_kwh else 0.0
    summary: dict[str, Any] = {
        "objective": cfg.objective,
        "consumers": int(n),
        "steps": int(n_steps),
        "step_minutes": step_min,
        "moves": len(plan),
        "proposed_moves": search.proposed,     # of the chosen proxy's search
        "rejected_moves": search.rejected,
        "losses_before_kwh": m_before.losses_kwh,
        "losses_after_kwh": m_after.losses_kwh,
        "loss_reduction_pct": loss_red,
        "vuf_max_before_pct": m_before.vuf_max_pct,
        "vuf_max_after_pct": m_after.vuf_max_pct,
        "neutral_peak_before_a": m_before.neutral_peak_a,
        "neutral_peak_after_a": m_after.neutral_peak_a,
        "loading_peak_before_pct": m_before.loading_peak_pct,
        "loading_peak_after_pct": m_after.loading_peak_pct,
        "energy_kwh": float(energy.sum()),
        "proxy_kind": proxy_kind,
        "proxy_before": proxy_before,
        "proxy_after": proxy_after,
        "three_phase_candidates": len(candidates),
        "three_phase_evaluated": len(three_rows),
        "three_phase_improving": len(improving),
        "three_phase_recommended": [site.consumers[i].consumer_id for i in chosen],
        "losses_after_three_phase_kwh": three_metrics.losses_kwh,
        "vuf_max_after_three_phase_pct": three_metrics.vuf_max_pct,
        "power_flow_solves": len(probe.cache),
        "verified": bool(cfg.verify),
        "probe_build_seconds": t_probe - t_start,
        "moves_seconds": t_moves - t_probe,
        "three_phase_seconds": t_three - t_moves,
        "verify_seconds": t_end - t_three,
        "total_seconds": t_end - t_start,
        "plan": [asdict(m) for m in plan],
    }
    return frame, summary
