"""Packets of readings and the bounded store-and-forward queue of a module."""

from __future__ import annotations

from collections import deque


class Packet:
    """One module's hourly report: up to three meter readings.

    The simulator moves the same object from queue to queue; ``holders``
    is the duplicate filter every node applies: a node that still holds the
    packet (its ACK was lost, so the sender repeats it) acknowledges the
    repeat but does not queue it twice. A node that has already passed the
    packet on takes it again, so a packet caught in a transient routing loop
    is forwarded, not lost.

    Attributes:
        origin: Index of the module that produced it.
        seq: Its sequence number at that module.
        t_gen_s: Generation time.
        meters: Readings it carries.
        clock_error_s: Error of the module's clock when it stamped the readings.
        holders: Nodes whose queue holds it now.
        clean: False once any hop needed a retransmission or a re-route.
        delivered: Reached a concentrator.
    """

    __slots__ = ("origin", "seq", "t_gen_s", "meters", "clock_error_s", "holders", "clean",
                 "delivered")

    def __init__(self, origin: int, seq: int, t_gen_s: float, meters: int,
                 clock_error_s: float = 0.0) -> None:
        self.origin = origin
        self.seq = seq
        self.t_gen_s = t_gen_s
        self.meters = meters
        self.clock_error_s = clock_error_s
        self.holders = [origin]
        self.clean = True
        self.delivered = False


class PacketQueue:
    """A FIFO of packets with a capacity; the simulator counts what it refuses.

    Args:
        capacity_packets: Largest number of packets held.
    """

    __slots__ = ("capacity_packets", "items")

    def __init__(self, capacity_packets: int) -> None:
        if capacity_packets < 1:
            raise ValueError(f"mesh.mac.queue_capacity_packets: must be >= 1, got {capacity_packets}")
        self.capacity_packets = capacity_packets
        self.items: deque[Packet] = deque()

    def __len__(self) -> int:
        return len(self.items)

    @property
    def full(self) -> bool:
        """No room for another packet."""
        return len(self.items) >= self.capacity_packets

    def push(self, packet: Packet) -> bool:
        """Appends ``packet``; False (and nothing stored) when full."""
        if len(self.items) >= self.capacity_packets:
            return False
        self.items.append(packet)
        return True

    def head(self) -> Packet:
        """The oldest packet."""
        return self.items[0]

    def pop(self) -> Packet:
        """Removes and returns the oldest packet."""
        return self.items.popleft()
