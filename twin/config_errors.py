"""Turns Hydra and OmegaConf composition errors into one readable line."""

from __future__ import annotations

import re

from hydra.errors import MissingConfigException, OverrideParseException
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException, ValidationError


def _public_options(options: list[str] | None) -> list[str]:
    """Options a user may pick: schema entries are internal."""
    return sorted(o for o in (options or []) if not o.endswith("_schema"))


def _allowed_keys(schema: type | None) -> list[str]:
    fields = getattr(schema, "__dataclass_fields__", None)
    return sorted(fields) if fields else []


def describe(exc: BaseException, schemas: dict[str, type] | None = None) -> str:
    """Returns one line naming the bad key or option and what is allowed.

    Args:
        exc: The exception raised while composing the config.
        schemas: Schema dataclass per config path prefix (``"site"`` →
            ``DistrictSiteConfig``), used to list allowed keys.
    """
    schemas = schemas or {}
    if isinstance(exc, MissingConfigException):
        m = re.search(r"Could not find '([^']+)'", str(exc))
        missing = m.group(1) if m else (exc.missing_cfg_file or "?")
        group, _, option = missing.rpartition("/")
        allowed = ", ".join(_public_options(list(exc.options or [])))
        if group:
            return f"{group}={option}: unknown option; allowed: {allowed}"
        return f"config '{missing}' not found"
    if isinstance(exc, OverrideParseException):
        return f"cannot parse override '{exc.override}': {exc.message.splitlines()[0]}"
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, OmegaConfBaseException):
        key = getattr(cause, "full_key", None) or ""
        msg = str(cause).splitlines()[0]
        if isinstance(cause, ConfigKeyError) or "not in" in msg:
            parent = key.rpartition(".")[0]
            allowed = ", ".join(_allowed_keys(schemas.get(parent)))
            hint = f"; allowed keys: {allowed}" if allowed else ""
            return f"{key}: unknown key{hint}"
        if isinstance(cause, ValidationError):
            return f"{key}: {msg}"
        return f"{key}: {msg}" if key else msg
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    text = " ".join(lines[:3]) if lines else type(exc).__name__
    m = re.search(r"Could not override '([^']+)'", text)
    if m:
        key = m.group(1)
        parent = key.rpartition(".")[0]
        allowed = ", ".join(_allowed_keys(schemas.get(parent)))
        hint = f"; allowed keys: {allowed}" if allowed else ""
        return f"{key}: unknown key{hint}"
    return text
