"""Section-weighted unbalance proxy: the fast estimate the move search minimises.

Stage 1 of :func:`analytics.phases.recommend`:

**Search on a proxy** (numpy, milliseconds per step). The consumers'
complex demand ``S = P + jQ`` is averaged into blocks of ``search_minutes``
(15 min by default). For every network section ``b`` (each LV line, lines
grouped by the set of consumers downstream of them; the first section is the
transformer plus the trunk every consumer hangs on) the proxy adds up the
squared deviation of the section's three phase loads from their three-phase
mean over time, weighted by the section's resistance::

    J = Σ_b w_b · Σ_t Δt · Σ_p |L_b,p(t) − mean_p L_b,p(t)|² · 1e3/V²

With the head section alone this is the plain "sum of squared deviations of
the aggregate phase loads" (the *head* proxy). Why the weights: a section
with sequence resistances r1, r0 carrying phase currents whose magnitudes
deviate by ``dev_p`` from their mean (equal power factors, 120° apart) loses
``3·r1·mean² + (r1 + r0)/2 · Σ_p dev_p²``; the second term is what phase
balancing can remove, so with ``w_b = (r1 + r0)/2 · length`` (plus the
transformer's resistance on the head) J is a kWh estimate of the losses
caused by unbalance at nominal voltage (the *network* proxy). On the IEEE
feeder day at one-minute resolution its ΔJ for single moves matches the
power flow's change of losses with correlation 1.00 and slope 0.98.
Objective ``"losses"`` uses the network proxy. Objective ``"unbalance"``
runs the whole search with the head proxy and with the network proxy and
keeps the plan the power flow finds better (the head balance did better
for the largest VUF on the IEEE feeder and a small district, the network
one on a 432-flat district). Without a network topology in the site the
head proxy is the only one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from scenarios.site import Site


def _block_means(x: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of consecutive column blocks and each block's column count."""
    n_steps = x.shape[1]
    starts = np.arange(0, n_steps, block)
    sums = np.add.reduceat(x, starts, axis=1)
    counts = np.diff(np.append(starts, n_steps)).astype(float)
    return sums / counts, counts


@dataclass
class _Topology:
    """The radial network as seen by the proxy.

    Attributes:
        a: (n_consumers, n_sections) 0/1, consumer downstream of the section;
            lines with the same downstream consumers are one section; the
            first section (all consumers) holds the transformer and the trunk.
        r_ohm: Loss weight ``(r1 + r0)/2 · length`` of each section (plus the
            transformer's resistance on the first), ohm.
        v_ph: Nominal LV phase voltage, V.
        kind: ``"network"``, or ``"head"`` when only the first section is kept
            (the feeder-head balance; also used when the site has no usable
            topology).
    """

    a: sp.csr_matrix
    r_ohm: np.ndarray
    v_ph: float
    kind: str


def _head(n: int, r_ohm: float, v_ph: float) -> _Topology:
    """The aggregate (feeder-head) section alone."""
    return _Topology(sp.csr_matrix(np.ones((n, 1))), np.array([r_ohm]), v_ph, "head")


def _topology(site: Site) -> _Topology:
    """Sections of the site's radial LV network, from the transformer down."""
    n = len(site.consumers)
    net = site.network
    if net is None:
        return _head(n, 1.0, 230.0)
    tr = net.transformer
    v_ll = tr.vn_lv_kv * 1e3
    v_ph = v_ll / math.sqrt(3.0)
    r_tr = tr.r_percent / 100.0 * v_ll * v_ll / (tr.sn_kva * 1e3)
    adjacency: dict[str, list[tuple[str, int]]] = {}
    for k, line in enumerate(net.lines):
        adjacency.setdefault(line.from_bus, []).append((line.to_bus, k))
        adjacency.setdefault(line.to_bus, []).append((line.from_bus, k))
    parent: dict[str, tuple[str, int] | None] = {tr.lv_bus: None}
    queue = [tr.lv_bus]
    while queue:
        bus = queue.pop()
        for other, k in adjacency.get(bus, []):
            if other not in parent:
                parent[other] = (bus, k)
                queue.append(other)
    if any(c.bus not in parent for c in site.consumers) or any(ln.linecode not in net.linecodes for ln in net.lines):
        return _head(n, r_tr, v_ph)
    downstream: dict[int, list[int]] = {}
    for i, c in enumerate(site.consumers):
        step = parent[c.bus]
        while step is not None:
            bus, k = step
            downstream.setdefault(k, []).append(i)
            step = parent[bus]
    sections: dict[tuple[int, ...], float] = {tuple(range(n)): r_tr}
    for k, members in downstream.items():
        line = net.lines[k]
        code = net.linecodes[line.linecode]
        key = tuple(sorted(members))
        sections[key] = sections.get(key, 0.0) + 0.5 * (code.r1_ohm_per_km + code.r0_ohm_per_km) * line.length_m / 1e3
    rows, cols = [], []
    for j, key in enumerate(sections):
        rows.extend(key)
        cols.extend([j] * len(key))
    a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(sections)))
    return _Topology(a, np.fromiter(sections.values(), float), v_ph, "network")


class _Proxy:
    """Resistance-weighted squared phase-load deviation of every section.

    ``J = Σ_b w_b Σ_t Δt Σ_p |L_b,p − mean|² · 1e3/V²``: the losses caused by
    unbalance, kWh, at nominal voltage (loads in kVA, weights in ohm); with the
    head section alone, the losses the feeder-head unbalance causes there.
    """

    def __init__(self, s_kva: np.ndarray, hours: np.ndarray, phase: np.ndarray, topo: _Topology):
        a = topo.a
        self.x = s_kva                                    # (n, T) complex
        self.hours = hours                                # (T,)
        self.a_dense = a.toarray()                        # (n, nb)
        self.w = topo.r_ohm
        self.aw = self.a_dense * self.w[None, :]          # (n, nb)
        self.scale = 1e3 / (topo.v_ph * topo.v_ph)        # kVA²·Ω → kW
        self.phase = phase.copy()
        self.loads = np.zeros((a.shape[1], 3, s_kva.shape[1]), dtype=complex)
        for p in range(3):
            on = phase == p
            self.loads[:, p] = a[on].T @ s_kva[on]
        self.self_term = self.aw.sum(axis=1) * (np.abs(s_kva) ** 2 @ hours)

    def value(self) -> float:
        """J in kWh."""
        dev = self.loads - self.loads.mean(axis=1, keepdims=True)
        per_section = (np.abs(dev) ** 2).sum(axis=1) @ self.hours
        return float(self.scale * self.w @ per_section)

    def _weighted_cross(self) -> np.ndarray:
        """(n, 3) ``G[i, r] = Σ_b∋i w_b Σ_t Δt Re(conj(x_i) L_b,r)``."""
        xw = np.conj(self.x) * self.hours[None, :]
        nb, _, n_steps = self.loads.shape
        cross = (xw @ self.loads.reshape(nb * 3, n_steps).T).real.reshape(len(xw), nb, 3)
        return np.einsum("ib,ibp->ip", self.aw, cross)

    def deltas(self) -> np.ndarray:
        """(n, 3) change of J when single-phase consumer i moves to phase q (inf where not allowed).

        ``Σ_r |L_r|²`` changes by ``2 Re(x̄ (L_q − L_p)) + 2 |x|²`` on each
        section upstream of i (the three-phase total is unchanged, so this is
        also the change of the squared deviations).
        """
        g = self._weighted_cross()
        out = np.full((len(self.phase), 3), np.inf)
        idx = np.flatnonzero(self.phase < 3)
        own = g[idx, self.phase[idx]]
        out[idx] = 2.0 * (g[idx] - own[:, None]) + 2.0 * self.self_term[idx, None]
        out[idx, self.phase[idx]] = np.inf
        return self.scale * out

    def abc_deltas(self) -> np.ndarray:
        """(n,) change of J when single-phase consumer i becomes ``ABC`` (inf for ``ABC`` ones).

        Phase p loses ``2x/3``, the other two gain ``x/3``:
        ``ΔΣ|L_r|² = (2/3)·Σ_r G_r − 2·G_p + (2/3)·|x|²`` per section.
        """
        g = self._weighted_cross()
        out = np.full(len(self.phase), np.inf)
        idx = np.flatnonzero(self.phase < 3)
        own = g[idx, self.phase[idx]]
        out[idx] = (2.0 / 3.0) * g[idx].sum(axis=1) - 2.0 * own + (2.0 / 3.0) * self.self_term[idx]
        return self.scale * out

    def move(self, i: int, q: int) -> None:
        """Moves single-phase consumer i to phase q."""
        p = self.phase[i]
        sections = np.flatnonzero(self.a_dense[i])
        self.loads[sections, p] -= self.x[i]
        self.loads[sections, q] += self.x[i]
        self.phase[i] = q
