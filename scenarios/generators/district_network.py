"""Utility-style design of a district's substations and feeders (``DistrictConfig.design="utility"``).

Takes the laid-out buildings (boards ``B01``..., their entrance links and
risers) and replaces the legacy single busbar and fixed feeders with designed
substations and cables; the rules are in :mod:`scenarios.generators.design`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from scenarios.errors import InputError
from scenarios.generators import design
from scenarios.generators.equipment import LINECODES, distribution_transformer, parallel_code
from scenarios.site import Bus, LineCode, Line, Network, Source

if TYPE_CHECKING:
    from scenarios.generators.district import DistrictConfig

#: Extra cable at each end of a feeder (terminations, route bends), m.
FEEDER_SLACK_M = 3.0


def _busbar(k: int) -> str:
    return "LV" if k == 0 else f"LV{k + 1}"


def _split(boards: list[Bus], k: int) -> list[list[int]]:
    """Splits the buildings into ``k`` runs of neighbours along their streets (equal size ±1).

    Substations are shared out over the streets in proportion to their
    buildings (at least one per street), then each street is cut into runs.
    """
    streets: dict[float, list[int]] = {}
    for i, b in enumerate(boards):
        streets.setdefault(round(b.y_m, 3), []).append(i)
    rows = [sorted(v, key=lambda i: boards[i].x_m) for _, v in sorted(streets.items())]
    if k < len(rows):  # neighbouring streets share a substation
        return [[i for r in part for i in r] for part in np.array_split(np.array(rows, dtype=object), k)]
    share = np.array([len(r) for r in rows], dtype=float) / len(boards) * k
    per = np.maximum(np.floor(share).astype(int), 1)
    while per.sum() < k:
        per[int(np.argmax(share - per))] += 1
    per = np.minimum(per, [len(r) for r in rows])
    return [[r[i] for i in part] for r, n in zip(rows, per) for part in np.array_split(np.arange(len(r)), n)]


def _feeder_m(sub: tuple[float, float], board: Bus) -> float:
    return abs(board.x_m - sub[0]) + abs(board.y_m - sub[1]) + 2 * FEEDER_SLACK_M


def _plan(cfg: DistrictConfig, boards: list[Bus], flats: int) -> tuple[list[list[int]], list[tuple[float, float]]]:
    """Fewest substations meeting the flats, loading and feeder-length limits."""
    k = max(1, math.ceil(len(boards) * flats / cfg.flats_per_substation_max))
    while True:
        groups = _split(boards, k)
        subs = [(float(np.mean([boards[i].x_m for i in g])), float(np.mean([boards[i].y_m for i in g])) - 5.0)
                for g in groups]
        longest = max(_feeder_m(subs[j], boards[i]) for j, g in enumerate(groups) for i in g)
        fits = all(design.choose_rating(design.design_kw(len(g) * flats), cfg.loading_max) for g in groups)
        small = all(len(g) * flats <= cfg.flats_per_substation_max for g in groups)
        if (longest <= cfg.feeder_length_max_m and fits and small) or len(groups) == len(boards):
            if not fits:
                raise InputError(f"district: a building of {flats} flats needs more than the largest standard "
                                 f"transformer at loading_max={cfg.loading_max}; make the buildings smaller")
            return groups, subs
        k = len(groups) + 1


def _inside_drop_pct(cfg: DistrictConfig, codes: dict[str, LineCode], links: list[Line]) -> float:
    """Largest voltage drop from a building's board to the top of a riser (balanced design loads), %."""
    n_entrance = cfg.floors * cfg.flats_per_floor
    p_entrance = design.design_kw(n_entrance)
    riser_m = (cfg.floors - 1) * cfg.floor_height_m
    link_m = max((ln.length_m for ln in links), default=0.0)
    drop = design.drop_pct(p_entrance, link_m, cfg.link_linecode)
    # A riser carries the load of the floors above: a uniformly loaded line drops half its end-load value.
    return drop + design.drop_pct(p_entrance, riser_m / 2.0, cfg.riser_linecode)


def design_network(cfg: DistrictConfig, buses: list[Bus], lines: list[Line],
                   codes: dict[str, LineCode]) -> Network:
    """The designed network: substations, transformers and feeder cables.

    Args:
        cfg: The district's config.
        buses: Buses laid out by the generator (``LV`` at the origin first, then
            boards, risers).
        lines: Lines laid out by the generator (legacy feeders ``L-B01``...).
        codes: Line codes in use (updated with the chosen feeder types).
    """
    boards = [b for b in buses if b.name.startswith("B") and "-" not in b.name]
    flats = cfg.entrances * cfg.floors * cfg.flats_per_floor
    groups, subs = _plan(cfg, boards, flats)
    feeders = {f"L-{b.name}" for b in boards}
    inside = [ln for ln in lines if ln.name not in feeders]
    budget = cfg.voltage_drop_max_pct - _inside_drop_pct(cfg, codes, [ln for ln in inside if ln.from_bus in
                                                                       {b.name for b in boards}])
    if budget <= 0:
        raise InputError(f"district.voltage_drop_max_pct: {cfg.voltage_drop_max_pct} % is used up inside the "
                         f"buildings (links and risers); raise it or shorten the risers")
    new_buses = [Bus(_busbar(j), round(x, 3), round(y, 3)) for j, (x, y) in enumerate(subs)]
    new_buses += [b for b in buses if b.name != "LV"]
    feeder_lines: list[Line] = []
    transformers = []
    p_building = design.design_kw(flats)
    for j, g in enumerate(groups):
        sn = cfg.sn_kva or design.choose_rating(design.design_kw(len(g) * flats), cfg.loading_max)
        transformers.append(distribution_transformer(f"TR{j + 1}", _busbar(j), sn, vn_hv_kv=cfg.vn_hv_kv,
                                                     vector_group=cfg.vector_group))
        for i in g:
            board = boards[i]
            length = _feeder_m(subs[j], board)
            code, k = design.choose_cable(p_building, length, budget, cfg.double_cable)
            name = code if k == 1 else parallel_code(code, k).name
            if name not in codes:
                codes[name] = parallel_code(code, k) if k > 1 else LineCode(**vars(LINECODES[code]))
            feeder_lines.append(Line(f"L-{board.name}", _busbar(j), board.name, name, round(length, 3)))
    for name in list(codes):
        if name == cfg.feeder_linecode and not any(ln.linecode == name for ln in feeder_lines + inside):
            del codes[name]
    return Network(source=Source(vn_kv=cfg.vn_hv_kv), transformer=transformers[0], buses=new_buses,
                   linecodes=codes, lines=feeder_lines + inside, extra_transformers=transformers[1:])
