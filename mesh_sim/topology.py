"""Mesh formation: ETX routing trees towards the J100UC concentrators.

The result is the fixed point of the DMesh routing rule: every alive concentrator
advertises cost 0 and hop 0; a module takes as parent the neighbour minimising
``neighbour's path ETX + link ETX`` among neighbours with fewer than ``max_hops``
hops (ties: lowest index), and has the parent's hops plus one. J100UC capacity is
enforced by admission rounds. Rules: ``docs/mesh-model.md``, "Mesh formation".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mesh_sim.config import MAX_HOPS_LIMIT, TopologyConfig


@dataclass(frozen=True, eq=False)
class Routes:
    """A routing forest, one tree per alive concentrator (arrays are read-only).

    Attributes:
        parent: Next hop of each node; -1 for concentrators and unrouted nodes.
        hops: Hops to the concentrator; 0 at an alive concentrator, -1 unrouted.
        path_etx: Expected transmissions to the concentrator (sum of link ETX);
            0 at an alive concentrator, inf unrouted.
        root: Concentrator each node reports to (itself for a concentrator); -1 unrouted.
        left_out: Modules that can reach a concentrator within the hop limit but
            that no concentrator admitted (capacity), ascending.
        unreachable: Alive modules with no route within the hop limit, ascending.
        best_margin_db: Best ``margin_db`` from the node to any other alive node
            (NaN when no margins were given).
    """

    parent: np.ndarray
    hops: np.ndarray
    path_etx: np.ndarray
    root: np.ndarray
    left_out: tuple[int, ...]
    unreachable: tuple[int, ...]
    best_margin_db: np.ndarray

    def children(self, i: int) -> np.ndarray:
        """Indices of the nodes whose parent is ``i``, ascending."""
        return np.flatnonzero(self.parent == i)

    def members(self, concentrator: int) -> np.ndarray:
        """Modules reporting to ``concentrator`` (the concentrator excluded)."""
        return np.flatnonzero((self.root == concentrator) & (self.parent >= 0))

    def path(self, i: int) -> list[int]:
        """``[i, parent, ..., concentrator]``; ``[]`` if ``i`` is unrouted."""
        out = [int(i)] if self.hops[i] >= 0 else []
        while out and self.parent[out[-1]] >= 0:
            out.append(int(self.parent[out[-1]]))
        return out


def link_etx(prr: np.ndarray, min_link_prr: float, resolution: float = 0.0) -> np.ndarray:
    """ETX of every link for data ``i -> j`` acknowledged ``j -> i``.

    Args:
        prr: ``n x n`` packet reception ratio, row = transmitter (``1 - per``).
        min_link_prr: Links with a lower PRR in either direction are unusable.
        resolution: ETX is rounded up to a multiple of this (0: exact), so that
            links whose PRR differs only by noise tie and ties keep the
            lowest-index parent instead of flapping with every fading epoch.

    Returns:
        ``1 / (prr[i, j] * prr[j, i])``; inf on the diagonal and on unusable links.
    """
    prr = np.asarray(prr, dtype=float)
    both = prr * prr.T
    ok = (prr >= min_link_prr) & (prr.T >= min_link_prr) & (both > 0)
    np.fill_diagonal(ok, False)
    etx = np.where(ok, 1.0 / np.where(ok, both, 1.0), np.inf)
    if resolution > 0:
        etx = np.where(ok, np.ceil(etx / resolution - 1e-9) * resolution, np.inf)
    return etx


def admissible_links(static_margin_db: np.ndarray, mean_margin_db: np.ndarray,
                     cfg: TopologyConfig) -> np.ndarray:
    """Links routing may use: enough fade margin, and a mean path loss that closes them.

    A link qualifies if, in both directions, its static margin (with shadowing,
    without the slow fade) is at least ``cfg.fade_margin_db`` and its mean
    margin (no shadowing) at least ``cfg.mean_margin_min_db``; a ``None``
    setting is not checked.

    Returns:
        ``n x n`` bool, symmetric, False on the diagonal.
    """
    ok = np.ones(np.shape(static_margin_db), dtype=bool)
    if cfg.fade_margin_db is not None:
        ok &= np.asarray(static_margin_db) >= cfg.fade_margin_db
    if cfg.mean_margin_min_db is not None:
        ok &= np.asarray(mean_margin_db) >= cfg.mean_margin_min_db
    ok &= ok.T
    np.fill_diagonal(ok, False)
    return ok


class _Forest:
    """Mutable routing state: labels of every node, roots as positions in ``conc``."""

    def __init__(self, etx: np.ndarray, conc: np.ndarray, forb: np.ndarray, max_hops: int):
        n = etx.shape[0]
        self.etx, self.conc, self.forb, self.H = etx, conc, forb, max_hops
        self.parent, self.hops, self.rp = np.full(n, -1), np.full(n, -1), np.full(n, -1)
        self.cost = np.full(n, np.inf)
        self.hops[conc], self.cost[conc], self.rp[conc] = 0, 0.0, np.arange(len(conc))

    def grow(self) -> None:
        """Dijkstra with a hop check, from the current (settled) routed nodes.

        Nodes settle in ascending cost (lowest index first on ties); a settled node
        relaxes its neighbours only if its hops are below ``H`` and only those
        its concentrator has not refused.
        """
        etx, H, forb, any_forb = self.etx, self.H, self.forb, bool(self.forb.any())
        settled = self.hops >= 0
        S = np.flatnonzero(settled & (self.hops < H))
        if not S.size:
            return
        cand = etx[:, S] + self.cost[S]
        if any_forb:
            cand[forb[self.rp[S]].T] = np.inf
        k = np.argmin(cand, axis=1)
        tent, tpar = cand[np.arange(len(etx)), k], S[k]
        pick = np.where(settled, np.inf, tent)      # argmin target, settled = inf
        cmp = np.where(settled, -np.inf, tent)      # relax target, settled never improves
        while True:
            u = int(np.argmin(pick))
            c = pick[u]
            if c == np.inf:
                return
            p = int(tpar[u])
            self.parent[u], self.cost[u] = p, c
            self.hops[u], self.rp[u] = self.hops[p] + 1, self.rp[p]
            pick[u], cmp[u] = np.inf, -np.inf
            if self.hops[u] >= H:
                continue
            new = c + etx[:, u]
            better = (new < cmp) | ((new == cmp) & (tpar > u))
            if any_forb:
                better &= ~forb[self.rp[u]]
            pick[better] = cmp[better] = new[better]
            tpar[better] = u

    def relabel(self) -> None:
        """Recomputes hops, cost and root from the parent pointers."""
        mod = np.flatnonzero(self.parent >= 0)
        self.hops[mod], self.cost[mod], self.rp[mod] = -1, np.inf, -1
        while mod.size:
            p = self.parent[mod]
            ready = self.hops[p] >= 0
            if not ready.any():                      # cannot happen for a forest
                raise RuntimeError("routing state is not a forest")
            idx, p = mod[ready], p[ready]
            self.hops[idx] = self.hops[p] + 1
            self.cost[idx] = self.cost[p] + self.etx[idx, p]
            self.rp[idx] = self.rp[p]
            mod = mod[~ready]

    def stranded(self, modules: np.ndarray) -> bool:
        """True if an unrouted module has a link to a routed node at the hop limit."""
        out = np.flatnonzero(modules & (self.hops < 0))
        full = np.flatnonzero(self.hops == self.H)
        return bool(out.size and full.size and np.isfinite(self.etx[np.ix_(out, full)]).any())

    def repair(self, modules: np.ndarray) -> bool:
        """Routes one unrouted module over a path of at most ``H`` hops, if one exists.

        Hop-layered Bellman-Ford from each concentrator, where a routed node may
        sit at layer ``j`` only if ``j <= hops`` (re-parenting it can only shorten
        its subtree) and may change concentrator only if nothing in its subtree
        was refused by the new one. The cheapest such path (lowest module, then
        concentrator index on ties) is adopted: its nodes are re-parented along
        it, which keeps a tree, and no hop count grows.

        Returns:
            Whether a module was routed.
        """
        H, n = self.H, len(self.etx)
        routed = self.hops >= 0
        sub = self.forb.T.copy()                     # (n, nc): refused in the subtree
        for h in range(H, 0, -1) if sub.any() else ():
            idx = np.flatnonzero(self.hops == h)
            np.logical_or.at(sub, self.parent[idx], sub[idx])
        best = (np.inf, n, -1, None)
        for k, c in enumerate(self.conc):
            ok = modules & ~self.forb[k] & (~routed | (self.rp == k) | ~sub[:, k])
            lim = np.where(ok, np.where(routed, self.hops, H), -1)
            D = np.where(np.arange(n) == c, 0.0, np.inf)
            pred = np.full((H + 1, n), -1)
            changed = np.array([c])
            for j in range(1, H + 1):
                cand = self.etx[:, changed] + D[changed]
                val = cand.min(axis=1)
                imp = np.flatnonzero((val < D) & (lim >= j))
                if not imp.size:
                    break
                D[imp], pred[j, imp] = val[imp], changed[cand[imp].argmin(axis=1)]
                changed = imp
            target = np.flatnonzero(modules & ~routed & np.isfinite(D))
            if target.size:
                s = int(target[np.argmin(D[target])])
                if (D[s], s) < best[:2]:
                    best = (D[s], s, k, pred)
        if best[2] < 0:
            return False
        _, v, _, pred = best
        pred, j = pred.T.tolist(), H                 # pred[v][j]: relay of v at layer j
        while True:
            while j > 0 and pred[v][j] < 0:          # last improvement of v at layer <= j
                j -= 1
            if j == 0:
                break
            self.parent[v] = pred[v][j]
            v, j = pred[v][j], j - 1
        self.relabel()
        return True


def _admit(f: _Forest, k: int, meters: np.ndarray, cfg: TopologyConfig) -> np.ndarray:
    """Modules concentrator ``k`` refuses; admission by ascending (path ETX, index).

    A module is admitted if its parent is admitted (or is the concentrator) and it
    fits both limits (first fit: a later, smaller module may fill the remaining
    meters). One that does not fit is refused; one that fits but whose parent was
    not admitted is neither and re-routes in the next round.
    """
    cap_mod, cap_met = cfg.modules_per_concentrator_max, cfg.meters_per_concentrator_max
    mem = np.flatnonzero((f.rp == k) & (f.parent >= 0))
    if len(mem) <= cap_mod and meters[mem].sum() <= cap_met:
        return mem[:0]
    admitted, refused, n_mod, n_met = {int(f.conc[k])}, [], 0, 0
    for i in mem[np.lexsort((mem, f.cost[mem]))].tolist():
        if n_mod >= cap_mod or n_met + meters[i] > cap_met:
            refused.append(i)
        elif int(f.parent[i]) in admitted:
            admitted.add(i)
            n_mod, n_met = n_mod + 1, n_met + meters[i]
    return np.asarray(refused, dtype=int)


def build_routes(etx: np.ndarray, is_concentrator: np.ndarray, meters: np.ndarray,
                 alive: np.ndarray, cfg: TopologyConfig, margin_db: np.ndarray | None = None,
                 banned: np.ndarray | None = None) -> Routes:
    """Forms the mesh: a tree of least-ETX routes per concentrator, within limits.

    Routing is a Dijkstra from all alive concentrators at once in which a node at
    ``max_hops`` does not relay. Every node gets the lowest-index parent among the
    neighbours minimising ``path_etx + link ETX`` with fewer than ``max_hops``
    hops, i.e. the fixed point of the distributed rule. A parent always settles
    before its child with a strictly lower cost (ETX > 0), so parents form a
    forest without cycles, and ``hops = hops[parent] + 1 <= max_hops``. If no
    route reaches ``max_hops`` (the limit does not bind) the result is the exact
    shortest-path forest. If the limit binds, a module can be stranded behind
    nodes at ``max_hops`` although a shorter path exists; :meth:`_Forest.repair`
    then re-parents the cheapest path of at most ``max_hops`` hops that shortens
    no one's route budget, so every module whose fewest-hop route has at most
    ``max_hops`` hops gets a route (before capacity refusals).

    Capacity: each concentrator admits modules by ascending path ETX (see
    :func:`_admit`). A refused module may no longer join that concentrator,
    directly or through relays, so it cannot relay for it either, but it may
    join (and relay for) another. Routing and admission repeat until no new
    refusal; reachable modules left without a route are ``left_out``.

    Args:
        etx: ``n x n`` link ETX, row = child transmitting, column = candidate parent.
        is_concentrator: Bool per node.
        meters: Meters per node (concentrators are ignored).
        alive: Bool per node; dead nodes neither route nor relay.
        cfg: Hop limit and concentrator capacity.
        margin_db: Optional ``n x n`` link margins for ``best_margin_db``.
        banned: Optional ``n x n`` bool, links a node has given up on (row = child).

    Raises:
        ValueError: Mismatched shapes, NaN or non-positive ETX, max_hops not in 1..30.
    """
    E = np.array(etx, dtype=float)
    n = len(alive)
    is_conc = np.asarray(is_concentrator, dtype=bool)
    alive = np.asarray(alive, dtype=bool)
    meters = np.asarray(meters, dtype=int)
    if E.shape != (n, n) or is_conc.shape != (n,) or alive.shape != (n,) or meters.shape != (n,):
        raise ValueError(f"etx must be n x n and per-node arrays length n, got {E.shape}, "
                         f"{is_conc.shape}, {alive.shape}, {meters.shape}")
    if not 1 <= cfg.max_hops <= MAX_HOPS_LIMIT:
        raise ValueError(f"max_hops: must be in 1..{MAX_HOPS_LIMIT}, got {cfg.max_hops}")
    np.fill_diagonal(E, np.inf)
    if np.isnan(E).any() or (E <= 0).any():
        raise ValueError("etx: must be positive, no NaN")
    if banned is not None:
        E[np.asarray(banned, dtype=bool)] = np.inf
    E[~alive | is_conc] = np.inf      # no parent: so dead nodes are never settled nor relay
    conc = np.flatnonzero(is_conc & alive)
    modules = alive & ~is_conc
    forb = np.zeros((len(conc), n), dtype=bool)
    while True:
        f = _Forest(E, conc, forb, cfg.max_hops)
        f.grow()
        while f.stranded(modules) and f.repair(modules):
            f.grow()
        if not forb.any():                           # first round: capacity ignored
            reach = f.hops >= 0
        refused = np.zeros_like(forb)
        for k in range(len(conc)):
            refused[k, _admit(f, k, meters, cfg)] = True
        if not refused.any():
            break
        if (refused & forb).any():                   # termination relies on this
            raise RuntimeError("a concentrator refused a module twice")
        forb |= refused
    best = np.full(n, np.nan)
    if margin_db is not None and n:
        usable = alive[None, :] & ~np.eye(n, dtype=bool)
        best = np.where(usable, np.asarray(margin_db, dtype=float), -np.inf).max(axis=1)
    root = np.where(f.rp >= 0, conc[np.maximum(f.rp, 0)] if conc.size else -1, -1)
    for a in (f.parent, f.hops, f.cost, root, best):
        a.setflags(write=False)
    return Routes(f.parent, f.hops, f.cost, root,
                  tuple(np.flatnonzero(modules & reach & (f.hops < 0)).tolist()),
                  tuple(np.flatnonzero(modules & ~reach).tolist()), best)
