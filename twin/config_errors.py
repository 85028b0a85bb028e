"""Turns Hydra and OmegaConf composition errors into one readable line, and finds
keys that no schema knows (``+mesh.dayz=7``) with a suggestion for each."""

from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from typing import Any

from hydra.errors import MissingConfigException, OverrideParseException
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException, ValidationError


def _public_options(options: list[str] | None) -> list[str]:
    """Options a user may pick: schema entries are internal."""
    return sorted(o for o in (options or []) if not o.endswith("_schema"))


def _allowed_keys(schema: type | None) -> list[str]:
    fields = getattr(schema, "__dataclass_fields__", None)
    return sorted(fields) if fields else []


def suggest(key: str, allowed: list[str], known_paths: list[str] | None = None) -> str:
    """``"; did you mean 'x'?"`` for the closest allowed name, or ``""``.

    Args:
        key: The dotted key as typed (``roi.discount_rate``).
        allowed: Names allowed beside it (fields of its parent).
        known_paths: Every dotted key of the config: a name that exists
            elsewhere (``mesh.wake_interval_s`` → ``mesh.mac.wake_interval_s``)
            is suggested when nothing beside it is close.
    """
    parent, _, leaf = key.rpartition(".")
    close = difflib.get_close_matches(leaf, allowed, n=1, cutoff=0.6)
    if not close:
        close = [a for a in allowed if a.startswith(leaf) or leaf.startswith(a)][:1]
    if close:
        return f"; did you mean '{parent + '.' if parent else ''}{close[0]}'?"
    paths = [p for p in known_paths or [] if p != key and not p.startswith(key + ".")]
    same_leaf = [p for p in paths if p.rpartition(".")[2] == leaf and p.startswith(key.partition(".")[0])]
    if not same_leaf:
        same_leaf = difflib.get_close_matches(key, paths, n=1, cutoff=0.75)
    return f"; did you mean '{same_leaf[0]}'?" if same_leaf else ""


def _schema_fields(tp: Any) -> dict[str, Any] | None:
    """Field name → type of a dataclass type, or None for anything else."""
    if not (isinstance(tp, type) and dataclasses.is_dataclass(tp)):
        return None
    try:
        hints = typing.get_type_hints(tp)
    except Exception:  # noqa: BLE001 - unresolvable annotations: the names are enough
        hints = {}
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(tp)}


def unknown_keys(cfg: Any) -> list[tuple[str, list[str]]]:
    """Keys of a composed config that its schemas do not define.

    Hydra's ``+key=value`` adds a key even to a typed (structured) node, so
    ``+mesh.dayz=7`` would otherwise be accepted and stored unused. Only nodes
    backed by a dataclass are checked; free-form dictionaries may hold any key.

    Args:
        cfg: The composed root config (``DictConfig``).

    Returns:
        ``(dotted key, allowed names beside it)`` per unknown key, in config order.
    """
    from omegaconf import DictConfig, ListConfig, OmegaConf

    found: list[tuple[str, list[str]]] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, ListConfig):
            for i, item in enumerate(node):
                if isinstance(item, (DictConfig, ListConfig)):
                    walk(item, f"{prefix}[{i}]")
            return
        if not isinstance(node, DictConfig):
            return
        schema = _schema_fields(OmegaConf.get_type(node))
        for key in node.keys():
            path = f"{prefix}.{key}" if prefix else str(key)
            if schema is not None and key not in schema:
                found.append((path, sorted(schema)))
                continue
            child = node._get_node(key)
            if isinstance(child, (DictConfig, ListConfig)) and not child._is_missing() and not child._is_none():
                walk(child, path)

    walk(cfg, "")
    return found


def all_paths(cfg: Any) -> list[str]:
    """Every dotted key of a composed config (leaves and nodes)."""
    from omegaconf import DictConfig

    out: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if not isinstance(node, DictConfig):
            return
        for key in node.keys():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.append(path)
            child = node._get_node(key)
            if isinstance(child, DictConfig) and not child._is_missing() and not child._is_none():
                walk(child, path)

    walk(cfg, "")
    return out


def unknown_key_message(key: str, allowed: list[str], known_paths: list[str] | None = None) -> str:
    """One line for an unknown key: the key, a suggestion, the allowed names."""
    hint = suggest(key, allowed, known_paths)
    listed = f" (allowed keys: {', '.join(allowed)})" if allowed else ""
    return f"{key}: unknown key{hint}{listed}"


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
            owner = getattr(cause, "object_type", None)
            allowed = _allowed_keys(owner if _schema_fields(owner) else schemas.get(parent))
            merging = re.search(r"Error merging override \+*([^=\s]+)=", str(exc))
            if merging and not key.startswith(merging.group(1)):  # a key inside a value (a list of records)
                return f"{merging.group(1)}: {unknown_key_message(key, allowed)}"
            return unknown_key_message(key, allowed)
        if isinstance(cause, ValidationError):
            return f"{key}: {msg}"
        return f"{key}: {msg}" if key else msg
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    text = " ".join(lines[:3]) if lines else type(exc).__name__
    m = re.search(r"Could not override '([^']+)'", text)
    if m:
        key = m.group(1)
        parent = key.rpartition(".")[0]
        return unknown_key_message(key, _allowed_keys(schemas.get(parent)))
    return text
