"""The quasi-static unbalanced three-phase time-series engine."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandapower as pp
import scipy.sparse as sp

from grid_model import losses
from grid_model.engine.batch import solve_day
from grid_model.engine.errors import ConvergenceError
from grid_model.engine.loadmodel import LoadModel, Terminals, build_terminals
from grid_model.engine.results import GridResult
from grid_model.engine.solver import LinearSystem
from grid_model.engine.stepper import Stepper
from grid_model.engine.ybus import PhaseNetwork, compile_network, trafo_flows

#: Default convergence tolerance: largest voltage change between iterations, pu.
TOL_PU = 1e-9
#: Default iteration limit of the fixed point.
MAX_ITER = 60


class GridEngine:
    """Time-series load flow compiled from a pandapower net.

    Build it with :meth:`from_net`; solve whole days open loop with
    :meth:`solve_day` or step minute by minute with :meth:`stepper`.
    """

    def __init__(
        self,
        model: PhaseNetwork,
        terminals: Terminals,
        load_model: LoadModel,
        dense: bool | None = None,
        tol_pu: float = TOL_PU,
        max_iter: int = MAX_ITER,
    ):
        self.model = model
        self.terminals = terminals
        self.load_model = load_model
        self.tol_pu = tol_pu
        self.max_iter = max_iter
        tr = model.trafo
        self.trafos = model.trafos or [tr]
        self.lv_bus = int(tr.lv_nodes[0] // 3)
        self.hv_bus = int(tr.hv_nodes[0, 0] // 3)
        # Monitored nodes: LV a, b, c then HV A, B, C of every transformer.
        monitor = np.concatenate([np.concatenate([t.lv_nodes, 3 * int(t.hv_nodes[0, 0] // 3) + np.arange(3)])
                                  for t in self.trafos])
        self.system = LinearSystem(model, terminals.term_node, monitor, dense)
        self.i_rated_a = np.array([t.i_rated_lv_a for t in self.trafos])
        of_bus = model.trafo_of_bus if model.trafo_of_bus is not None else np.zeros(len(model.bus_names), dtype=int)
        #: Slot of each terminal: 3 · (its transformer) + phase; losses are computed per slot.
        self.term_slot = 3 * of_bus[terminals.term_node // 3] + terminals.term_phase
        m = len(self.term_slot)
        self.phase_sum = sp.csr_matrix((np.ones(m), (self.term_slot, np.arange(m))), shape=(3 * len(self.trafos), m))
        self.load_sum = losses.consumer_matrix(terminals.term_load, terminals.n_loads)
        self.term_vbase_v = model.v_base_v[terminals.term_node // 3]
        self.load_nterm = np.asarray(self.load_sum.sum(axis=1)).ravel()

    @classmethod
    def from_net(
        cls,
        net: pp.pandapowerNet,
        load_model: str = "opendss",
        vminpu: float = 0.95,
        vmaxpu: float = 1.05,
        load_kv: float | None = None,
        *,
        dense: bool | None = None,
        tol_pu: float = TOL_PU,
        max_iter: int = MAX_ITER,
    ) -> GridEngine:
        """Compiles the engine from a pandapower net.

        Args:
            net: Net with one ext_grid, one Dyn transformer, lines and
                ``asymmetric_load`` consumers (see :func:`grid_model.network.build_net`).
            load_model: ``"constant_power"``, ``"constant_current"``,
                ``"constant_impedance"`` or ``"opendss"``.
            vminpu: Lower voltage limit of the ``"opendss"`` constant-power band.
            vmaxpu: Upper voltage limit of the ``"opendss"`` constant-power band.
            load_kv: Rated phase-to-neutral voltage of every load phase, kV (see
                ``loadmodel.build_terminals``); ``None``: the bus nominal.
            dense: Force the dense Z-bus (True) or sparse-LU (False) path.
            tol_pu: Convergence tolerance on the voltage change, pu.
            max_iter: Iteration limit.

        Returns:
            The engine.
        """
        model = compile_network(net)
        terminals = build_terminals(net, model, load_kv)
        return cls(model, terminals, LoadModel(load_model, vminpu, vmaxpu), dense, tol_pu, max_iter)

    @property
    def load_names(self) -> list[str]:
        """Consumer names, the row order of ``p_kw``."""
        return self.terminals.load_names

    @property
    def bus_names(self) -> list[str]:
        """Bus names, the row order of per-bus results."""
        return self.model.bus_names

    def trafo_flows(self, v_mon_v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Currents and losses of every transformer from the monitored voltages.

        Args:
            v_mon_v: (6·K, ...) monitored voltages (per transformer LV a, b, c, HV A, B, C).

        Returns:
            ``(v_lv, i_lw, loss_w)``, each (3·K, ...) in slot order (transformer, phase).
        """
        v_lv, i_lw, loss = [], [], []
        for k, t in enumerate(self.trafos):
            v = v_mon_v[6 * k:6 * k + 6]
            i, w = trafo_flows(t, v[3:], v[:3])
            v_lv.append(v[:3])
            i_lw.append(i)
            loss.append(w)
        return np.concatenate(v_lv), np.concatenate(i_lw), np.concatenate(loss)

    def fixed_point(self, s_term_va: np.ndarray, v_start_v: np.ndarray, first_step: int):
        """Solves ``V = V0 − Z·I(V)`` for terminal powers of shape (m,) or (m, T).

        Args:
            s_term_va: Complex terminal demand at rated voltage.
            v_start_v: Initial terminal voltages (same shape).
            first_step: Index of the first time step (for error messages).

        Returns:
            ``(v_term_v, i_term_a, iterations)``.

        Raises:
            ConvergenceError: Naming the steps that did not converge.
        """
        if s_term_va.ndim == 1:
            v, i, it = self._iterate(s_term_va[:, None], v_start_v[:, None], first_step)
            return v[:, 0], i[:, 0], it
        return self._iterate(s_term_va, v_start_v, first_step)

    def _iterate(self, s_term_va: np.ndarray, v_start_v: np.ndarray, first_step: int):
        """Fixed point on (m, T) arrays; converged time steps drop out of the iteration."""
        lm, vnom = self.load_model, self.terminals.vnom_v[:, None]
        v = np.array(v_start_v, dtype=complex)
        active = np.arange(s_term_va.shape[1])
        err = np.zeros(0)
        it = 0
        for it in range(1, self.max_iter + 1):
            s_act = s_term_va if len(active) == s_term_va.shape[1] else s_term_va[:, active]
            v_act = v if len(active) == v.shape[1] else v[:, active]
            v_new = self.system.terminal_voltages(lm.currents(v_act, s_act, vnom))
            err = np.max(np.abs(v_new - v_act) / vnom, axis=0)
            v[:, active] = v_new
            ok = err < self.tol_pu
            active, err = active[~ok], err[~ok]
            if not len(active):
                return v, lm.currents(v, s_term_va, vnom), it
            if it >= 5 and not np.all(np.isfinite(err) & (err < 1.0)):
                break
        bad = (active + first_step).tolist()
        raise ConvergenceError(bad, it, float(np.nanmax(np.where(np.isfinite(err), err, np.inf))))

    def solve_day(
        self,
        p_kw: np.ndarray,
        q_kvar: np.ndarray,
        progress: Callable[[int, int], None] | None = None,
        *,
        network_outputs: bool = True,
        line_groups: sp.spmatrix | sp.sparray | None = None,
        step_minutes: float = 1.0,
    ) -> GridResult:
        """Solves T time steps (one minute each by default) at once (open loop).

        Args:
            p_kw: (n_loads, T) active power demand per consumer, kW.
            q_kvar: (n_loads, T) reactive power demand, kvar.
            progress: Optional callback ``progress(done_steps, total_steps)``.
            network_outputs: Also compute all bus voltages, unbalance factors
                and line currents (False: consumer, transformer and loss
                outputs only, several times faster).
            line_groups: Optional sparse (n_groups, nline) grouping of the
                lines (``model.line_names`` order): the result's
                ``group_line_loss_kw`` holds each group's LV line losses per
                step, without storing per-line series.
            step_minutes: Length of one step; scales the energies only.

        Returns:
            The day's results.

        Raises:
            InputError: On badly shaped or non-finite demand, a bad
                ``line_groups`` or ``step_minutes``.
            ConvergenceError: Naming the steps that did not converge.
        """
        return solve_day(self, p_kw, q_kvar, progress, network_outputs, line_groups, step_minutes)

    def stepper(self) -> Stepper:
        """Returns a closed-loop :class:`~grid_model.engine.stepper.Stepper` (warm-started)."""
        return Stepper(self)
