"""The per-hop command-latency model: empirical samples, delivery, vectorised draws.

:class:`LatencyModel` holds, per hop count, the sorted latencies of received
broadcasts and the delivery ratio; :meth:`LatencyModel.sample` draws one
command's latency to every home, extrapolating to hop counts without data. The
model, the correlated (per-broadcast) draws and the extrapolation rules are
described in the package doc (:mod:`twin.control.latency`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from mesh_sim.config import MAX_HOPS_LIMIT
from scenarios.errors import InputError


@dataclass
class _Table:
    """Per-hop lookup arrays for vectorised draws, hops ``0..size-1``."""

    pool: np.ndarray        # all samples, concatenated
    offset: np.ndarray      # start of hop h's samples in pool
    count: np.ndarray       # number of samples of hop h (0: always lost)
    shift: np.ndarray       # added to every sample of hop h (extrapolation)
    delivery: np.ndarray    # probability of reception at hop h
    mean: np.ndarray        # mean latency of a received command at hop h (NaN if never received)
    by_broadcast: np.ndarray | None  # (broadcasts, size): delivery at hop h in fitted broadcast k


@dataclass
class LatencyModel:
    """Per hop count: empirical latency samples (s) of received broadcasts and the delivery ratio.

    Treat an instance as immutable: the lookup arrays built for
    :meth:`sample` are cached.

    Attributes:
        samples_s: Hop count -> sorted latencies (s) of received broadcasts.
        delivery: Hop count -> fraction of (broadcast, module) pairs received
            (same keys as ``samples_s``; a hop with delivery > 0 needs samples).
        source: Where the numbers come from, e.g. ``"mesh_sim district seed
            42, 48 broadcasts"`` or ``"fixed 35 s"``.
        delivery_by_broadcast: Optional, hop count -> delivery ratio of each
            fitted broadcast at that hop (same keys as ``delivery``, arrays of
            one length). With it, :meth:`sample` can lose a command for many
            homes at once as the fitted floods did (``correlated=True``).
    """

    samples_s: dict[int, np.ndarray]
    delivery: dict[int, float]
    source: str
    delivery_by_broadcast: dict[int, np.ndarray] | None = None
    _cache: dict[int, _Table] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.samples_s = {int(h): np.sort(np.asarray(s, dtype=float).ravel()) for h, s in self.samples_s.items()}
        self.delivery = {int(h): float(d) for h, d in self.delivery.items()}
        if set(self.samples_s) != set(self.delivery):
            raise InputError(f"latency model ({self.source}): samples_s and delivery need the same hop counts")
        for h, s in self.samples_s.items():
            d = self.delivery[h]
            if h < 0 or not 0.0 <= d <= 1.0:
                raise InputError(f"latency model ({self.source}): delivery[{h}] = {d} (hop >= 0, delivery 0..1)")
            if s.size and not (np.all(np.isfinite(s)) and s[0] >= 0.0):
                raise InputError(f"latency model ({self.source}): samples of hop {h} must be finite and >= 0")
            if d > 0.0 and s.size == 0:
                raise InputError(f"latency model ({self.source}): hop {h} has delivery {d} but no samples")
        if not self._fitted():
            raise InputError(f"latency model ({self.source}): no received broadcast to fit")
        if self.delivery_by_broadcast is not None:
            dbb = {int(h): np.asarray(v, dtype=float).ravel() for h, v in self.delivery_by_broadcast.items()}
            sizes = {v.size for v in dbb.values()}
            if set(dbb) != set(self.delivery) or len(sizes) != 1 or 0 in sizes:
                raise InputError(f"latency model ({self.source}): delivery_by_broadcast needs the hop counts of "
                                 f"delivery and one non-empty array length")
            if any(np.any(~((v >= 0.0) & (v <= 1.0))) for v in dbb.values()):
                raise InputError(f"latency model ({self.source}): delivery_by_broadcast must be in 0..1")
            self.delivery_by_broadcast = dbb

    # -- extrapolation ---------------------------------------------------------------------------
    def _fitted(self) -> list[int]:
        """Hop counts with received samples, ascending."""
        return sorted(h for h, s in self.samples_s.items() if s.size and self.delivery[h] > 0.0)

    def step_s(self) -> float:
        """Per-hop latency increment used for hop counts without data (see the package doc)."""
        hops = self._fitted()
        h = np.array(hops, dtype=float)
        mu = np.array([self.samples_s[k].mean() for k in hops])
        w = np.array([self.samples_s[k].size for k in hops], dtype=float)
        if len(hops) == 1:
            return float(mu[0] / h[0]) if h[0] > 0 else 0.0
        hm = np.average(h, weights=w)
        slope = np.sum(w * (h - hm) * (mu - np.average(mu, weights=w))) / np.sum(w * (h - hm) ** 2)
        return max(float(slope), 0.0)

    def per_hop_survival(self) -> float:
        """Delivery factor per extra hop used for hop counts without data (see the package doc)."""
        hmax = self._fitted()[-1]
        return self.delivery[hmax] ** (1.0 / hmax) if hmax > 0 else 1.0

    def _table(self, hmax: int) -> _Table:
        """Lookup arrays for hops ``0..max(hmax, MAX_HOPS_LIMIT, fitted hops)`` (cached)."""
        size = max(int(hmax), MAX_HOPS_LIMIT, max(self.delivery)) + 1
        for n, table in self._cache.items():
            if n >= size:
                return table
        fitted = self._fitted()
        step, q = self.step_s(), self.per_hop_survival()
        pools, offset, count = [], np.zeros(size, np.int64), np.zeros(size, np.int64)
        shift, delivery, mean = np.zeros(size), np.zeros(size), np.full(size, np.nan)
        src, factor = np.full(size, -1, np.int64), np.zeros(size)
        start = 0
        for h in range(size):
            if h in self.delivery:
                if self.delivery[h] == 0.0:
                    continue  # observed, never received: always lost
                h0 = h
            else:
                lower = [k for k in fitted if k < h]
                h0 = lower[-1] if lower else fitted[0]
            s, sh = self.samples_s[h0], (h - h0) * step
            if sh < 0.0:
                # Below the smallest fitted hop: shift down, clipped at 0.
                s, sh = np.maximum(s + sh, 0.0), 0.0
            src[h], factor[h] = h0, q ** max(h - h0, 0)
            pools.append(s)
            offset[h], count[h], shift[h] = start, s.size, sh
            delivery[h] = min(self.delivery[h0] * factor[h], 1.0)
            mean[h] = float(s.mean()) + sh
            start += s.size
        by_broadcast = None
        if self.delivery_by_broadcast is not None:
            n_b = next(iter(self.delivery_by_broadcast.values())).size
            by_broadcast = np.zeros((n_b, size))
            for h in np.flatnonzero(src >= 0):
                by_broadcast[:, h] = np.minimum(self.delivery_by_broadcast[int(src[h])] * factor[h], 1.0)
        table = _Table(np.concatenate(pools), offset, count, shift, delivery, mean, by_broadcast)
        self._cache.clear()
        self._cache[size] = table
        return table

    # -- use --------------------------------------------------------------------------------------
    def sample(self, hops: np.ndarray, rng: np.random.Generator, correlated: bool = True) -> np.ndarray:
        """Latency in s for one command to each home (hops per home, -1 = no route); np.inf where lost.

        A home at hop ``h`` receives with probability ``delivery[h]`` and then
        gets one of ``samples_s[h]`` (uniform, with replacement).

        With ``correlated`` and ``delivery_by_broadcast`` known, the command
        first draws one fitted broadcast ``k`` and homes at hop ``h`` receive
        with that broadcast's delivery at ``h``: the same marginal delivery,
        but a command that a flood lost for half the mesh is lost for half the
        homes, as in mesh_sim. Otherwise homes are independent.

        Draws from ``rng``: one integer (correlated case only), then two
        uniform arrays of ``len(hops)``; the same generator state gives the
        same draws.
        """
        h = np.asarray(hops, dtype=np.int64).ravel()
        n = h.size
        hmax = int(h.max()) if n else 0
        t = self._table(hmax)
        k = int(rng.integers(t.by_broadcast.shape[0])) if correlated and t.by_broadcast is not None else -1
        u_keep, u_pick = rng.random(n), rng.random(n)
        out = np.full(n, np.inf)
        ok = h >= 0
        if not ok.any():
            return out
        hk = h[ok]
        cnt = t.count[hk]
        p = t.delivery[hk] if k < 0 else t.by_broadcast[k, hk]
        got = (u_keep[ok] < p) & (cnt > 0)
        idx = t.offset[hk] + np.minimum((u_pick[ok] * cnt).astype(np.int64), np.maximum(cnt - 1, 0))
        out[ok] = np.where(got, t.pool[np.where(got, idx, 0)] + t.shift[hk], np.inf)
        return out

    def mean_s(self, hops: np.ndarray) -> float:
        """Expected latency of a received command over homes that can receive (delivery-weighted).

        ``sum_i d(h_i) * mean(h_i) / sum_i d(h_i)`` over homes with ``h_i >= 0``;
        NaN if no home can receive.
        """
        h = np.asarray(hops, dtype=np.int64).ravel()
        h = h[h >= 0]
        if h.size == 0:
            return float("nan")
        t = self._table(int(h.max()))
        d = t.delivery[h]
        if d.sum() <= 0.0:
            return float("nan")
        return float(np.sum(d * np.nan_to_num(t.mean[h])) / d.sum())

    def delivery_of(self, hops: np.ndarray) -> np.ndarray:
        """Probability that a command reaches each home (0 for hop -1)."""
        h = np.asarray(hops, dtype=np.int64).ravel()
        out = np.zeros(h.size)
        ok = h >= 0
        if ok.any():
            out[ok] = self._table(int(h[ok].max())).delivery[h[ok]]
        return out

    def describe(self) -> dict[int, dict[str, float]]:
        """Per fitted hop count: ``n`` samples, ``delivery``, ``mean_s``, ``p50_s``, ``p95_s``, ``p99_s``, ``max_s``."""
        out = {}
        for h in sorted(self.delivery):
            s = self.samples_s[h]
            q = np.percentile(s, [50, 95, 99]) if s.size else [math.nan] * 3
            out[h] = {"n": int(s.size), "delivery": self.delivery[h],
                      "mean_s": float(s.mean()) if s.size else math.nan,
                      "p50_s": float(q[0]), "p95_s": float(q[1]), "p99_s": float(q[2]),
                      "max_s": float(s.max()) if s.size else math.nan}
        return out
