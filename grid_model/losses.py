"""Per-phase losses and their allocation to consumers.

Allocation rule (documented in ``docs/grid-model.md``):

* LV lines, branch-current (Z-bus) allocation: a consumer terminal on phase p
  drawing ``I_k`` at voltage ``V_k`` is charged ``Re(conj(I_k)·(V_bb,p − V_k))``
  where ``V_bb,p`` is the transformer LV busbar voltage of phase p. In a network
  of series elements (Kron-reduced lines, no shunts) Tellegen's theorem applied
  to each phase's conductor graph makes these charges sum *exactly* to the line
  losses of that phase, which equal ``Re(V_bb,p·conj(I_p)) − Σ_k Re(V_k·conj(I_k))``.
* Transformer, per single-phase unit: unit p's loss is shared among the
  terminals on phase p in proportion to ``Re(I_k·conj(I_p))/|I_p|²``. The
  weights sum to one (``Σ I_k = I_p``), and for a purely series unit the share
  equals ``R·Re(I_k·conj(I_p))``, the same branch-current rule as for lines.

All functions take arrays whose first axis is the phase (3) or the terminal
(m); any trailing axes (time) broadcast. Powers are in W.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def phase_matrix(term_phase: np.ndarray) -> sp.csr_matrix:
    """(3, m) 0/1 matrix summing terminal values per phase."""
    m = len(term_phase)
    return sp.csr_matrix((np.ones(m), (term_phase, np.arange(m))), shape=(3, m))


def consumer_matrix(term_load: np.ndarray, n_loads: int) -> sp.csr_matrix:
    """(n, m) 0/1 matrix summing terminal values per consumer."""
    m = len(term_load)
    return sp.csr_matrix((np.ones(m), (term_load, np.arange(m))), shape=(n_loads, m))


def phase_currents(i_term: np.ndarray, term_phase: np.ndarray, phase_sum=None) -> np.ndarray:
    """Busbar phase currents ``I_p = Σ_k I_k`` (KCL of a shunt-free network).

    ``phase_sum`` is :func:`phase_matrix` of ``term_phase`` when the caller has it.
    """
    ps = phase_matrix(term_phase) if phase_sum is None else phase_sum
    return np.asarray(ps @ i_term)


def line_loss_by_phase_w(
    v_busbar_v: np.ndarray, v_term_v: np.ndarray, i_term_a: np.ndarray, term_phase: np.ndarray, phase_sum=None
) -> np.ndarray:
    """LV line losses per phase from busbar and terminal quantities.

    Args:
        v_busbar_v: (3, ...) busbar phase voltages.
        v_term_v: (m, ...) terminal voltages.
        i_term_a: (m, ...) currents drawn by the terminals.
        term_phase: (m,) phase of each terminal.
        phase_sum: Optional precomputed :func:`phase_matrix`.

    Returns:
        (3, ...) losses in W.
    """
    per_term = line_charge_w(v_busbar_v, v_term_v, i_term_a, term_phase)
    ps = phase_matrix(term_phase) if phase_sum is None else phase_sum
    return np.asarray(ps @ per_term)


def line_charge_w(
    v_busbar_v: np.ndarray, v_term_v: np.ndarray, i_term_a: np.ndarray, term_phase: np.ndarray
) -> np.ndarray:
    """Each terminal's share of the line losses, ``Re(conj(I_k)·(V_bb,p − V_k))``, W."""
    return np.real(np.conj(i_term_a) * (v_busbar_v[term_phase] - v_term_v))


def trafo_charge_w(trafo_loss_w: np.ndarray, i_term_a: np.ndarray, term_phase: np.ndarray, phase_sum=None) -> np.ndarray:
    """Each terminal's share of its phase's transformer loss, W.

    Args:
        trafo_loss_w: (3, ...) loss of each single-phase unit.
        i_term_a: (m, ...) terminal currents.
        term_phase: (m,) phase of each terminal.
        phase_sum: Optional precomputed :func:`phase_matrix`.

    Returns:
        (m, ...) shares; zero where the phase carries no current.
    """
    i_p = phase_currents(i_term_a, term_phase, phase_sum)
    mag2 = np.abs(i_p) ** 2
    weight = np.divide(trafo_loss_w, mag2, out=np.zeros_like(mag2), where=mag2 > 0)
    return np.real(i_term_a * np.conj(i_p[term_phase])) * weight[term_phase]


def consumer_shares_w(
    v_busbar_v: np.ndarray,
    v_term_v: np.ndarray,
    i_term_a: np.ndarray,
    term_phase: np.ndarray,
    term_load: np.ndarray,
    n_loads: int,
    trafo_loss_w: np.ndarray,
    phase_sum=None,
    load_sum=None,
) -> np.ndarray:
    """Each consumer's share of line plus transformer losses, (n, ...) W.

    ``phase_sum``/``load_sum`` are optional precomputed :func:`phase_matrix` and
    :func:`consumer_matrix`.
    """
    per_term = line_charge_w(v_busbar_v, v_term_v, i_term_a, term_phase)
    per_term += trafo_charge_w(trafo_loss_w, i_term_a, term_phase, phase_sum)
    ls = consumer_matrix(term_load, n_loads) if load_sum is None else load_sum
    return np.asarray(ls @ per_term)


def branch_loss_w(v_from_v: np.ndarray, v_to_v: np.ndarray, i_branch_a: np.ndarray) -> np.ndarray:
    """Per-phase loss of series branches, ``Re((V_from − V_to)·conj(I))``, W (same shape)."""
    return np.real((v_from_v - v_to_v) * np.conj(i_branch_a))


def voltage_unbalance_pct(v_abc: np.ndarray) -> np.ndarray:
    """Voltage unbalance factor ``|V2|/|V1|·100`` from phase voltages on axis 1.

    Args:
        v_abc: (nbus, 3, ...) complex phase voltages.

    Returns:
        (nbus, ...) VUF in %, 0 where the positive sequence is zero.
    """
    a = np.exp(2j * np.pi / 3)
    v1 = np.abs(v_abc[:, 0] + a * v_abc[:, 1] + a * a * v_abc[:, 2])
    v2 = np.abs(v_abc[:, 0] + a * a * v_abc[:, 1] + a * v_abc[:, 2])
    return np.divide(100.0 * v2, v1, out=np.zeros_like(v1), where=v1 > 0)
