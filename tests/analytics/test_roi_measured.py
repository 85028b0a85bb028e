"""ROI: measured inputs are never overridden; vendor presets and checks true by construction are labelled.

The figures are checked against hand arithmetic: 100 flats × 50 a month × 12 =
60,000 a year of energy value; 3.2 % − 8 % = −4.8 points = −2,880 a year.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from analytics.roi import RoiConfig, brochure_checks, run_roi, validate, with_inputs, yearly_table
from analytics.roi.brochure import s1_checks
from analytics.roi.measured import findings
from scenarios.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def preset(name: str) -> RoiConfig:
    """conf/roi/default.yaml with an experiment's ``roi:`` values on top, as Hydra composes them."""
    values = OmegaConf.to_container(OmegaConf.load(ROOT / "conf/roi/default.yaml"), resolve=False)
    values.pop("seed")
    values.pop("defaults")
    node = OmegaConf.merge(OmegaConf.structured(RoiConfig), values, OmegaConf.load(ROOT / f"experiments/{name}.yaml")["roi"])
    node.seed = 42
    return validate(RoiConfig(**OmegaConf.to_container(node)))


def base(**kw) -> RoiConfig:
    values = dict(years=10, flats=100, equipment_per_flat=100.0, energy_bill_per_flat_month=50.0,
                  losses_before_pct=12.0, losses_after_pct=8.0, uncertainty_pct={}, mc_samples=100)
    return validate(RoiConfig(**{**values, **kw}))


def test_measured_losses_below_the_target_are_kept_and_reported():
    cfg = with_inputs(base(), {"losses_before_pct": 3.2}, "measured by the analytics run X", measured=True)
    assert cfg.losses_before_pct == 3.2 and cfg.losses_after_pct == 8.0  # neither raised nor lowered
    assert yearly_table(cfg)["loss_reduction"].sum() == 0.0
    (f,) = findings(cfg)
    assert f.input == "losses_before_pct" and f.value_per_year == 0.0
    assert "3.20 %" in f.text and "-4.80 points" in f.text and "-2,880" in f.text and "60,000" in f.text
    assert "measured by the analytics run X" in f.text


def test_typed_in_losses_below_the_target_are_still_an_input_error():
    with pytest.raises(InputError, match="roi.losses_after_pct"):
        validate(RoiConfig(losses_before_pct=3.0, losses_after_pct=8.0))


def test_measured_losses_above_the_target_earn_and_raise_no_finding():
    cfg = with_inputs(base(), {"losses_before_pct": 11.0}, "analytics run", measured=True)
    assert findings(cfg) == []
    assert yearly_table(cfg)["loss_reduction"].iloc[1] == pytest.approx(60_000 * 0.03)


def test_zero_theft_found_is_said_in_words_and_figures():
    cfg = with_inputs(base(), {"theft_recovered_per_year": 0.0}, "analytics run", measured=True)
    (f,) = findings(cfg)
    assert f.benefit == "theft_recovered" and "0 EUR a year" in f.text


def test_report_and_summary_carry_the_findings(tmp_path):
    cfg = with_inputs(base(), {"losses_before_pct": 3.2}, "analytics run", measured=True)
    result = run_roi(cfg, tmp_path)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["measured_inputs"] == ["losses_before_pct"]
    assert on_disk["measured_findings"][0]["input"] == "losses_before_pct"
    page = (tmp_path / "report.html").read_text()
    assert "What the measurements say" in page and "3.20 %" in page
    assert result["measured_findings"] == on_disk["measured_findings"]


def test_constant_against_constant_is_arithmetic_not_a_confirmation():
    row = {r.claim: r for r in s1_checks()}["33 months is less than three years"]
    assert row.kind == "arithmetic" and row.consistent is None and row.recomputed == "33 < 36"


def test_pirmasens_preset_24_months_shown_as_arithmetic(tmp_path):
    cfg = preset("roi_pirmasens")
    rows = brochure_checks("pirmasens", cfg)
    assert rows[0].kind == "arithmetic" and "1.99 x 24 = 47.76" in rows[0].recomputed
    assert rows[-1].kind == "arithmetic" and rows[-1].consistent is None  # the model gives 24 back
    run_roi(replace(cfg, mc_samples=100), tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert "arithmetic (true by construction)" in page and "Vendor inputs" in page
    real = brochure_checks("pirmasens", replace(cfg, equipment_per_flat=60.0))
    assert real[-1].kind == "claim" and real[-1].consistent is False


@pytest.mark.parametrize("name", ["roi_seed_s1", "roi_pirmasens"])
def test_brochure_presets_label_their_figures_vendor_inputs(name):
    cfg = preset(name)
    assert cfg.input_sources and all(v.startswith("vendor input") for v in cfg.input_sources.values())
