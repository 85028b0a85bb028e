"""Phase-domain admittance model compiled from a pandapower net.

Every bus has three phase nodes (a, b, c); the neutral is grounded at every bus
and Kron-reduced into the 3×3 line matrices, as OpenDSS does with R1/X1/R0/X0
line codes: ``Zs = (2·Z1 + Z0)/3`` on the diagonal, ``Zm = (Z0 − Z1)/3`` off it.
All quantities are SI (volt, ampere, siemens), phase-to-ground.

Supported elements: one ``ext_grid`` (an ideal three-phase EMF: pandapower and
OpenDSS equivalents place the source impedance in an explicit MV line), lines
without shunt capacitance, and one or more MV/LV transformers (several
substations on one MV source), each modelled as three single-phase units with
the leakage impedance on the LV side and the no-load (iron) loss as a
conductance across the LV winding (``pfe_kw`` at rated voltage; where OpenDSS
puts ``%noloadloss`` too, as the validation against it shows):

* ``Dyn``: HV winding between two HV phases, LV winding from an LV phase to
  the grounded neutral (LV lags HV by 30°);
* ``Yyn`` (Yyn0): HV winding from an HV phase to the HV star point, LV winding
  from an LV phase to the grounded neutral (no phase shift). The HV star point
  is not grounded; the zero-sequence flux path of a three-limb core is
  represented by a reactance from the star point to ground sized so that the
  zero-sequence impedance seen from the LV side is ``vk0_percent``
  (``Z0 = Zk + 3·Zn/n²``). The star point is Kron-reduced.

Anything else raises :class:`~scenarios.errors.InputError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import scipy.sparse as sp

from scenarios.errors import InputError

#: Unit phasor of +120°.
A_OP = np.exp(2j * np.pi / 3)
#: Balanced positive-sequence phase rotation (a, b, c).
PHASE_ROT = np.array([1.0, A_OP**2, A_OP])
#: HV phase pairs of the delta winding feeding LV units a, b, c (Dyn1: LV lags 30°).
DELTA_PAIRS = ((0, 2), (1, 0), (2, 1))
#: Zero-sequence over short-circuit impedance of a Yyn0 unit when the net gives
#: none (three-limb core: the zero-sequence flux closes through the tank).
YYN_Z0_OVER_ZK = 7.0


@dataclass
class TransformerModel:
    """An MV/LV transformer as three single-phase units.

    Attributes:
        name: Transformer name.
        hv_nodes: (3, 2) HV node pairs (positive, negative) of each unit's
            winding; for ``Yyn`` the negative entry is -1 (the star point).
        lv_nodes: (3,) LV node of each unit (a, b, c).
        y_unit: 2×2 admittance of one unit in winding quantities
            ``[I_hw, I_lw] = y_unit @ [V_hw, V_lw]`` (currents into the
            windings), with the no-load conductance on the LV winding.
        r_lv_ohm: Unit series resistance referred to the LV side.
        i_rated_lv_a: Rated LV phase current.
        vector_group: ``"Dyn"`` or ``"Yyn"``.
        y_star_s: Admittance from the HV star point to ground (``Yyn``).
        no_load_w: Rated no-load loss of the three units, W.
    """

    name: str
    hv_nodes: np.ndarray
    lv_nodes: np.ndarray
    y_unit: np.ndarray
    r_lv_ohm: float
    i_rated_lv_a: float
    vector_group: str = "Dyn"
    y_star_s: complex = 0.0
    no_load_w: float = 0.0

    @property
    def nodes(self) -> np.ndarray:
        """(6,) HV a, b, c then LV a, b, c nodes."""
        return np.concatenate([self.hv_nodes[:, 0], self.lv_nodes])

    def star_coupling(self) -> tuple[np.ndarray, complex]:
        """``(y_s, y_ss)``: star-point row over :attr:`nodes` and its self-admittance (``Yyn``)."""
        y = self.y_unit
        y_s = np.concatenate([np.full(3, -y[0, 0]), np.full(3, -y[0, 1])])
        return y_s, 3.0 * y[0, 0] + self.y_star_s

    def nodal_matrix(self) -> np.ndarray:
        """(6, 6) admittance over :attr:`nodes` (star point Kron-reduced for ``Yyn``)."""
        y = self.y_unit
        out = np.zeros((6, 6), dtype=complex)
        for k in range(3):
            if self.vector_group == "Dyn":
                p, q = DELTA_PAIRS[k]
                c = np.zeros((2, 6))
                c[0, p], c[0, q], c[1, 3 + k] = 1.0, -1.0, 1.0
            else:
                c = np.zeros((2, 6))
                c[0, k], c[1, 3 + k] = 1.0, 1.0
            out += c.T @ y @ c
        if self.vector_group == "Yyn":
            y_s, y_ss = self.star_coupling()
            out -= np.outer(y_s, y_s) / y_ss
        return out


@dataclass
class PhaseNetwork:
    """Phase-domain network: node admittance matrix and the branch data to post-process.

    Attributes:
        bus_names: Name of every bus (row order of all per-bus arrays).
        bus_index: pandapower bus index → position.
        v_base_v: Phase-to-neutral base voltage of every bus.
        y_bus: Sparse node admittance matrix (3·nbus square), node = 3·bus + phase.
        slack_nodes: Nodes with fixed voltage (the EMF bus).
        v_slack_v: Their complex voltages.
        line_names: Names of the lines, in net order.
        line_nodes: (nline, 2) from/to bus positions.
        line_y: (nline, 3, 3) series admittance of each line.
        line_lv: (nline,) True for lines on the LV side (counted in losses).
        trafo: The first transformer (the only one of a single substation).
        lv_buses: Positions of the buses on the LV side.
        line_dv: Sparse (3·nline, n_nodes): phase voltage drop of every line.
        line_current: Sparse (3·nline, n_nodes): phase current of every line
            (from → to), ``line_y @ drop``.
        trafos: Every transformer (``trafo`` is ``trafos[0]``).
        trafo_of_bus: (nbus,) index in ``trafos`` of the transformer whose
            LV network holds the bus, -1 on the MV side.
    """

    bus_names: list[str]
    bus_index: dict[int, int]
    v_base_v: np.ndarray
    y_bus: sp.csc_matrix
    slack_nodes: np.ndarray
    v_slack_v: np.ndarray
    line_names: list[str]
    line_nodes: np.ndarray
    line_y: np.ndarray
    line_lv: np.ndarray
    trafo: TransformerModel
    lv_buses: np.ndarray
    line_dv: sp.csr_matrix
    line_current: sp.csr_matrix
    trafos: list[TransformerModel] | None = None
    trafo_of_bus: np.ndarray | None = None

    @property
    def n_nodes(self) -> int:
        """Number of phase nodes."""
        return 3 * len(self.bus_names)


def _phase_impedance(z1: np.ndarray, z0: np.ndarray) -> np.ndarray:
    """(n, 3, 3) phase impedance matrices from sequence impedances."""
    zs = (2.0 * z1 + z0) / 3.0
    zm = (z0 - z1) / 3.0
    out = np.empty((len(z1), 3, 3), dtype=complex)
    out[:] = zm[:, None, None]
    idx = np.arange(3)
    out[:, idx, idx] = zs[:, None]
    return out


def _lines(net: pp.pandapowerNet, pos: dict[int, int]):
    lines = net.line[net.line["in_service"]]
    if len(lines) and (lines["c_nf_per_km"].abs().max() > 0 or lines.get("c0_nf_per_km", 0 * lines["c_nf_per_km"]).abs().max() > 0):
        raise InputError("net.line: shunt capacitance (c_nf_per_km, c0_nf_per_km) is not supported by the engine")
    for col in ("r0_ohm_per_km", "x0_ohm_per_km"):
        if col not in lines or lines[col].isna().any():
            raise InputError(f"net.line: column '{col}' is needed for the unbalanced model")
    length = lines["length_km"].to_numpy() / lines["parallel"].to_numpy()
    z1 = (lines["r_ohm_per_km"].to_numpy() + 1j * lines["x_ohm_per_km"].to_numpy()) * length
    z0 = (lines["r0_ohm_per_km"].to_numpy() + 1j * lines["x0_ohm_per_km"].to_numpy()) * length
    if np.any(np.abs(z1) == 0) or np.any(np.abs(z0) == 0):
        raise InputError("net.line: a line has zero impedance (use a bus-bus connection instead)")
    y = np.linalg.inv(_phase_impedance(z1, z0))
    ends = np.column_stack([lines["from_bus"].map(pos).to_numpy(), lines["to_bus"].map(pos).to_numpy()])
    names = [str(n) if n is not None else f"line{i}" for i, n in zip(lines.index, lines["name"])]
    return names, ends.astype(int), y, lines


def _trafos(net: pp.pandapowerNet, pos: dict[int, int]) -> list[TransformerModel]:
    trafos = net.trafo[net.trafo["in_service"]]
    if len(trafos) < 1:
        raise InputError("net.trafo: at least one in-service MV/LV transformer expected, found none")
    return [_trafo(trafos.iloc[i], pos) for i in range(len(trafos))]


def _trafo(t, pos: dict[int, int]) -> TransformerModel:
    group = str(t["vector_group"]).lower()
    kind = "Dyn" if group.startswith("dyn") else "Yyn" if group.startswith("yyn") else None
    if kind is None:
        raise InputError(f"transformer {t['name']}: vector group '{t['vector_group']}' not supported (Dyn, Yyn)")
    if t["i0_percent"] != 0:
        raise InputError(f"transformer {t['name']}: magnetising current (i0_percent) must be 0 for the engine")
    vk, vkr = t["vk_percent"] / 100.0, t["vkr_percent"] / 100.0
    z_pu = vkr + 1j * math.sqrt(max(vk * vk - vkr * vkr, 0.0))
    z_lv_ohm = z_pu * t["vn_lv_kv"] ** 2 / t["sn_mva"] / t["parallel"]
    v_hw_kv = t["vn_hv_kv"] if kind == "Dyn" else t["vn_hv_kv"] / math.sqrt(3.0)
    ratio = v_hw_kv / (t["vn_lv_kv"] / math.sqrt(3.0))
    tap_pos = t.get("tap_pos", np.nan)
    if not (tap_pos is None or np.isnan(tap_pos)):
        step = (tap_pos - t["tap_neutral"]) * t["tap_step_percent"] / 100.0
        ratio *= (1.0 + step) if t["tap_side"] == "hv" else 1.0 / (1.0 + step)
    y = 1.0 / z_lv_ohm
    y_unit = y * np.array([[1.0 / ratio**2, -1.0 / ratio], [-1.0 / ratio, 1.0]])
    no_load_w = float(t["pfe_kw"]) * 1e3 * t["parallel"]
    y_unit[1, 1] += no_load_w / 3.0 / (t["vn_lv_kv"] * 1e3 / math.sqrt(3.0)) ** 2
    hv, lv = pos[int(t["hv_bus"])], pos[int(t["lv_bus"])]
    if kind == "Dyn":
        hv_nodes = np.array([[3 * hv + p, 3 * hv + q] for p, q in DELTA_PAIRS])
        y_star = 0.0
    else:
        hv_nodes = np.array([[3 * hv + p, -1] for p in range(3)])
        vk0 = float(t.get("vk0_percent", np.nan))
        vk0 = vk0 / 100.0 if np.isfinite(vk0) and vk0 > 0 else YYN_Z0_OVER_ZK * vk
        z_base = t["vn_lv_kv"] ** 2 / t["sn_mva"] / t["parallel"]
        x_star_ohm = max(vk0 - vk, 1e-6) * z_base * ratio**2 / 3.0
        y_star = 1.0 / (1j * x_star_ohm)
    lv_nodes = 3 * lv + np.arange(3)
    i_rated = t["sn_mva"] * 1e6 * t["parallel"] / (math.sqrt(3.0) * t["vn_lv_kv"] * 1e3)
    return TransformerModel(str(t["name"]), hv_nodes, lv_nodes, y_unit, float(z_lv_ohm.real), i_rated, kind,
                            y_star, no_load_w)


def trafo_flows(trafo: TransformerModel, v_hv_v: np.ndarray, v_lv_v: np.ndarray):
    """Winding voltages, currents and losses of the three single-phase units.

    Args:
        trafo: The transformer model.
        v_hv_v: (3, ...) HV bus phase voltages (A, B, C).
        v_lv_v: (3, ...) LV bus phase voltages (a, b, c).

    Returns:
        ``(i_lw, loss_w)``: (3, ...) current flowing from each LV phase node
        into its winding (minus the current the transformer delivers) and
        (3, ...) loss of each unit in W (load and no-load losses).
    """
    if trafo.vector_group == "Dyn":
        v_hw = np.stack([v_hv_v[p] - v_hv_v[q] for p, q in DELTA_PAIRS])
    else:
        y_s, y_ss = trafo.star_coupling()
        v6 = np.concatenate([np.asarray(v_hv_v), np.asarray(v_lv_v)])
        v_star = -np.tensordot(y_s, v6, axes=1) / y_ss
        v_hw = np.asarray(v_hv_v) - v_star
    y = trafo.y_unit
    i_hw = y[0, 0] * v_hw + y[0, 1] * v_lv_v
    i_lw = y[1, 0] * v_hw + y[1, 1] * v_lv_v
    loss_w = np.real(v_hw * np.conj(i_hw) + v_lv_v * np.conj(i_lw))
    return i_lw, loss_w


def _lv_side(n_bus: int, line_ends: np.ndarray, lv_bus: int) -> np.ndarray:
    """Buses reachable from the transformer LV bus over lines."""
    graph = sp.coo_matrix((np.ones(len(line_ends)), (line_ends[:, 0], line_ends[:, 1])), shape=(n_bus, n_bus))
    order = sp.csgraph.breadth_first_order(graph, lv_bus, directed=False, return_predecessors=False)
    return np.sort(order)


def compile_network(net: pp.pandapowerNet) -> PhaseNetwork:
    """Compiles the phase-domain model of a pandapower net.

    Args:
        net: A net such as :func:`grid_model.network.build_net` returns.

    Returns:
        The node admittance matrix and branch data.

    Raises:
        InputError: When the net holds elements the engine does not model.
    """
    for table in ("load", "switch", "sgen", "gen", "shunt", "trafo3w", "impedance", "ward", "xward", "storage"):
        df = net[table] if table in net else None
        if df is not None and len(df) and (df["in_service"].any() if "in_service" in df else True):
            raise InputError(f"net.{table}: element type not supported by the grid engine")
    buses = net.bus[net.bus["in_service"]]
    pos = {int(b): i for i, b in enumerate(buses.index)}
    names = [str(n) for n in buses["name"]]
    v_base = buses["vn_kv"].to_numpy() * 1e3 / math.sqrt(3.0)
    n_bus = len(buses)

    line_names, ends, y_line, _ = _lines(net, pos)
    trafos = _trafos(net, pos)
    rows, cols, vals = [], [], []
    ii, jj = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
    for a, b, sign in ((0, 0, 1.0), (0, 1, -1.0), (1, 0, -1.0), (1, 1, 1.0)):
        rows.append((3 * ends[:, a, None, None] + ii).ravel())
        cols.append((3 * ends[:, b, None, None] + jj).ravel())
        vals.append((sign * y_line).ravel())
    for trafo in trafos:
        # Winding voltages: V_hw = V[h+] − V[h−] (or − V_star), V_lw = V[l]; Y_nodes = Cᵀ·y_unit·C.
        nodes = trafo.nodes
        rows.append(np.repeat(nodes, 6))
        cols.append(np.tile(nodes, 6))
        vals.append(trafo.nodal_matrix().ravel())
    n = 3 * n_bus
    y_bus = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))

    grids = net.ext_grid[net.ext_grid["in_service"]]
    if len(grids) != 1:
        raise InputError(f"net.ext_grid: exactly one in-service source expected, found {len(grids)}")
    g = grids.iloc[0]
    gb = pos[int(g["bus"])]
    slack = 3 * gb + np.arange(3)
    v_slack = g["vm_pu"] * v_base[gb] * PHASE_ROT * np.exp(1j * np.deg2rad(g["va_degree"]))

    trafo_of_bus = np.full(n_bus, -1)
    for k, trafo in enumerate(trafos):
        side = _lv_side(n_bus, ends, int(trafo.lv_nodes[0] // 3))
        if np.any(trafo_of_bus[side] >= 0):
            raise InputError(f"transformer {trafo.name}: its LV network is connected to another transformer's "
                             f"(meshed LV networks are not supported)")
        trafo_of_bus[side] = k
    lv_buses = np.flatnonzero(trafo_of_bus >= 0)
    line_lv = np.isin(ends[:, 0], lv_buses) & np.isin(ends[:, 1], lv_buses)
    if "source_impedance" in net.line:
        flag = net.line.loc[net.line["in_service"], "source_impedance"].to_numpy() == True  # noqa: E712 (NaN → False)
        line_lv &= ~flag
    line_dv, line_current = _line_matrices(ends, y_line, n)
    return PhaseNetwork(
        names, pos, v_base, y_bus, slack, v_slack, line_names, ends, y_line, line_lv, trafos[0], lv_buses,
        line_dv, line_current, trafos, trafo_of_bus,
    )


def _line_matrices(ends: np.ndarray, y_line: np.ndarray, n_nodes: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Sparse maps from node voltages to line voltage drops and line currents."""
    nl = len(ends)
    rows = np.repeat(np.arange(3 * nl), 2)
    cols = np.column_stack([(3 * ends[:, 0, None] + np.arange(3)).ravel(), (3 * ends[:, 1, None] + np.arange(3)).ravel()])
    vals = np.tile([1.0, -1.0], 3 * nl)
    dv = sp.csr_matrix((vals, (rows, cols.ravel())), shape=(3 * nl, n_nodes))
    ii, jj = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
    base = 3 * np.arange(nl)[:, None, None]
    y_block = sp.csr_matrix((y_line.ravel(), ((base + ii).ravel(), (base + jj).ravel())), shape=(3 * nl, 3 * nl))
    return dv, (y_block @ dv).tocsr()
