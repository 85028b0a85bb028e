"""Closed-loop solve: one minute at a time, warm-started from the previous step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from grid_model import losses
from grid_model.engine.results import StepResult
from grid_model.engine.ybus import trafo_flows
from scenarios.errors import InputError

if TYPE_CHECKING:
    from grid_model.engine.core import GridEngine


class Stepper:
    """Solves one time step per call, for controllers that react to the grid state.

    Only the terminals and the transformer busbars are solved (Z-bus reduced
    to them), so a step costs a few small matrix-vector products. The first
    step starts from the no-load voltages, later ones from the previous step.

    Args:
        engine: The engine to step.
    """

    def __init__(self, engine: GridEngine):
        self.engine = engine
        self._v_term = engine.system.v0_term.copy()
        self._step = 0

    @property
    def step_index(self) -> int:
        """Number of steps solved so far."""
        return self._step

    def step(self, p_kw: np.ndarray, q_kvar: np.ndarray) -> StepResult:
        """Solves one minute.

        Args:
            p_kw: (n_loads,) active power demand per consumer, kW.
            q_kvar: (n_loads,) reactive power demand, kvar.

        Returns:
            The step's voltages, currents, losses and loss shares.

        Raises:
            InputError: On badly shaped or non-finite demand.
            ConvergenceError: Naming this step's index.
        """
        e = self.engine
        t = e.terminals
        p = np.asarray(p_kw, dtype=float)
        q = np.asarray(q_kvar, dtype=float)
        if p.shape != (t.n_loads,) or q.shape != p.shape:
            raise InputError(f"p_kw and q_kvar must both have shape ({t.n_loads},), got {p.shape} and {q.shape}")
        if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))):
            raise InputError("p_kw/q_kvar contain nan or inf")
        s_term = t.terminal_power(p, q)
        v_term, i_term, iterations = e.fixed_point(s_term, self._v_term, self._step)
        self._v_term = v_term
        v_mon = e.system.monitored_voltages(i_term)
        v_lv, v_hv = v_mon[:3], v_mon[3:]
        i_lw, loss_tr = trafo_flows(e.model.trafo, v_hv, v_lv)
        loss_line = losses.line_loss_by_phase_w(v_lv, v_term, i_term, t.term_phase, e.phase_sum)
        shares = losses.consumer_shares_w(
            v_lv, v_term, i_term, t.term_phase, t.term_load, t.n_loads, loss_tr, e.phase_sum, e.load_sum
        )
        s_drawn = e.load_sum @ (v_term * np.conj(i_term))
        v_pu = (e.load_sum @ (np.abs(v_term) / e.term_vbase_v)) / e.load_nterm
        i_tr = np.abs(i_lw)
        loss_by_phase = (loss_line + loss_tr) / 1e3
        result = StepResult(
            step=self._step,
            v_load_pu=v_pu,
            p_load_kw=s_drawn.real / 1e3,
            q_load_kvar=s_drawn.imag / 1e3,
            v_busbar_pu=np.abs(v_lv) / e.model.v_base_v[e.lv_bus],
            loading_pct=float(100.0 * i_tr.max() / e.model.trafo.i_rated_lv_a),
            i_trafo_a=i_tr,
            i_trafo_neutral_a=float(abs(i_lw.sum())),
            p_loss_kw_by_phase=loss_by_phase,
            p_loss_kw=float(loss_by_phase.sum()),
            loss_share_kw=shares / 1e3,
            iterations=iterations,
        )
        self._step += 1
        return result
