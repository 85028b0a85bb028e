"""Per-group line-loss time series of the batch solve and its step length."""

import numpy as np
import pytest
import scipy.sparse as sp

from grid_model.engine import GridEngine
from grid_model.network import Connection, build_net
from scenarios.errors import InputError
from tests.grid_model.networks import small_network

CONNECTIONS = [
    Connection("c1", "B2", "A"),
    Connection("c2", "B2", "B"),
    Connection("c3", "B1", "A"),
    Connection("c4", "B3", "ABC"),
]


def demand(n_steps: int = 6, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.5, 8.0, size=(len(CONNECTIONS), n_steps))
    return p, 0.3 * p


@pytest.fixture(scope="module")
def engine():
    return GridEngine.from_net(build_net(small_network(), CONNECTIONS))


def grouping(engine, members: list[list[str]]) -> sp.csr_matrix:
    """0/1 (n_groups, nline) matrix from lists of line names."""
    col = {name: j for j, name in enumerate(engine.model.line_names)}
    rows = [i for i, names in enumerate(members) for _ in names]
    cols = [col[n] for names in members for n in names]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(members), len(col)))


def test_grouped_series_sum_to_the_line_losses(engine):
    p, q = demand()
    g = grouping(engine, [["L1", "L2"], ["L3"]])
    r = engine.solve_day(p, q, line_groups=g)
    assert r.group_line_loss_kw.shape == (2, p.shape[1])
    assert r.group_line_loss_kw.sum() / 60.0 == pytest.approx(r.line_loss_kwh.sum(), rel=1e-9)
    np.testing.assert_allclose(r.group_line_loss_kw.sum(axis=0), r.p_loss_line_kw_by_phase.sum(axis=0), rtol=1e-8)
    l3 = engine.model.line_names.index("L3")
    assert r.group_line_loss_kw[1].sum() / 60.0 == pytest.approx(r.line_loss_kwh[l3], rel=1e-9)
    assert engine.solve_day(p, q).group_line_loss_kw is None


def test_mv_lines_are_ignored_and_light_solve_gives_the_same_groups(engine):
    p, q = demand(5)
    full = engine.solve_day(p, q, line_groups=grouping(engine, [["L1", "L2", "L3"]]))
    with_mv = engine.solve_day(p, q, line_groups=grouping(engine, [["SourceImpedance", "L1", "L2", "L3"]]),
                               network_outputs=False)
    assert with_mv.v_bus_pu is None and with_mv.line_loss_kwh is None
    np.testing.assert_allclose(with_mv.group_line_loss_kw, full.group_line_loss_kw, rtol=1e-12)


def test_step_minutes_scales_the_energies_only(engine):
    p, q = demand(4)
    minute, hour = engine.solve_day(p, q), engine.solve_day(p, q, step_minutes=60.0)
    assert hour.step_minutes == 60.0 and minute.step_minutes == 1.0
    np.testing.assert_allclose(hour.p_loss_kw, minute.p_loss_kw)
    assert hour.losses_kwh == pytest.approx(60.0 * minute.losses_kwh, rel=1e-12)
    assert hour.energy_served_kwh == pytest.approx(60.0 * minute.energy_served_kwh, rel=1e-12)
    np.testing.assert_allclose(hour.line_loss_kwh, 60.0 * minute.line_loss_kwh, rtol=1e-12)
    assert hour.line_loss_kwh.sum() == pytest.approx(hour.p_loss_line_kw_by_phase.sum(), rel=1e-9)


def test_bad_grouping_or_step_raises_input_error(engine):
    p, q = demand(2)
    with pytest.raises(InputError, match="line_groups"):
        engine.solve_day(p, q, line_groups=np.ones((1, len(engine.model.line_names))))
    with pytest.raises(InputError, match="line_groups"):
        engine.solve_day(p, q, line_groups=sp.csr_matrix((1, 2)))
    with pytest.raises(InputError, match="step_minutes"):
        engine.solve_day(p, q, step_minutes=0.0)
