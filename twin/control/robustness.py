"""Robustness runs: the controllers with a worse forecast and a degraded radio.

``forecast_x3``: the operator's forecast error tripled (same forecast
model, a different error draw). ``radio_degraded``: every command, after the
site's mesh-fitted delay and losses, is lost for each home with probability
``1 − dr.degraded_delivery`` and arrives ``dr.degraded_extra_delay_s`` later
(a J100UC behind a congested or partly failed mesh).
"""

from __future__ import annotations

import numpy as np

from twin.control.closed_loop import StrategyRun, run_strategy
from twin.control.latency import LatencyModel

#: Variants in output order.
VARIANTS: tuple[str, ...] = ("forecast_x3", "radio_degraded")


class DegradedLatency:
    """A latency model with extra losses and delay on top of another one.

    Args:
        base: The site's latency model.
        delivery: Probability a home gets a command the base model delivered.
        extra_delay_s: Added to every delivered command.
    """

    def __init__(self, base: LatencyModel, delivery: float, extra_delay_s: float) -> None:
        self.base, self.delivery, self.extra_delay_s = base, delivery, extra_delay_s
        self.source = f"{base.source}+degraded"

    def sample(self, hops: np.ndarray, rng: np.random.Generator, correlated: bool = True) -> np.ndarray:
        """Delays in s (inf: lost), as the base model, then thinned and delayed."""
        lat = self.base.sample(hops, rng, correlated)
        lost = rng.random(lat.shape) >= self.delivery
        return np.where(lost, np.inf, lat + self.extra_delay_s)

    def mean_s(self, hops: np.ndarray) -> float:
        """Mean delay of a delivered command."""
        return self.base.mean_s(hops) + self.extra_delay_s


def robustness_runs(study, strategies: list[str], participation: float, done=None) -> list[StrategyRun]:
    """Each of ``strategies`` at ``participation`` under every variant (needs the plan's forecast)."""
    from twin.control.study import make_forecast

    dr = study.plan.cfg
    none = None
    out = []
    for variant in VARIANTS:
        latency = forecast = None
        if variant == "forecast_x3":
            if none is None:
                none = study.none_run
            forecast = make_forecast(study, none, error_scale=3.0, stream=1)
        else:
            latency = DegradedLatency(study.plan.latency, dr.degraded_delivery, dr.degraded_extra_delay_s)
        for s in strategies:
            out.append(run_strategy(study.fleet, study.engine, study.plan, s, participation, latency=latency,
                                    forecast=forecast, variant=variant))
            if done is not None:
                done(out[-1])
    return out
