"""The probe engine: one engine for any phase assignment, three loads per consumer.

One engine is built by ``engine_factory`` for a *probe* site in which every
consumer is replaced by three single-phase loads at its bus, one per phase:
any phase assignment, including ``ABC`` (a third on each phase, exactly how
the engine models a three-phase consumer), is then just a routing of the
demand rows, so every proposal is solved without rebuilding the network
(building a pandapower net takes seconds, a day's solve a few hundredths).
The probe is mathematically the same circuit as the engine built for the
site with the moved phases (equal to ~1e-15 on the IEEE feeder); its solves
are warm-started from the first one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from grid_model import losses as grid_losses
from grid_model.engine.errors import ConvergenceError
from grid_model.engine.ybus import trafo_flows
from scenarios.site import Site

#: Separator of the probe site's per-phase load names (``<consumer>~A``).
_PROBE_SEP = "~"
#: Complex values per column chunk of the probe's fixed point.
_CHUNK_ELEMENTS = 4_000_000


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
