"""Theft and meter-fault patterns injected at known meters and days (ground truth).

Each :class:`Anomaly` changes what one consumer electricity meter *registers*
from the local day ``start_day`` on; the true consumption, and therefore every
group meter above the consumer, is untouched, which is what makes the group's
imbalance grow. The patterns follow the tampering methods of DOMAIN.md
("Balance analytics") and a failing meter; ``severity`` means, per pattern:

* ``stopped`` – voltage circuit opened, the meter stops: registers 0.
  Severity is not used (1.0).
* ``under_registration`` – current circuit shunted, resistor in the voltage
  circuit, magnet on the current transformer: registers ``(1 − s)·x``,
  ``s`` ∈ [0.2, 0.7].
* ``bypass`` – a constant appliance load (heater, boiler) wired around the
  meter. Its power is ``b = s · mean(true)``, ``s`` ∈ [0.3, 1.0] times the
  consumer's mean hourly consumption over the whole series, so the pattern
  scales with the consumer. In each hour the meter misses ``min(true, b)``:
  it registers ``x·(true − min(true, b))/true``, i.e. nothing in hours when
  the consumer uses less than the bypassed load, ``true − b`` (times its
  accuracy error) otherwise. Unlike under-registration it is an offset, not a
  factor: it hides most of the night base load and little of the peaks.
* ``reverse`` – phase and neutral swapped: the meter runs backwards,
  registers ``−s·x``, ``s`` ∈ [0.3, 1.0]. Hourly values are negative; an
  importer rejects them as ``negative``, and the rejections are the evidence.
* ``intermittent_evening`` – a magnet put on in the evening only: registers
  ``(1 − s)·x`` in the hours 17:00–23:00 local (intervals starting at 17, ...,
  22 h), ``x`` otherwise, ``s`` ∈ [0.4, 0.9].
* ``drift`` – a failing meter whose registration falls linearly, hour by hour,
  from ``x`` at the start to ``(1 − s)·x`` :data:`DRIFT_DAYS` days later, then
  stays there, ``s`` ∈ [0.2, 0.6].
* ``evening_bypass`` – a load wired around the meter every evening only
  (17:00–23:00 local): like ``bypass`` in those hours, ``s`` ∈ [0.6, 1.5].
* ``evening_bypass_some`` – the same on some evenings only: each day after
  the start is a bypass evening with probability 1/2 (drawn from ``param``).
* ``weekday_bypass`` – a whole-day ``bypass`` on fixed weekdays only: the
  weekdays are the bits of ``param`` (bit 0 Monday), ``s`` ∈ [0.5, 1.2].

Here ``x`` is what the meter registered without the anomaly (the true
consumption times the meter's own accuracy error) and ``true`` the true
consumption.

Day and hour convention: column ``h`` of an hourly series covers the interval
``[start + h, start + h + 1 h)``; with ``start_hour_local`` the local clock
hour of the first column, column ``h`` is on local day
``(start_hour_local + h) // 24`` (day 0 is the local date of ``start``) at
local hour ``(start_hour_local + h) % 24``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scenarios.errors import InputError

#: The patterns of the first detector evaluation (``draw_anomalies``' default).
CLASSIC_PATTERNS: tuple[str, ...] = ("stopped", "under_registration", "bypass", "reverse", "intermittent_evening",
                                     "drift")
#: The injected patterns.
PATTERNS: tuple[str, ...] = ("stopped", "under_registration", "bypass", "reverse", "intermittent_evening", "drift",
                             "evening_bypass", "evening_bypass_some", "weekday_bypass")

#: Severity drawn uniformly from these ranges by :func:`draw_anomalies` (meaning per pattern: module docstring).
SEVERITY_RANGE: dict[str, tuple[float, float]] = {
    "stopped": (1.0, 1.0),
    "under_registration": (0.2, 0.7),
    "bypass": (0.3, 1.0),
    "reverse": (0.3, 1.0),
    "intermittent_evening": (0.4, 0.9),
    "drift": (0.2, 0.6),
    "evening_bypass": (0.6, 1.5),
    "evening_bypass_some": (0.6, 1.5),
    "weekday_bypass": (0.5, 1.2),
}

#: Local hours (interval starts) in which ``intermittent_evening`` is active: 17:00–23:00.
EVENING_HOURS: tuple[int, int] = (17, 23)
#: Days over which a ``drift`` meter's registration falls to ``1 − s``.
DRIFT_DAYS: int = 30

#: Seed stream of :func:`draw_anomalies` (``default_rng([seed, STREAM])``).
_STREAM = 101


@dataclass(frozen=True)
class Anomaly:
    """One injected anomaly.

    Attributes:
        meter_id: The consumer electricity meter.
        pattern: One of :data:`PATTERNS`.
        start_day: First local day (0 = the day of the data's start) it is active.
        severity: Strength, meaning per pattern (module docstring).
        param: Weekday bits (``weekday_bypass``) or the seed of the bypass
            evenings (``evening_bypass_some``); unused otherwise.
    """

    meter_id: str
    pattern: str
    start_day: int
    severity: float
    param: int = 0

    def __post_init__(self) -> None:
        if self.pattern not in PATTERNS:
            raise InputError(f"anomaly {self.meter_id}: unknown pattern {self.pattern!r} "
                             f"(one of {', '.join(PATTERNS)})")
        if self.start_day < 0:
            raise InputError(f"anomaly {self.meter_id}: start_day {self.start_day} is negative")
        if not np.isfinite(self.severity) or self.severity < 0:
            raise InputError(f"anomaly {self.meter_id}: severity {self.severity} must be ≥ 0")
        if self.pattern in ("under_registration", "intermittent_evening", "drift") and self.severity > 1:
            raise InputError(f"anomaly {self.meter_id}: {self.pattern} severity {self.severity} must be ≤ 1")


def _local_clock(n_hours: int, hours_per_day: int, start_hour_local: int) -> tuple[np.ndarray, np.ndarray]:
    """(local day, local hour of day) of each column."""
    t = start_hour_local + np.arange(n_hours)
    return t // hours_per_day, t % hours_per_day


def _bypass_keep(t: np.ndarray, b: float) -> np.ndarray:
    """Share of the true consumption ``t`` a meter still registers with a load ``b`` wired around it."""
    return np.divide(t - np.minimum(t, b), t, out=np.ones_like(t), where=t > 0)


def active_hours(a: Anomaly, day: np.ndarray, hod: np.ndarray, dow0: int = 0) -> np.ndarray:
    """(H,) bool, the hours in which anomaly ``a`` changes the registration."""
    on = day >= a.start_day
    if a.pattern in ("intermittent_evening", "evening_bypass", "evening_bypass_some"):
        on &= (hod >= EVENING_HOURS[0]) & (hod < EVENING_HOURS[1])
    if a.pattern == "evening_bypass_some":
        n_days = int(day.max()) + 1 if len(day) else 0
        pick = np.random.default_rng([int(a.param), _STREAM + 1]).random(n_days) < 0.5
        on &= pick[day]
    if a.pattern == "weekday_bypass":
        dow = (dow0 + day) % 7
        on &= ((int(a.param) >> dow) & 1).astype(bool)
    return on


def apply(registered: np.ndarray, true: np.ndarray, a: Anomaly, hours_per_day: int = 24,
          start_hour_local: int = 0, dow0: int = 0) -> np.ndarray:
    """Returns what a meter registers with anomaly ``a``.

    Args:
        registered: (H,) what the meter registers without the anomaly.
        true: (H,) the consumer's true consumption (used by ``bypass``).
        a: The anomaly.
        hours_per_day: Columns per day.
        start_hour_local: Local clock hour of column 0.
        dow0: Day of week of local day 0 (Monday 0), for ``weekday_bypass``.

    Returns:
        A new (H,) array, equal to ``registered`` before ``a.start_day``.
    """
    x = np.asarray(registered, dtype=float)
    true = np.asarray(true, dtype=float)
    if x.shape != true.shape or x.ndim != 1:
        raise InputError(f"anomaly {a.meter_id}: registered {x.shape} and true {true.shape} must be equal 1-D shapes")
    day, hod = _local_clock(len(x), hours_per_day, start_hour_local)
    on = active_hours(a, day, hod, dow0)
    s = float(a.severity)
    out = x.copy()
    if a.pattern == "stopped":
        out[on] = 0.0
    elif a.pattern == "under_registration":
        out[on] = (1.0 - s) * x[on]
    elif a.pattern in ("bypass", "evening_bypass", "evening_bypass_some", "weekday_bypass"):
        b = s * float(np.nanmean(true)) if len(true) else 0.0
        out[on] = x[on] * _bypass_keep(true[on], b)
    elif a.pattern == "reverse":
        out[on] = -s * x[on]
    elif a.pattern == "intermittent_evening":
        out[on] = (1.0 - s) * x[on]
    elif a.pattern == "drift":
        first = int(np.argmax(on)) if on.any() else len(x)
        k = np.minimum(1.0, (np.arange(len(x)) - first) / (DRIFT_DAYS * hours_per_day))
        out[on] = x[on] * (1.0 - s * k[on])
    return out


def draw_anomalies(consumer_meter_ids: Sequence[str], days: int, share: float, seed: int,
                   patterns: Sequence[str] = CLASSIC_PATTERNS, min_start_day: int = 14, min_days_after: int = 14,
                   groups: Mapping[str, str] | None = None, max_per_group: int | None = None) -> list[Anomaly]:
    """Draws anomalies at random meters and days.

    ``round(share · n)`` meters are picked; the patterns are spread evenly over
    them (each pattern ``⌊n/k⌋`` or ``⌈n/k⌉`` times, so that per-pattern recall
    has support), the start day uniformly in
    ``[min_start_day, days − min_days_after]`` (a clean period to learn from
    before, and enough days after to see it), the severity uniformly in
    :data:`SEVERITY_RANGE`.

    Args:
        consumer_meter_ids: Candidate consumer electricity meters.
        days: Days of data.
        share: Share of the meters given an anomaly, 0..1.
        seed: Seed; the same arguments give the same anomalies.
        patterns: Patterns to draw from.
        min_start_day: Earliest start day.
        min_days_after: Days of data at least left from the start day on.
        groups: Meter id → balance group, for ``max_per_group``.
        max_per_group: At most this many anomalous meters per group (e.g. 1,
            so that each group's imbalance has one cause); ``None``: no limit.

    Returns:
        The anomalies, in the order of ``consumer_meter_ids``.

    Raises:
        InputError: Bad share, unknown pattern, no room for a start day, or
            not enough meters under ``max_per_group``.
    """
    ids = list(consumer_meter_ids)
    if not 0.0 <= share <= 1.0:
        raise InputError(f"anomalies.share: {share} is not in 0..1")
    unknown = [p for p in patterns if p not in PATTERNS]
    if unknown or not patterns:
        raise InputError(f"anomalies.patterns: {unknown or 'empty'} (known: {', '.join(PATTERNS)})")
    last = days - min_days_after
    n = int(round(share * len(ids)))
    if n == 0:
        return []
    if last < min_start_day:
        raise InputError(f"anomalies: no start day in {min_start_day}..{days}-{min_days_after} for {days} days of data")
    rng = np.random.default_rng([seed, _STREAM])
    order = rng.permutation(len(ids))
    if max_per_group is None:
        chosen = order[:n]
    else:
        if groups is None:
            raise InputError("anomalies.max_per_group needs the meters' groups")
        count: dict[str, int] = {}
        picked = []
        for i in order:
            g = groups.get(ids[i], ids[i])
            if count.get(g, 0) < max_per_group:
                count[g] = count.get(g, 0) + 1
                picked.append(i)
                if len(picked) == n:
                    break
        if len(picked) < n:
            raise InputError(f"anomalies: {n} meters wanted, only {len(picked)} fit max_per_group={max_per_group}")
        chosen = np.asarray(picked)
    pats = np.resize(np.asarray(list(patterns), dtype=object), n)
    pats = pats[rng.permutation(n)]
    starts = rng.integers(min_start_day, last + 1, size=n)
    u = rng.random(n)
    params = [pattern_param(str(p), rng) for p in pats]
    out = []
    for i, p, d, r, q in sorted(zip(chosen.tolist(), pats, starts.tolist(), u.tolist(), params)):
        lo, hi = SEVERITY_RANGE[p]
        out.append(Anomaly(ids[i], str(p), int(d), round(lo + (hi - lo) * r, 3), q))
    return out


def pattern_param(pattern: str, rng: np.random.Generator) -> int:
    """A random ``param`` for a pattern: one or two weekdays, or the seed of the bypass evenings."""
    if pattern == "weekday_bypass":
        days = rng.choice(7, size=int(rng.integers(1, 3)), replace=False)
        return int(sum(1 << int(d) for d in days))
    if pattern == "evening_bypass_some":
        return int(rng.integers(0, 2 ** 31))
    return 0


def truth_frame(anomalies: Sequence[Anomaly], start) -> pd.DataFrame:
    """The ground truth as a table.

    Args:
        anomalies: The injected anomalies.
        start: First timestamp of the data (its local date is day 0).

    Returns:
        Columns ``meter_id``, ``pattern``, ``start_day`` (int),
        ``start_date`` (local midnight of the start day, with the offset of
        ``start``) and ``severity``.
    """
    day0 = pd.Timestamp(start).normalize()
    return pd.DataFrame({
        "meter_id": pd.Series([a.meter_id for a in anomalies], dtype=object),
        "pattern": pd.Series([a.pattern for a in anomalies], dtype=object),
        "start_day": pd.Series([a.start_day for a in anomalies], dtype="int64"),
        "start_date": pd.Series([day0 + pd.Timedelta(days=a.start_day) for a in anomalies],
                                dtype=f"datetime64[ns, {day0.tz}]" if day0.tz is not None else "datetime64[ns]"),
        "severity": pd.Series([a.severity for a in anomalies], dtype=float),
    })
