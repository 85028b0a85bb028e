"""Deterministic per-home random streams.

Every home gets its own ``numpy.random.default_rng`` stream per model component,
seeded with ``[seed, h1, h2, component]`` where ``h1, h2`` are two 32-bit words
of a BLAKE2 hash of the consumer id. A home's draws therefore depend only on
the fleet seed, its own id and the component, not on which other homes are in
the fleet or on the order the components are built in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from scenarios.errors import InputError

#: Component numbers (stable: changing one changes every result).
OCCUPANCY, LIGHTING, ELECTRONICS, COOKING, KETTLE, MICROWAVE = 1, 2, 3, 4, 5, 6
HOT_WATER, WASHING, DISHWASHER, ATTRIBUTES, EV, THERMAL_INIT = 7, 8, 9, 10, 11, 12
SMALL_APPLIANCES, SHARED = 13, 14


def _id_words(consumer_id: str) -> tuple[int, int]:
    digest = hashlib.blake2b(consumer_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


class HomeStreams:
    """Factory of per-home, per-component random generators.

    Args:
        consumer_ids: One id per home (duplicates share streams).
        seed: Fleet seed, a non-negative integer.
    """

    def __init__(self, consumer_ids: list[str], seed: int) -> None:
        if int(seed) < 0:
            raise InputError(f"households.seed: {seed} must be a non-negative integer")
        self.seed = int(seed)
        self._words = [_id_words(cid) for cid in consumer_ids]

    def __len__(self) -> int:
        return len(self._words)

    def rng(self, home: int, component: int) -> np.random.Generator:
        """Returns the generator of one home and component."""
        w1, w2 = self._words[home]
        return np.random.default_rng([self.seed, w1, w2, component])

    def rows(self, component: int, draw: Callable[[np.random.Generator], np.ndarray]) -> np.ndarray:
        """Stacks ``draw(rng)`` of every home into one array (home first)."""
        if not self._words:
            return np.zeros((0,))
        return np.stack([np.asarray(draw(self.rng(i, component))) for i in range(len(self._words))])
