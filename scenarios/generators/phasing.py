"""Phase allocation of single-phase and three-phase service connections."""

from __future__ import annotations

import numpy as np

from scenarios.errors import InputError

SINGLE_PHASES = ("A", "B", "C")


def allocate_phases(n: int, three_phase_share: float, rng: np.random.Generator, start: int = 0) -> list[str]:
    """Returns the phase of each of ``n`` connections in order.

    ``round(three_phase_share * n)`` connections, drawn by ``rng``, are three-phase
    (``"ABC"``); the others take A, B, C in turn, so any run of consecutive
    single-phase connections has phase counts differing by at most one.

    Args:
        n: Number of connections.
        three_phase_share: Share of three-phase connections, 0..1.
        rng: Random generator choosing the three-phase connections.
        start: Rotation offset: the first single-phase connection gets
            ``SINGLE_PHASES[start % 3]``. Pass a running count to keep the
            rotation going across calls.
    """
    if not 0.0 <= three_phase_share <= 1.0:
        raise InputError(f"three_phase_share: must be within 0..1, got {three_phase_share}")
    n_three = int(round(three_phase_share * n))
    three = set(rng.choice(n, size=n_three, replace=False).tolist()) if n_three else set()
    phases = []
    k = start
    for i in range(n):
        if i in three:
            phases.append("ABC")
        else:
            phases.append(SINGLE_PHASES[k % 3])
            k += 1
    return phases
