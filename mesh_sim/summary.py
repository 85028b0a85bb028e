"""Headline figures of a subnet run and the modules whose batteries die first.

Every value of :func:`summarize` is JSON-ready under strict JSON (no NaN or
infinity): a figure that cannot be computed (no modules, no delivered packet,
no broadcast ...) is ``None``. The key names are a stable interface read by
other tools; the meaning of each is in :func:`summarize`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mesh_sim.records import MeshResult, NodeRecord

SECONDS_PER_DAY = 86_400.0


def json_safe(value: Any) -> Any:
    """Converts numpy scalars/arrays and containers to plain Python, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _finite(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    return arr[np.isfinite(arr)]


def _float_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def weighted_percentile(values: Any, weights: Any, q_pct: float) -> float | None:
    """Percentile of ``values`` where each value counts ``weights`` times.

    For integer weights this equals ``np.percentile(np.repeat(values, weights),
    q_pct)`` (linear interpolation) without building the repeated array.
    Non-finite values and non-positive weights are ignored.

    Args:
        values: Samples, e.g. packet latencies in s.
        weights: Multiplicity of each sample, e.g. readings per packet.
        q_pct: Percentile, 0..100.

    Returns:
        The percentile, or ``None`` when no sample is left.

    Raises:
        ValueError: If ``values`` and ``weights`` differ in length.
    """
    x = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    if x.shape != w.shape:
        raise ValueError(f"{x.size} values but {w.size} weights")
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
    x, w = x[keep], w[keep]
    if x.size == 0:
        return None
    order = np.argsort(x, kind="stable")
    x, cum = x[order], np.cumsum(w[order])
    pos = (cum[-1] - 1.0) * q_pct / 100.0 if cum[-1] >= 1.0 else 0.0
    lo = math.floor(pos)
    i_lo = min(int(np.searchsorted(cum, lo, side="right")), x.size - 1)
    i_hi = min(int(np.searchsorted(cum, lo + 1, side="right")), x.size - 1)
    return float(x[i_lo] + (pos - lo) * (x[i_hi] - x[i_lo]))


def modules_of(result: MeshResult) -> list[NodeRecord]:
    """The records of kind ``module``."""
    return [n for n in result.nodes if n.kind == "module"]


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den > 0 else None


def _percentile(values: np.ndarray, q_pct: float) -> float | None:
    return float(np.percentile(values, q_pct)) if values.size else None


def _busiest_relay(modules: list[NodeRecord]) -> dict[str, float | None]:
    relays = [m for m in modules if math.isfinite(m.relayed_per_day) and m.relayed_per_day > 0]
    if not relays:
        return {"busiest_relay_packets_per_day": None, "busiest_relay_battery_years": None}
    life = lambda m: m.battery_life_years if math.isfinite(m.battery_life_years) else math.inf  # noqa: E731
    top = max(relays, key=lambda m: (m.relayed_per_day, -life(m)))
    return {"busiest_relay_packets_per_day": float(top.relayed_per_day),
            "busiest_relay_battery_years": float(top.battery_life_years)}


def summarize(result: MeshResult, concentrators: int | None = None) -> dict[str, Any]:
    """Headline figures of a run as a strict-JSON-ready dict.

    Args:
        result: The run.
        concentrators: Concentrators of the subnet; defaults to the records of
            kind ``concentrator``.

    Returns:
        ``modules``, ``meters``, ``concentrators``; ``pdr_final`` and
        ``pdr_first_attempt`` (delivered and first-attempt readings over
        generated); ``latency_p50_s``/``latency_p95_s`` (per reading, i.e.
        packet latencies weighted by their readings); ``max_hops`` (routed
        modules); ``broadcast_latency_mean_s``/``_p95_s`` (all arrivals),
        ``broadcast_coverage`` (share of module×broadcast pairs reached);
        ``battery_life_years_min``/``_median`` (modules with finite life);
        ``relayed_per_day_max``; ``busiest_relay_packets_per_day`` and
        ``busiest_relay_battery_years`` (the module forwarding most packets a
        day for others, ties to the shorter life; ``None`` if no module
        relays); ``dropped_readings``; ``events_per_s``;
        ``downlink_latency_p50_s``, ``downlink_delivery``;
        ``clock_error_max_ms``; ``unreachable_modules``, ``left_out_modules``,
        ``down_modules``; ``reroutes``; ``simulated_days``; ``wall_s``;
        ``events``; ``readings_generated``, ``readings_delivered``; then every
        item of ``result.extra`` (as ``extra_<key>`` if the key is taken).
    """
    modules = modules_of(result)
    n_conc = sum(1 for n in result.nodes if n.kind == "concentrator") if concentrators is None else concentrators
    hops = [m.hops for m in modules if m.hops >= 0]
    life_years = _finite([m.battery_life_years for m in modules])
    relayed = _finite([m.relayed_per_day for m in modules])
    bcast = np.asarray(result.broadcast_latency_s, dtype=float)
    bcast_ok = _finite(bcast)
    downlink = _finite(result.downlink_latency_s)
    clock = _finite(np.abs(np.asarray(result.clock_error_ms, dtype=float)))
    latency, meters = result.reading_latency_s, result.reading_meters
    statuses = [m.status for m in modules]

    summary: dict[str, Any] = {
        "modules": len(modules),
        "meters": int(sum(m.meters for m in modules)),
        "concentrators": int(n_conc),
        "readings_generated": int(result.readings_generated),
        "readings_delivered": int(result.readings_delivered),
        "pdr_final": _ratio(result.readings_delivered, result.readings_generated),
        "pdr_first_attempt": _ratio(result.first_attempt_readings, result.readings_generated),
        "latency_p50_s": weighted_percentile(latency, meters, 50.0),
        "latency_p95_s": weighted_percentile(latency, meters, 95.0),
        "max_hops": max(hops) if hops else None,
        "broadcast_latency_mean_s": float(bcast_ok.mean()) if bcast_ok.size else None,
        "broadcast_latency_p95_s": _percentile(bcast_ok, 95.0),
        "broadcast_coverage": _ratio(bcast_ok.size, bcast.size),
        "battery_life_years_min": float(life_years.min()) if life_years.size else None,
        "battery_life_years_median": _percentile(life_years, 50.0),
        "relayed_per_day_max": float(relayed.max()) if relayed.size else None,
        **_busiest_relay(modules),
        "dropped_readings": int(result.readings_dropped),
        "events_per_s": _ratio(result.events, result.wall_s),
        "downlink_latency_p50_s": _percentile(downlink, 50.0),
        "downlink_delivery": _ratio(np.asarray(result.downlink_latency_s).size, result.downlink_sent),
        "clock_error_max_ms": float(clock.max()) if clock.size else None,
        "unreachable_modules": statuses.count("unreachable"),
        "left_out_modules": statuses.count("left_out"),
        "down_modules": statuses.count("down"),
        "reroutes": int(result.reroutes),
        "simulated_days": float(result.duration_s) / SECONDS_PER_DAY,
        "wall_s": float(result.wall_s),
        "events": int(result.events),
    }
    for key, value in result.extra.items():
        summary[f"extra_{key}" if key in summary else str(key)] = value
    return json_safe(summary)


def dominant_cause(breakdown_ua: dict[str, float]) -> str | None:
    """The cause with the largest mean current (``None`` if there is none)."""
    finite = {k: v for k, v in breakdown_ua.items() if math.isfinite(v)}
    return max(sorted(finite), key=finite.__getitem__) if finite else None


def first_to_die(result: MeshResult, k: int = 5) -> list[dict[str, Any]]:
    """The ``k`` modules with the shortest finite battery life, and why.

    Args:
        result: The run.
        k: How many modules to return.

    Returns:
        Shortest life first (ties by node id), each with ``node_id``,
        ``battery_life_years``, ``avg_current_ua``, ``status``, ``hops``,
        ``relayed_per_day``, ``tx_packets``, ``current_breakdown_ua``,
        ``dominant_cause`` (largest breakdown key) and ``dominant_share``
        (its share of the breakdown total).
    """
    alive = [m for m in modules_of(result) if math.isfinite(m.battery_life_years)]
    alive.sort(key=lambda m: (m.battery_life_years, m.node_id))
    rows = []
    for m in alive[:max(k, 0)]:
        cause = dominant_cause(m.current_breakdown_ua)
        total_ua = sum(v for v in m.current_breakdown_ua.values() if math.isfinite(v))
        rows.append({
            "node_id": m.node_id,
            "battery_life_years": m.battery_life_years,
            "avg_current_ua": m.avg_current_ua,
            "status": m.status,
            "hops": m.hops,
            "relayed_per_day": m.relayed_per_day,
            "tx_packets": m.tx_packets,
            "current_breakdown_ua": dict(sorted(m.current_breakdown_ua.items())),
            "dominant_cause": cause,
            "dominant_share": _ratio(m.current_breakdown_ua[cause], total_ua) if cause else None,
        })
    return json_safe(rows)
