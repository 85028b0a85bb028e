"""``task=plan`` and ``task=roi``: files, keys other tools read, inputs from earlier runs, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

POINTS = "point_id,building,floor,flat,kind,x_m,y_m,dr\n" + "".join(
    f"P{b}{f}{k}{kind[0]},B{b},{f},{f}{k},{kind},{10 + 40 * b + 3 * k},{10 + b},{int(k == 0 and kind == 'electricity')}\n"
    for b in range(2) for f in range(4) for k in range(3) for kind in ("electricity", "water"))
PLAN_KEYS = ("meters", "modules", "concentrators", "max_hops", "pdr_final", "install_shifts", "capex")
ROI_KEYS = ("payback_months", "discounted_payback_months", "npv", "irr")


@pytest.fixture(scope="module")
def plan_run(tmp_path_factory):
    from twin.cli import compose_checked
    from twin.runner import execute

    tmp = tmp_path_factory.mktemp("plan")
    (tmp / "points.csv").write_text(POINTS)
    cfg = compose_checked(["task=plan", "tracking=off", f"plan.points_path={tmp / 'points.csv'}",
                           "plan.battery_days=2"])
    return execute(cfg, tmp / "run", cwd=tmp), tmp / "run" / "plan"


def test_plan_writes_bom_summary_schedule_and_map(plan_run) -> None:
    summary, out = plan_run
    on_disk = json.loads((out / "summary.json").read_text())
    for key in PLAN_KEYS:
        assert on_disk[key] is not None, key
    assert on_disk["meters"] == POINTS.count("\n") - 1 and on_disk["pdr_final"] >= 0.999
    bom = pd.read_csv(out / "bom.csv")
    assert bom["total"].sum() == pytest.approx(on_disk["capex"])
    assert {"d100fc", "j100uc", "pulse_sensor_water", "ad220", "contactor"} <= set(bom["item"])
    assert bom.set_index("item").loc["ad220", "quantity"] == 8  # one per DR point
    schedule = pd.read_csv(out / "battery_schedule.csv")
    assert len(schedule) == on_disk["modules"] and schedule["replace_by"].is_monotonic_increasing
    assert (out / "map.png").stat().st_size > 10_000
    # The spread of building-type figures and the first replacement year (issue 14).
    assert 1 <= on_disk["concentrators_optimistic"] <= on_disk["concentrators"] <= on_disk["concentrators_harsh"]
    assert on_disk["first_battery_replacement_year"] == int(schedule["replace_by"].iloc[0][:4])


def test_roi_takes_the_plan_capex_and_writes_the_report(plan_run, run_task) -> None:
    plan_summary, plan_out = plan_run
    summary, out = run_task("roi", ["task=roi", "tracking=off", f"task.plan_dir={plan_out}"])
    on_disk = json.loads((out / "summary.json").read_text())
    for key in ROI_KEYS:
        assert key in on_disk, key
    assert on_disk["investment"] == pytest.approx(plan_summary["capex"])
    cash = pd.read_csv(out / "cashflow.csv")
    assert len(cash) > 5
    html = (out / "report.html").read_text()
    assert "bill of materials" in html.lower() or "d100fc" in html.lower()
    for png in ("cashflow.png", "tornado.png", "payback_mc.png"):
        assert (out / png).stat().st_size > 5_000 and png in html


def test_brochure_preset_pays_back_in_about_33_months(run_task) -> None:
    summary, out = run_task("s1", ["+experiment=roi_seed_s1", "tracking=off"])
    assert summary["payback_months"] == pytest.approx(33.3, abs=0.5)


def test_dr_run_decides_whether_the_upgrade_is_avoided(tmp_path, run_task) -> None:
    dr = tmp_path / "dr"
    dr.mkdir()
    (dr / "summary.json").write_text(json.dumps({"combined_minutes_over_rating": 9}))
    summary, _ = run_task("roi-dr", ["task=roi", "tracking=off", f"task.dr_dir={dr}",
                                     "roi.transformer_upgrade_avoided=50000", "roi.transformer_upgrade_year=3"])
    (dr / "summary.json").write_text(json.dumps({"combined_minutes_over_rating": 0}))
    again, _ = run_task("roi-dr2", ["task=roi", "tracking=off", f"task.dr_dir={dr}",
                                    "roi.transformer_upgrade_avoided=50000", "roi.transformer_upgrade_year=3"])
    assert again["npv"] > summary["npv"] + 10_000


@pytest.mark.parametrize("override, key", [
    ("roi.energy_bill_per_flat_month=-1", "roi.energy_bill_per_flat_month"),
    ("plan.prices.ad220=null", "plan.prices.ad220"),
])
def test_bad_input_exits_2_with_one_line(override, key, tmp_path) -> None:
    task = "task=roi" if override.startswith("roi") else "task=plan"
    extra = ["plan.dr_share=0.2"] if task == "task=plan" else []
    proc = subprocess.run([sys.executable, "-m", "twin.cli", task, override, *extra, "tracking=off",
                           f"hydra.run.dir={tmp_path}/r"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and key in errors[0], proc.stderr


def test_points_without_coordinates_exit_2(tmp_path) -> None:
    (tmp_path / "points.csv").write_text("point_id,building,floor,flat,kind,x_m,y_m\nP1,B1,0,1,electricity,,\n")
    proc = subprocess.run([sys.executable, "-m", "twin.cli", "task=plan", f"plan.points_path={tmp_path / 'points.csv'}",
                           "tracking=off", f"hydra.run.dir={tmp_path}/r"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "points.csv" in errors[0] and "row 2" in errors[0], proc.stderr
