"""Linear part of the power flow: node voltages from the load currents.

With the source EMF fixed, the network is linear: ``V = V0 − Z·I`` where ``V0``
is the no-load voltage and ``Z = Y_ff⁻¹`` the impedance matrix of the free
(non-source) nodes and ``I`` the currents drawn by the loads. ``Y_ff`` is
factorised once (sparse LU). Two ways to apply ``Z`` at the load nodes:

* dense: ``Z`` reduced to the distinct load nodes (``Z_LL``, L×L, Z-bus
  reduction), one matrix product per iteration for all time steps at once;
* sparse: one multi-right-hand-side LU solve per iteration, for networks with
  so many load nodes that ``Z_LL`` would be too large.

Full-bus voltages come from the stored impedance columns ``Z[:, L]`` when they
are small enough, else from one multi-RHS LU solve.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from grid_model.engine.ybus import PhaseNetwork

#: Above this many distinct load nodes the sparse path is used by default.
DENSE_MAX_NODES = 1200
#: Largest free-nodes × load-nodes impedance block kept for full-bus voltages.
Z_ALL_MAX_ENTRIES = 4_000_000


class LinearSystem:
    """Factorised network: maps terminal currents to node voltages.

    Terminal currents are first summed per distinct load node (several
    consumers on the same bus and phase share one node), so the reduced
    matrix is L×L with L the number of distinct load nodes.

    Args:
        model: The compiled phase-domain network.
        term_node: (m,) node of each load terminal.
        monitor_nodes: Nodes whose voltage the closed-loop step needs.
        dense: Force the dense (True) or sparse (False) path; ``None`` picks
            dense up to :data:`DENSE_MAX_NODES` distinct load nodes.
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
        self.load_nodes, self.term_col = np.unique(term_node, return_inverse=True)
        n_l, m = len(self.load_nodes), len(term_node)
        #: (L, m) sums terminal currents per distinct load node.
        self.node_sum = sp.csr_matrix((np.ones(m), (self.term_col, np.arange(m))), shape=(n_l, m))
        #: (n_free, L) scatters node currents into the free-node vector.
        self._scatter = sp.csr_matrix(
            (np.ones(n_l), (self.row_of[self.load_nodes], np.arange(n_l))), shape=(len(self.free), n_l)
        )
        self.v0_load = self.v0[self.load_nodes]
        self.v0_term = self.v0[term_node]
        self.monitor_nodes = np.asarray(monitor_nodes)
        self.v0_mon = self.v0[self.monitor_nodes]
        self.dense = n_l <= DENSE_MAX_NODES if dense is None else dense
        keep_all = self.dense and len(self.free) * n_l <= Z_ALL_MAX_ENTRIES
        z_all = self._z_columns(self.load_nodes, True) if keep_all else None
        self._z_all = z_all
        # Y is complex-symmetric, so Z is too: Z[mon, load] = Z[load, mon]ᵀ
        # needs one solve per monitored node instead of one per load node.
        mon_rows = self.row_of[self.monitor_nodes]
        ok = mon_rows >= 0
        self._z_mon = np.zeros((len(self.monitor_nodes), n_l), dtype=complex)
        self._z_mon[ok] = self._z_columns(self.monitor_nodes[ok], False, self.row_of[self.load_nodes]).T
        if not self.dense:
            self._z_ll = None
        elif keep_all:
            self._z_ll = self._pick(z_all, self.row_of[self.load_nodes])
        else:
            self._z_ll = self._z_columns(self.load_nodes, False, self.row_of[self.load_nodes])

    @staticmethod
    def _pick(z_free: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Rows of a free-node matrix; slack rows (−1) are zero."""
        out = np.zeros((len(rows), z_free.shape[1]), dtype=complex)
        ok = rows >= 0
        out[ok] = z_free[rows[ok]]
        return out

    def _z_columns(self, cols: np.ndarray, keep_all: bool, rows: np.ndarray | None = None) -> np.ndarray:
        """Columns of ``Z`` at nodes ``cols``: all free rows, or only ``rows``."""
        n_rows = len(self.free) if keep_all else len(rows)
        out = np.zeros((n_rows, len(cols)), dtype=complex)
        ok = None if keep_all else rows >= 0
        for start in range(0, len(cols), 256):
            part = cols[start:start + 256]
            rhs = np.zeros((len(self.free), len(part)), dtype=complex, order="F")
            rhs[self.row_of[part], np.arange(len(part))] = 1.0
            z = self.lu.solve(rhs)
            if keep_all:
                out[:, start:start + len(part)] = z
            else:
                out[ok, start:start + len(part)] = z[rows[ok]]
        return out

    def load_node_voltages(self, i_node: np.ndarray) -> np.ndarray:
        """Voltages of the distinct load nodes for node currents (L,) or (L, T)."""
        if self.dense:
            drop = self._z_ll @ i_node
        else:
            drop = self.lu.solve(np.asfortranarray(self._scatter @ i_node))[self.row_of[self.load_nodes]]
        v0 = self.v0_load if i_node.ndim == 1 else self.v0_load[:, None]
        return v0 - drop

    def terminal_voltages(self, i_term: np.ndarray) -> np.ndarray:
        """Terminal voltages for currents ``i_term`` of shape (m,) or (m, T)."""
        return self.load_node_voltages(self.node_sum @ i_term)[self.term_col]

    def monitored_voltages(self, i_term: np.ndarray) -> np.ndarray:
        """Voltages at the monitored nodes for currents of shape (m,) or (m, T)."""
        v0 = self.v0_mon if i_term.ndim == 1 else self.v0_mon[:, None]
        return v0 - self._z_mon @ (self.node_sum @ i_term)

    def all_voltages(self, i_term: np.ndarray) -> np.ndarray:
        """Voltages of every node, (n_nodes, T), from currents (m, T).

        Uses the stored impedance columns when small enough, else one
        multi-right-hand-side LU solve.
        """
        i_node = self.node_sum @ i_term
        v = np.empty((self.n_nodes, i_term.shape[1]), dtype=complex)
        v[self.slack_nodes] = self.v_slack[:, None]
        if self._z_all is not None:
            drop = self._z_all @ i_node
        else:
            drop = self.lu.solve(np.asfortranarray(self._scatter @ i_node))
        v[self.free] = self.v0[self.free, None] - drop
        return v
