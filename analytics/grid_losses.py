"""Technical losses of every metered balance group from the grid model, where the network is known.

Each LV line and the transformer are assigned to the balance group whose
meter sees their losses (the group between whose meter and members they
lie), by topology alone; the engine (:mod:`grid_model.engine`) then solves the
hourly loads and sums each group's line losses per hour
(``solve_day(..., line_groups=...)``) without storing per-line series.

**Assignment rules.** The network is a tree rooted at the transformer's LV
busbar. For a line, ``D`` is the set of consumers downstream of it (on its
far side from the busbar).

1. The line belongs to the lowest (deepest) metered group whose subtree (its
   consumers and those of every group below it, at any depth) contains all
   of ``D``: that group's meter is upstream of the line and no meter of a
   group below it is — that group's members' meters are downstream of it.
2. Except when ``D`` is exactly that group's whole subtree: the line supplies
   the group, whose meter is taken to sit at the line's downstream end, so
   the line is between the meter of the group's nearest metered ancestor and
   that meter: it belongs to the ancestor. Without a metered ancestor the
   line is upstream of every meter and belongs to no group.
3. A line with no consumer downstream carries no current (the lines have no
   shunt elements) and is given to the transformer's group.
4. The transformer belongs to the lowest metered group whose subtree holds
   every consumer of the network (its meter is on the MV side); rule 2 is
   not applied.

On the generated district (``scenarios.generators.district``): the feeder
``L-B01`` goes to the street (``B01``'s meter is on the building's board,
the street meter sums the feeder heads at the substation), the link
``L-B01-E1`` to the building ``B01``, the risers ``L-B01-E1-Fnn`` to the
entrance ``B01-E1``, the transformer to the district.

Limits: metered groups one above the other with the same consumers (a
building with a single entrance) cannot be told apart by topology: every
line supplying exactly those consumers goes to the nearest metered ancestor
of the deepest of them, though physically some may lie between two meters
of the chain. Consumers connected directly to the busbar are below no line
and only count for the transformer's group.
Hourly loads are solved as constant over the hour (hourly kWh = average kW),
so the losses miss the part due to the load's variation inside the hour
(losses grow with the square of the current).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from analytics.hierarchy import BalanceUnit
from scenarios.errors import InputError
from scenarios.site import Network, Site

#: Step length of the hourly solve, minutes.
HOUR_MINUTES = 60.0


@dataclass
class GroupLosses:
    """Hourly grid losses of every metered group and how they were assigned.

    Attributes:
        kwh_by_group: Group id → (H,) losses in its lines (and the
            transformer for ``trafo_group``), kWh per hour.
        line_group: Line name → group id (``None``: upstream of every meter).
        trafo_group: Group of the transformer's losses (``None``: no metered
            group holds every consumer).
        grid: The engine's result of the hourly solve (``step_minutes`` 60).
    """

    kwh_by_group: dict[str, np.ndarray]
    line_group: dict[str, str | None]
    trafo_group: str | None
    grid: Any


def _downstream_masks(network: Network, site: Site) -> tuple[dict[str, int], int]:
    """Consumers (bit masks over ``site.consumers``) downstream of every line reached from the busbar(s).

    A network with several transformers is walked from every LV busbar.

    Returns:
        ``(line name → mask, mask of every consumer reached, busbars included)``.
    """
    adj: dict[str, list[tuple[str, str]]] = {}
    for line in network.lines:
        adj.setdefault(line.from_bus, []).append((line.name, line.to_bus))
        adj.setdefault(line.to_bus, []).append((line.name, line.from_bus))
    roots = [t.lv_bus for t in network.transformers]
    order, near_end, far_end = list(roots), {}, {}
    seen, queue = set(roots), deque(roots)
    while queue:
        bus = queue.popleft()
        for name, other in adj.get(bus, []):
            if far_end.get(name) == bus:
                continue  # the line this bus was reached by
            if other in seen:
                raise InputError(f"network: line {name} closes a loop; only radial LV networks can be assigned")
            seen.add(other)
            near_end[name], far_end[name] = bus, other
            order.append(other)
            queue.append(other)
    mask = dict.fromkeys(order, 0)
    for i, c in enumerate(site.consumers):
        if c.bus in mask:
            mask[c.bus] |= 1 << i
    line_to = {bus: name for name, bus in far_end.items()}
    for bus in reversed(order[len(roots):]):
        mask[near_end[line_to[bus]]] |= mask[bus]
    everyone = 0
    for root in roots:
        everyone |= mask[root]
    return {name: mask[bus] for name, bus in far_end.items()}, everyone


def downstream_consumers(site: Site, network: Network | None = None) -> dict[str, np.ndarray]:
    """Line name → indices (into ``site.consumers``) of the consumers downstream of it.

    Raises:
        InputError: A meshed network.
    """
    network = site.network if network is None else network
    masks, _ = _downstream_masks(network, site)
    n = len(site.consumers)

    def indices(d: int) -> np.ndarray:
        bits = np.unpackbits(np.frombuffer(d.to_bytes((n + 7) // 8 or 1, "little"), np.uint8), bitorder="little")
        return np.flatnonzero(bits[:n])

    return {name: indices(d) for name, d in masks.items()}


def assign_lines(site: Site, units: list[BalanceUnit], network: Network | None = None
                 ) -> tuple[dict[str, str | None], str | None]:
    """Assigns every LV line and the transformer to a metered group (module docstring).

    Args:
        site: The site (groups, consumers with their buses).
        units: Balance units (:func:`analytics.hierarchy.balance_units`);
            the groups of electricity units are the metered ones.
        network: The network; ``None``: ``site.network``.

    Returns:
        ``(line_group, trafo_group)``: line name → group id (``None`` for a
        line upstream of every meter; lines not connected to the busbar are
        left out), and the transformer's group.

    Raises:
        InputError: No network, or a meshed one.
    """
    network = site.network if network is None else network
    if network is None:
        raise InputError(f"site '{site.name}': has no network to assign losses on")
    parent = {g.group_id: g.parent_id for g in site.groups}
    metered = {u.group_id for u in units if u.kind == "electricity"}
    subtree = {g: 0 for g in parent}
    for i, c in enumerate(site.consumers):
        g = c.group_id
        while g is not None:
            subtree[g] |= 1 << i
            g = parent[g]

    def lowest(d: int) -> str | None:
        """Deepest metered group whose subtree contains the consumers ``d`` (non-empty)."""
        g = site.consumers[(d & -d).bit_length() - 1].group_id
        while g is not None and not (g in metered and d & ~subtree[g] == 0):
            g = parent[g]
        return g

    def metered_ancestor(g: str) -> str | None:
        g = parent[g]
        while g is not None and g not in metered:
            g = parent[g]
        return g

    masks, everyone = _downstream_masks(network, site)
    trafo_group = lowest(everyone) if everyone else None
    line_group: dict[str, str | None] = {}
    for name, d in masks.items():
        if d == 0:
            line_group[name] = trafo_group
            continue
        g = lowest(d)
        line_group[name] = metered_ancestor(g) if g is not None and subtree[g] == d else g
    return line_group, trafo_group


def line_groups(site: Site, units: list[BalanceUnit], network: Network | None = None,
                line_names: list[str] | None = None) -> tuple[sp.csr_matrix, list[str], str | None]:
    """The 0/1 line-to-group matrix of :func:`assign_lines` for the engine's ``line_groups``.

    Args:
        site: The site.
        units: Balance units.
        network: The network; ``None``: ``site.network``.
        line_names: Column order, normally ``engine.model.line_names``
            (names not in the network, e.g. the MV source impedance, get an
            empty column); ``None``: the network's lines in order.

    Returns:
        ``(matrix, group_ids, trafo_group)``: (n_groups, n_lines) CSR, rows
        in ``group_ids`` order (every electricity unit's group, as ``units``
        lists them), and the transformer's group.
    """
    network = site.network if network is None else network
    line_group, trafo_group = assign_lines(site, units, network)
    names = [ln.name for ln in network.lines] if line_names is None else list(line_names)
    matrix, group_ids = _matrix(line_group, units, names)
    return matrix, group_ids, trafo_group


def _matrix(line_group: dict[str, str | None], units: list[BalanceUnit], names: list[str]
            ) -> tuple[sp.csr_matrix, list[str]]:
    group_ids = [u.group_id for u in units if u.kind == "electricity"]
    row = {g: i for i, g in enumerate(group_ids)}
    cols = [j for j, n in enumerate(names) if line_group.get(n) is not None]
    rows = [row[line_group[names[j]]] for j in cols]
    return sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(group_ids), len(names))), group_ids


def group_losses(site: Site, units: list[BalanceUnit], p_kw: np.ndarray, q_kvar: np.ndarray,
                 grid_cfg: Any = None) -> GroupLosses:
    """Solves the hourly loads and returns every metered group's hourly grid losses.

    Args:
        site: The site, with a network (or ``grid_cfg.network`` naming one).
        units: Balance units.
        p_kw: (n_consumers, H) hourly active energy of ``site.consumers``,
            kWh per hour (= the hour's average kW).
        q_kvar: (n_consumers, H) hourly reactive energy, kvarh per hour.
        grid_cfg: A :class:`twin.config.GridConfig` or the ``grid`` config
            node; ``None``: the defaults.

    Returns:
        The losses, the assignment and the engine's result.

    Raises:
        InputError: Bad shapes or settings, no or a meshed network.
        ConvergenceError: An hour whose loads the network cannot carry.
    """
    from twin.config import GridConfig
    from twin.pipeline import build_engine, network_of

    cfg = GridConfig() if grid_cfg is None else grid_cfg
    network = network_of(cfg, site)
    _, engine = build_engine(cfg, site)
    line_group, trafo_group = assign_lines(site, units, network)
    matrix, group_ids = _matrix(line_group, units, list(engine.model.line_names))
    grid = engine.solve_day(p_kw, q_kvar, network_outputs=False, line_groups=matrix, step_minutes=HOUR_MINUTES)
    hours = HOUR_MINUTES / 60.0
    kwh = {g: grid.group_line_loss_kw[i] * hours for i, g in enumerate(group_ids)}
    if trafo_group is not None:
        kwh[trafo_group] = kwh[trafo_group] + grid.p_loss_trafo_kw_by_phase.sum(axis=0) * hours
    return GroupLosses(kwh_by_group=kwh, line_group=line_group, trafo_group=trafo_group, grid=grid)


def group_losses_kwh(site: Site, units: list[BalanceUnit], p_kw: np.ndarray, q_kvar: np.ndarray,
                     grid_cfg: Any = None) -> dict[str, np.ndarray]:
    """Group id → (H,) hourly grid losses, kWh (see :func:`group_losses`)."""
    return group_losses(site, units, p_kw, q_kvar, grid_cfg).kwh_by_group
