"""Open-loop solve of a whole horizon at once, with the time axis as an array axis."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from grid_model import losses
from grid_model.engine.results import GridResult
from scenarios.errors import InputError

if TYPE_CHECKING:
    from grid_model.engine.core import GridEngine

#: Complex numbers per time chunk of the sparse-path iteration and of the
#: post-processing (bounds the working memory to a few hundred MB).
CHUNK_ELEMENTS = 4_000_000


def _check_demand(engine: GridEngine, p_kw: np.ndarray, q_kvar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p_kw, dtype=float)
    q = np.asarray(q_kvar, dtype=float)
    n = engine.terminals.n_loads
    if p.ndim != 2 or p.shape[0] != n or q.shape != p.shape:
        raise InputError(f"p_kw and q_kvar must both have shape ({n}, T), got {p.shape} and {q.shape}")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))):
        raise InputError("p_kw/q_kvar contain nan or inf")
    return p, q


def _check_line_groups(engine: GridEngine, line_groups) -> sp.csr_matrix | None:
    """The grouping as CSR with the MV lines' columns zeroed (their losses are not counted)."""
    if line_groups is None:
        return None
    m = engine.model
    nline = len(m.line_names)
    if not sp.issparse(line_groups) or line_groups.ndim != 2 or line_groups.shape[1] != nline:
        raise InputError(f"line_groups must be a scipy.sparse matrix of shape (n_groups, {nline}), "
                         f"got {type(line_groups).__name__} {getattr(line_groups, 'shape', None)}")
    g = sp.csr_matrix(line_groups, dtype=float)
    if not np.all(np.isfinite(g.data)):
        raise InputError("line_groups contains nan or inf")
    return (g @ sp.diags(m.line_lv.astype(float))).tocsr()


class _Accumulator:
    """Holds the horizon's output arrays and fills them chunk by chunk."""

    def __init__(self, engine: GridEngine, n_steps: int, network_outputs: bool,
                 line_groups: sp.csr_matrix | None = None):
        m = engine.model
        nbus, nline, n = len(m.bus_names), len(m.line_names), engine.terminals.n_loads
        self.v_load_pu = np.empty((n, n_steps))
        self.p_load_kw = np.empty((n, n_steps))
        self.q_load_kvar = np.empty((n, n_steps))
        self.i_trafo_a = np.empty((3, n_steps))
        self.i_trafo_by = np.empty((len(engine.trafos), 3, n_steps))
        self.i_neutral_a = np.empty(n_steps)
        self.loss_line_w = np.empty((3, n_steps))
        self.loss_trafo_w = np.empty((3, n_steps))
        self.share_w = np.empty((n, n_steps))
        self.network_outputs = network_outputs
        if network_outputs:
            self.v_bus_pu = np.empty((nbus, 3, n_steps))
            self.vuf_pct = np.empty((nbus, n_steps))
            self.i_line_max_a = np.zeros((nline, 3))
            self.i_line_n_max_a = np.zeros(nline)
            self.line_loss_wmin = np.zeros(nline)
        else:
            self.v_bus_pu = self.vuf_pct = self.i_line_max_a = self.i_line_n_max_a = self.line_loss_wmin = None
        self.line_groups = line_groups
        self.group_line_loss_w = None if line_groups is None else np.empty((line_groups.shape[0], n_steps))

    def add_terminals(self, engine: GridEngine, sl: slice, v_term: np.ndarray, i_term: np.ndarray) -> None:
        """Consumer, transformer and loss outputs of columns ``sl``."""
        m, t = engine.model, engine.terminals
        s_term = v_term * np.conj(i_term)
        self.p_load_kw[:, sl] = engine.load_sum @ s_term.real / 1e3
        self.q_load_kvar[:, sl] = engine.load_sum @ s_term.imag / 1e3
        v_pu = np.abs(v_term) / engine.term_vbase_v[:, None]
        self.v_load_pu[:, sl] = (engine.load_sum @ v_pu) / engine.load_nterm[:, None]
        k = len(engine.trafos)
        v_lv, i_lw, loss_tr = engine.trafo_flows(engine.system.monitored_voltages(i_term))
        i_abs = np.abs(i_lw).reshape(k, 3, -1)
        self.i_trafo_by[:, :, sl] = i_abs
        self.i_trafo_a[:, sl] = i_abs.sum(axis=0)
        self.i_neutral_a[sl] = np.abs(i_lw.reshape(k, 3, -1).sum(axis=1)).sum(axis=0)
        self.loss_trafo_w[:, sl] = loss_tr.reshape(k, 3, -1).sum(axis=0)
        line_w = losses.line_loss_by_phase_w(v_lv, v_term, i_term, engine.term_slot, engine.phase_sum)
        self.loss_line_w[:, sl] = line_w.reshape(k, 3, -1).sum(axis=0)
        self.share_w[:, sl] = losses.consumer_shares_w(
            v_lv, v_term, i_term, engine.term_slot, t.term_load, t.n_loads, loss_tr, engine.phase_sum, engine.load_sum
        )

    def add_network(self, engine: GridEngine, sl: slice, v_all: np.ndarray) -> None:
        """Bus voltages, unbalance, line currents and grouped line losses of columns ``sl``."""
        m = engine.model
        nl = len(m.line_names)
        dv = (m.line_dv @ v_all).reshape(nl, 3, -1)
        i_line = (m.line_current @ v_all).reshape(nl, 3, -1)
        per_line_w = losses.branch_loss_w(dv, 0.0, i_line).sum(axis=1)  # (nline, chunk)
        if self.line_groups is not None:
            self.group_line_loss_w[:, sl] = self.line_groups @ per_line_w
        if not self.network_outputs:
            return
        vb = v_all.reshape(len(m.bus_names), 3, -1)
        self.v_bus_pu[:, :, sl] = np.abs(vb) / m.v_base_v[:, None, None]
        self.vuf_pct[:, sl] = losses.voltage_unbalance_pct(vb)
        np.maximum(self.i_line_max_a, np.abs(i_line).max(axis=2), out=self.i_line_max_a)
        np.maximum(self.i_line_n_max_a, np.abs(i_line.sum(axis=1)).max(axis=1), out=self.i_line_n_max_a)
        self.line_loss_wmin += np.where(m.line_lv, per_line_w.sum(axis=1), 0.0)


def solve_day(
    engine: GridEngine,
    p_kw: np.ndarray,
    q_kvar: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
    network_outputs: bool = True,
    line_groups: sp.spmatrix | sp.sparray | None = None,
    step_minutes: float = 1.0,
) -> GridResult:
    """Solves all time steps of ``p_kw``/``q_kvar`` (n_loads, T) together.

    Dense path: the fixed point runs on the whole horizon at once (terminal
    voltages only); sparse path: on time chunks. Full-bus voltages follow from
    one multi-RHS LU solve per chunk after convergence.

    Args:
        engine: The engine.
        p_kw: (n_loads, T) active power demand, kW.
        q_kvar: (n_loads, T) reactive power demand, kvar.
        progress: Optional callback ``progress(done_steps, total_steps)``.
        network_outputs: Also compute every bus voltage, the unbalance
            factors and the line currents (the per-bus/per-line fields of the
            result are ``None`` otherwise).
        line_groups: Optional sparse (n_groups, nline) weights over the
            engine's lines (``engine.model.line_names`` order), usually 0/1
            membership. The result's ``group_line_loss_kw`` is then
            ``line_groups @ per-line loss`` for every step, summed over the
            phases, with the MV lines' columns ignored; per-line series are
            never stored. Costs the full-bus voltage solve even with
            ``network_outputs=False``.
        step_minutes: Length of one step (each column is the average power
            over the step); only scales the energies (``line_loss_kwh``,
            ``energy_served_kwh``, ``losses_kwh``) and is recorded in the
            result. The solve itself is quasi-static, step by step.

    Returns:
        The results.

    Raises:
        InputError: On badly shaped or non-finite demand, a bad
            ``line_groups`` or a non-positive ``step_minutes``.
        ConvergenceError: Naming the minutes that did not converge.
    """
    start = time.perf_counter()
    p, q = _check_demand(engine, p_kw, q_kvar)
    if not (np.isfinite(step_minutes) and step_minutes > 0):
        raise InputError(f"step_minutes must be a positive number, got {step_minutes}")
    groups = _check_line_groups(engine, line_groups)
    n_steps = p.shape[1]
    s_term = engine.terminals.terminal_power(p, q)
    n_nodes = engine.model.n_nodes
    post_cols = max(1, CHUNK_ELEMENTS // n_nodes)
    iter_cols = n_steps if engine.system.dense else post_cols
    acc = _Accumulator(engine, n_steps, network_outputs, groups)
    post = network_outputs or groups is not None
    iterations = 0
    for c0 in range(0, n_steps, iter_cols):
        c1 = min(n_steps, c0 + iter_cols)
        s_chunk = s_term[:, c0:c1]
        v_start = np.repeat(engine.system.v0_term[:, None], c1 - c0, axis=1)
        v_term, i_term, it = engine.fixed_point(s_chunk, v_start, c0)
        iterations = max(iterations, it)
        acc.add_terminals(engine, slice(c0, c1), v_term, i_term)
        if post:
            for p0 in range(c0, c1, post_cols):
                p1 = min(c1, p0 + post_cols)
                i_post = i_term[:, p0 - c0:p1 - c0]
                acc.add_network(engine, slice(p0, p1), engine.system.all_voltages(i_post))
                if progress is not None:
                    progress(p1, n_steps)
        elif progress is not None:
            progress(c1, n_steps)
    hours = step_minutes / 60.0
    p_loss_by_phase = (acc.loss_line_w + acc.loss_trafo_w) / 1e3
    p_loss = p_loss_by_phase.sum(axis=0)
    m = engine.model
    by_trafo = 100.0 * acc.i_trafo_by.max(axis=1) / engine.i_rated_a[:, None]
    return GridResult(
        bus_names=list(m.bus_names),
        load_names=list(engine.terminals.load_names),
        line_names=list(m.line_names),
        step_minutes=float(step_minutes),
        v_bus_pu=acc.v_bus_pu,
        v_load_pu=acc.v_load_pu,
        p_load_kw=acc.p_load_kw,
        q_load_kvar=acc.q_load_kvar,
        loading_pct=by_trafo.max(axis=0),
        loading_pct_by_trafo=by_trafo,
        trafo_names=[t.name for t in engine.trafos],
        i_trafo_a_by_trafo=acc.i_trafo_by,
        i_trafo_a=acc.i_trafo_a,
        i_trafo_neutral_a=acc.i_neutral_a,
        i_line_max_a=acc.i_line_max_a,
        i_line_neutral_max_a=acc.i_line_n_max_a,
        line_loss_kwh=None if acc.line_loss_wmin is None else acc.line_loss_wmin * hours / 1e3,
        p_loss_line_kw_by_phase=acc.loss_line_w / 1e3,
        p_loss_trafo_kw_by_phase=acc.loss_trafo_w / 1e3,
        group_line_loss_kw=None if acc.group_line_loss_w is None else acc.group_line_loss_w / 1e3,
        p_loss_kw_by_phase=p_loss_by_phase,
        p_loss_kw=p_loss,
        loss_share_kw=acc.share_w / 1e3,
        energy_served_kwh=float(acc.p_load_kw.sum() * hours),
        losses_kwh=float(p_loss.sum() * hours),
        vuf_pct=acc.vuf_pct,
        iterations=iterations,
        solve_seconds=time.perf_counter() - start,
    )
