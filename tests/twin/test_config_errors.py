"""Unknown config keys: an error naming the key, with a suggestion, on one line (exit 2 at the CLI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.errors import InputError
from twin.cli import compose_checked
from twin.config_errors import suggest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("overrides", "key", "suggestion"), [
    (["task=mesh", "+mesh.dayz=7"], "mesh.dayz", "mesh.days"),
    (["task=roi", "roi.discount_rate=5"], "roi.discount_rate", "roi.discount_rate_pct"),
    (["task=roi", "+roi.discount_rate=5"], "roi.discount_rate", "roi.discount_rate_pct"),
    (["+seeed=3"], "seeed", "seed"),
    (["mesh.mac.wake_intervl_s=3"], "mesh.mac.wake_intervl_s", "mesh.mac.wake_interval_s"),
    (["+mesh.energy.battery.capacity=3000"], "mesh.energy.battery.capacity", "mesh.energy.battery.capacity_mah"),
    (["+mesh.wake_interval_s=3"], "mesh.wake_interval_s", "mesh.mac.wake_interval_s"),  # right name, wrong level
    (["task=analytics", "+analytics.simulated.dayz=30"], "analytics.simulated.dayz", "analytics.simulated.days"),
])
def test_unknown_key_is_named_with_a_suggestion(overrides, key, suggestion) -> None:
    with pytest.raises(InputError) as info:
        compose_checked(overrides)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"{key}: unknown key"), msg
    assert f"did you mean '{suggestion}'?" in msg, msg


def test_unknown_key_without_a_close_name_lists_the_allowed_ones() -> None:
    with pytest.raises(InputError) as info:
        compose_checked(["+foo=1"])
    msg = str(info.value)
    assert msg.startswith("foo: unknown key") and "did you mean" not in msg
    assert "seed" in msg and "task" in msg


@pytest.mark.parametrize("overrides", [
    ["+experiment=mesh_subnet_240"],
    ["+experiment=roi_pirmasens"],
    ["task=roi", "roi.uncertainty_pct.equipment_per_flat=30"],  # a free-form mapping keeps its own keys
    ["task=analytics", "+analytics.equipment_w_by_group.B1=5"],
])
def test_presets_and_free_form_mappings_still_compose(overrides) -> None:
    compose_checked(overrides)


def test_suggest_needs_a_close_name() -> None:
    assert suggest("mesh.dayz", ["days", "drain_h"]) == "; did you mean 'mesh.days'?"
    assert suggest("mesh.xyz", ["days", "drain_h"]) == ""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "twin.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("args", [
    ["task=mesh", "+mesh.dayz=7", "hydra.run.dir=run"],
    ["-m", "task=grid", "seed=1,2", "+foo=1", "hydra.sweep.dir=run"],  # multirun: checked inside each job
])
def test_cli_unknown_key_exits_2_with_one_line(args, tmp_path) -> None:
    result = _cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [ln for ln in result.stderr.splitlines() if "error" in ln]
    assert len(errors) == 1 and "unknown key" in errors[0] and "Traceback" not in result.stderr, result.stderr
    assert not list(tmp_path.glob("run/**/summary.json"))


def test_unknown_key_inside_a_list_of_records_names_the_override() -> None:
    with pytest.raises(InputError) as info:
        compose_checked(["task=mesh", "+mesh.faults=[{kind: node_down, node_id: J01, at_hour: 5}]"])
    assert str(info.value).startswith("mesh.faults: at_hour: unknown key; did you mean 'at_h'? (allowed keys: at_h,")
