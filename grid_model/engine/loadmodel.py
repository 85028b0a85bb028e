"""Consumer load models and the mapping of consumers to phase nodes.

A consumer on one phase is one *terminal* (phase to grounded neutral); a
three-phase consumer (``"ABC"``) is three terminals, each taking a third of its
power. Every function works on arrays of any shape whose first axis is the
terminal, so the same code serves a whole day ``(m, T)`` and one step ``(m,)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandapower as pp

from grid_model.engine.ybus import PhaseNetwork
from scenarios.errors import InputError

#: The load models the engine knows.
LOAD_MODELS = ("constant_power", "constant_current", "constant_impedance", "opendss")
_PHASE_COLS = ("a", "b", "c")


@dataclass(frozen=True)
class LoadModel:
    """Voltage dependence of the consumers' power.

    Attributes:
        kind: ``"constant_power"``, ``"constant_current"``,
            ``"constant_impedance"`` (P and Q given at rated voltage) or
            ``"opendss"``: constant P,Q while ``vminpu ≤ |V|/V_rated ≤ vmaxpu``,
            constant impedance outside, fixed at the limit voltage (OpenDSS
            load model 1).
        vminpu: Lower limit of the constant-power band (``"opendss"`` only).
        vmaxpu: Upper limit of the constant-power band (``"opendss"`` only).
    """

    kind: str = "opendss"
    vminpu: float = 0.95
    vmaxpu: float = 1.05

    def __post_init__(self) -> None:
        if self.kind not in LOAD_MODELS:
            raise InputError(f"load_model '{self.kind}' is not one of {', '.join(LOAD_MODELS)}")
        if not 0.0 < self.vminpu < self.vmaxpu:
            raise InputError(f"load model limits need 0 < vminpu < vmaxpu, got {self.vminpu}, {self.vmaxpu}")

    def currents(self, v_v: np.ndarray, s_va: np.ndarray, vnom_v: np.ndarray) -> np.ndarray:
        """Current drawn by each terminal.

        Args:
            v_v: Complex terminal voltages (phase to ground), V.
            s_va: Complex power demand at rated voltage, VA (same shape).
            vnom_v: Rated voltage, broadcastable to ``v_v``.

        Returns:
            Complex currents flowing from the node into the load, A.
        """
        if self.kind == "constant_power":
            return np.conj(s_va / v_v)
        if self.kind == "constant_impedance":
            return np.conj(s_va) / (vnom_v * vnom_v) * v_v
        if self.kind == "constant_current":
            return np.conj(s_va) / vnom_v * (v_v / np.abs(v_v))
        vmag = np.abs(v_v)
        v_hi = self.vmaxpu * vnom_v
        v_lo = self.vminpu * vnom_v
        i_pq = np.conj(s_va / v_v)
        y_hi = np.conj(s_va) / (v_hi * v_hi)
        y_lo = np.conj(s_va) / (v_lo * v_lo)
        return np.where(vmag > v_hi, y_hi * v_v, np.where(vmag < v_lo, y_lo * v_v, i_pq))


@dataclass
class Terminals:
    """Consumers mapped onto phase nodes.

    Attributes:
        load_names: Consumer names in net order (row order of ``p_kw``).
        load_phase: ``"A"``/``"B"``/``"C"``/``"ABC"`` per consumer.
        load_bus: Bus position of each consumer.
        term_load: (m,) consumer of each terminal.
        term_node: (m,) phase node of each terminal.
        term_phase: (m,) phase 0..2 of each terminal.
        term_frac: (m,) share of the consumer's power on this terminal.
        vnom_v: (m,) rated phase-to-neutral voltage of each terminal.
    """

    load_names: list[str]
    load_phase: list[str]
    load_bus: np.ndarray
    term_load: np.ndarray
    term_node: np.ndarray
    term_phase: np.ndarray
    term_frac: np.ndarray
    vnom_v: np.ndarray

    @property
    def n_loads(self) -> int:
        """Number of consumers."""
        return len(self.load_names)

    def terminal_power(self, p_kw: np.ndarray, q_kvar: np.ndarray) -> np.ndarray:
        """Complex power per terminal in VA from per-consumer kW/kvar (first axis = consumer)."""
        s = (np.asarray(p_kw, dtype=float) + 1j * np.asarray(q_kvar, dtype=float)) * 1e3
        frac = self.term_frac.reshape((-1,) + (1,) * (s.ndim - 1))
        return s[self.term_load] * frac

    def per_load(self, term_values: np.ndarray) -> np.ndarray:
        """Sums per-terminal values (first axis) per consumer."""
        out = np.zeros((self.n_loads,) + term_values.shape[1:], dtype=term_values.dtype)
        np.add.at(out, self.term_load, term_values)
        return out


def _phase_of(row) -> str:
    """Phase of a load row: the ``phase`` column, else the non-zero p/q columns."""
    phase = row.get("phase") if hasattr(row, "get") else None
    if isinstance(phase, str) and phase:
        return phase
    used = [ph for ph in _PHASE_COLS if row[f"p_{ph}_mw"] != 0 or row[f"q_{ph}_mvar"] != 0]
    if len(used) == 1:
        return used[0].upper()
    if len(used) == 3:
        return "ABC"
    raise InputError(f"asymmetric_load {row['name']}: cannot tell its phase (add a 'phase' column)")


def build_terminals(net: pp.pandapowerNet, model: PhaseNetwork, load_kv: float | None) -> Terminals:
    """Maps the net's in-service asymmetric loads onto phase nodes.

    Args:
        net: The pandapower net.
        model: Its compiled phase-domain model.
        load_kv: Rated phase-to-neutral voltage of every load phase, kV (0.23
            in Europe; OpenDSS's ``kV=`` of a single-phase load). A
            three-phase load with OpenDSS ``kV=0.4`` is ``0.4/√3`` here.
            ``None`` takes the bus's nominal phase voltage.

    Returns:
        The terminals.
    """
    loads = net.asymmetric_load[net.asymmetric_load["in_service"]]
    if not len(loads):
        raise InputError("net.asymmetric_load: the net has no consumers")
    if (loads["type"] != "wye").any():
        raise InputError("net.asymmetric_load: only 'wye' loads are supported")
    lv = set(model.lv_buses.tolist())
    names, phases, buses = [], [], []
    t_load, t_node, t_phase, t_frac, t_vnom = [], [], [], [], []
    for k, (_, row) in enumerate(loads.iterrows()):
        phase = _phase_of(row)
        if phase not in ("A", "B", "C", "ABC"):
            raise InputError(f"asymmetric_load {row['name']}: phase '{phase}' is not A, B, C or ABC")
        bus = model.bus_index[int(row["bus"])]
        if bus not in lv:
            raise InputError(f"asymmetric_load {row['name']}: bus {model.bus_names[bus]} is not on the LV side")
        names.append(str(row["name"]))
        phases.append(phase)
        buses.append(bus)
        letters = [0, 1, 2] if phase == "ABC" else ["ABC".index(phase)]
        if load_kv is None:
            vnom = model.v_base_v[bus]
        else:
            vnom = load_kv * 1e3
        for ph in letters:
            t_load.append(k)
            t_node.append(3 * bus + ph)
            t_phase.append(ph)
            t_frac.append(1.0 / len(letters))
            t_vnom.append(vnom)
    return Terminals(
        names, phases, np.asarray(buses), np.asarray(t_load), np.asarray(t_node), np.asarray(t_phase),
        np.asarray(t_frac), np.asarray(t_vnom, dtype=float),
    )
