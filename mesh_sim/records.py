"""What a subnet simulation returns: one record per node and the traffic samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class NodeRecord:
    """Per-node outcome of a run (one row of ``mesh/nodes.csv``).

    Attributes:
        node_id: Module or concentrator id.
        kind: ``module`` or ``concentrator``.
        x_m: Easting, m.
        y_m: Northing, m.
        floor: Storey.
        building: Building index (-1 outside).
        meters: Meters on the module (0 for a concentrator).
        status: ``ok``, ``unreachable`` (no path within the hop limit),
            ``left_out`` (its concentrator is full) or ``down`` (failed).
        concentrator_id: Concentrator it reports to at the end ("" if none).
        parent_id: Next hop at the end ("" if none).
        hops: Hops to the concentrator at the end (0 for one, -1 if none).
        link_margin_db: Received power above sensitivity on the link to the
            parent; for a node without a parent, its best link to any node.
        path_etx: Expected transmissions along the route.
        readings_generated: Meter readings the module produced.
        readings_delivered: Of those, readings that reached a concentrator.
        readings_dropped: Readings lost (queue overflow).
        delivery: ``readings_delivered / readings_generated``.
        relayed_per_day: Packets of other modules forwarded per day.
        tx_packets: Transmissions (attempts) of data packets, own and relayed.
        avg_current_ua: Mean supply current.
        battery_life_years: Battery life at that current.
        current_breakdown_ua: Mean current per cause (tx, rx, listen,
            overhear, mcu, sleep, self_discharge is not included).
    """

    node_id: str
    kind: str
    x_m: float
    y_m: float
    floor: int
    building: int
    meters: int
    status: str
    concentrator_id: str
    parent_id: str
    hops: int
    link_margin_db: float
    path_etx: float
    readings_generated: int = 0
    readings_delivered: int = 0
    readings_dropped: int = 0
    delivery: float = float("nan")
    relayed_per_day: float = 0.0
    tx_packets: int = 0
    avg_current_ua: float = float("nan")
    battery_life_years: float = float("nan")
    current_breakdown_ua: dict[str, float] = field(default_factory=dict)


@dataclass
class MeshResult:
    """Everything a run produced.

    Attributes:
        nodes: One record per node, modules first, then concentrators.
        reading_latency_s: Latency of every delivered packet of readings
            (generation to arrival at the concentrator), one per packet.
        reading_meters: Readings carried by each delivered packet (same order).
        first_attempt_readings: Readings delivered with no retransmission or
            re-route on any hop.
        readings_generated: Readings produced in the whole subnet.
        readings_delivered: Readings delivered (duplicates counted once).
        readings_dropped: Readings lost to full queues.
        broadcast_latency_s: For each broadcast, the latency at every module
            that received it (NaN where it never arrived); shape
            ``(broadcasts, modules)``.
        downlink_latency_s: Latency of each delivered unicast command.
        downlink_sent: Unicast commands sent.
        clock_error_ms: Absolute clock error of each reading's time stamp.
        events: Simulation events processed.
        wall_s: Wall-clock time of the simulation.
        duration_s: Simulated time.
        reroutes: Route changes after link or node failures.
        extra: Further figures for the summary.
    """

    nodes: list[NodeRecord]
    reading_latency_s: np.ndarray
    reading_meters: np.ndarray
    first_attempt_readings: int
    readings_generated: int
    readings_delivered: int
    readings_dropped: int
    broadcast_latency_s: np.ndarray
    downlink_latency_s: np.ndarray
    downlink_sent: int
    clock_error_ms: np.ndarray
    events: int
    wall_s: float
    duration_s: float
    reroutes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
