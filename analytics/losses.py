"""Technical losses of a balance group: a fixed part plus a load-squared part, fitted on clean hours.

Inside a group, between its meter and its members, the cables lose a
current-squared (load-squared) part and a fixed part (no-load losses,
connections, the meters' own supplies not metered separately):

    loss(t) = fixed_kwh_per_h + k · input(t)²      [kWh in the hour]

The two coefficients are fitted by non-negative least squares on the hours of
a clean period, where the imbalance (after the metering equipment's own
consumption) is taken to be technical only: by default the first
``clean_days`` days of the data, or the dates the analyst gives. Theft and
faulty meters then show as what the model does not explain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls


@dataclass
class LossModel:
    """Fitted technical-loss model of one group.

    Attributes:
        fixed_kwh_per_h: Load-independent loss per hour.
        k_per_kwh: Load-squared coefficient (loss = k · input², input in kWh/h).
        hours_used: Clean hours the fit used.
        rmse_kwh: Root-mean-square residual of the fit on those hours.
    """

    fixed_kwh_per_h: float
    k_per_kwh: float
    hours_used: int
    rmse_kwh: float

    def loss(self, input_kwh: np.ndarray) -> np.ndarray:
        """Technical loss of each hour, kWh."""
        x = np.nan_to_num(np.asarray(input_kwh, dtype=float))
        return self.fixed_kwh_per_h + self.k_per_kwh * x * x


def fit_loss_model(input_kwh: np.ndarray, imbalance_kwh: np.ndarray, clean: np.ndarray) -> LossModel:
    """Fits ``imbalance ≈ fixed + k · input²`` on the clean hours (both coefficients ≥ 0).

    Args:
        input_kwh: (H,) the group meter's hourly energy.
        imbalance_kwh: (H,) the group's hourly imbalance less its equipment's consumption.
        clean: (H,) bool, hours taken to be free of theft and faults.
    """
    ok = clean & np.isfinite(input_kwh) & np.isfinite(imbalance_kwh)
    if ok.sum() < 3:
        return LossModel(0.0, 0.0, int(ok.sum()), float("nan"))
    x, y = input_kwh[ok], imbalance_kwh[ok]
    a = np.column_stack([np.ones_like(x), x * x])
    coef, _ = nnls(a, y)
    resid = y - a @ coef
    return LossModel(float(coef[0]), float(coef[1]), int(ok.sum()), float(np.sqrt(np.mean(resid ** 2))))
