"""Linear part of the power flow: node voltages from the load currents.

With the source EMF fixed, the network is linear: ``V = V0 − Z·I`` where ``V0``
is the no-load voltage and ``Z = Y_ff⁻¹`` the impedance matrix of the free
(non-source) nodes and ``I`` the currents drawn by the loads. ``Y_ff`` is
factorised once (sparse LU). Two ways to apply ``Z`` at the load terminals:

* dense: ``Z`` reduced to the terminals (``Z_tt``, m×m, Z-bus reduction), one
  matrix product per iteration for all time steps at once;
* sparse: one multi-right-hand-side LU solve per iteration, for networks with
  so many terminals that ``Z_tt`` would be too large.

Full-bus voltages are always computed with one multi-RHS LU solve.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from grid_model.engine.ybus import PhaseNetwork

#: Above this many terminals the sparse path is used by default.
DENSE_MAX_TERMINALS = 1200


class LinearSystem:
    """Factorised network: maps terminal currents to node voltages.

    Args:
        model: The compiled phase-domain network.
        term_node: (m,) node of each load terminal.
        monitor_nodes: Nodes whose voltage the closed-loop step needs.
        dense: Force the dense (True) or sparse (False) path; ``None`` picks
            dense up to :data:`DENSE_MAX_TERMINALS` terminals.
    """

    def __init__(self, model: PhaseNetwork, term_node: np.ndarray, monitor_nodes: np.ndarray, dense: bool | None = None):
        n = model.n_nodes
        is_free = np.ones(n, dtype=bool)
        is_free[model.slack_nodes] = False
        self.free = np.flatnonzero(is_free)
        self.row_of = np.full(n, -1)
        self.row_of[self.free] = np.arange(len(self.free))
        y = model.y_bus.tocsr()
        y_ff = y[self.free][:, self.free].tocsc()
        y_fs = y[self.free][:, model.slack_nodes]
        self.lu = spla.splu(y_ff, permc_spec="MMD_AT_PLUS_A")
        self.v0 = np.empty(n, dtype=complex)
        self.v0[model.slack_nodes] = model.v_slack_v
        self.v0[self.free] = self.lu.solve(-(y_fs @ model.v_slack_v))
        self.n_nodes = n
        self.slack_nodes = model.slack_nodes
        self.v_slack = model.v_slack_v
        self.term_row = self.row_of[term_node]
        self.v0_term = self.v0[term_node]
        m = len(term_node)
        self._gather = sp.csr_matrix((np.ones(m), (self.term_row, np.arange(m))), shape=(len(self.free), m))
        self.monitor_nodes = np.asarray(monitor_nodes)
        self.v0_mon = self.v0[self.monitor_nodes]
        self.dense = len(term_node) <= DENSE_MAX_TERMINALS if dense is None else dense
        self._z_mon_t = self._z_rows(self.monitor_nodes, term_node)
        self._z_tt = self._z_rows(term_node, term_node) if self.dense else None

    def _z_rows(self, rows: np.ndarray, term_node: np.ndarray) -> np.ndarray:
        """Columns of ``Z`` at the terminals, restricted to ``rows`` (slack rows are 0)."""
        unique, inverse = np.unique(term_node, return_inverse=True)
        out = np.zeros((len(rows), len(unique)), dtype=complex)
        free_rows = self.row_of[rows]
        ok = free_rows >= 0
        step = 256
        for start in range(0, len(unique), step):
            cols = unique[start:start + step]
            rhs = np.zeros((len(self.free), len(cols)), dtype=complex)
            rhs[self.row_of[cols], np.arange(len(cols))] = 1.0
            z = self.lu.solve(rhs)
            out[ok, start:start + len(cols)] = z[free_rows[ok]]
        return out[:, inverse]

    def _rhs(self, i_term: np.ndarray) -> np.ndarray:
        """Sparse-path right-hand side: terminal currents summed per free node."""
        return np.asarray(self._gather @ i_term)

    def terminal_voltages(self, i_term: np.ndarray) -> np.ndarray:
        """Terminal voltages for currents ``i_term`` of shape (m,) or (m, T)."""
        if self.dense:
            drop = self._z_tt @ i_term
        else:
            drop = self.lu.solve(self._rhs(i_term))[self.term_row]
        v0 = self.v0_term if i_term.ndim == 1 else self.v0_term[:, None]
        return v0 - drop

    def monitored_voltages(self, i_term: np.ndarray) -> np.ndarray:
        """Voltages at the monitored nodes for currents of shape (m,) or (m, T)."""
        v0 = self.v0_mon if i_term.ndim == 1 else self.v0_mon[:, None]
        return v0 - self._z_mon_t @ i_term

    def all_voltages(self, i_term: np.ndarray) -> np.ndarray:
        """Voltages of every node, (n_nodes, T), with one multi-RHS LU solve."""
        i2 = i_term if i_term.ndim == 2 else i_term[:, None]
        v = np.empty((self.n_nodes, i2.shape[1]), dtype=complex)
        v[self.slack_nodes] = self.v_slack[:, None]
        v[self.free] = self.v0[self.free, None] - self.lu.solve(self._rhs(i2))
        return v if i_term.ndim == 2 else v[:, 0]

