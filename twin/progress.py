"""Stage progress bar for tasks (tqdm on stderr, quiet when not a terminal)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from tqdm.auto import tqdm


@contextlib.contextmanager
def stages(names: list[str]) -> Iterator[Callable[[str], None]]:
    """Yields ``step(name)``, which advances a bar over the task's stages."""
    bar = tqdm(total=len(names), desc="balance-twin", unit="stage", file=sys.stderr,
               bar_format="{desc}: {n_fmt}/{total_fmt} [{elapsed}] {postfix}")
    started = [False]

    def step(name: str) -> None:
        if started[0]:
            bar.update(1)
        started[0] = True
        bar.set_postfix_str(name)

    try:
        yield step
        bar.update(1)
    finally:
        bar.close()
