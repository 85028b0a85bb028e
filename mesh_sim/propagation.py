"""Path loss between radio nodes, vectorised over node pairs.

Three regimes, chosen per pair from the nodes' building ids:

* same building: ITU-R P.1238 site-general indoor loss
  ``L = 20 log10 f + N log10 d + Lf(n) - 28`` with ``n`` floors between, or,
  with ``indoor_model="multiwall"``, the COST-231 multi-wall model (free space
  plus wall and floor losses);
* different buildings (or a node outside, building ``-1``): log-distance from a
  free-space reference at ``d0 = 1 m`` with the band's outdoor exponent, plus
  one heavy external wall for each end that is inside a building;
* every pair: log-normal shadowing, a fixed draw per unordered link for a
  ``(seed, epoch)``, independent of the order in which links are queried.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mesh_sim.bands import (COST231_FLOOR_B, COST231_FLOOR_LOSS_DB, WALL_LOSS_DB, Band,
                            Environment, WallType)

#: Speed of light, m/s.
SPEED_OF_LIGHT_M_S = 299_792_458.0
#: Reference distance of the log-distance models, m.
D0_M = 1.0


@dataclass(frozen=True)
class Nodes:
    """Positions of radio nodes as arrays.

    Attributes:
        node_ids: Stable ids; shadowing is keyed on them, not on array order.
        x_m: Easting, m.
        y_m: Northing, m.
        floor: Storey (int).
        building: Building index, ``-1`` for a node outside any building.
    """

    node_ids: tuple[str, ...]
    x_m: np.ndarray
    y_m: np.ndarray
    floor: np.ndarray
    building: np.ndarray

    @classmethod
    def from_positions(cls, node_ids: Sequence[str], positions: Sequence,
                       buildings: Sequence[int] | None = None) -> "Nodes":
        """Builds arrays from ``scenarios.site.Position`` records.

        Args:
            node_ids: One id per position.
            positions: Objects with ``x_m``, ``y_m`` and ``floor``.
            buildings: Building index per node; all in building 0 if omitted.
        """
        n = len(positions)
        if len(node_ids) != n:
            raise ValueError("node_ids and positions differ in length")
        b = np.zeros(n, dtype=np.int64) if buildings is None else np.asarray(buildings, np.int64)
        return cls(tuple(node_ids),
                   np.array([p.x_m for p in positions], dtype=float),
                   np.array([p.y_m for p in positions], dtype=float),
                   np.array([p.floor for p in positions], dtype=np.int64), b)

    def __len__(self) -> int:
        return len(self.node_ids)


@dataclass(frozen=True)
class PropagationConfig:
    """Settings of the path-loss model.

    Attributes:
        band: Radio band.
        environment: P.1238 building category for indoor links.
        indoor_model: ``"p1238"`` or ``"multiwall"`` (COST-231).
        floor_height_m: Storey height, for the vertical distance.
        room_width_m: Spacing of light internal walls (square grid).
        flat_width_m: Spacing of heavy walls between flats (multiple of rooms).
        shadowing: Whether to add log-normal shadowing.
        seed: Shadowing seed.
        epoch: Shadowing epoch; a new epoch re-draws every link.
    """

    band: Band
    environment: Environment = Environment.RESIDENTIAL
    indoor_model: str = "p1238"
    floor_height_m: float = 3.0
    room_width_m: float = 4.0
    flat_width_m: float = 12.0
    shadowing: bool = True
    seed: int = 0
    epoch: int = 0

    def __post_init__(self) -> None:
        if self.indoor_model not in ("p1238", "multiwall"):
            raise ValueError(f"indoor_model: {self.indoor_model!r} is not p1238 or multiwall")
        if self.floor_height_m <= 0 or self.room_width_m <= 0 or self.flat_width_m <= 0:
            raise ValueError("floor_height_m, room_width_m, flat_width_m must be positive")


def fspl_db(distance_m: np.ndarray | float, frequency_mhz: float) -> np.ndarray | float:
    """Free-space path loss ``20 log10(4 pi d f / c)``, dB."""
    d = np.asarray(distance_m, dtype=float)
    out = 20.0 * np.log10(4.0 * np.pi * d * frequency_mhz * 1e6 / SPEED_OF_LIGHT_M_S)
    return float(out) if out.ndim == 0 else out


def log_distance_loss_db(distance_m: np.ndarray | float, frequency_mhz: float,
                         exponent: float, d0_m: float = D0_M) -> np.ndarray | float:
    """Log-distance loss: free space to ``d0``, then ``10 n log10(d / d0)``.

    Distances below ``d0`` are clamped to ``d0``.
    """
    d = np.maximum(np.asarray(distance_m, dtype=float), d0_m)
    out = fspl_db(d0_m, frequency_mhz) + 10.0 * exponent * np.log10(d / d0_m)
    return float(out) if np.ndim(out) == 0 else out


def p1238_loss_db(distance_m: np.ndarray | float, frequency_mhz: float,
                  power_loss_coefficient: float,
                  floor_loss_db: np.ndarray | float = 0.0) -> np.ndarray | float:
    """ITU-R P.1238 site-general loss ``20 log10 f + N log10 d + Lf - 28``.

    Args:
        distance_m: Separation, m (clamped to at least 1 m).
        frequency_mhz: Frequency, MHz.
        power_loss_coefficient: ``N``.
        floor_loss_db: ``Lf(n)``, already evaluated for the floor count.
    """
    d = np.maximum(np.asarray(distance_m, dtype=float), 1.0)
    out = (20.0 * np.log10(frequency_mhz) + power_loss_coefficient * np.log10(d)
           + np.asarray(floor_loss_db, dtype=float) - 28.0)
    return float(out) if np.ndim(out) == 0 else out


def wall_counts(xa_m, ya_m, xb_m, yb_m, room_width_m: float,
                flat_width_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Counts walls on the straight path between points on one floor plan.

    The plan is a square grid: a light wall every ``room_width_m`` and a
    heavy wall every ``flat_width_m`` in x and in y. A grid line crossed by
    the segment is one wall; a heavy line is not also counted as light.

    Returns:
        ``(light, heavy)`` integer arrays.
    """
    def crossings(a, b, w):
        return np.abs(np.floor(np.asarray(a) / w) - np.floor(np.asarray(b) / w))

    heavy = crossings(xa_m, xb_m, flat_width_m) + crossings(ya_m, yb_m, flat_width_m)
    all_room = crossings(xa_m, xb_m, room_width_m) + crossings(ya_m, yb_m, room_width_m)
    light = np.maximum(all_room - heavy, 0)
    return light.astype(np.int64), heavy.astype(np.int64)


def multiwall_loss_db(distance_m, frequency_mhz: float, light_walls, heavy_walls,
                      floors) -> np.ndarray:
    """COST-231 multi-wall model: free space + walls + floors.

    ``L = FSPL + sum(k_w L_w) + k_f^((k_f + 2)/(k_f + 1) - b) L_f``.
    """
    kf = np.asarray(floors, dtype=float)
    floor_term = np.where(kf > 0, np.power(np.maximum(kf, 1.0),
                          (kf + 2.0) / (kf + 1.0) - COST231_FLOOR_B), 0.0)
    return (fspl_db(np.maximum(np.asarray(distance_m, float), D0_M), frequency_mhz)
            + np.asarray(light_walls) * WALL_LOSS_DB[WallType.LIGHT]
            + np.asarray(heavy_walls) * WALL_LOSS_DB[WallType.HEAVY]
            + floor_term * COST231_FLOOR_LOSS_DB)


def node_keys(node_ids: Sequence[str]) -> np.ndarray:
    """Stable 64-bit keys of node ids (two CRC-32s), independent of order."""
    return np.array([(zlib.crc32(s.encode()) << 32) | zlib.crc32(s[::-1].encode() + b"#")
                     for s in node_ids], dtype=np.uint64)


def _mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def link_normal(key_a: np.ndarray, key_b: np.ndarray, seed: int, epoch: int = 0) -> np.ndarray:
    """Standard-normal draw per unordered link, a pure function of its inputs.

    Symmetric in ``a`` and ``b`` and independent of query order, so the same
    link keeps its shadowing for a ``(seed, epoch)``.
    """
    lo = np.minimum(key_a, key_b).astype(np.uint64)
    hi = np.maximum(key_a, key_b).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = _mix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ _mix64(np.uint64(epoch) + np.uint64(1)))
        h = _mix64(h ^ lo)
        h1 = _mix64(h ^ hi)
        h2 = _mix64(h1)
    u1 = ((h1 >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53
    u2 = (h2 >> np.uint64(11)).astype(np.float64) / 2.0**53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def path_loss_pairs_db(nodes: Nodes, idx_a: np.ndarray, idx_b: np.ndarray,
                       config: PropagationConfig) -> np.ndarray:
    """Path loss for the node pairs ``(idx_a[k], idx_b[k])``, dB.

    Symmetric: swapping ``idx_a`` and ``idx_b`` gives the same values.
    """
    a = np.asarray(idx_a, dtype=np.int64)
    b = np.asarray(idx_b, dtype=np.int64)
    band = config.band
    coeff = band.indoor[config.environment]
    dz = (nodes.floor[a] - nodes.floor[b]) * config.floor_height_m
    d_m = np.sqrt((nodes.x_m[a] - nodes.x_m[b]) ** 2 + (nodes.y_m[a] - nodes.y_m[b]) ** 2 + dz ** 2)
    floors = np.abs(nodes.floor[a] - nodes.floor[b])
    same = (nodes.building[a] == nodes.building[b]) & (nodes.building[a] >= 0)

    if config.indoor_model == "p1238":
        indoor = p1238_loss_db(d_m, band.frequency_mhz, coeff.power_loss_coefficient,
                               coeff.floor_loss_db(floors))
    else:
        light, heavy = wall_counts(nodes.x_m[a], nodes.y_m[a], nodes.x_m[b], nodes.y_m[b],
                                   config.room_width_m, config.flat_width_m)
        indoor = multiwall_loss_db(d_m, band.frequency_mhz, light, heavy, floors)
    entries = (nodes.building[a] >= 0).astype(float) + (nodes.building[b] >= 0).astype(float)
    outdoor = (log_distance_loss_db(d_m, band.frequency_mhz, band.outdoor_exponent)
               + entries * WALL_LOSS_DB[WallType.HEAVY])
    loss = np.where(same, indoor, outdoor)
    if config.shadowing:
        keys = node_keys(nodes.node_ids)
        sigma = np.where(same, coeff.shadow_sigma_db, band.outdoor_shadow_sigma_db)
        loss = loss + sigma * link_normal(keys[a], keys[b], config.seed, config.epoch)
    return loss


def path_loss_matrix_db(nodes: Nodes, config: PropagationConfig) -> np.ndarray:
    """Full symmetric ``n x n`` path-loss matrix, dB, with ``inf`` on the diagonal."""
    n = len(nodes)
    ia, ib = np.triu_indices(n, k=1)
    upper = path_loss_pairs_db(nodes, ia, ib, config)
    out = np.full((n, n), np.inf)
    out[ia, ib] = upper
    out[ib, ia] = upper
    return out


def nodes_from_site(site) -> Nodes:
    """Nodes of a ``scenarios.site.Site``: its modules, then its concentrators.

    A module's building is the BUILDING-level ancestor of its first meter's
    balance group (``-1`` if none); a concentrator takes the building of the
    nearest module in plan, or ``-1`` when the site has no modules.
    """
    groups = {g.group_id: g for g in site.groups}
    meters = {m.meter_id: m for m in site.meters}
    building_index: dict[str, int] = {}

    def building_of(group_id: str | None) -> int:
        while group_id is not None and group_id in groups:
            g = groups[group_id]
            if g.level.value == "building":
                return building_index.setdefault(g.group_id, len(building_index))
            group_id = g.parent_id
        return -1

    mod_buildings = [building_of(meters[m.meter_ids[0]].group_id)
                     if m.meter_ids and m.meter_ids[0] in meters else -1 for m in site.modules]
    conc_buildings = []
    for c in site.concentrators:
        if not site.modules:
            conc_buildings.append(-1)
            continue
        d2 = [(m.position.x_m - c.position.x_m) ** 2 + (m.position.y_m - c.position.y_m) ** 2
              for m in site.modules]
        conc_buildings.append(mod_buildings[int(np.argmin(d2))])
    ids = [m.module_id for m in site.modules] + [c.concentrator_id for c in site.concentrators]
    positions = [m.position for m in site.modules] + [c.position for c in site.concentrators]
    return Nodes.from_positions(ids, positions, mod_buildings + conc_buildings)
