"""Range checks of generator configs, raising one-line :class:`InputError`."""

from __future__ import annotations

from typing import Any

from scenarios.errors import InputError


def at_least(cfg: Any, section: str, minimum: float, *names: str) -> None:
    """Raises InputError naming ``section.name`` when a field is below ``minimum``."""
    for name in names:
        value = getattr(cfg, name)
        if value < minimum:
            raise InputError(f"{section}.{name}: must be >= {minimum}, got {value}")


def positive(cfg: Any, section: str, *names: str) -> None:
    """Raises InputError naming ``section.name`` when a field is not > 0."""
    for name in names:
        value = getattr(cfg, name)
        if not value > 0:
            raise InputError(f"{section}.{name}: must be > 0, got {value}")


def share(cfg: Any, section: str, *names: str) -> None:
    """Raises InputError naming ``section.name`` when a field is outside 0..1."""
    for name in names:
        value = getattr(cfg, name)
        if not 0.0 <= value <= 1.0:
            raise InputError(f"{section}.{name}: must be within 0..1, got {value}")
