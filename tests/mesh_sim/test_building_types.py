"""Building-type presets and the typed path-loss model (mesh_sim.building_types, propagation)."""

import numpy as np
import pytest

from mesh_sim.bands import band
from mesh_sim.building_types import (BUILDING_TYPES, CASES, PRESETS, building_type, cost231_floor_loss_db,
                                     fit_floor_model)
from mesh_sim.propagation import (D0_M, Nodes, PropagationConfig, fspl_db, log_distance_loss_db,
                                  path_loss_pairs_db)
from scenarios.generators.site_checks import BUILDING_TYPES as SITE_BUILDING_TYPES

B433 = band("433")


def nodes(rows, types=None):
    """``rows`` of (id, x, y, floor, building)."""
    ids, x, y, f, b = zip(*rows)
    return Nodes(tuple(ids), np.array(x, float), np.array(y, float), np.array(f, np.int64),
                 np.array(b, np.int64), None if types is None else tuple(types))


def loss(nd, cfg, a=0, b=1):
    return float(path_loss_pairs_db(nd, np.array([a]), np.array([b]), cfg)[0])


def test_site_checks_know_the_same_building_types():
    assert SITE_BUILDING_TYPES == BUILDING_TYPES


def test_every_preset_in_every_case_and_cases_are_ordered():
    assert set(PRESETS) == {(n, c) for n in BUILDING_TYPES for c in CASES}
    for name in BUILDING_TYPES:
        opt, nom, harsh = (building_type(name, c) for c in CASES)
        for k in (1, 3, 10):
            assert opt.floor_loss_db(k) <= nom.floor_loss_db(k) <= harsh.floor_loss_db(k)
        assert opt.entry_loss_db <= nom.entry_loss_db <= harsh.entry_loss_db
        assert opt.underground_loss_db <= nom.underground_loss_db <= harsh.underground_loss_db
    with pytest.raises(ValueError, match="unknown building type 'igloo'"):
        building_type("igloo")
    with pytest.raises(ValueError, match="unknown case"):
        building_type("brick", "worst")


def test_cost231_floor_form_matches_the_reports_formula_and_fit_recovers_it():
    # COST 231 final report multi-wall floor term: Lf * k^((k+2)/(k+1) - b), b = 0.46, Lf = 18.3 dB.
    assert cost231_floor_loss_db(1, 18.3, 0.46) == pytest.approx(18.3)
    assert cost231_floor_loss_db(2, 18.3, 0.46) == pytest.approx(18.3 * 2 ** (4 / 3 - 0.46))
    assert cost231_floor_loss_db(0, 18.3, 0.46) == 0.0
    k = np.arange(1, 6)
    first, b, rms = fit_floor_model(k, cost231_floor_loss_db(k, 9.0, 0.6))
    assert (first, b) == pytest.approx((9.0, 0.6), abs=1e-6) and rms < 1e-6


def test_same_building_loss_is_free_space_reference_plus_exponent_floors_and_walls():
    bt = building_type("panel_concrete")
    cfg = PropagationConfig(B433, building_type="site", shadowing=False)
    # Two floors apart, 10.8 m apart in x: 3 transverse walls (3.6 m grid) crossed.
    nd = nodes([("a", 0.1, 0.1, 0, 0), ("b", 10.9, 0.1, 2, 0)], ["panel_concrete"] * 2)
    d = np.hypot(10.8, 6.0)
    expected = (fspl_db(D0_M, B433.frequency_mhz) + 10 * bt.exponent * np.log10(d)
                + bt.floor_loss_db(2) + 3 * bt.wall_loss_db)
    assert loss(nd, cfg) == pytest.approx(expected)


def test_outdoor_link_pays_entry_loss_at_each_end_and_underground_below_grade():
    brick = building_type("brick")
    cfg = PropagationConfig(B433, building_type="site", shadowing=False)
    nd = nodes([("h1", 0.0, 0.0, 0, 0), ("h2", 200.0, 0.0, 0, 1), ("pole", 400.0, 0.0, 0, -1),
                ("cellar", 0.0, 0.0, -1, 0)], ["brick", "brick", "", "brick"])
    out = log_distance_loss_db(200.0, B433.frequency_mhz, B433.outdoor_exponent)
    assert loss(nd, cfg, 0, 1) == pytest.approx(out + 2 * brick.entry_loss_db)
    assert loss(nd, cfg, 1, 2) == pytest.approx(out + brick.entry_loss_db)
    d = np.hypot(200.0, 3.0)
    assert loss(nd, cfg, 3, 1) == pytest.approx(
        log_distance_loss_db(d, B433.frequency_mhz, B433.outdoor_exponent)
        + 2 * brick.entry_loss_db + brick.underground_loss_db)


def test_basement_concentrator_pays_floor_and_underground_not_just_height():
    panel = building_type("panel_concrete")
    cfg = PropagationConfig(B433, building_type="site", shadowing=False)
    nd = nodes([("J", 0.0, 0.0, -1, 0), ("M", 0.0, 0.0, 0, 0), ("G", 0.0, 0.0, 1, 0)], ["panel_concrete"] * 3)
    above = loss(nd, cfg, 1, 2)  # ground floor to first floor: one floor, 3 m
    below = loss(nd, cfg, 0, 1)  # basement to ground floor: one floor, 3 m, and below grade
    assert below == pytest.approx(above + panel.underground_loss_db)


def test_the_weaker_path_out_of_the_building_and_back_is_taken():
    cfg = PropagationConfig(B433, building_type="panel_concrete", shadowing=False)
    # 100 m along a panel block: 27 walls indoors, the way round outside is far weaker.
    nd = nodes([("a", 0.5, 0.5, 0, 0), ("b", 100.5, 0.5, 0, 0)])
    panel = building_type("panel_concrete")
    around = log_distance_loss_db(100.0, B433.frequency_mhz, B433.outdoor_exponent) + 2 * panel.entry_loss_db
    assert loss(nd, cfg) == pytest.approx(around)


def test_forced_type_case_and_legacy_p1238_mode():
    nd = nodes([("a", 0.0, 0.0, 0, 0), ("b", 5.0, 0.0, 4, 0)], ["brick", "brick"])
    site = PropagationConfig(B433, building_type="site", shadowing=False)
    forced = PropagationConfig(B433, building_type="panel_concrete", shadowing=False)
    harsh = PropagationConfig(B433, building_type="panel_concrete", case="harsh", shadowing=False)
    legacy = PropagationConfig(B433, shadowing=False)
    assert loss(nd, site) != loss(nd, forced) < loss(nd, harsh)
    d = np.hypot(5.0, 12.0)
    coeff = B433.indoor[legacy.environment]
    assert loss(nd, legacy) == pytest.approx(20 * np.log10(B433.frequency_mhz) + 28 * np.log10(d)
                                             + coeff.floor_loss_db(4) - 28)
    with pytest.raises(ValueError, match="building_type"):
        PropagationConfig(B433, building_type="igloo")


def test_building_type_summary_names_the_one_type_or_mixed_with_counts():
    from mesh_sim.building_types import building_type_summary

    one = building_type_summary(("panel_concrete",) * 3 + ("panel_concrete",), (False,) * 3 + (True,), "site")
    assert one == {"building_type": "panel_concrete", "building_types": {"panel_concrete": 3},
                   "propagation_case": "nominal"}
    mixed = building_type_summary(("panel_concrete", "brick", "brick", ""), (False, False, False, False),
                                  "site", case="harsh")
    assert mixed["building_type"] == "mixed"
    assert mixed["building_types"] == {"brick": 2, "outdoor": 1, "panel_concrete": 1}
    forced = building_type_summary(("panel_concrete", "brick"), (False, False), "timber_house")
    assert forced["building_type"] == "timber_house" and forced["building_types"] == {"timber_house": 2}
    legacy = building_type_summary(("brick",), (False,), "p1238", environment="office")
    assert legacy["building_type"] == "p1238:office"


def test_old_environment_overrides_still_select_the_p1238_model():
    from mesh_sim.config import RadioConfig
    from mesh_sim.linkstate import effective_building_type, propagation_config

    assert effective_building_type(RadioConfig()) == "site"
    assert effective_building_type(RadioConfig(environment="office")) == "p1238"
    assert effective_building_type(RadioConfig(indoor_model="multiwall")) == "p1238"
    assert effective_building_type(RadioConfig(environment="office", building_type="brick")) == "brick"
    cfg = propagation_config(RadioConfig(environment="office"), B433, 1)
    assert cfg.building_type == "p1238" and cfg.environment.value == "office"
    with pytest.raises(ValueError, match="mesh.radio.environment: 'cave'"):
        propagation_config(RadioConfig(environment="cave"), B433, 1)
