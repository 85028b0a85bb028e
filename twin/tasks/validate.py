"""``task=validate``: the model checks, each against an independent reference.

Writes under ``validate/``: ``report.json`` (a list of ``{name, expected,
simulated, tolerance, passed, note, details, kind}``; ``kind`` is
``validated``, ``calibrated`` or ``informational``, see
:mod:`mesh_sim.checks`), ``report.md`` (the same as a table) and
``aloha.png`` (simulated ALOHA success against ``exp(-2G)``). Suites register
in :data:`SUITES`; later issues add theirs.

The task exits with code 1 when any row fails, after writing every file, and
prints one line naming the failed rows (``exit_code`` in the summary).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402

from mesh_sim import checks as mesh_checks  # noqa: E402
from twin.progress import stages  # noqa: E402

log = logging.getLogger(__name__)


def mesh_suite(cfg: DictConfig) -> list[mesh_checks.Check]:
    """Radio-network checks (issue: DMesh simulator)."""
    mesh = OmegaConf.to_object(cfg.mesh)
    return mesh_checks.run_all(mesh, int(cfg.seed), cfg.task.subnet_days, cfg.task.aloha_packets)


def radio_suite(cfg: DictConfig) -> list[mesh_checks.Check]:
    """Propagation checks against published 433 MHz measurement campaigns (issue: deep meshes)."""
    from mesh_sim import radio_checks

    return radio_checks.suite(cfg)


def dr_suite(cfg: DictConfig) -> list[mesh_checks.Check]:
    """Demand-response checks (issue: DR/DLM with tariffs)."""
    from twin.control import checks as dr_checks

    return dr_checks.run_all(cfg)


def analytics_suite(cfg: DictConfig) -> list[mesh_checks.Check]:
    """Balance-analytics checks (issue: balance analytics)."""
    from analytics import checks as analytics_checks

    return analytics_checks.run_all(cfg)


#: Suite name → function of the composed config returning checks.
SUITES: dict[str, Callable[[DictConfig], list]] = {"radio": radio_suite, "mesh": mesh_suite, "dr": dr_suite,
                                                   "analytics": analytics_suite}


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_markdown(path: Path, rows: list[dict[str, Any]]) -> None:
    """The checks as a Markdown table with the notes below."""
    lines = ["# Model checks", "",
             "`validated`: against an independent reference; `calibrated`: a parameter was set from this "
             "figure (consistency only, not a validation); `informational`: context.", "",
             "| check | kind | expected | simulated | tolerance | passed |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r.get('kind', 'validated')} | {_cell(r['expected'])} | "
                     f"{_cell(r['simulated'])} | {_cell(r['tolerance'])} | {'yes' if r['passed'] else '**no**'} |")
    lines += ["", "## Notes", ""] + [f"- **{r['name']}**: {r['note']}" for r in rows]
    path.write_text("\n".join(lines) + "\n")


def plot_aloha(path: Path, rows: list[dict[str, Any]]) -> None:
    """Simulated pure-ALOHA success fraction against the closed form."""
    row = next((r for r in rows if r["name"] == "aloha_throughput"), None)
    if row is None:
        return
    g = [float(k) for k in row["expected"]]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(g, list(row["expected"].values()), "k-", label="exp(-2G)")
    ax.plot(g, list(row["simulated"].values()), "o", label="simulated (no capture)")
    ax.set_xlabel("offered load G (packets per packet time)")
    ax.set_ylabel("success fraction")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs every suite, writing into ``out_dir``; returns the counts."""
    rows: list[dict[str, Any]] = []
    with stages(list(SUITES) + ["write"]) as step:
        for name, suite in SUITES.items():
            step(name)
            rows += [c.to_dict() for c in suite(cfg)]
        step("write")
        (out_dir / "report.json").write_text(json.dumps(rows, indent=2, allow_nan=False, default=str) + "\n")
        write_markdown(out_dir / "report.md", rows)
        plot_aloha(out_dir / "aloha.png", rows)
    failed = [r["name"] for r in rows if not r["passed"]]
    kinds = [r.get("kind", "validated") for r in rows]
    if failed:
        print(f"validate: {len(failed)} check(s) failed: {', '.join(failed)} (see validate/report.md)",
              file=sys.stderr)
    return {"checks": len(rows), "passed": len(rows) - len(failed), "failed": len(failed),
            "validated": kinds.count("validated"), "calibrated": kinds.count("calibrated"),
            "informational": kinds.count("informational"), "failed_checks": ", ".join(failed),
            "exit_code": 1 if failed else 0}
