"""Result records of the grid engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class GridResult:
    """One day (or any horizon of T steps, one minute by default) of the time-series engine.

    Per-phase arrays are ordered a, b, c. Voltages are magnitudes in pu of each
    bus's nominal phase-to-neutral voltage (0.416/√3 kV on the IEEE feeder's LV
    side); losses cover the LV lines and the transformer, not the MV source
    impedance. The per-bus and per-line fields are ``None`` when the day was
    solved with ``network_outputs=False``.

    Attributes:
        bus_names: Bus names (row order of ``v_bus_pu`` and ``vuf_pct``).
        load_names: Consumer names (row order of the per-consumer arrays).
        line_names: Line names (row order of the per-line arrays).
        step_minutes: Length of one time step (the energies assume each
            column is the average power over the step).
        v_bus_pu: (nbus, 3, T) phase-to-ground voltage magnitudes (nan where a
            phase does not exist).
        v_load_pu: (n, T) voltage on each consumer's own phase (mean of the
            three phases for a three-phase consumer).
        p_load_kw: (n, T) active power the consumers actually draw (differs
            from the demand for voltage-dependent load models).
        q_load_kvar: (n, T) reactive power the consumers actually draw.
        loading_pct: (T,) transformer loading, largest LV phase current over
            the rated current (the most loaded transformer's when there are several).
        i_trafo_a: (3, T) transformer LV phase currents (summed over the
            transformers when there are several).
        i_trafo_neutral_a: (T,) transformer LV neutral (star point) current
            (summed likewise).
        i_line_max_a: (nline, 3) largest phase current of each line over the day.
        i_line_neutral_max_a: (nline,) largest return (neutral) current.
        line_loss_kwh: (nline,) energy lost in each line (0 for MV lines).
        p_loss_line_kw_by_phase: (3, T) LV line losses per phase.
        p_loss_trafo_kw_by_phase: (3, T) transformer losses per phase (unit),
            load plus no-load losses, summed over the transformers.
        p_loss_kw_by_phase: (3, T) line plus transformer losses per phase.
        p_loss_kw: (T,) total losses.
        loss_share_kw: (n, T) each consumer's share of the losses; sums over
            consumers to ``p_loss_kw``.
        energy_served_kwh: Energy the consumers drew.
        losses_kwh: Energy lost.
        vuf_pct: (nbus, T) voltage unbalance factor ``|V2|/|V1|·100``.
        iterations: Fixed-point iterations used (largest over the time chunks).
        solve_seconds: Wall time of the solve including post-processing.
        group_line_loss_kw: (n_groups, T) LV line losses summed over the
            lines of each group of the ``line_groups`` matrix the solve was
            given (``None`` when none was); the transformer's losses are in
            ``p_loss_trafo_kw_by_phase``.
        trafo_names: Transformer names (row order of the per-transformer arrays).
        loading_pct_by_trafo: (K, T) loading of each transformer.
        i_trafo_a_by_trafo: (K, 3, T) LV phase currents of each transformer.
    """

    bus_names: list[str]
    load_names: list[str]
    line_names: list[str]
    step_minutes: float
    v_bus_pu: np.ndarray | None
    v_load_pu: np.ndarray
    p_load_kw: np.ndarray
    q_load_kvar: np.ndarray
    loading_pct: np.ndarray
    i_trafo_a: np.ndarray
    i_trafo_neutral_a: np.ndarray
    i_line_max_a: np.ndarray | None
    i_line_neutral_max_a: np.ndarray | None
    line_loss_kwh: np.ndarray | None
    p_loss_line_kw_by_phase: np.ndarray
    p_loss_trafo_kw_by_phase: np.ndarray
    p_loss_kw_by_phase: np.ndarray
    p_loss_kw: np.ndarray
    loss_share_kw: np.ndarray
    energy_served_kwh: float
    losses_kwh: float
    vuf_pct: np.ndarray | None
    iterations: int
    solve_seconds: float
    group_line_loss_kw: np.ndarray | None = None
    trafo_names: list[str] | None = None
    loading_pct_by_trafo: np.ndarray | None = None
    i_trafo_a_by_trafo: np.ndarray | None = None

    @property
    def n_steps(self) -> int:
        """Number of time steps T."""
        return self.v_load_pu.shape[1]


@dataclass
class StepResult:
    """One closed-loop step.

    Attributes:
        step: Step counter (0 for the first call).
        v_load_pu: (n,) voltage on each consumer's own phase, pu.
        p_load_kw: (n,) active power drawn.
        q_load_kvar: (n,) reactive power drawn.
        v_busbar_pu: (3,) transformer LV busbar phase voltages.
        loading_pct: Transformer loading.
        i_trafo_a: (3,) transformer LV phase currents.
        i_trafo_neutral_a: Transformer LV neutral current.
        p_loss_kw_by_phase: (3,) line plus transformer losses per phase.
        p_loss_kw: Total losses.
        loss_share_kw: (n,) each consumer's share of the losses.
        iterations: Fixed-point iterations used.
    """

    step: int
    v_load_pu: np.ndarray
    p_load_kw: np.ndarray
    q_load_kvar: np.ndarray
    v_busbar_pu: np.ndarray
    loading_pct: float
    i_trafo_a: np.ndarray
    i_trafo_neutral_a: float
    p_loss_kw_by_phase: np.ndarray
    p_loss_kw: float
    loss_share_kw: np.ndarray
    iterations: int
