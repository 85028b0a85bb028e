"""Builds the pandapower network users exchange from a :class:`scenarios.site.Network`.

The MV supply is modelled the way OpenDSS models a ``Vsource``: an ideal EMF
behind the Thevenin impedance derived from the short-circuit currents. In
pandapower the EMF is an ``ext_grid`` with a very large short-circuit power (so
its own impedance vanishes in every sequence) and the Thevenin impedance is an
explicit 1 km MV line flagged ``source_impedance=True``. The transformer, the LV
lines (sequence impedances from the line codes) and one ``asymmetric_load`` per
consumer complete the net, which solves with ``pandapower.runpp_3ph``.

Extra columns written (pandapower keeps them in its JSON files):
``net.line.source_impedance`` (bool) and ``net.asymmetric_load.phase``
(``"A"``, ``"B"``, ``"C"`` or ``"ABC"``), which the time-series engine reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandapower as pp

from scenarios import ieee_eu_lv
from scenarios.errors import InputError
from grid_model.engine.ybus import YYN_Z0_OVER_ZK
from scenarios.site import PHASES, Network, Source

#: Short-circuit power of the ideal EMF behind the source impedance, MVA.
EXT_GRID_SC_MVA = 1.0e8
#: Zero-sequence magnetising impedance of the Dyn transformer in % of its
#: short-circuit impedance: effectively infinite, so the LV zero-sequence
#: impedance equals the leakage impedance, as for three single-phase units
#: without magnetising branch (OpenDSS ``%imag=0``). pandapower's own IEEE
#: feeder uses 100 %, which puts the magnetising branch in parallel with the
#: HV leakage share and shifts LV voltages by up to ~6e-4 pu.
MAG0_PERCENT = 1.0e8
#: Name of the bus holding the ideal EMF.
SOURCE_EMF_BUS = "SourceEMF"
#: Name of the transformer's HV bus (as in the OpenDSS feeder).
SOURCE_BUS = "SourceBus"


@dataclass(frozen=True)
class Connection:
    """A consumer's service connection.

    Attributes:
        name: Consumer (load) name, unique.
        bus: Network bus it is connected to.
        phase: ``"A"``, ``"B"``, ``"C"`` (phase to neutral) or ``"ABC"``
            (balanced three-phase load, power split evenly).
    """

    name: str
    bus: str
    phase: str


@dataclass(frozen=True)
class SourceImpedance:
    """Thevenin impedance of the MV source, ohm per phase at the source voltage.

    Attributes:
        r1_ohm: Positive-sequence resistance.
        x1_ohm: Positive-sequence reactance.
        r0_ohm: Zero-sequence resistance.
        x0_ohm: Zero-sequence reactance.
    """

    r1_ohm: float
    x1_ohm: float
    r0_ohm: float
    x0_ohm: float


def source_impedance(source: Source) -> SourceImpedance:
    """Thevenin impedance from the short-circuit currents, as OpenDSS computes it.

    ``|Z1| = V_ln / Isc3`` split by X1/R1; ``Z0`` has ratio X0/R0 and satisfies
    ``|2·Z1 + Z0| = 3·V_ln / Isc1``.

    Args:
        source: The MV source.

    Returns:
        The sequence impedances in ohm.
    """
    v_ln_v = source.vn_kv * 1e3 / math.sqrt(3.0)
    z1_ohm = v_ln_v / source.isc3_a
    r1 = z1_ohm / math.sqrt(1.0 + source.x1r1**2)
    x1 = r1 * source.x1r1
    zs_ohm = 3.0 * v_ln_v / source.isc1_a
    a = 1.0 + source.x0r0**2
    b = 4.0 * (r1 + x1 * source.x0r0)
    c = 4.0 * (r1 * r1 + x1 * x1) - zs_ohm**2
    disc = b * b - 4.0 * a * c
    r0 = (-b + math.sqrt(disc)) / (2.0 * a) if disc >= 0 else 0.0
    if r0 <= 0.0:  # Isc1 larger than possible with this X0/R0: take Z0 = Z1.
        r0, x0 = r1, x1
    else:
        x0 = r0 * source.x0r0
    return SourceImpedance(r1, x1, r0, x0)


def build_net(network: Network, connections: list[Connection]) -> pp.pandapowerNet:
    """Builds the pandapower net of a site's LV network and consumers.

    Args:
        network: Source, transformer, buses, line codes and lines.
        connections: One entry per consumer; the order is the load order of
            the net (and of the engine's ``p_kw`` rows).

    Returns:
        A net that solves with ``pandapower.runpp_3ph``; loads are zero.

    Raises:
        InputError: On unknown buses or line codes, bad phases, duplicate names.
    """
    net = pp.create_empty_network(name="balance", f_hz=50.0)
    src, tr = network.source, network.transformer
    bus_idx: dict[str, int] = {}
    for name in (SOURCE_EMF_BUS, SOURCE_BUS):
        bus_idx[name] = pp.create_bus(net, vn_kv=src.vn_kv, name=name)
    if abs(src.vn_kv - tr.vn_hv_kv) > 1e-9:
        raise InputError(f"transformer {tr.name}: vn_hv_kv={tr.vn_hv_kv} differs from the source's {src.vn_kv} kV")
    for bus in network.buses:
        if bus.name in bus_idx:
            raise InputError(f"bus {bus.name}: duplicate or reserved bus name")
        bus_idx[bus.name] = pp.create_bus(net, vn_kv=tr.vn_lv_kv, name=bus.name, geodata=(bus.x_m, bus.y_m))
    names: set[str] = set()
    for t in network.transformers:
        if t.lv_bus not in bus_idx:
            raise InputError(f"transformer {t.name}: unknown LV bus '{t.lv_bus}'")
        if not t.vector_group.lower().startswith(("dyn", "yyn")):
            raise InputError(f"transformer {t.name}: vector group '{t.vector_group}' not supported (Dyn, Yyn)")
        if abs(src.vn_kv - t.vn_hv_kv) > 1e-9:
            raise InputError(f"transformer {t.name}: vn_hv_kv={t.vn_hv_kv} differs from the source's {src.vn_kv} kV")
        if t.name in names:
            raise InputError(f"transformer {t.name}: duplicate transformer name")
        if t.no_load_loss_w < 0:
            raise InputError(f"transformer {t.name}: no_load_loss_w must not be negative, got {t.no_load_loss_w}")
        names.add(t.name)

    pp.create_ext_grid(
        net, bus_idx[SOURCE_EMF_BUS], vm_pu=src.vm_pu, va_degree=0.0, name="Source",
        s_sc_max_mva=EXT_GRID_SC_MVA, s_sc_min_mva=EXT_GRID_SC_MVA, rx_max=0.1, rx_min=0.1,
        x0x_max=1.0, r0x0_max=0.1, x0x_min=1.0, r0x0_min=0.1,
    )
    zs = source_impedance(src)
    pp.create_line_from_parameters(
        net, bus_idx[SOURCE_EMF_BUS], bus_idx[SOURCE_BUS], length_km=1.0, name="SourceImpedance",
        r_ohm_per_km=zs.r1_ohm, x_ohm_per_km=zs.x1_ohm, c_nf_per_km=0.0, max_i_ka=99.0,
        r0_ohm_per_km=zs.r0_ohm, x0_ohm_per_km=zs.x0_ohm, c0_nf_per_km=0.0, source_impedance=True,
    )
    for t in network.transformers:
        _add_transformer(net, bus_idx[SOURCE_BUS], bus_idx[t.lv_bus], t)
    for line in network.lines:
        code = network.linecodes.get(line.linecode)
        if code is None:
            raise InputError(f"line {line.name}: unknown line code '{line.linecode}'")
        for end in (line.from_bus, line.to_bus):
            if end not in bus_idx:
                raise InputError(f"line {line.name}: unknown bus '{end}'")
        if line.length_m <= 0:
            raise InputError(f"line {line.name}: length_m must be positive, got {line.length_m}")
        pp.create_line_from_parameters(
            net, bus_idx[line.from_bus], bus_idx[line.to_bus], length_km=line.length_m / 1e3, name=line.name,
            r_ohm_per_km=code.r1_ohm_per_km, x_ohm_per_km=code.x1_ohm_per_km, c_nf_per_km=0.0,
            max_i_ka=code.max_i_ka, r0_ohm_per_km=code.r0_ohm_per_km, x0_ohm_per_km=code.x0_ohm_per_km,
            c0_nf_per_km=0.0, source_impedance=False, std_type=code.name,
        )
    seen: set[str] = set()
    for conn in connections:
        if conn.phase not in PHASES:
            raise InputError(f"consumer {conn.name}: phase '{conn.phase}' is not one of {', '.join(PHASES)}")
        if conn.bus not in bus_idx or conn.bus in (SOURCE_EMF_BUS, SOURCE_BUS):
            raise InputError(f"consumer {conn.name}: unknown LV bus '{conn.bus}'")
        if conn.name in seen:
            raise InputError(f"consumer {conn.name}: duplicate consumer name")
        seen.add(conn.name)
        pp.create_asymmetric_load(net, bus_idx[conn.bus], name=conn.name, type="wye", phase=conn.phase)
    return net


def _add_transformer(net: pp.pandapowerNet, hv_bus: int, lv_bus: int, tr) -> None:
    """Adds one MV/LV transformer (Dyn or Yyn) with its no-load loss."""
    vk = math.hypot(tr.x_percent, tr.r_percent)
    yyn = tr.vector_group.lower().startswith("yyn")
    vk0 = (tr.z0_percent or YYN_Z0_OVER_ZK * vk) if yyn else vk
    pp.create_transformer_from_parameters(
        net, hv_bus, lv_bus, sn_mva=tr.sn_kva / 1e3, vn_hv_kv=tr.vn_hv_kv,
        vn_lv_kv=tr.vn_lv_kv, vkr_percent=tr.r_percent, vk_percent=vk, pfe_kw=tr.no_load_loss_w / 1e3,
        i0_percent=0.0, shift_degree=0.0 if yyn else 30.0, vector_group="Yyn" if yyn else "Dyn",
        vk0_percent=vk0, vkr0_percent=tr.r_percent, mag0_percent=MAG0_PERCENT, mag0_rx=0.0, si0_hv_partial=0.9,
        name=tr.name,
    )


def set_loads(net: pp.pandapowerNet, p_kw, q_kvar) -> None:
    """Writes one snapshot of consumer powers into ``net.asymmetric_load``.

    Args:
        net: A net from :func:`build_net` (needs the ``phase`` column).
        p_kw: Active power per load, in load order.
        q_kvar: Reactive power per load.
    """
    if len(p_kw) != len(net.asymmetric_load) or len(q_kvar) != len(net.asymmetric_load):
        raise InputError(f"set_loads: expected {len(net.asymmetric_load)} values per array")
    for col in ("p_a_mw", "p_b_mw", "p_c_mw", "q_a_mvar", "q_b_mvar", "q_c_mvar"):
        net.asymmetric_load[col] = 0.0
    for row, (idx, phase) in enumerate(zip(net.asymmetric_load.index, net.asymmetric_load["phase"])):
        letters = "abc" if phase == "ABC" else phase.lower()
        for ph in letters:
            net.asymmetric_load.at[idx, f"p_{ph}_mw"] = p_kw[row] / 1e3 / len(letters)
            net.asymmetric_load.at[idx, f"q_{ph}_mvar"] = q_kvar[row] / 1e3 / len(letters)


def ieee_connections(directory: Path | None = None) -> list[Connection]:
    """The IEEE European LV feeder's 55 loads as connections (Loads.txt order)."""
    return [Connection(ld.name, ld.bus, ld.phase) for ld in ieee_eu_lv.load_loads(directory)]


def build_ieee_net(directory: Path | None = None) -> pp.pandapowerNet:
    """Builds the IEEE European LV feeder from the shipped OpenDSS files."""
    return build_net(ieee_eu_lv.load_network(directory), ieee_connections(directory))
