"""Route margins: how strong a route each module *could* have, whatever the router picks.

The simulated mesh routes by least ETX, so it happily takes a direct link a
dB or two below the sensitivity (PRR 0.9, ETX 1.1) over two strong hops (ETX
2.0); adding concentrators does not change that choice, so the margin of the
chosen parent link is no planning criterion (an iteration on it need not
converge). The planner asks instead whether every module *has* a route of
links with enough margin: its **route margin** is the weakest link of its
best route within the hop limit (a widest-path search over the static link
budget of its subnet, the same path loss and shadowing the simulation
draws, without the time-varying fade the margin is there to absorb), over
the links the router may use (:func:`mesh_sim.topology.admissible_links`:
fade margin and a mean path loss that closes the link). Both directions of
a link count (data and ACK).
"""

from __future__ import annotations

import numpy as np

from mesh_sim.city import split_site
from mesh_sim.config import MeshConfig
from mesh_sim.linkstate import LinkState
from mesh_sim.topology import admissible_links


def widest_path_margins(margin_db: np.ndarray, is_root: np.ndarray, max_hops: int) -> np.ndarray:
    """Best bottleneck margin from each node to any root within ``max_hops`` hops.

    Args:
        margin_db: ``n x n`` link margins (row = transmitter); both directions
            of a link must hold, so ``min(m, m.T)`` is used.
        is_root: Which nodes are concentrators (their value is +inf).
        max_hops: Longest route.

    Returns:
        Per node, the largest over routes of the smallest link margin on the
        route; ``-inf`` when no route within ``max_hops`` exists.
    """
    m = np.minimum(margin_db, margin_db.T).astype(float)
    np.fill_diagonal(m, -np.inf)
    best = np.where(np.asarray(is_root, dtype=bool), np.inf, -np.inf)
    for _ in range(max_hops):
        cand = np.max(np.minimum(best[:, None], m), axis=0)
        new = np.maximum(best, cand)
        if np.array_equal(new, best):
            break
        best = new
    return best


def route_margins(site, mesh_cfg: MeshConfig, seed: int, max_hops: int) -> dict[str, float]:
    """Route margin (dB) of every module of ``site``, per subnet as :func:`mesh_sim.city.run_site` splits it.

    Args:
        site: A site with modules and concentrators.
        mesh_cfg: Radio settings (band, power, environment, shadowing).
        seed: The master seed of the simulation (subnet ``c`` uses ``seed + c``).
        max_hops: Longest route considered.
    """
    out: dict[str, float] = {}
    for spec in split_site(site, seed, mesh_cfg.radio):
        link = LinkState(spec.nodes, mesh_cfg.radio, spec.seed)
        usable = admissible_links(link.static_margin_db, link.mean_margin_db, mesh_cfg.topology)
        margin = np.where(usable, link.static_margin_db, -np.inf)
        best = widest_path_margins(margin, np.asarray(spec.is_concentrator), max_hops)
        for node_id, root, value in zip(spec.nodes.node_ids, spec.is_concentrator, best):
            if not root:
                out[node_id] = float(value)
    return out
