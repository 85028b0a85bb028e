"""Small helpers of the bundled suite: time on the bench, hour boundaries."""

from __future__ import annotations

import time

HOUR_S = 3600


def advance(bench, seconds: float) -> None:
    """Lets ``seconds`` of device time pass: steps the emulated clock, or waits on hardware."""
    if bench.device is not None:
        bench.device.clock.step(seconds)
    else:
        time.sleep(seconds)


_next_day = [0]


def sync_to_hour(bench, unix_s: int | None = None) -> int:
    """Sets the concentrator's clock to a whole hour and returns it.

    Without ``unix_s``: midnight of a day after any the suite used before
    (2027-01-01, then a day later each call), so the clock never goes back
    into hours that already hold pulses.
    """
    if unix_s is None:
        _next_day[0] += 1
        unix_s = 1_798_761_600 + _next_day[0] * 86_400
    hour = unix_s - unix_s % HOUR_S
    bench.concentrator.time_sync(hour)
    return hour
