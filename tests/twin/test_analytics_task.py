"""``task=analytics``: simulated run and real-data directory, files and columns, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

SMALL = ["task=analytics", "tracking=off", "site.buildings=2", "site.entrances=2", "site.floors=5",
         "analytics.simulated.days=30", "analytics.simulated.anomaly_share=0.05"]
BALANCES = ["group_id", "level", "date", "input_kwh", "consumers_kwh", "imbalance_kwh", "imbalance_pct",
            "technical_loss_kwh"]
SUSPECTS = ["group_id", "meter_id", "rank", "score", "anomaly_start"]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """One simulated run shared by the tests of this module."""
    from twin.cli import compose_checked
    from twin.runner import execute

    tmp = tmp_path_factory.mktemp("analytics")
    cfg = compose_checked(SMALL)
    summary = execute(cfg, tmp / "run", cwd=tmp)
    return summary, tmp / "run" / "analytics"


def test_simulated_run_writes_every_output(simulated) -> None:
    summary, out = simulated
    bal = pd.read_csv(out / "balances.csv")
    assert list(bal.columns[: len(BALANCES)]) == BALANCES
    assert set(bal["level"]) >= {"entrance", "building", "district"}
    assert bal["date"].nunique() == 30
    sus = pd.read_csv(out / "suspects.csv")
    assert list(sus.columns[: len(SUSPECTS)]) == SUSPECTS
    truth = pd.read_csv(out / "truth.csv")
    assert len(truth) > 0 and len(sus) > 0
    assert len(set(sus["meter_id"]) & set(truth["meter_id"])) >= 0.5 * len(truth)
    for name in ("gaps.csv", "alerts.csv", "phase_moves.csv", "rejects.csv", "forecasts.csv", "verification.csv",
                 "loss_models.csv", "evaluation.json", "imbalance.png", "suspect_evidence.png"):
        assert (out / name).is_file(), name
    assert (out / "input" / "meters.csv").is_file() and (out / "input" / "groups.csv").is_file()
    rejects = pd.read_csv(out / "rejects.csv")
    assert {"file", "row", "reason"} <= set(rejects.columns)
    on_disk = json.loads((out / "summary.json").read_text())
    for key in ("meters", "groups", "days", "suspects", "detector_precision", "detector_recall"):
        assert key in on_disk, key
    assert on_disk["suspects"] == len(sus)


def test_same_data_dir_gives_the_same_balances(simulated, tmp_path, run_task) -> None:
    _, out = simulated
    data = tmp_path / "data"
    shutil.copytree(out / "input", data)
    summary, again = run_task("real", ["task=analytics", "tracking=off", f"data_dir={data}"])
    cols = BALANCES[:7]  # the arithmetic; the simulated run also knows the equipment in each group
    a = pd.read_csv(out / "balances.csv")[cols]
    b = pd.read_csv(again / "balances.csv")[cols]
    pd.testing.assert_frame_equal(a, b)
    assert not (again / "truth.csv").exists()  # real data: no truth, no evaluation
    assert pd.read_csv(again / "suspects.csv")["meter_id"].tolist() == \
        pd.read_csv(out / "suspects.csv")["meter_id"].tolist()


def test_bad_rows_are_rejected_and_the_run_goes_on(simulated, tmp_path, run_task) -> None:
    _, out = simulated
    data = tmp_path / "data"
    shutil.copytree(out / "input", data)
    meters = pd.read_csv(data / "meters.csv", dtype=str, keep_default_na=False)
    lost = meters.loc[meters["customer_id"] != "", "meter_id"].iloc[0]
    meters.loc[meters["meter_id"] == lost, "group_id"] = "NOWHERE"  # a meter in no group
    meters.to_csv(data / "meters.csv", index=False)
    lines = (data / "readings.csv").read_text().splitlines()
    lines.insert(5, "NOPE,2026-01-05T10:00:00+02:00,1.0")
    lines.insert(6, lines[3].rsplit(",", 1)[0] + ",abc")
    (data / "readings.csv").write_text("\n".join(lines) + "\n")
    _, again = run_task("bad-rows", ["task=analytics", "tracking=off", f"data_dir={data}"])
    rejects = pd.read_csv(again / "rejects.csv")
    assert {"unknown_meter", "bad_value", "meter_in_no_group"} <= set(rejects["reason"])
    assert (rejects.loc[rejects["reason"] == "meter_in_no_group", "meter_id"] == lost).all()
    assert (pd.read_csv(again / "balances.csv")["input_kwh"] > 0).all()


@pytest.mark.parametrize("damage, expect", [
    ("wrong_column", "readings.csv"),
    ("no_offset", "timestamp"),
    ("no_meter_in_a_group", "meters.csv"),
    ("missing_dir", "data_dir"),
])
def test_unusable_input_exits_2_with_one_line(simulated, tmp_path, damage, expect) -> None:
    _, out = simulated
    data = tmp_path / "data"
    shutil.copytree(out / "input", data)
    readings = data / "readings.csv"
    if damage == "wrong_column":
        text = readings.read_text()
        readings.write_text(text.replace("meter_id,timestamp,value", "meter_id,timestamp,valeu", 1))
    elif damage == "no_offset":
        text = readings.read_text()
        readings.write_text(text.replace("+02:00,", ",").replace("+00:00,", ","))
    elif damage == "no_meter_in_a_group":
        meters = pd.read_csv(data / "meters.csv", dtype=str, keep_default_na=False)
        meters["group_id"] = "NOWHERE"
        meters.to_csv(data / "meters.csv", index=False)
    elif damage == "missing_dir":
        data = tmp_path / "nope"
    proc = subprocess.run([sys.executable, "-m", "twin.cli", "task=analytics", f"data_dir={data}", "tracking=off",
                           f"hydra.run.dir={tmp_path}/r"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and expect in errors[0], proc.stderr
    assert not (tmp_path / "r" / "analytics").exists()
