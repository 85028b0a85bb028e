"""Sites built from feeders held elsewhere: SimBench codes, OpenDSS scripts, pandapower nets.

Each source maps its feeder onto the site model (:mod:`scenarios.site`) and
lists what it could not map in one line (:func:`report_unsupported`); the
formats side by side are in ``docs/site-format.md``.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def report_unsupported(where: str, items: list[str]) -> str:
    """Logs the elements a source did not import, in one line, and returns that line ("" if none)."""
    if not items:
        return ""
    line = f"{where}: not imported: {'; '.join(items)}"
    log.warning(line)
    return line
