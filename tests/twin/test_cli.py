"""The command line: config errors are one line with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.errors import InputError
from twin.cli import compose_checked

ROOT = Path(__file__).resolve().parents[2]


def _run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "twin.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_default_config_composes() -> None:
    cfg = compose_checked([])
    assert cfg.task.name == "simulate"
    assert cfg.site.kind == "ieee_eu_lv"
    assert cfg.loads.kind == "synthetic"
    assert cfg.tracking.uri is None


def test_task_grid_replays_measured_shapes() -> None:
    cfg = compose_checked(["task=grid", "grid=ieee_eu_lv"])
    assert cfg.task.name == "grid"
    assert cfg.loads.kind == "ieee_shapes"
    assert cfg.grid.network == "ieee_eu_lv"


def test_experiment_preset_applies() -> None:
    cfg = compose_checked(["+experiment=district_winter"])
    assert cfg.site.kind == "district"
    assert cfg.loads.kind == "synthetic"


@pytest.mark.parametrize(
    ("overrides", "must_contain"),
    [
        (["site=nowhere"], ["site=nowhere", "district", "ieee_eu_lv", "rural"]),
        (["task=fly"], ["task=fly", "simulate", "grid"]),
        (["site=district", "site.buildingz=3"], ["site.buildingz", "buildings"]),
        (["seed=abc"], ["seed"]),
        (["grid.load_model=magic"], ["grid.load_model", "opendss", "constant_power"]),
        (["loads.minutes=0"], ["loads.minutes"]),
        (["site=district", "site.floors=-2"], ["site.floors"]),
        (["+experiment=nope"], ["experiment=nope", "district_winter"]),
    ],
)
def test_bad_config_names_key_and_allowed_values(overrides: list[str], must_contain: list[str]) -> None:
    with pytest.raises(InputError) as info:
        compose_checked(overrides)
    message = str(info.value)
    assert "\n" not in message
    for text in must_contain:
        assert text in message


def test_cli_exits_2_with_one_line_and_no_output(tmp_path: Path) -> None:
    result = _run_cli("site=nowhere", "hydra.run.dir=run", cwd=tmp_path)
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert "site=nowhere" in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("files", "args", "must_contain"),
    [
        ({"site.json": '{"format": "balance-twin-site", "version": 1,\n "groups": [}'},
         ["site=file", "site.path=site.json"], ["site.json", "line 2"]),
        ({"p.csv": "minute,LOAD1\n1,0.5\n2,abc\n"},
         ["loads=csv", "loads.path=p.csv"], ["p.csv"]),
    ],
)
def test_cli_bad_file_is_one_line_exit_2(tmp_path: Path, files: dict[str, str], args: list[str],
                                         must_contain: list[str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = _run_cli(*args, "tracking=off", "hydra.run.dir=run", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip() and "balance-twin:" in ln and "error" in ln]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for text in must_contain:
        assert text in lines[0]
    assert not (tmp_path / "run" / "simulate").exists()


def test_help_lists_every_option_and_preset() -> None:
    import yaml

    conf = ROOT / "conf"
    template = yaml.safe_load((conf / "config.yaml").read_text())["hydra"]["help"]["template"]
    for group in ("task", "site", "loads", "grid", "tracking"):
        line = next(ln for ln in template.splitlines() if ln.strip().startswith(group + " "))
        for option in sorted(p.stem for p in (conf / group).glob("*.yaml")):
            assert option in line, f"--help does not list {group}={option}"
    for preset in (ROOT / "experiments").glob("*.yaml"):
        assert preset.stem in template, f"--help does not list +experiment={preset.stem}"
