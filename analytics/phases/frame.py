"""The recommendation frame: its columns and rows, ``phase_moves.csv``, and the plan read back.

Output frame (``phase_moves.csv``), one row per recommendation:

* ``action == "move"`` rows, in the order the plan applies them; the figures
  are **cumulative**: ``*_before`` is the state with the previous moves applied,
  ``*_after`` with this one too (the first row's before is the site as is, the
  last row's after the whole plan). Every move was confirmed in that order, so
  the criterion falls row by row.
* ``action == "three_phase"`` rows: ``from_phase`` is the consumer's phase
  after the plan, ``to_phase`` is ``ABC``; ``*_before`` is the whole plan,
  ``*_after`` the plan plus this one consumer as ``ABC`` (each row on its own,
  not cumulative); ``recommended`` marks the combined set; recommended rows
  first, then by losses after.
* ``vuf_max_*_pct`` in the rows is the largest VUF over time at the consumer
  buses (the supply points, where EN 50160 applies); the summary's
  ``vuf_max_*_pct`` is over every bus of the network. On a radial feeder the
  two agree (verified on the IEEE feeder at every minute).
* Losses are LV lines plus transformer, kWh over the horizon.
* ``recommended``: True on move rows; on three-phase rows, member of the
  combined set. ``reason``: why the row is there, with the proxy's ΔJ and (for
  moves) the power flow's change.

Summary keys: ``moves``, ``losses_before_kwh``, ``losses_after_kwh``,
``loss_reduction_pct``, ``vuf_max_before_pct``, ``vuf_max_after_pct``,
``neutral_peak_before_a``, ``neutral_peak_after_a``,
``loading_peak_before_pct``, ``loading_peak_after_pct``, the search counts
(``proposed_moves``, ``rejected_moves``), the proxy's figures, the three-phase
candidates and their combined effect, ``plan`` (the moves as dicts) and
timings.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.phases.probe import _Metrics
from scenarios.errors import InputError
from scenarios.site import Site

#: File name of the recommendation frame.
PHASE_MOVES_CSV = "phase_moves.csv"
#: Columns of the recommendation frame.
COLUMNS = ["consumer_id", "bus", "from_phase", "to_phase", "action", "peak_kw", "energy_kwh", "losses_before_kwh",
           "losses_after_kwh", "vuf_max_before_pct", "vuf_max_after_pct", "recommended", "reason"]


def _row(c, from_phase: str, to_phase: str, action: str, peak: float, energy: float, before: _Metrics,
         after: _Metrics, reason: str) -> dict[str, Any]:
    """One row of the frame (:data:`COLUMNS`), ``recommended`` True."""
    return {"consumer_id": c.consumer_id, "bus": c.bus, "from_phase": from_phase, "to_phase": to_phase,
            "action": action, "peak_kw": peak, "energy_kwh": energy, "losses_before_kwh": before.losses_kwh,
            "losses_after_kwh": after.losses_kwh, "vuf_max_before_pct": before.vuf_max_pct,
            "vuf_max_after_pct": after.vuf_max_pct, "recommended": True, "reason": reason}


def apply_phases(site: Site, phases: dict[str, str]) -> Site:
    """Returns a copy of ``site`` whose consumers in ``phases`` have the new phase.

    Consumers are copied with :func:`dataclasses.replace`; the site's meters
    are left as they are (the engine reads the consumers).
    """
    unknown = set(phases) - {c.consumer_id for c in site.consumers}
    if unknown:
        raise InputError(f"apply_phases: unknown consumer '{sorted(unknown)[0]}'")
    consumers = [replace(c, phase=phases[c.consumer_id]) if c.consumer_id in phases else c for c in site.consumers]
    return replace(site, consumers=consumers)


def plan_phases(frame: pd.DataFrame) -> dict[str, str]:
    """The new phase of every consumer the frame's ``move`` rows move."""
    moves = frame[frame["action"] == "move"]
    return dict(zip(moves["consumer_id"], moves["to_phase"]))


def write_phase_moves(out_dir: str | Path, frame: pd.DataFrame) -> Path:
    """Writes the frame as ``phase_moves.csv`` in ``out_dir``; returns the path."""
    path = Path(out_dir) / PHASE_MOVES_CSV
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path
