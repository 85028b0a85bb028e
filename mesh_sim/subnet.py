"""One DMesh subnet as a discrete-event simulation (simpy).

The subnet is a pure function of its :class:`~mesh_sim.config.MeshConfig`,
its nodes and a seed: all randomness comes from one ``random.Random(seed)``
and the order of simpy events, so a city is many subnets run in parallel.

Processes: one reporter and one forwarder per module (hourly reports into a
bounded queue; the head of the queue goes to the parent with retries, then
the module re-routes, then it holds the packet and tries again), plus the
control processes of :mod:`mesh_sim.control` (floods, downlink commands,
fading epochs, route refresh, faults, foreign interference).
"""

from __future__ import annotations

import random
import time
from typing import Sequence

import numpy as np
import simpy

from mesh_sim.channel import Channel
from mesh_sim.config import MeshConfig
from mesh_sim.linkstate import LinkState, PerTable
from mesh_sim.mac_schemes import make_mac
from mesh_sim.packets import Packet, PacketQueue
from mesh_sim.propagation import Nodes, nodes_from_site
from mesh_sim.topology import Routes, admissible_links, build_routes, link_etx

#: Times a packet may find the channel busy (nothing sent) without that
#: counting as a failed attempt on the link.
BUSY_DEFERRALS_MAX = 8
#: Standard deviation of the time stamp carried in an ACK, s.
SYNC_JITTER_S = 50e-6


class CountingEnvironment(simpy.Environment):
    """A simpy environment that counts the events it processes.

    The count is read from simpy's event-id counter (events scheduled minus
    those still queued), so processing an event costs no extra Python call.
    """

    @property
    def events(self) -> int:
        """Events processed so far."""
        scheduled = int(repr(self._eid)[len("count("):-1])   # itertools.count: next id = events scheduled
        return scheduled - len(self._queue)


class Subnet:
    """The radio network of one or more concentrators and their modules.

    Args:
        nodes: Positions, modules first.
        meters: Meters per node (0 for concentrators).
        is_concentrator: Per node.
        cfg: Simulation settings.
        seed: Master seed.
    """

    def __init__(self, nodes: Nodes, meters: Sequence[int], is_concentrator: Sequence[bool],
                 cfg: MeshConfig, seed: int) -> None:
        self.nodes = nodes
        self.cfg = cfg
        self.seed = int(seed)
        self.n = len(nodes)
        self.meters = [int(m) for m in meters]
        self.is_conc = [bool(c) for c in is_concentrator]
        self.modules = [i for i in range(self.n) if not self.is_conc[i]]
        self.rng = random.Random(self.seed)
        self.env = CountingEnvironment()
        self.link = LinkState(nodes, cfg.radio, self.seed)
        self.admissible = admissible_links(self.link.static_margin_db, self.link.mean_margin_db, cfg.topology)
        band = self.link.band
        noise_mw = 10.0 ** (self.link.noise_dbm / 10.0)
        self.channel = Channel(self.link.pw_mw, noise_mw, 10.0 ** (cfg.radio.cca_threshold_dbm / 10.0),
                               cfg.radio.capture, cfg.radio.capture_threshold_db, self.rng)
        self.per_data = PerTable(band, cfg.radio.data_bytes)
        self.mac = make_mac(self.env, self.channel, cfg.mac, cfg.radio, band.bit_rate_bps, self.is_conc,
                       self.per_data, PerTable(band, cfg.radio.ack_bytes), self.rng)
        self.alive = [True] * self.n
        self.alive_view = np.ones(self.n, dtype=bool)
        self.banned = np.zeros((self.n, self.n), dtype=bool)
        self.queues = [PacketQueue(cfg.mac.queue_capacity_packets) for _ in range(self.n)]
        self.wakeups: list[simpy.Event | None] = [None] * self.n
        drift = cfg.mac.clock_drift_ppm * 1e-6
        self.drift = [0.0 if c else self.rng.uniform(-drift, drift) for c in self.is_conc]
        self.sync_t_s = [0.0] * self.n
        self.sync_err_s = [0.0] * self.n
        self.relayed = [0] * self.n
        self.generated = [0] * self.n
        self.delivered = [0] * self.n
        self.dropped = [0] * self.n
        self.latency_s: list[float] = []
        self.latency_meters: list[int] = []
        self.clock_error_s: list[float] = []
        self.first_attempt = 0
        self.reroutes = 0
        self.stop_s = cfg.days * 86_400.0
        self.end_s = self.stop_s + cfg.drain_h * 3600.0
        self.routes = self._route()
        self.initial_routes = self.routes
        self._learn_parent_phases(0.0)

    @classmethod
    def from_site(cls, site, cfg: MeshConfig, seed: int) -> "Subnet":
        """The subnet of every module and concentrator of a ``scenarios.site.Site``."""
        nodes = nodes_from_site(site, cfg.radio.block_type_default, cfg.radio.house_type_default)
        meters = [len(m.meter_ids) for m in site.modules] + [0] * len(site.concentrators)
        conc = [False] * len(site.modules) + [True] * len(site.concentrators)
        return cls(nodes, meters, conc, cfg, seed)

    # -- routing ----------------------------------------------------------------------------
    def _route(self) -> Routes:
        etx = link_etx(self.link.prr, self.cfg.topology.min_link_prr, self.cfg.topology.etx_resolution)
        etx[~self.admissible] = np.inf
        routes = build_routes(etx, np.asarray(self.is_conc), np.asarray(self.meters), self.alive_view,
                              self.cfg.topology, self.link.margin_db, self.banned)
        self.parent = routes.parent.tolist()
        return routes

    def _learn_parent_phases(self, now_s: float, old: list[int] | None = None) -> None:
        """Joining a parent exchanges wake-up phases (the join handshake).

        A module that (re-)joins a parent, a new one or one it used before, learns
        its current phase; without ``old`` every parent not yet known is joined.
        """
        contact = self.mac.last_contact
        for i, p in enumerate(self.parent):
            if p >= 0 and (p not in contact[i] or (old is not None and old[i] != p)):
                contact[i][p] = now_s
                contact[p][i] = now_s

    def reroute(self) -> None:
        """Re-forms the mesh from the current link state, bans and known failures."""
        old = self.parent
        self.routes = self._route()
        self.reroutes += sum(1 for a, b in zip(old, self.parent) if a != b)
        self._learn_parent_phases(self.env.now, old)

    def link_failed(self, i: int, p: int) -> None:
        """``i`` gave up on its parent ``p``: ban the link, learn a death, re-route."""
        self.banned[i, p] = True
        if not self.alive[p]:
            self.alive_view[p] = False
        self.reroute()

    def wake(self, i: int) -> None:
        """Wakes the forwarder of ``i`` if it waits for work.

        The wake-up is scheduled at the moment the MAC would start sending to
        the current parent (its next wake-up minus half the preamble), so the
        forwarder's first channel access costs no extra event.
        """
        ev = self.wakeups[i]
        if ev is None or ev.triggered:
            return
        p = self.parent[i]
        now = self.env.now
        delay = self.mac.planned_start_s(i, p, now) - now if p >= 0 and self.alive[i] else 0.0
        if delay > 0.0:
            ev._ok, ev._value = True, None          # Event.succeed(), but delivered later
            self.env.schedule(ev, delay=delay)
        else:
            ev.succeed()

    # -- clocks -----------------------------------------------------------------------------
    def clock_error_at(self, i: int, t_s: float) -> float:
        """Clock error of node ``i`` at ``t_s``, s."""
        return self.sync_err_s[i] + self.drift[i] * (t_s - self.sync_t_s[i])

    def sync(self, i: int, parent: int) -> None:
        """``i`` sets its clock from the time stamp in its parent's ACK."""
        now = self.env.now
        self.sync_err_s[i] = self.clock_error_at(parent, now) + self.rng.gauss(0.0, SYNC_JITTER_S)
        self.sync_t_s[i] = now
        self.mac.synced(i, now)

    # -- traffic ----------------------------------------------------------------------------
    def reporter(self, i: int):
        """Generates module ``i``'s reports until the end of the traffic period."""
        env, interval = self.env, self.cfg.traffic.report_interval_s
        poisson = self.cfg.traffic.poisson
        t = self.rng.expovariate(1.0 / interval) if poisson else self.rng.random() * interval
        seq = 0
        while t < self.stop_s:
            yield env.timeout(t - env.now)
            meters = self.meters[i]
            self.generated[i] += meters
            pkt = Packet(i, seq, env.now, meters, self.clock_error_at(i, env.now))
            seq += 1
            if self.queues[i].push(pkt):
                self.wake(i)
            else:
                self.dropped[i] += meters
            t += self.rng.expovariate(1.0 / interval) if poisson else interval

    def arrive(self, pkt: Packet, j: int) -> None:
        """``j`` decoded ``pkt``: deliver it at a concentrator, queue it at a relay."""
        if j in pkt.holders:
            return
        if self.is_conc[j]:
            if not pkt.delivered:
                pkt.delivered = True
                self.delivered[pkt.origin] += pkt.meters
                self.latency_s.append(self.env.now - pkt.t_gen_s)
                self.latency_meters.append(pkt.meters)
                self.clock_error_s.append(abs(pkt.clock_error_s))
                if pkt.clean:
                    self.first_attempt += pkt.meters
            return
        if not self.queues[j].push(pkt):
            # Lost to a full relay queue (no-ACK MAC): count it like a full own queue.
            self.dropped[pkt.origin] += pkt.meters
            return
        pkt.holders.append(j)
        self.relayed[j] += 1
        self.wake(j)

    @staticmethod
    def _release(queue: PacketQueue, i: int) -> None:
        """Node ``i`` hands the head of its queue on."""
        pkt = queue.pop()
        if i in pkt.holders:
            pkt.holders.remove(i)

    def forwarder(self, i: int):
        """Sends the head of module ``i``'s queue towards its concentrator."""
        env, mac, cfg = self.env, self.mac, self.cfg.mac
        queue = self.queues[i]
        while True:
            if not queue or not self.alive[i]:
                self.wakeups[i] = env.event()
                yield self.wakeups[i]
                self.wakeups[i] = None
                continue
            p = self.parent[i]
            if p < 0:
                yield env.timeout(cfg.hold_s * (0.5 + self.rng.random()))
                continue
            pkt = queue.head()
            if not cfg.ack:
                got, _ = yield from mac.unicast(i, p, self.alive)
                if got:
                    self.arrive(pkt, p)
                self._release(queue, i)
                continue
            acked = False
            # The receiver decides at reception whether it has room (its queue
            # may fill while the preamble is on air).
            room = lambda p=p, pkt=pkt: self.is_conc[p] or not self.queues[p].full or p in pkt.holders
            tries, busy = 0, 0
            while tries <= cfg.max_retries:
                sent = mac.attempts[i]
                got, acked = yield from mac.unicast(i, p, self.alive, room, more=len(queue) > 1)
                if got:
                    self.arrive(pkt, p)
                if acked or not self.alive[i] or self.parent[i] != p:
                    break
                pkt.clean = False
                # A busy channel (carrier sense gave up, nothing sent) says nothing
                # about the link: try again later without using up a retry.
                if mac.attempts[i] == sent and busy < BUSY_DEFERRALS_MAX:
                    busy += 1
                else:
                    tries += 1
                yield env.timeout(self.rng.random() * mac.t_w)
            if acked:
                self.sync(i, p)
                if queue and queue.head() is pkt:
                    self._release(queue, i)
            elif self.alive[i] and self.parent[i] == p:
                pkt.clean = False
                self.link_failed(i, p)

    # -- run --------------------------------------------------------------------------------
    def run(self, progress=None):
        """Runs the simulation; returns the :class:`~mesh_sim.records.MeshResult`.

        Args:
            progress: Optional callable taking simulated hours done, called hourly.
        """
        from mesh_sim import control
        from mesh_sim.collect import collect

        for i in self.modules:
            self.env.process(self.reporter(i))
            self.env.process(self.forwarder(i))
        control.start(self)
        if progress is not None:
            self.env.process(control.ticker(self, progress))
        t0 = time.perf_counter()
        self.env.run(until=self.end_s)
        return collect(self, time.perf_counter() - t0)
