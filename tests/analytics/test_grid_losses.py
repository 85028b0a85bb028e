"""Group losses from the grid model: totals, assignment by topology, and the fitted loss model's form."""

import copy

import numpy as np
import pytest
from scipy.optimize import nnls

from analytics.export import site_tables
from analytics.grid_losses import assign_lines, downstream_consumers, group_losses, group_losses_kwh, line_groups
from analytics.hierarchy import balance_units
from analytics.losses import fit_loss_model
from analytics.synth import hourly_shapes
from scenarios.errors import InputError
from scenarios.generators import DistrictConfig, make_district
from scenarios.site import Line

DAYS = 7
#: The brief's bar for "the fitted model's form is right".
R2_MIN = 0.95


@pytest.fixture(scope="module")
def case():
    site = make_district(DistrictConfig(buildings=2, entrances=2, floors=4, water=False), 1)
    units = balance_units(*site_tables(site))
    rng = np.random.default_rng(0)
    n = len(site.consumers)
    shape = rng.integers(0, 100, size=(n, DAYS))
    level = np.exp(0.4 * rng.standard_normal(n) - 0.08)
    p_kwh = (hourly_shapes()[shape] * level[:, None, None]).reshape(n, DAYS * 24)
    return site, units, p_kwh, group_losses(site, units, p_kwh, 0.2 * p_kwh)


def inputs_and_losses(site, units, p_kwh, losses) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Group → (input, own grid losses): input = subtree consumption + own losses + metered groups' below."""
    by_id = {u.group_id: u for u in units}
    row = {c.consumer_id: i for i, c in enumerate(site.consumers)}
    consumer_of = {m.meter_id: m.consumer_id for m in site.meters}

    def below(g):
        return [d for c in by_id[g].child_group_ids for d in [c, *below(c)]]

    out = {}
    for u in units:
        rows = [row[consumer_of[m]] for m in u.subtree_consumer_meter_ids]
        own = losses.kwh_by_group[u.group_id]
        inp = p_kwh[rows].sum(axis=0) + own + sum((losses.kwh_by_group[d] for d in below(u.group_id)), 0.0)
        out[u.group_id] = (inp, own)
    return out


def r_squared(y: np.ndarray, fitted: np.ndarray) -> float:
    return float(1.0 - np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2))


def test_group_losses_add_up_to_the_engine_total(case):
    site, units, p_kwh, losses = case
    total = sum(v.sum() for v in losses.kwh_by_group.values())
    assert losses.grid.step_minutes == 60.0
    assert total == pytest.approx(losses.grid.losses_kwh, rel=1e-9)
    assert total == pytest.approx(losses.grid.p_loss_kw.sum(), rel=1e-9)  # 1-h steps: kW = kWh
    assert all(v.shape == (DAYS * 24,) for v in losses.kwh_by_group.values())
    again = group_losses_kwh(site, units, p_kwh, 0.2 * p_kwh)
    assert again.keys() == losses.kwh_by_group.keys()


def test_lines_and_transformer_go_to_the_group_whose_meter_sees_them(case):
    site, units, _, losses = case
    lg = losses.line_group
    assert lg["L-B01"] == "S1" and lg["L-B02"] == "S2"
    assert lg["L-B01-E1"] == lg["L-B01-E2"] == "B01"
    for b in ("B01", "B02"):
        for e in (1, 2):
            assert all(lg[f"L-{b}-E{e}-F{f:02d}"] == f"{b}-E{e}" for f in (2, 3, 4))
    assert losses.trafo_group == "D1"
    assert set(lg) == {ln.name for ln in site.network.lines}
    matrix, group_ids, trafo = line_groups(site, units)
    assert trafo == "D1" and matrix.shape == (len(group_ids), len(site.network.lines))
    np.testing.assert_array_equal(matrix.sum(axis=0), 1.0)  # every line in exactly one group
    assert not losses.kwh_by_group["R1"].any() and not losses.kwh_by_group["C1"].any()


def test_lines_above_every_meter_belong_to_no_group_and_loops_are_refused(case):
    site, units, _, _ = case
    low = [u for u in units if u.level in ("building", "entrance")]
    lg, trafo = assign_lines(site, low)
    assert lg["L-B01"] is None and trafo is None
    assert lg["L-B01-E1"] == "B01" and lg["L-B01-E1-F03"] == "B01-E1"
    meshed = copy.deepcopy(site.network)
    meshed.lines.append(Line("L-tie", "B01", "B02", meshed.lines[0].linecode, 50.0))
    with pytest.raises(InputError, match="loop"):
        assign_lines(site, units, meshed)


def test_grid_losses_follow_the_phase_loads_downstream_of_each_line(case):
    """The physics behind the assignment: Σ_lines r·Σ_phases (phase load downstream)² explains each group."""
    site, units, p_kwh, losses = case
    down = downstream_consumers(site)
    r_ohm = {ln.name: site.network.linecodes[ln.linecode].r1_ohm_per_km * ln.length_m / 1e3
             for ln in site.network.lines}
    phase = np.array([c.phase for c in site.consumers])
    weight = {k: np.where(phase == k, 1.0, np.where(phase == "ABC", 1.0 / 3.0, 0.0)) for k in "ABC"}
    for g in ("B01", "B02", "B01-E1", "B01-E2", "B02-E1", "B02-E2"):
        x = sum(r_ohm[ln] * sum((weight[k][down[ln]] @ p_kwh[down[ln]]) ** 2 for k in "ABC")
                for ln, owner in losses.line_group.items() if owner == g)
        y = losses.kwh_by_group[g]
        a = np.column_stack([np.ones_like(x), x])
        coef, _ = nnls(a, y)
        assert r_squared(y, a @ coef) > 0.95, g


def test_fitted_loss_model_misfit_is_small_against_the_input(case):
    """Whatever the R², the fitted form's hourly error is a tiny share of what the group meter registers."""
    site, units, p_kwh, losses = case
    for g, (inp, own) in inputs_and_losses(site, units, p_kwh, losses).items():
        if not own.any():
            continue
        model = fit_loss_model(inp, own, np.ones(len(inp), dtype=bool))
        assert model.rmse_kwh < 1e-3 * inp.mean(), g  # < 0.1 % of the mean hourly input
