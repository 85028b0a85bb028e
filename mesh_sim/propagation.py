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

With ``building_type`` other than ``"p1238"`` the indoor and outdoor terms come
from the building-type presets of :mod:`mesh_sim.building_types` (per building:
floors, heavy walls, building entry, basements; see :func:`typed_loss_db`), and
with ``shadow_decorrelation_m > 0`` the shadowing is spatially correlated
(:func:`correlated_link_normal`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mesh_sim.bands import (COST231_FLOOR_B, COST231_FLOOR_LOSS_DB, WALL_LOSS_DB, Band,
                            Environment, WallType)
from mesh_sim.building_types import (BUILDING_TYPE_MODES, BUILDING_TYPES, CASES, cost231_floor_loss_db,
                                     parameter_table)

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
        building_type: Building-type preset name per node (``""`` outside a
            building); ``None`` when unknown (the config's default applies).
    """

    node_ids: tuple[str, ...]
    x_m: np.ndarray
    y_m: np.ndarray
    floor: np.ndarray
    building: np.ndarray
    building_type: tuple[str, ...] | None = None

    def subset(self, idx) -> "Nodes":
        """The nodes at positions ``idx``, in that order."""
        idx = np.asarray(idx, dtype=np.int64)
        types = None if self.building_type is None else tuple(self.building_type[i] for i in idx)
        return Nodes(tuple(self.node_ids[i] for i in idx), self.x_m[idx], self.y_m[idx],
                     self.floor[idx], self.building[idx], types)

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
        building_type: ``"p1238"`` (the ITU-R P.1238 / COST-231 model of
            ``environment`` and ``indoor_model``), ``"site"`` (each node's
            ``Nodes.building_type``, ``default_building_type`` where unknown) or
            a preset name forced on every building.
        case: ``optimistic``, ``nominal`` or ``harsh`` preset figures.
        default_building_type: Preset of buildings whose type is unknown.
        shadow_decorrelation_m: Decorrelation distance of the shadowing
            (exponential, Gudmundson); 0 draws every link independently.
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
    building_type: str = "p1238"
    case: str = "nominal"
    default_building_type: str = "panel_concrete"
    shadow_decorrelation_m: float = 0.0

    def __post_init__(self) -> None:
        if self.indoor_model not in ("p1238", "multiwall"):
            raise ValueError(f"indoor_model: {self.indoor_model!r} is not p1238 or multiwall")
        if self.building_type not in BUILDING_TYPE_MODES + BUILDING_TYPES:
            raise ValueError(f"building_type: {self.building_type!r} is not one of "
                             f"{', '.join(BUILDING_TYPE_MODES + BUILDING_TYPES)}")
        if self.default_building_type not in BUILDING_TYPES:
            raise ValueError(f"default_building_type: {self.default_building_type!r} is not one of "
                             f"{', '.join(BUILDING_TYPES)}")
        if self.case not in CASES:
            raise ValueError(f"case: {self.case!r} is not one of {', '.join(CASES)}")
        if self.shadow_decorrelation_m < 0:
            raise ValueError("shadow_decorrelation_m: must be >= 0")
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


#: Random Fourier features of the correlated shadowing field.
SHADOW_FEATURES = 256


def shadow_field(x_m, y_m, z_m, seed: int, epoch: int, decorrelation_m: float,
                 features: int = SHADOW_FEATURES) -> np.ndarray:
    """A standard-normal field over 3-D positions with correlation ``exp(-r / decorrelation_m)``.

    Random Fourier features of the exponential covariance (Gudmundson's model):
    frequencies from its spectral density, a 3-D Student-t with one degree of
    freedom scaled by ``1 / decorrelation_m``, uniform phases; the value at a
    point is ``sqrt(2 / K) sum cos(w . p + phi)``. A pure function of position,
    seed and epoch, so independent of node ids and order.
    """
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(epoch) & 0xFFFFFFFF, 0x5AD0])
    z = rng.standard_normal((features, 3))
    w = z / (decorrelation_m * np.abs(rng.standard_normal((features, 1))) + 1e-300)
    phase = rng.uniform(0.0, 2.0 * np.pi, features)
    pos = np.column_stack([np.asarray(x_m, float), np.asarray(y_m, float), np.asarray(z_m, float)])
    return np.sqrt(2.0 / features) * np.cos(pos @ w.T + phase).sum(axis=1)


def correlated_link_normal(nodes: "Nodes", a: np.ndarray, b: np.ndarray, seed: int, epoch: int,
                           decorrelation_m: float, floor_height_m: float) -> np.ndarray:
    """Standard-normal shadowing per link from a spatially correlated field.

    ``z_ab = (g(a) + g(b)) / sqrt(2 + 2 exp(-d_ab / d_c))`` with ``g`` the field
    of :func:`shadow_field` at the two ends: unit variance, symmetric, and links
    whose ends are close to each other's ends share their shadowing (a node in a
    bad spot is bad for all its links), so there are no isolated lucky links.
    """
    zpos = nodes.floor * floor_height_m
    g = shadow_field(nodes.x_m, nodes.y_m, zpos, seed, epoch, decorrelation_m)
    d = np.sqrt((nodes.x_m[a] - nodes.x_m[b]) ** 2 + (nodes.y_m[a] - nodes.y_m[b]) ** 2
                + (zpos[a] - zpos[b]) ** 2)
    return (g[a] + g[b]) / np.sqrt(2.0 + 2.0 * np.exp(-d / decorrelation_m))


def node_type_names(nodes: "Nodes", config: "PropagationConfig") -> list[str]:
    """The preset name per node (``""`` outside a building) under ``config.building_type``."""
    inside = nodes.building >= 0
    if config.building_type in BUILDING_TYPES:
        return [config.building_type if i else "" for i in inside]
    given = nodes.building_type or ("",) * len(nodes)
    return [(t or config.default_building_type) if i else "" for t, i in zip(given, inside)]


def typed_loss_db(nodes: "Nodes", a: np.ndarray, b: np.ndarray, config: "PropagationConfig",
                  d_m: np.ndarray, same: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean path loss with building-type presets, and the shadowing sigma per pair.

    * Outdoor part (different buildings, or a node outside): log-distance with
      the band's outdoor exponent, plus each end's building-entry loss and, for
      an end below ground, its underground loss.
    * Same building: ``FSPL(1 m) + 10 n log10 d + Lf(k) + heavy walls``, plus
      the underground loss when exactly one end is below ground; or the path
      out of the building and back in (the outdoor formula with both entries)
      when that is shorter: the signal takes the weaker-loss way.

    Returns:
        ``(loss_db, sigma_db)`` per pair.
    """
    band = config.band
    p = parameter_table(node_type_names(nodes, config), config.case)
    inside_a, inside_b = nodes.building[a] >= 0, nodes.building[b] >= 0
    below_a, below_b = nodes.floor[a] < 0, nodes.floor[b] < 0
    under_a = np.where(below_a, p["underground_loss_db"][a], 0.0)
    under_b = np.where(below_b, p["underground_loss_db"][b], 0.0)
    outdoor = (log_distance_loss_db(d_m, band.frequency_mhz, band.outdoor_exponent)
               + np.where(inside_a, p["entry_loss_db"][a], 0.0)
               + np.where(inside_b, p["entry_loss_db"][b], 0.0) + under_a + under_b)
    floors = np.abs(nodes.floor[a] - nodes.floor[b])
    spacing = p["wall_spacing_m"][a]
    safe = np.where(spacing > 0, spacing, 1.0)
    walls = np.where(spacing > 0,
                     np.abs(np.floor(nodes.x_m[a] / safe) - np.floor(nodes.x_m[b] / safe))
                     + np.abs(np.floor(nodes.y_m[a] / safe) - np.floor(nodes.y_m[b] / safe)), 0.0)
    one_below = below_a != below_b
    indoor = (fspl_db(D0_M, band.frequency_mhz)
              + 10.0 * p["exponent"][a] * np.log10(np.maximum(d_m, D0_M) / D0_M)
              + cost231_floor_loss_db(floors, p["floor_loss_first_db"][a], p["floor_b"][a])
              + walls * p["wall_loss_db"][a]
              + np.where(one_below, np.maximum(under_a, under_b), 0.0))
    loss = np.where(same, np.minimum(indoor, outdoor), outdoor)
    sigma = np.where(same, p["shadow_sigma_db"][a], band.outdoor_shadow_sigma_db)
    return loss, sigma


def path_loss_pairs_db(nodes: Nodes, idx_a: np.ndarray, idx_b: np.ndarray,
                       config: PropagationConfig, with_shadowing: bool | None = None) -> np.ndarray:
    """Path loss for the node pairs ``(idx_a[k], idx_b[k])``, dB.

    Symmetric: swapping ``idx_a`` and ``idx_b`` gives the same values.

    Args:
        nodes: Node positions.
        idx_a: First node of each pair.
        idx_b: Second node of each pair.
        config: Model settings.
        with_shadowing: Overrides ``config.shadowing`` (False: the mean loss).
    """
    a = np.asarray(idx_a, dtype=np.int64)
    b = np.asarray(idx_b, dtype=np.int64)
    band = config.band
    dz = (nodes.floor[a] - nodes.floor[b]) * config.floor_height_m
    d_m = np.sqrt((nodes.x_m[a] - nodes.x_m[b]) ** 2 + (nodes.y_m[a] - nodes.y_m[b]) ** 2 + dz ** 2)
    same = (nodes.building[a] == nodes.building[b]) & (nodes.building[a] >= 0)

    if config.building_type != "p1238":
        loss, sigma = typed_loss_db(nodes, a, b, config, d_m, same)
    else:
        coeff = band.indoor[config.environment]
        floors = np.abs(nodes.floor[a] - nodes.floor[b])
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
        sigma = np.where(same, coeff.shadow_sigma_db, band.outdoor_shadow_sigma_db)
    if config.shadowing if with_shadowing is None else with_shadowing:
        if config.shadow_decorrelation_m > 0:
            z = correlated_link_normal(nodes, a, b, config.seed, config.epoch,
                                       config.shadow_decorrelation_m, config.floor_height_m)
        else:
            keys = node_keys(nodes.node_ids)
            z = link_normal(keys[a], keys[b], config.seed, config.epoch)
        loss = loss + sigma * z
    return loss


def path_loss_matrix_db(nodes: Nodes, config: PropagationConfig,
                        with_shadowing: bool | None = None) -> np.ndarray:
    """Full symmetric ``n x n`` path-loss matrix, dB, with ``inf`` on the diagonal."""
    n = len(nodes)
    ia, ib = np.triu_indices(n, k=1)
    upper = path_loss_pairs_db(nodes, ia, ib, config, with_shadowing)
    out = np.full((n, n), np.inf)
    out[ia, ib] = upper
    out[ib, ia] = upper
    return out


#: A concentrator is inside the building of the nearest module when that module is this close in plan, m.
CONCENTRATOR_SNAP_M = 15.0


def nodes_from_site(site, block_type: str = "panel_concrete", house_type: str = "brick") -> Nodes:
    """Nodes of a ``scenarios.site.Site``: its modules, then its concentrators.

    A module's building is the BUILDING-level ancestor of its first meter's
    balance group; failing that, a house consumer owning that meter is a
    building of its own; else ``-1`` (outside). Building types come from the
    group's (or house's) ``building_type``, else ``house_type`` for houses
    (``house`` consumers, with or without a BUILDING group) and ``block_type``
    for other buildings. A concentrator takes the building of the
    nearest module in plan if that module is within ``CONCENTRATOR_SNAP_M``,
    else it is outside (``-1``).
    """
    groups = {g.group_id: g for g in site.groups}
    meters = {m.meter_id: m for m in site.meters}
    consumers = {c.consumer_id: c for c in site.consumers}
    building_index: dict[str, int] = {}
    building_types: dict[int, str] = {}

    def index_of(key: str, btype: str) -> int:
        if key not in building_index:
            building_index[key] = len(building_index)
            building_types[building_index[key]] = btype
        return building_index[key]

    def building_of(meter) -> int:
        group_id = meter.group_id
        c = consumers.get(meter.consumer_id) if meter.consumer_id else None
        house = c is not None and c.kind == "house"
        while group_id is not None and group_id in groups:
            g = groups[group_id]
            if g.level.value == "building":
                default = (c.building_type or house_type) if house else block_type
                return index_of("G:" + g.group_id, g.building_type or default)
            group_id = g.parent_id
        if house:
            return index_of("C:" + c.consumer_id, c.building_type or house_type)
        return -1

    mod_buildings = [building_of(meters[m.meter_ids[0]])
                     if m.meter_ids and m.meter_ids[0] in meters else -1 for m in site.modules]
    conc_buildings = []
    for c in site.concentrators:
        if not site.modules:
            conc_buildings.append(-1)
            continue
        d2 = [(m.position.x_m - c.position.x_m) ** 2 + (m.position.y_m - c.position.y_m) ** 2
              for m in site.modules]
        k = int(np.argmin(d2))
        conc_buildings.append(mod_buildings[k] if d2[k] <= CONCENTRATOR_SNAP_M ** 2 else -1)
    ids = [m.module_id for m in site.modules] + [c.concentrator_id for c in site.concentrators]
    positions = [m.position for m in site.modules] + [c.position for c in site.concentrators]
    blds = mod_buildings + conc_buildings
    types = tuple(building_types.get(b, "") for b in blds)
    nodes = Nodes.from_positions(ids, positions, blds)
    return Nodes(nodes.node_ids, nodes.x_m, nodes.y_m, nodes.floor, nodes.building, types)
