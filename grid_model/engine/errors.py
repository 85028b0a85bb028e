"""Errors raised by the grid engine."""


class ConvergenceError(RuntimeError):
    """The load-flow iteration did not converge.

    Attributes:
        minutes: Indices of the time steps (minutes of the day, or the
            stepper's step counter) that did not converge.
    """

    def __init__(self, minutes: list[int], iterations: int, mismatch_pu: float):
        self.minutes = list(minutes)
        shown = ", ".join(str(m) for m in self.minutes[:10]) + (" ..." if len(self.minutes) > 10 else "")
        super().__init__(
            f"load flow did not converge at minute(s) {shown} after {iterations} iterations "
            f"(last voltage change {mismatch_pu:.3g} pu); the network is probably overloaded"
        )
