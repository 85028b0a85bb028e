"""Reference solution of the IEEE European LV feeder day with OpenDSS.

Used by the validation tests and the benchmark; needs ``dss-python`` (a test
dependency). The shipped feeder files are compiled from a temporary copy so
OpenDSS can write its side files, then solved minute by minute in yearly mode
(minute m takes the m-th value of every load shape).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scenarios import ieee_eu_lv

_PHASE_NODE = {"A": 1, "B": 2, "C": 3}


@dataclass
class OpenDSSDay:
    """OpenDSS results for the feeder day.

    Attributes:
        load_names: Loads in Loads.txt order.
        v_load_pu: (n, T) voltage at each load's node, pu of 0.416/√3 kV.
        p_loss_kw: (T,) ``ActiveCircuit.Losses`` (lines and transformer).
        losses_kwh: Energy lost over the horizon.
        solve_seconds: Wall time of the time-step loop (compile excluded).
    """

    load_names: list[str]
    v_load_pu: np.ndarray
    p_loss_kw: np.ndarray
    losses_kwh: float
    solve_seconds: float


def solve_feeder_day(n_steps: int = 1440, directory: Path | None = None) -> OpenDSSDay:
    """Runs the shipped feeder through OpenDSS, ``n_steps`` minutes from midnight.

    Args:
        n_steps: Number of one-minute steps to solve.
        directory: Feeder files; the shipped copy by default.

    Returns:
        Load voltages and losses per minute.
    """
    from dss import DSS  # test/benchmark dependency only

    src = Path(directory) if directory else ieee_eu_lv.data_dir()
    loads = ieee_eu_lv.load_loads(src)
    cwd = os.getcwd()  # OpenDSS moves the process into the compiled file's folder
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "feeder"
        shutil.copytree(src, work)
        DSS.Text.Command = "clear"
        DSS.Text.Command = f"compile [{work / 'Master.dss'}]"
        circuit = DSS.ActiveCircuit
        names = [n.lower() for n in circuit.AllNodeNames]
        node_idx = np.array([names.index(f"{ld.bus.lower()}.{_PHASE_NODE[ld.phase]}") for ld in loads])
        DSS.Text.Command = "set mode=yearly number=1 stepsize=1m"
        v = np.empty((len(loads), n_steps))
        loss_kw = np.empty(n_steps)
        start = time.perf_counter()
        for m in range(n_steps):
            circuit.Solution.Solve()
            if not circuit.Solution.Converged:
                raise RuntimeError(f"OpenDSS did not converge at minute {m}")
            v[:, m] = np.asarray(circuit.AllBusVmagPu)[node_idx]
            loss_kw[m] = circuit.Losses[0] / 1e3
        seconds = time.perf_counter() - start
        DSS.Text.Command = "clear"
        os.chdir(cwd)
    return OpenDSSDay([ld.name for ld in loads], v, loss_kw, float(loss_kw.sum() / 60.0), seconds)


@dataclass
class OpenDSSSnapshots:
    """OpenDSS results of a :class:`~scenarios.site.Network` solved at given load snapshots.

    Attributes:
        v_load_pu: (n, T) voltage at each load's node(s), pu of the LV nominal
            phase voltage (mean of the three phases for a three-phase load).
        p_loss_kw: (T,) total losses (lines and transformers).
        p_loss_trafo_kw: (T,) transformer losses (load and no-load).
    """

    v_load_pu: np.ndarray
    p_loss_kw: np.ndarray
    p_loss_trafo_kw: np.ndarray


def network_commands(network, connections) -> list[str]:
    """OpenDSS commands describing a site network (loads at 0 kW).

    The source is a ``Vsource`` with the same short-circuit data, transformers
    carry ``%loadloss`` (total winding resistance), ``XHL``, ``%noloadloss`` and
    ``%imag=0``; a ``Yyn`` unit has its HV star on a floating node grounded
    through a reactor equal to the engine's zero-sequence reactance.
    """
    from grid_model.engine.ybus import YYN_Z0_OVER_ZK

    src = network.source
    cmds = ["clear", f"new circuit.site basekv={src.vn_kv} pu={src.vm_pu} phases=3 bus1=SourceBus "
                     f"Isc3={src.isc3_a} Isc1={src.isc1_a} x1r1={src.x1r1} x0r0={src.x0r0}"]
    for k, t in enumerate(network.transformers):
        yyn = t.vector_group.lower().startswith("yyn")
        hv = f"SourceBus.1.2.3.{4 + k}" if yyn else "SourceBus"
        conns = "[wye wye]" if yyn else "[delta wye]"
        cmds.append(f"new transformer.{t.name} phases=3 windings=2 buses=[{hv} {t.lv_bus}] conns={conns} "
                    f"kvs=[{t.vn_hv_kv} {t.vn_lv_kv}] kvas=[{t.sn_kva} {t.sn_kva}] %loadloss={t.r_percent} "
                    f"XHL={t.x_percent} %noloadloss={100.0 * t.no_load_loss_w / (t.sn_kva * 1e3)} %imag=0")
        if yyn:
            vk = float(np.hypot(t.x_percent, t.r_percent))
            z0 = t.z0_percent or YYN_Z0_OVER_ZK * vk
            z_base = t.vn_lv_kv ** 2 / (t.sn_kva / 1e3)
            x_star = (z0 - vk) / 100.0 * z_base * (t.vn_hv_kv / t.vn_lv_kv) ** 2 / 3.0
            cmds.append(f"new reactor.star{k} phases=1 bus1=SourceBus.{4 + k} bus2=SourceBus.0 R=0 X={x_star}")
    for code in network.linecodes.values():
        cmds.append(f"new linecode.{code.name} nphases=3 r1={code.r1_ohm_per_km} x1={code.x1_ohm_per_km} "
                    f"r0={code.r0_ohm_per_km} x0={code.x0_ohm_per_km} c1=0 c0=0 units=km")
    for line in network.lines:
        cmds.append(f"new line.{line.name} bus1={line.from_bus} bus2={line.to_bus} linecode={line.linecode} "
                    f"length={line.length_m / 1e3} units=km")
    for c in connections:
        nodes, phases = (".1.2.3", 3) if c.phase == "ABC" else (f".{_PHASE_NODE[c.phase]}", 1)
        kv = 0.4 if phases == 3 else 0.4 / np.sqrt(3.0)
        cmds.append(f"new load.{c.name} bus1={c.bus}{nodes} phases={phases} kv={kv:.6f} kw=0 kvar=0 model=1 "
                    f"vminpu=0.5 vmaxpu=1.5")
    cmds.append("set voltagebases=[{} {}]".format(src.vn_kv, network.transformer.vn_lv_kv))
    cmds.append("calcvoltagebases")
    cmds.append("set maxiterations=200 tolerance=1e-9")
    return cmds


def solve_network_snapshots(network, connections, p_kw: np.ndarray, q_kvar: np.ndarray) -> OpenDSSSnapshots:
    """Solves a site network in OpenDSS for each column of ``p_kw``/``q_kvar`` (constant-power loads).

    Args:
        network: A :class:`scenarios.site.Network`.
        connections: :class:`grid_model.network.Connection` per load (row order of ``p_kw``).
        p_kw: (n, T) active power per load.
        q_kvar: (n, T) reactive power per load.
    """
    from dss import DSS  # test/benchmark dependency only

    cwd = os.getcwd()
    for cmd in network_commands(network, connections):
        DSS.Text.Command = cmd
    circuit = DSS.ActiveCircuit
    names = [n.lower() for n in circuit.AllNodeNames]
    base = network.transformer.vn_lv_kv * 1e3 / np.sqrt(3.0)
    n, steps = p_kw.shape
    v = np.empty((n, steps))
    loss, loss_tr = np.empty(steps), np.empty(steps)
    for m in range(steps):
        for i, c in enumerate(connections):
            circuit.SetActiveElement(f"Load.{c.name}")
            DSS.Text.Command = f"load.{c.name}.kw={p_kw[i, m]} kvar={q_kvar[i, m]}"
        circuit.Solution.Solve()
        if not circuit.Solution.Converged:
            raise RuntimeError(f"OpenDSS did not converge at snapshot {m}")
        vmag = np.asarray(circuit.AllBusVmag)
        for i, c in enumerate(connections):
            ph = "ABC" if c.phase == "ABC" else c.phase
            idx = [names.index(f"{c.bus.lower()}.{_PHASE_NODE[p]}") for p in ph]
            v[i, m] = float(np.mean(vmag[idx])) / base
        loss[m] = circuit.Losses[0] / 1e3
        tr = 0.0
        for t in network.transformers:
            circuit.SetActiveElement(f"Transformer.{t.name}")
            tr += circuit.ActiveCktElement.Losses[0] / 1e3
        loss_tr[m] = tr
    DSS.Text.Command = "clear"
    os.chdir(cwd)
    return OpenDSSSnapshots(v, loss, loss_tr)
