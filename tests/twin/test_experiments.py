"""Every preset in experiments/ composes, and runs with short periods."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.cli import compose_checked

ROOT = Path(__file__).resolve().parents[2]
PRESETS = sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml"))
#: Shortened periods: a few simulated hours of radio, one hour of loads, few ROI draws.
SHORT = ["tracking=off", "mesh.days=0.1", "mesh.drain_h=0.5", "loads.minutes=60"]


def test_presets_are_found():
    assert {"mesh_deep", "mesh_subnet_240", "rural_street"} <= set(PRESETS)


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_composes(preset: str) -> None:
    cfg = compose_checked([f"+experiment={preset}", *SHORT])
    assert cfg.task.name


def test_mesh_deep_preset_is_the_deep_site_for_thirty_days() -> None:
    cfg = compose_checked(["+experiment=mesh_deep"])
    assert cfg.task.name == "mesh" and cfg.site.kind == "deep" and cfg.mesh.days == 30
    assert cfg.mesh.radio.building_type == "site" and cfg.mesh.radio.tx_power_dbm is None


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_runs(preset: str, run_task) -> None:
    summary, out = run_task(preset, [f"+experiment={preset}", *SHORT])
    assert out.is_dir() and any(out.iterdir())
    assert isinstance(summary, dict) and summary


@pytest.mark.parametrize(("override", "allowed"), [
    ("mesh.radio.case=worst", "optimistic, nominal, harsh"),
    ("mesh.radio.building_type=igloo", "site, p1238, panel_concrete, brick, timber_house"),
    ("mesh.radio.house_type_default=igloo", "panel_concrete, brick, timber_house"),
])
def test_bad_building_settings_name_the_key_and_the_choices(override: str, allowed: str) -> None:
    from scenarios.errors import InputError

    with pytest.raises(InputError, match=f"^{override.split('=')[0]}: '.*' is not allowed; allowed: {allowed}$"):
        compose_checked(["task=mesh", override])
