"""Theft and faulty meters: which consumer's deviation explains the growth of the imbalance.

With ``method = "attribution"`` (the default) the suspects come first from
:mod:`analytics.attribution` (day by day, in local windows, against a season
and peer model), and :func:`detect_group` below then runs with the
proportional family only, on what the attributed members leave (docs/analytics.md).
With ``method = "forward"`` it runs alone, as described here:

Unsupervised, per balance group (DOMAIN.md: "if a consumer's profile changes
and the imbalance stays flat, nothing is wrong; if the imbalance grows with
it, it is theft, a magnet or a faulty meter"):

1. **The group's excess.** The group's daily unexplained imbalance (imbalance
   less technical losses and equipment) against its median and robust spread
   on the clean days. The group is examined when, from some day on, the mean
   excess is ``z_group`` standard errors above the clean level (one-sided
   mean-shift test).
2. **Who explains it** (:func:`detect_group`): forward selection with a joint,
   bounded least-squares refit of the group's hourly excess on the selected
   members' regressors, each zero before the member's own start day:
   *proportional* (its registered consumption, in the evening hours, and on a
   ramp: under-registration, evening-only tampering, a drifting meter),
   *stopped* (its expected profile) or *bypass* (a constant load). The last
   two are open only to members whose own consumption fell significantly
   against their usual profile by an amount matching the group's step. Each
   regressor is bounded by what one home can hide.
3. **When it started**: the day that best splits both the group's remaining
   excess and the member's daily shortfall into a before and an after.
4. **Tamper evidence** (:func:`analytics.suspects.tamper_suspects`): readings
   rejected as negative (a meter running backwards: phase and neutral swapped)
   flag a meter on their own.

A consumer who simply uses less (holiday, new appliance) moves its own
profile but not the imbalance, so no regressor of it explains anything, and
the shortfall families are closed to it unless the group's step matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import lsq_linear

from analytics.balances import GroupBalance
from analytics.suspects import Suspect


@dataclass
class TheftConfig:
    """Settings of the detector.

    Attributes:
        clean_days: Days at the start of the data taken as clean (baseline of
            the expected profiles, the losses fit and the noise level).
        z_group: Mean-shift significance that makes a group suspect.
        r2_min: Share of the group's excess a suspect must explain.
        min_kwh_per_day: Smallest energy a suspect must account for.
        max_suspects_per_group: Suspects searched per group.
        negative_readings_min: Negative readings that flag a meter by themselves.
        noise_floor_pct: Floor of the daily noise, % of the group's daily input.
        shortfall_t_min: Significance of a member's own drop against its profile.
        match_min, match_max: Range of (member's drop / group's step) that counts as a match.
        drift_days: Ramp length of the drifting-meter regressor.
        method: ``attribution`` (joint attribution day by day in local
            windows against a season and peer model, :mod:`analytics.attribution`)
            or ``forward`` (the hourly forward selection of this module).
        attribution_t_min: Significance of the co-movement of a member's
            shortfall and the group's excess that attributes it.
        beta_min, beta_max: Range of the imbalance response (kWh of group
            excess per kWh the member registers less) that counts as theft or
            a faulty meter; a look-alike has about 0.
        bad_day_filled_share: Days with more than this share of the group's
            member readings filled (outages) are left out of the attribution.
        step_search: After the attribution, give each remaining significant
            step of the group's excess to the member whose shortfall stepped
            on the same day by a matching size (:mod:`analytics.steps`).
        step_group_t_min: Significance of a step of the group's remaining excess.
        step_member_t_min: Significance of the member's own rise at that day.
        step_ratio_min, step_ratio_max: Range of (member's step / group's step).
        step_consistency: Largest difference, in its standard errors, between a
            member's step and the group's in any window.
        step_tolerance: Share of the group's step added to that error.
    """

    clean_days: int = 14
    z_group: float = 5.0
    r2_min: float = 0.2
    min_kwh_per_day: float = 0.5
    max_suspects_per_group: int = 4
    negative_readings_min: int = 3
    noise_floor_pct: float = 0.1
    shortfall_t_min: float = 4.0
    drift_days: float = 30.0
    match_min: float = 0.3
    match_max: float = 1.6
    method: str = "attribution"
    attribution_t_min: float = 4.0
    beta_min: float = 0.4
    beta_max: float = 3.0
    bad_day_filled_share: float = 0.2
    forward_families: tuple[str, ...] = ("proportional",)
    group_faults: bool = True
    drop_t_min: float = 2.5
    step_search: bool = True
    step_group_t_min: float = 5.0
    step_member_t_min: float = 4.0
    step_ratio_min: float = 0.5
    step_ratio_max: float = 1.6
    step_consistency: float = 2.5
    step_tolerance: float = 0.2


def _shift_stat(x: np.ndarray, mu: float, sigma: float, first: int) -> tuple[int, float]:
    """Most significant day τ ≥ first with mean(x[τ:]) above mu; returns (τ, z)."""
    n = len(x)
    if n - first < 1:
        return first, 0.0
    tail_sum = np.cumsum(x[::-1])[::-1]
    tau = np.arange(first, n)
    count = n - tau
    z = (tail_sum[first:] / count - mu) / (sigma / np.sqrt(count))
    k = int(np.argmax(z))
    return int(tau[k]), float(z[k])


def _expected(m: np.ndarray, clean: np.ndarray, local_hour: np.ndarray, weekend: np.ndarray) -> np.ndarray:
    """(n, H) each member's clean-period mean for the same hour and day type."""
    table = np.zeros((m.shape[0], 2, 24))
    for w in (0, 1):
        for h in range(24):
            cols = clean & (local_hour == h) & (weekend == w)
            if not cols.any():
                cols = clean & (local_hour == h)
            table[:, w, h] = m[:, cols].mean(axis=1) if cols.any() else 0.0
    return table[:, weekend.astype(int), local_hour]


def _joint_starts(y: np.ndarray, dev_d: np.ndarray, first: int) -> np.ndarray:
    """Each member's start day: the day that best splits both the group's excess and its shortfall.

    Vectorised over members: for every split day ``τ ≥ first``, the standardised
    after-minus-before mean differences of ``y`` and of the member's daily
    shortfall are added; the best ``τ`` wins.
    """
    n_days = len(y)
    taus = np.arange(max(first, 1), n_days)
    if len(taus) == 0:
        return np.full(dev_d.shape[0], first, dtype=int)
    sy = np.std(y[:first]) + 1e-9
    sz = dev_d[:, :first].std(axis=1) + 1e-9
    cy, cz = np.concatenate([[0.0], np.cumsum(y)]), np.concatenate([np.zeros((dev_d.shape[0], 1)),
                                                                   np.cumsum(dev_d, axis=1)], axis=1)
    before, after = taus, n_days - taus
    scale = np.sqrt(1.0 / before + 1.0 / after)
    dy = (cy[-1] - cy[taus]) / after - cy[taus] / before
    dz = (cz[:, -1:] - cz[:, taus]) / after - cz[:, taus] / before
    # Each statistic is scaled to its own largest value, so that neither series
    # (the group's precise excess, the member's noisy shortfall) drowns the other.
    ty = dy / sy / scale
    tz = dz / sz[:, None] / scale[None, :]
    ty = ty / max(float(np.max(np.abs(ty))), 1e-12)
    tz = tz / np.maximum(np.max(np.abs(tz), axis=1, keepdims=True), 1e-12)
    return taus[np.argmax(ty[None, :] + tz, axis=1)].astype(int)


def _bounded_fit(a: np.ndarray, r: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares of r on the columns of a with 0 ≤ coefficient ≤ upper."""
    if a.shape[1] == 0:
        return np.zeros(0), float(r @ r)
    sol = lsq_linear(a, r, bounds=(np.zeros(a.shape[1]), upper), method="bvls")
    res = r - a @ sol.x
    return sol.x, float(res @ res)


def detect_group(b: GroupBalance, m: np.ndarray, member_ids: list[str], day: np.ndarray, local_hour: np.ndarray,
                 weekend: np.ndarray, cfg: TheftConfig,
                 known: list[tuple[int, int, tuple[int, int]]] = ()) -> tuple[list[Suspect], np.ndarray]:
    """Suspects of one group and a score for every member (for ranking).

    Forward selection with a joint refit: the group's hourly excess after the
    clean days is explained, non-negatively, by regressors of the selected
    members, each zero before the member's own start day:

    * **proportional** family: ``M_i``, ``M_i`` in the evening hours, ``M_i``
      times a ramp over ``drift_days`` — a meter that under-registers by a
      fraction (all day, in the evening, or more and more) hides energy in
      proportion to what it still registers, spike by spike;
    * **stopped**: the member's expected profile ``E_i`` (a stopped meter hides
      about its expected consumption), or **bypass**: a constant (a load wired
      around the meter), each bounded by what one home can hide. Only members whose own daily shortfall
      steps up significantly at their start (t ≥ ``shortfall_t_min``) by an
      amount matching the group's step (``match_min``..``match_max``) may use it,
      since any member's profile would fit a step of the group.

    At each step the candidate (member and family) that removes most of the
    remaining squared excess joins, while it removes at least ``r2_min`` of it,
    accounts for at least ``min_kwh_per_day``, and the remaining daily excess
    still steps up significantly (``z_group``).

    Args:
        b: The group's balance.
        m: (n_members, H) the members' hourly values (gaps filled).
        member_ids: Meter ids of the rows of ``m``.
        day: (H,) day index of each hour from the start of the data.
        local_hour: (H,) local hour of the day.
        weekend: (H,) bool.
        cfg: Detector settings.
        known: Members already attributed (row, start day, local hour window):
            their expected consumption in that window from that day is taken
            out of the excess first, so that nobody else is fitted to it.
    """
    n_days = int(day.max()) + 1 if len(day) else 0
    n = len(member_ids)
    scores = np.zeros(n)
    families = ("proportional", "stopped", "bypass") if cfg.method == "forward" else tuple(cfg.forward_families)
    if not member_ids or n_days <= cfg.clean_days:
        return [], scores
    u = np.where(np.isfinite(b.unexplained_kwh), b.unexplained_kwh, 0.0)
    have = np.bincount(day, weights=np.isfinite(b.unexplained_kwh), minlength=n_days)
    y = np.bincount(day, weights=u, minlength=n_days) * 24.0 / np.maximum(have, 1)
    clean_d = np.arange(n_days) < cfg.clean_days
    clean_h = day < cfg.clean_days
    mu = float(np.median(y[clean_d]))
    mad = float(np.median(np.abs(y[clean_d] - mu))) * 1.4826
    daily_input = float(np.nanmean(np.bincount(day, weights=np.nan_to_num(b.input_kwh), minlength=n_days)))
    sigma = max(mad, cfg.noise_floor_pct / 100.0 * daily_input, 1e-6)
    tau, z = _shift_stat(y - mu, 0.0, sigma, cfg.clean_days)
    if z < cfg.z_group:
        return [], scores
    hour_mu = np.array([u[clean_h & (local_hour == h)].mean() if (clean_h & (local_hour == h)).any() else 0.0
                        for h in range(24)])
    expected = _expected(m, clean_h, local_hour, weekend)
    dev = expected - m
    dev_d = np.stack([np.bincount(day, weights=row, minlength=n_days) for row in dev])
    mean_daily = m[:, clean_h].sum(axis=1) / max(cfg.clean_days, 1)
    dev_sd = np.maximum(dev_d[:, clean_d].std(axis=1, ddof=1), 0.25 * mean_daily + 1e-6)
    starts = _joint_starts(y - mu, dev_d, cfg.clean_days)
    fit = ~clean_h
    r = (u - hour_mu[local_hour])[fit]
    f_day, f_hour = day[fit], local_hour[fit]
    evening = ((f_hour >= 17) & (f_hour < 23)).astype(float)
    after_days = n_days - starts
    own_t = np.array([(dev_d[i, starts[i]:].mean() - dev_d[i, clean_d].mean()) / (dev_sd[i] / np.sqrt(after_days[i]))
                      for i in range(n)])

    mean_hourly = np.maximum(mean_daily / 24.0, 1e-6)

    def family(i: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Columns of member i's family and their upper bounds (what one meter can hide)."""
        on = (f_day >= starts[i]).astype(float)
        if kind == "proportional":
            mi = m[i, fit] * on
            ramp = np.clip((f_day - starts[i]) / cfg.drift_days, 0.0, 1.0)
            # (1 − f)·x registered hides f/(1 − f) of it: f ≤ 0.9 → ≤ 9.
            return np.column_stack([mi, mi * evening, mi * ramp]), np.array([9.0, 9.0, 9.0])
        if kind == "stopped":  # hides about its expected profile
            return (expected[i, fit] * on)[:, None], np.array([1.3])
        # bypass: hides at most a constant load of the order of its mean
        return on[:, None], np.array([1.2 * mean_hourly[i]])

    base = np.zeros((len(r), 0))
    upper_base = np.zeros(0)
    chosen: set[int] = set()
    for i, start, (h0, h1) in known:
        col = expected[i, fit] * (f_day >= start) * ((f_hour >= h0) & (f_hour < h1))
        base, upper_base = np.column_stack([base, col]), np.append(upper_base, 1.5)
        chosen.add(i)
    coef0, _ = _bounded_fit(base, r, upper_base)
    resid = r - base @ coef0 if base.shape[1] else r.copy()
    ssr = float(resid @ resid)
    suspects: list[Suspect] = []
    for _ in range(cfg.max_suspects_per_group):
        resid_day = np.bincount(f_day, weights=resid, minlength=n_days)
        _, z_now = _shift_stat(np.concatenate([np.zeros(cfg.clean_days), resid_day[cfg.clean_days:]]), 0.0,
                               sigma, cfg.clean_days)
        if z_now < cfg.z_group:
            break
        # Start days against what is left to explain (the first suspects no longer dominate it).
        left = np.concatenate([y[:cfg.clean_days] - mu, resid_day[cfg.clean_days:]])
        open_rows = np.array([i for i in range(n) if i not in chosen], dtype=int)
        starts[open_rows] = _joint_starts(left, dev_d[open_rows], cfg.clean_days)
        after_days = n_days - starts
        own_t = np.array([(dev_d[i, starts[i]:].mean() - dev_d[i, clean_d].mean()) / (dev_sd[i] / np.sqrt(after_days[i]))
                          for i in range(n)])
        step = np.array([left[s:].mean() if s < n_days else 0.0 for s in starts])
        shortfall = np.array([dev_d[i, starts[i]:].mean() for i in range(n)])
        ratio = np.where(step > 0, shortfall / np.where(step > 0, step, 1.0), 0.0)
        shortfall_ok = (own_t >= cfg.shortfall_t_min) & (ratio >= cfg.match_min) & (ratio <= cfg.match_max)
        candidates = []
        for i in range(n):
            if i in chosen:
                continue
            for kind in ("proportional", "stopped", "bypass"):
                if kind not in families or (kind != "proportional" and not shortfall_ok[i]):
                    continue
                a, up = family(i, kind)
                _, s_new = _bounded_fit(a, resid, up)
                gain = (ssr - s_new) / max(ssr, 1e-12)
                candidates.append((gain, i, kind))
                scores[i] = max(scores[i], float(np.clip(gain, 0.0, 1.0)))
        if not candidates:
            break
        candidates.sort(reverse=True)
        best = None
        for gain, i, kind in candidates[:6]:
            cols, up = family(i, kind)
            a = np.column_stack([base, cols])
            ub = np.concatenate([upper_base, up])
            coef, s_new = _bounded_fit(a, r, ub)
            if best is None or s_new < best[0]:
                best = (s_new, i, kind, coef, a, ub)
        s_new, i, kind, coef, a, ub = best
        explained = (ssr - s_new) / max(ssr, 1e-12)
        k = a.shape[1]
        width = 3 if kind == "proportional" else 1
        contribution = a[:, k - width:] @ coef[k - width:]
        days_on = max(int(after_days[i]), 1)
        stolen = float(contribution.sum() / days_on)
        if explained < cfg.r2_min or stolen < cfg.min_kwh_per_day:
            break
        chosen.add(i)
        base, ssr, upper_base = a, s_new, ub
        resid = r - a @ coef
        score = float(min(1.0, 0.5 + explained))
        scores[i] = max(scores[i], score)
        how = ("its registered consumption follows the excess hour by hour (proportional)" if kind == "proportional"
               else f"its consumption fell against its usual profile (t = {own_t[i]:.1f}) by "
                    f"{100 * ratio[i]:.0f} % of the group's step")
        suspects.append(Suspect(b.unit.group_id, member_ids[i], score, int(starts[i]), stolen,
                                f"group excess up (z = {z:.1f}); {how}; explains {100 * explained:.0f} % of the "
                                f"remaining excess; about {stolen:.1f} kWh/day"))
    return suspects, scores
