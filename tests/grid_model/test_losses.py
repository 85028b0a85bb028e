"""Loss allocation rules on hand-built cases."""

import numpy as np
import pytest

from grid_model import losses


def radial_two_consumers():
    """Busbar → line Z1 → node 1 (consumer 0) → line Z2 → node 2 (consumer 1), one phase."""
    z1, z2 = 0.1 + 0.05j, 0.2 + 0.04j
    i = np.array([10 - 3j, 20 - 6j])
    v_bb = np.array([240.0 + 0j, 0, 0])
    v1 = v_bb[0] - z1 * (i[0] + i[1])
    v2 = v1 - z2 * i[1]
    loss = (abs(i[0] + i[1]) ** 2) * z1.real + abs(i[1]) ** 2 * z2.real
    return v_bb, np.array([v1, v2]), i, np.array([0, 0]), loss


def test_line_charges_sum_to_line_losses():
    v_bb, v, i, phase, loss = radial_two_consumers()
    charges = losses.line_charge_w(v_bb, v, i, phase)
    assert charges.sum() == pytest.approx(loss, rel=1e-12)
    # The downstream consumer pays its own segment plus its share upstream.
    assert charges[1] > charges[0] > 0
    by_phase = losses.line_loss_by_phase_w(v_bb, v, i, phase)
    assert by_phase[0] == pytest.approx(loss) and by_phase[1] == by_phase[2] == 0


def test_branch_losses_equal_the_busbar_balance():
    v_bb, v, i, phase, loss = radial_two_consumers()
    branch = losses.branch_loss_w(np.array([v_bb[0], v[0]]), v, np.array([i.sum(), i[1]]))
    assert branch.sum() == pytest.approx(loss)


def test_trafo_charges_share_each_unit_loss():
    i = np.array([10 + 0j, 5 - 5j, 8 + 1j, 0j])
    phase = np.array([0, 0, 1, 2])
    unit_loss = np.array([30.0, 12.0, 0.0])
    charges = losses.trafo_charge_w(unit_loss, i, phase)
    assert charges[:2].sum() == pytest.approx(30.0)
    assert charges[2] == pytest.approx(12.0)
    assert charges[3] == 0.0
    # For a series unit the rule is R·Re(I_k·conj(I_p)): proportional to the in-phase current.
    i_p = i[0] + i[1]
    assert charges[0] / charges[1] == pytest.approx((i[0] * np.conj(i_p)).real / (i[1] * np.conj(i_p)).real)


def test_consumer_shares_sum_terminals_of_a_three_phase_consumer():
    v_bb = np.array([240, 240 * np.exp(-2j * np.pi / 3), 240 * np.exp(2j * np.pi / 3)])
    i = np.array([5 + 0j, 5 * np.exp(-2j * np.pi / 3), 5 * np.exp(2j * np.pi / 3), 3 + 0j])
    v = v_bb[[0, 1, 2, 0]] - 0.1 * i
    shares = losses.consumer_shares_w(v_bb, v, i, np.array([0, 1, 2, 0]), np.array([0, 0, 0, 1]), 2, np.zeros(3))
    assert shares[0] == pytest.approx(3 * 25 * 0.1)
    assert shares[1] == pytest.approx(9 * 0.1)


def test_voltage_unbalance():
    a = np.exp(2j * np.pi / 3)
    balanced = np.array([[1, a * a, a]])
    assert losses.voltage_unbalance_pct(balanced)[0] == pytest.approx(0.0, abs=1e-12)
    neg = np.array([[1 + 0.02, a * a + 0.02 * a, a + 0.02 * a * a]])  # 2 % negative sequence
    assert losses.voltage_unbalance_pct(neg)[0] == pytest.approx(2.0)
