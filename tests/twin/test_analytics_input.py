"""``task=analytics`` on awkward input, as a new user would run it: console counts, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
GROUPS = "group_id,parent_id,level,group_meter_id\nB1,,building,GM-B1\n"
METERS = ("meter_id,kind,group_id,phase,customer_id,pulse_weight\nGM-B1,electricity,B1,ABC,,1000\n"
          "M1,electricity,B1,A,C1,3200\nM2,electricity,B1,B,C2,3200\nM3,electricity,B1,C,C3,3200\nM4,electricity,"
          "B1,A,C4,3200\n")


def write_data(d: Path, hours: int = 72, sep: str = ",", fmt=lambda m, x: f"{x:.4f}") -> Path:
    """A building meter and four consumers, ``hours`` hours from local midnight, 5 % losses."""
    d.mkdir(parents=True)
    (d / "groups.csv").write_text(GROUPS.replace(",", sep))
    (d / "meters.csv").write_text(METERS.replace(",", sep))
    rng = np.random.default_rng(3)
    stamps = [(pd.Timestamp("2026-01-05T00:00:00+02:00") + pd.Timedelta(hours=h)).isoformat() for h in range(hours)]
    cons = {m: 0.2 + 0.6 * rng.random(hours) for m in ("M1", "M2", "M3", "M4")}
    series = {"GM-B1": sum(cons.values()) * 1.05, **cons}
    lines = [sep.join(("meter_id", "timestamp", "value"))]
    lines += [sep.join((m, t, fmt(m, x))) for m, v in series.items() for t, x in zip(stamps, v)]
    (d / "readings.csv").write_text("\n".join(lines) + "\n")
    return d


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "twin.cli", "task=analytics", "tracking=off", *args,
                           "hydra.run.dir=run"], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def quoted_commas_for_consumers(m: str, x: float) -> str:
    """The building meter with decimal points, the consumers with quoted decimal commas: 80 % rejects."""
    return f"{x:.4f}" if m == "GM-B1" else f'"{x:.4f}"'.replace(".", ",")


def test_mostly_rejected_input_exits_2_and_can_be_allowed(tmp_path) -> None:
    data = write_data(tmp_path / "data", fmt=quoted_commas_for_consumers)
    run = cli(f"data_dir={data}", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    errors = [ln for ln in run.stderr.splitlines() if "error" in ln]
    assert len(errors) == 1 and "80.0 % of the readings were rejected" in errors[0] and "decimal comma" in errors[0]
    assert "Traceback" not in run.stderr
    assert f"{data}: 72 readings accepted, 288 rejected (80.0 %): bad_value 288" in run.stdout
    assert not (tmp_path / "run" / "analytics").exists()
    anyway = cli(f"data_dir={data}", "analytics.max_reject_share=1", cwd=tmp_path)
    assert anyway.returncode == 0, anyway.stderr
    assert "288 rejected" in anyway.stdout
    assert len(pd.read_csv(tmp_path / "run" / "analytics" / "rejects.csv")) == 288


def test_semicolon_file_with_decimal_commas_is_analysed(tmp_path, run_task) -> None:
    data = write_data(tmp_path / "data", sep=";", fmt=lambda m, x: f"{x:.4f}".replace(".", ","))
    summary, out = run_task("semi", ["task=analytics", "tracking=off", f"data_dir={data}"])
    assert summary["readings"] == 5 * 72 and summary["rejected_rows"] == 0
    bal = pd.read_csv(out / "balances.csv")
    assert len(bal) == 3 and bal["imbalance_pct"].between(4.0, 6.0).all()  # the 5 % put into the data


def test_import_counts_are_printed(tmp_path, run_task, capsys) -> None:
    data = write_data(tmp_path / "data")
    run_task("ok", ["task=analytics", "tracking=off", f"data_dir={data}"])
    assert f"{data}: 360 readings accepted, 0 rejected" in capsys.readouterr().out


def test_single_hour_of_data_is_one_line_naming_as_of(tmp_path, run_task) -> None:
    data = write_data(tmp_path / "data", hours=1)
    with pytest.raises(InputError) as info:
        run_task("one", ["task=analytics", "tracking=off", f"data_dir={data}"])
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("analytics.forecast.as_of: the readings cover 1 hour(s)")
    summary, _ = run_task("one-as-of", ["task=analytics", "tracking=off", f"data_dir={data}",
                                        "analytics.forecast.as_of=2026-01-05"])
    assert summary["readings"] == 5


def test_too_few_simulated_days_names_the_key_and_the_minimum(tmp_path, run_task) -> None:
    with pytest.raises(InputError) as info:
        run_task("short", ["task=analytics", "tracking=off", "analytics.simulated.days=14"])
    msg = str(info.value)
    assert msg.startswith("analytics.simulated.days: 14 is too short") and "the minimum is 20" in msg
    with pytest.raises(InputError, match="the minimum is 25"):
        run_task("short", ["task=analytics", "tracking=off", "analytics.simulated.days=24",
                           "analytics.theft.clean_days=17"])


def test_no_anomalies_is_accepted(tmp_path, run_task) -> None:
    """``anomaly_share=0``: a clean simulated site; nothing injected, the run completes."""
    summary, out = run_task("clean", ["task=analytics", "tracking=off", "site.buildings=2", "site.entrances=1",
                                      "site.floors=3", "analytics.simulated.days=21",
                                      "analytics.simulated.anomaly_share=0"])
    assert pd.read_csv(out / "truth.csv").empty
    assert summary["days"] == 21
    evaluation = json.loads((out / "evaluation.json").read_text().replace("NaN", "null"))
    assert evaluation["n_truth"] == 0 and evaluation["tp"] == 0
