"""The limits each module enforces on its own YELLOW sockets.

Whatever the central operator or the home's DLM asks, a YELLOW circuit is
never off longer than ``yellow_max_off_min``: when that time is reached the
module switches it back on and keeps it on for ``yellow_min_on_min``. The
guard works on the final decision of a minute, so it holds for central DR,
local DLM and both combined, and it records the longest off-run it let
through (the ``task=validate`` check reads it).
"""

from __future__ import annotations

import numpy as np

from twin.control.config import GuardConfig


class SocketGuard:
    """Per-home, per-YELLOW-circuit off timers.

    Args:
        n: Homes.
        devices: YELLOW circuits per home.
        cfg: The limits.
    """

    def __init__(self, n: int, devices: int, cfg: GuardConfig) -> None:
        self.cfg = cfg
        self.off_run_min = np.zeros((n, devices), dtype=int)
        self.on_hold_min = np.zeros((n, devices), dtype=int)
        self.longest_off_min = np.zeros((n, devices), dtype=int)
        self.last_off_minute = np.full((n, devices), -10**9, dtype=int)
        self.forced_restores = 0

    def may_shed(self) -> np.ndarray:
        """(n, devices) bool: circuits the controllers may switch off this minute."""
        return self.on_hold_min == 0

    def apply(self, minute: int, want_on: np.ndarray) -> np.ndarray:
        """Applies the limits to the controllers' wish for this minute.

        Args:
            minute: The minute being decided.
            want_on: (n, devices) bool, what the controllers ask.

        Returns:
            (n, devices) bool: what the sockets do this minute.
        """
        limit = self.cfg.yellow_max_off_min
        on = want_on | (self.on_hold_min > 0)
        forced = ~on & (self.off_run_min >= limit)
        if forced.any():
            self.forced_restores += int(forced.sum())
            self.on_hold_min[forced] = max(self.cfg.yellow_min_on_min, 1)
            on = on | forced
        self.off_run_min = np.where(on, 0, self.off_run_min + 1)
        self.longest_off_min = np.maximum(self.longest_off_min, self.off_run_min)
        self.last_off_minute[~on] = minute
        self.on_hold_min = np.where(on & (self.on_hold_min > 0), self.on_hold_min - 1, self.on_hold_min)
        return on
