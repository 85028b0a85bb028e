"""Closed-loop solve: one minute at a time, warm-started from the previous step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from grid_model import losses
from grid_model.engine.results import StepResult
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
        k = len(e.trafos)
        v_lv, i_lw, loss_slot = e.trafo_flows(e.system.monitored_voltages(i_term))
        loss_line = losses.line_loss_by_phase_w(v_lv, v_term, i_term, e.term_slot, e.phase_sum).reshape(k, 3).sum(0)
        shares = losses.consumer_shares_w(
            v_lv, v_term, i_term, e.term_slot, t.term_load, t.n_loads, loss_slot, e.phase_sum, e.load_sum
        )
        loss_tr = loss_slot.reshape(k, 3).sum(axis=0)
        i_by = np.abs(i_lw).reshape(k, 3)
        loading = 100.0 * i_by.max(axis=1) / e.i_rated_a
        s_drawn = e.load_sum @ (v_term * np.conj(i_term))
        v_pu = (e.load_sum @ (np.abs(v_term) / e.term_vbase_v)) / e.load_nterm
        i_tr = i_by.sum(axis=0)
        loss_by_phase = (loss_line + loss_tr) / 1e3
        result = StepResult(
            step=self._step,
            v_load_pu=v_pu,
            p_load_kw=s_drawn.real / 1e3,
            q_load_kvar=s_drawn.imag / 1e3,
            v_busbar_pu=np.abs(v_lv[:3]) / e.model.v_base_v[e.lv_bus],
            loading_pct=float(loading.max()),
            i_trafo_a=i_tr,
            i_trafo_neutral_a=float(np.abs(i_lw.reshape(k, 3).sum(axis=1)).sum()),
            p_loss_kw_by_phase=loss_by_phase,
            p_loss_kw=float(loss_by_phase.sum()),
            loss_share_kw=shares / 1e3,
            iterations=iterations,
        )
        self._step += 1
        return result
