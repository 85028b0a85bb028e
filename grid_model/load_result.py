"""The load time series every household model returns.

A :class:`LoadResult` holds one row per consumer and one column per time step
(``minutes_per_step`` minutes, 1 for every model in this package). Units:

* ``p_kw``: active power drawn by the home, kW (negative when PV exports).
* ``q_kvar``: reactive power, kvar (positive = inductive).
* ``p_kw_by_class``: the socket-class split of the consumption, kW, keys
  ``RED``, ``YELLOW``, ``GREEN`` (DOMAIN.md); empty for replayed profiles.
* ``pv_kw``: rooftop PV generation (positive numbers), kW, or ``None``.
  For synthetic homes ``p_kw = RED + YELLOW + GREEN − pv_kw``.
* ``p_kw_by_appliance``: optional per-appliance consumption, kW.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class LoadResult:
    """Per-consumer active and reactive power series.

    Attributes:
        consumer_ids: Row labels, one per consumer.
        p_kw: Active power, shape (n, T), kW.
        q_kvar: Reactive power, shape (n, T), kvar.
        p_kw_by_class: Socket class → (n, T) kW; empty when unknown.
        pv_kw: PV generation (n, T) kW, ``None`` without PV modelling.
        p_kw_by_appliance: Appliance name → (n, T) kW; empty unless recorded.
        minutes_per_step: Length of one time step in minutes.
    """

    consumer_ids: list[str]
    p_kw: np.ndarray
    q_kvar: np.ndarray
    p_kw_by_class: dict[str, np.ndarray] = field(default_factory=dict)
    pv_kw: np.ndarray | None = None
    p_kw_by_appliance: dict[str, np.ndarray] = field(default_factory=dict)
    minutes_per_step: int = 1

    def __post_init__(self) -> None:
        n = len(self.consumer_ids)
        for name in ("p_kw", "q_kvar"):
            arr = getattr(self, name)
            if arr.ndim != 2 or arr.shape[0] != n:
                raise ValueError(f"LoadResult.{name}: shape {arr.shape} does not match {n} consumers")
        if self.q_kvar.shape != self.p_kw.shape:
            raise ValueError(f"LoadResult.q_kvar: shape {self.q_kvar.shape} differs from p_kw {self.p_kw.shape}")
        extra = dict(self.p_kw_by_class)
        extra.update(self.p_kw_by_appliance)
        if self.pv_kw is not None:
            extra["pv_kw"] = self.pv_kw
        for key, arr in extra.items():
            if arr.shape != self.p_kw.shape:
                raise ValueError(f"LoadResult[{key}]: shape {arr.shape} differs from p_kw {self.p_kw.shape}")

    @property
    def n_consumers(self) -> int:
        """Number of consumers (rows)."""
        return len(self.consumer_ids)

    @property
    def n_steps(self) -> int:
        """Number of time steps (columns)."""
        return int(self.p_kw.shape[1])

    def energy_kwh(self) -> np.ndarray:
        """Returns each consumer's net energy over the whole period, kWh (n,)."""
        return self.p_kw.sum(axis=1) * self.minutes_per_step / 60.0

    def aggregate_p_kw(self) -> np.ndarray:
        """Returns the sum over consumers of the active power, kW (T,)."""
        return self.p_kw.sum(axis=0)

    def to_frame(self) -> pd.DataFrame:
        """Returns a long table, one row per consumer and step.

        Columns: ``consumer_id``, ``minute`` (start of the step, 0-based),
        ``p_kw``, ``q_kvar``, then ``p_red_kw``, ``p_yellow_kw``,
        ``p_green_kw`` when the class split is known, ``pv_kw`` with PV, and
        ``p_<appliance>_kw`` for each recorded appliance.
        """
        n, t = self.p_kw.shape
        data = {
            "consumer_id": np.repeat(np.asarray(self.consumer_ids, dtype=object), t),
            "minute": np.tile(np.arange(t) * self.minutes_per_step, n),
            "p_kw": self.p_kw.ravel(),
            "q_kvar": self.q_kvar.ravel(),
        }
        for cls, arr in self.p_kw_by_class.items():
            data[f"p_{cls.lower()}_kw"] = arr.ravel()
        if self.pv_kw is not None:
            data["pv_kw"] = self.pv_kw.ravel()
        for name, arr in self.p_kw_by_appliance.items():
            data[f"p_{name}_kw"] = arr.ravel()
        return pd.DataFrame(data)
