"""Tasks: each reads its config, calls the packages and writes ``<run dir>/<task>/``.

A task is ``run(cfg, out_dir) -> dict`` of key figures; the runner adds the
tracking ids, writes ``summary.json`` and logs everything to MLflow.
"""

from twin.tasks import analytics, dr, emulate, grid, hil, mesh, plan, roi, simulate, validate

TASKS = {
    "simulate": simulate.run,
    "grid": grid.run,
    "mesh": mesh.run,
    "validate": validate.run,
    "dr": dr.run,
    "analytics": analytics.run,
    "roi": roi.run,
    "plan": plan.run,
    "hil": hil.run,
    "emulate": emulate.run,
}
