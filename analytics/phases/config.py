"""Settings of the phase-balance recommendation, the recommended change, shared constants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from scenarios.errors import InputError

#: Objectives :class:`PhaseBalanceConfig` accepts.
OBJECTIVES = ("losses", "unbalance")
#: Phase labels; index 3 is the three-phase connection.
_LABELS = ("A", "B", "C", "ABC")
#: Relative tolerance below which a criterion change counts as no change.
_REL_TOL = 1e-9


@dataclass
class PhaseBalanceConfig:
    """Settings of the phase-balance recommendation.

    Attributes:
        max_moves: Most single-phase consumers moved to another phase.
        three_phase_min_peak_kw: Single-phase consumers above this peak are
            candidates for a three-phase supply.
        objective: ``"losses"`` (energy lost in the LV network and the
            transformer) or ``"unbalance"`` (largest VUF at the consumer buses,
            then losses): what the power flow must confirm, and which proxy
            proposes (:mod:`analytics.phases.proxy`).
        dominance_share: A single-phase consumer whose load makes up at least
            this share of its phase's excess over the three-phase mean in its
            balance group is a three-phase candidate too.
        step_minutes: Length of one column of ``p_kw``; ``None``: the series is
            one day when T divides 1440 (T=24 hourly, 96 quarter-hourly, 1440
            one-minute), else one-minute steps.
        search_minutes: Block length the proxy search averages the demand
            over; the proof uses the full series. 15-minute means keep most
            of the within-hour unbalance (on the IEEE feeder day the unbalance
            part of the losses is 1.47 kWh at 1 min, 1.01 kWh at 15 min, 0.68
            kWh at 60 min) at a few times the cost of hourly means.
        max_rejections: Most proposals the power flow may reject before the
            search stops; ``None``: ``max_moves``.
        max_three_phase: Most three-phase candidates solved with the power
            flow (the best by the proxy).
        verify: Build the real engines of the site before and after the plan
            (two more ``engine_factory`` calls, a few seconds each) for the
            summary; ``False``: solve the probe (the same circuit) with network
            outputs instead.
    """

    max_moves: int = 10
    three_phase_min_peak_kw: float = 7.0
    objective: str = "losses"
    dominance_share: float = 0.5
    step_minutes: Optional[float] = None
    search_minutes: float = 15.0
    max_rejections: Optional[int] = None
    max_three_phase: int = 10
    verify: bool = True

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise InputError(f"phases.objective: '{self.objective}' is not one of {', '.join(OBJECTIVES)}")
        if int(self.max_moves) != self.max_moves or self.max_moves < 0:
            raise InputError(f"phases.max_moves: must be a whole number ≥ 0, got {self.max_moves}")
        for key in ("max_rejections", "max_three_phase"):
            value = getattr(self, key)
            if (value is None and key == "max_three_phase") or \
                    (value is not None and (int(value) != value or value < 0)):
                raise InputError(f"phases.{key}: must be a whole number ≥ 0, got {value}")
        if not self.three_phase_min_peak_kw > 0:
            raise InputError(f"phases.three_phase_min_peak_kw: must be positive, got {self.three_phase_min_peak_kw}")
        if not 0.0 < self.dominance_share <= 1.0:
            raise InputError(f"phases.dominance_share: must be within (0, 1], got {self.dominance_share}")
        if self.step_minutes is not None and not self.step_minutes > 0:
            raise InputError(f"phases.step_minutes: must be positive, got {self.step_minutes}")
        if not self.search_minutes > 0:
            raise InputError(f"phases.search_minutes: must be positive, got {self.search_minutes}")


@dataclass
class PhaseMove:
    """One recommended change of a consumer's connection.

    Attributes:
        consumer_id: The consumer.
        from_phase: Its phase before.
        to_phase: Its phase after (``"ABC"`` for a three-phase supply).
        reason: Why, in words, with the proxy's and the power flow's numbers.
    """

    consumer_id: str
    from_phase: str
    to_phase: str
    reason: str


def _step_minutes(cfg: PhaseBalanceConfig, n_steps: int) -> float:
    """Length of one demand column, minutes (see :attr:`PhaseBalanceConfig.step_minutes`)."""
    if cfg.step_minutes is not None:
        return float(cfg.step_minutes)
    return 1440.0 / n_steps if 1440 % n_steps == 0 else 1.0
