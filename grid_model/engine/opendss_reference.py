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
