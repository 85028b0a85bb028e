"""``task=dr``: files and columns other tools read, determinism, bad input, validate checks."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from scenarios.errors import InputError

#: A small winter building, 8 hours from 15:00 would need a start offset; a short day keeps it quick.
SMALL = ["task=dr", "tracking=off", "site.buildings=1", "site.streets=1", "site.entrances=2", "site.floors=4",
         "loads.minutes=1440", "dr.latency.source=fixed", "dr.sweep=[0.0,0.5,1.0]",
         "loads.households.share_electric_space_heating=0.5", "loads.households.share_ev=0.3"]
COMPARISON = ["strategy", "peak_kw", "minutes_over_rating", "energy_shifted_kwh", "energy_not_served_kwh",
              "comfort_violation_minutes", "mean_command_latency_s", "customer_cost_total", "losses_kwh"]


def test_dr_task_writes_comparison_sweep_and_plots(run_task) -> None:
    summary, out = run_task("d", SMALL)
    comp = pd.read_csv(out / "comparison.csv")
    assert list(comp.columns[: len(COMPARISON)]) == COMPARISON
    # optimal_bound joined the strategies on purpose (issue 17): the perfect-foresight programme.
    assert list(comp["strategy"]) == ["none", "dr", "dlm", "combined", "optimal_bound"]
    for col in ("hot_spot_max_c", "ageing_days", "minutes_over_rating_3ph_avg", "bound_gap_minutes_over_rating"):
        assert comp[col].notna().all(), col
    by = comp.set_index("strategy")
    assert by.loc["none", "energy_shifted_kwh"] == 0 and by.loc["none", "comfort_violation_minutes"] == 0
    assert pd.isna(by.loc["none", "mean_command_latency_s"]) and pd.isna(by.loc["dlm", "mean_command_latency_s"])
    assert by.loc["dr", "mean_command_latency_s"] == pytest.approx(35.0)
    real = by.drop(index="optimal_bound")
    assert (real["yellow_off_longest_min"] <= real["yellow_off_limit_min"]).all()
    for s in ("dr", "dlm", "combined"):
        assert by.loc[s, "energy_shifted_kwh"] > 0, s
        # No real strategy beats the bound on overload.
        assert by.loc[s, "bound_gap_overload_pct_minutes"] >= -1e-6, s
        assert by.loc[s, "bound_gap_minutes_over_rating"] >= 0, s
    sweep_all = pd.read_csv(out / "participation_sweep.csv")
    assert list(sweep_all.columns[:3]) == ["participation", "peak_kw", "minutes_over_rating"]
    assert set(sweep_all["strategy"]) == {"combined", "optimal_bound"}
    sweep = sweep_all[sweep_all.strategy == "combined"]
    bound = sweep_all[sweep_all.strategy == "optimal_bound"].set_index("participation")
    assert list(sweep["participation"]) == [0.0, 0.5, 1.0] and list(bound.index) == [0.0, 0.5, 1.0]
    for _, r in sweep.iterrows():
        assert r["overload_pct_minutes"] >= bound.loc[r["participation"], "overload_pct_minutes"] - 1e-6
        assert r["minutes_over_rating"] >= bound.loc[r["participation"], "minutes_over_rating"]
    assert sweep.iloc[0]["peak_kw"] == pytest.approx(by.loc["none", "peak_kw"])  # 0 % = no control
    ts = pd.read_csv(out / "timeseries.csv")
    assert set(ts["strategy"]) == set(comp["strategy"]) - {"optimal_bound"} and len(ts) == 4 * 1440
    assert by.loc["none", "peak_kw"] == pytest.approx(ts[ts.strategy == "none"]["p_trafo_kw"].max(), rel=1e-5)
    assert by.loc["none", "minutes_over_rating"] == (ts[ts.strategy == "none"]["loading_pct"] > 100).sum()
    three = ts[ts.strategy == "none"][["loading_pct_a", "loading_pct_b", "loading_pct_c"]].mean(axis=1)
    assert by.loc["none", "minutes_over_rating_3ph_avg"] == (three > 100).sum()
    bills = pd.read_csv(out / "bills.csv")
    assert by.loc["dlm", "customer_cost_total"] == pytest.approx(bills[bills.strategy == "dlm"]["total"].sum())
    for png in ("transformer_load.png", "phase_loading.png", "participation.png"):
        assert (out / png).stat().st_size > 10_000, png
    assert "participation" in (out / "report.md").read_text()
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["deferred_energy_conservation_error_kwh"] < 1e-9
    assert on_disk["none_minutes_over_rating"] == by.loc["none", "minutes_over_rating"]


def test_dr_task_same_seed_same_results(run_task) -> None:
    fast = [*SMALL, "dr.sweep=[]", "loads.minutes=600"]
    _, a = run_task("a", fast)
    _, b = run_task("b", fast)
    _, c = run_task("c", [*fast, "seed=3"])
    assert (a / "comparison.csv").read_bytes() == (b / "comparison.csv").read_bytes()
    assert (a / "timeseries.csv").read_bytes() == (b / "timeseries.csv").read_bytes()
    assert (a / "comparison.csv").read_bytes() != (c / "comparison.csv").read_bytes()


@pytest.mark.parametrize("override, key", [("dr.dlm.peak_threshold_kw=0.3", "dr.dlm.peak_threshold_kw"),
                                           ("dr.dlm.threshold_kw=0.3", "dr.dlm.threshold_kw")])
def test_threshold_below_red_load_is_input_error(run_task, override, key) -> None:
    with pytest.raises(InputError, match=rf"^{key}: 0.3 kW is below the RED .* load of home \S+, "):
        run_task("t", [*SMALL, override])


def test_replayed_loads_cannot_be_switched(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "twin.cli", "task=dr", "loads=ieee_shapes", "site=ieee_eu_lv",
                           "tracking=off", f"hydra.run.dir={tmp_path}/r"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "loads.households" in lines[0], proc.stderr


@pytest.mark.parametrize("override, key", [
    ("dr.participation=1.5", "dr.participation"),
    ("dr.sweep=[0.2,-0.1]", "dr.sweep[1]"),
    ("dr.central.trigger=sometimes", "dr.central.trigger"),
    ("dr.dlm.threshold_kw=0", "dr.dlm.threshold_kw"),
    ("dr.latency.fixed_delivery=0", "dr.latency.fixed_delivery"),
    ("dr.controllable_yellow=[fridge,toaster]", "dr.controllable_yellow[1]"),
    ("tariff.periods=[{name: day, rate_per_kwh: 0.3, start_h: 6, end_h: 23},"
     "{name: night, rate_per_kwh: 0.1, start_h: 22, end_h: 6}]", "tariff.periods[1]"),
    ("tariff.periods=[{name: day, rate_per_kwh: 0.3, start_h: 7, end_h: 23}]", "tariff.periods"),
    ("tariff.periods.0.rate_per_kwh=-0.2", "tariff.periods[0].rate_per_kwh"),
])
def test_bad_dr_input_exits_2_with_one_line(override, key, tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "twin.cli", "task=dr", override, "tracking=off",
                           f"hydra.run.dir={tmp_path}/r"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f" {key}: " in lines[0], proc.stderr
    assert not (tmp_path / "r" / "dr").exists()


def test_dr_checks_in_validate(run_task) -> None:
    from omegaconf import OmegaConf

    from twin.control import checks

    cfg = OmegaConf.create({"grid": OmegaConf.structured(__import__("twin.config", fromlist=["GridConfig"]).GridConfig),
                            "mesh": OmegaConf.structured(__import__("mesh_sim.config", fromlist=["MeshConfig"])
                                                         .MeshConfig), "seed": 42})
    rows = {c.name: c for c in checks.run_all(cfg)}
    assert set(rows) == {"dr_deferred_energy_conservation", "dr_yellow_off_limit", "dr_command_latency_claim",
                         "dr_thermal_payback"}
    assert rows["dr_deferred_energy_conservation"].simulated < 1e-6
    assert rows["dr_yellow_off_limit"].simulated <= 15
    assert rows["dr_thermal_payback"].passed
    assert all(c.passed for c in rows.values()), {n: c.simulated for n, c in rows.items()}
