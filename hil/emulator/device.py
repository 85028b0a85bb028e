"""A virtual J100UC concentrator with its D100FC network, answering v1 frames.

:meth:`Device.handle` implements every command of ``docs/serial-protocol.md``.
The device's own clock is ``EmuClock.now() + offset`` (TIME_SYNC sets the
offset). Before a command runs, the state is advanced to the clock's time in
segments split at device-hour boundaries and relay switches, and each
segment's pulses go both to the counter and to the profile bin of its hour, so
profile sums equal counter deltas exactly. Internal times are integer ms.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from hil.codec import commands as c
from hil.codec.commands import unpack_request
from hil.codec.frame import (ACK, BROADCAST, CONCENTRATOR, NAK_BAD_PAYLOAD, NAK_NOT_SUPPORTED, NAK_SEQ_REUSED,
                             NAK_UNKNOWN_ADDRESS, NAK_UNKNOWN_COMMAND, NAK_UNREACHABLE, Frame, ProtocolError)
from hil.emulator import model as m
from hil.emulator.handlers import FROM_TABLE, HANDLERS, BadPayload, check
from twin.control.latency import LatencyModel, fixed_latency


@dataclass
class ShedRecord:
    """One module's part of a GROUP_SHED command.

    Attributes:
        command_unix_ms: Device time the command was executed.
        module_index: Module addressed.
        shed: True shed (relay off), False restore.
        latency_s: Mesh broadcast delay drawn for it (inf: lost).
        switch_unix_ms: Device time the relay switched, None until then (or lost).
    """

    command_unix_ms: int
    module_index: int
    shed: bool
    latency_s: float
    switch_unix_ms: int | None = None


class Device:
    """The emulated concentrator (address 0) and its modules (addresses 1..N).

    Args:
        site: The twin site.
        concentrator_id: The J100UC emulated.
        modules: Its network, from :func:`hil.emulator.model.build_modules`.
        clock: Time base (default a frozen :class:`EmuClock` at the default start).
        latency: Broadcast delay model (default ``fixed_latency(35.0)``).
        seed: Seed of the load model and latency draws.
        cache_size: Replies kept for retries (the last ``cache_size`` requests executed).
        history_h: Hours the modules were already counting before the clock's start
            (their profiles hold those hours, the counters include them).
    """

    FIRMWARE = ("J100UC-EMU-1.1", "D100FC-EMU-1.1")

    def __init__(self, site, concentrator_id: str, modules: list[m.ModuleState], clock: m.EmuClock | None = None,
                 latency: LatencyModel | None = None, seed: int = 0, cache_size: int = 256,
                 history_h: int = 0) -> None:
        self.site, self.concentrator_id, self.modules = site, concentrator_id, modules
        self.clock = clock or m.EmuClock()
        self.latency = latency or fixed_latency(35.0)
        self.load = m.LoadModel(site, seed)
        self.threshold_w = 0
        self.events: list[m.Event] = []             # the concentrator's own log
        self.shed_log: list[ShedRecord] = []
        self.stats = {"executed": 0, "cache_hits": 0, "reboots": 0}
        self._rng = np.random.default_rng(seed + 1)
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[int, int], tuple[tuple[int, bytes], Frame]] = OrderedDict()
        self._cache_size = cache_size
        self._tau = int(self.clock.now() * 1000)     # clock ms the state is advanced to
        self._offset = 0                             # device ms - clock ms
        self._pending: list[tuple[int, int, bool, ShedRecord]] = []   # (clock ms, index, on, record)
        self._rates: dict[int, np.ndarray] = {}
        self._out_of_range: dict[int, str] = {}
        self._lost_at: dict[int, int] = {}          # module -> device s it was last heard (out of range)
        self._boot_ms = self._tau                    # clock ms of the last (re)boot
        self._start_ms = self._tau
        supply_of = {}
        for mod in modules:
            for ch in mod.channels:
                meter = self.load.meters[ch.meter_id]
                if meter.kind == m.MeterKind.ELECTRICITY and meter.consumer_id in self.load.consumer_index:
                    supply_of[self.load.consumer_index[meter.consumer_id]] = mod
        self._supply_of = supply_of
        if history_h > 0:                            # installed earlier: count through the past hours
            self._tau -= int(history_h) * 3_600_000
            self.sync()

    @classmethod
    def from_site(cls, site, seed: int = 0, *, concentrator_id: str | None = None, clock: m.EmuClock | None = None,
                  latency: LatencyModel | None = None, mesh_cfg=None, groups: int = 2,
                  history_h: int = 0) -> "Device":
        """Builds the device of one concentrator of ``site`` (mesh formed with ``seed``)."""
        cid, rows = m.network_rows(site, seed, concentrator_id, mesh_cfg)
        return cls(site, cid, m.build_modules(site, rows, seed, groups), clock, latency, seed, history_h=history_h)

    # -- time ------------------------------------------------------------------------------------
    def unix_ms(self) -> int:
        """Device time now, ms."""
        return int(self.clock.now() * 1000) + self._offset

    def unix_time(self) -> float:
        """Device time now, s."""
        return self.unix_ms() / 1000.0

    def set_time(self, unix_s: int) -> None:
        """Sets the device clock (TIME_SYNC): the state is advanced first, then the clock jumps."""
        with self._lock:
            self.sync()
            self._offset = int(unix_s) * 1000 - self._tau

    def sync(self) -> None:
        """Advances counters, profiles and pending relay switches to the clock's time."""
        with self._lock:
            end = int(self.clock.now() * 1000)
            t = self._tau
            while t < end:
                due = min((p[0] for p in self._pending), default=end)
                hour = (t + self._offset) // 3_600_000
                seg = min(end, (hour + 1) * 3_600_000 - self._offset, max(due, t))
                if seg > t:
                    self._accumulate(seg - t, int(hour))
                    t = seg
                self._apply_due(t)
            self._tau = max(self._tau, end)
            self._apply_due(self._tau)

    def _accumulate(self, dt_ms: int, hour: int) -> None:
        rates = self._rates.get(hour % 24)
        if rates is None:
            supply = np.ones(len(self.load.consumer_index))
            for k, mod in self._supply_of.items():
                if not mod.relay_on:
                    supply[k] -= m.SHED_SHARE[mod.socket_class]
            rates = np.array([self.load.rate(ch.meter_id, hour % 24, supply) * ch.meter_weight
                              for mod in self.modules for ch in mod.channels])
            self._rates[hour % 24] = rates
        k, key = 0, hour * 3600
        for mod in self.modules:
            for ch in mod.channels:
                acc = ch.frac + rates[k] * dt_ms / 3_600_000.0
                n = math.floor(acc)
                ch.frac = acc - n
                ch.pulses += n
                if key not in ch.profile:
                    ch.profile.pop(key - m.PROFILE_HOURS_KEPT * 3600, None)
                    if len(ch.profile) >= m.PROFILE_HOURS_KEPT:      # clock jumped: drop the oldest
                        for old in sorted(ch.profile)[: len(ch.profile) - m.PROFILE_HOURS_KEPT + 1]:
                            del ch.profile[old]
                ch.profile[key] = ch.profile.get(key, 0) + n
                k += 1

    def _apply_due(self, t: int) -> None:
        due = sorted((p for p in self._pending if p[0] <= t), key=lambda p: p[0])
        if due:
            self._pending = [p for p in self._pending if p[0] > t]
        for at, index, on, rec in due:
            rec.switch_unix_ms = at + self._offset
            self.switch_relay(index, on, at + self._offset)

    def switch_relay(self, index: int, on: bool, unix_ms: int | None = None) -> None:
        """Sets a module's relay (no-op if already so); rates change from now on."""
        with self._lock:
            mod = self.modules[index - 1]
            if mod.relay_on != on:
                mod.relay_on = on
                mod.relay_switched_unix_ms = self.unix_ms() if unix_ms is None else unix_ms
                self._rates.clear()

    def schedule_shed(self, group: int, shed: bool, classes: int) -> int:
        """Floods a shed/restore: each target module switches after its drawn delay; returns modules reached."""
        with self._lock:
            now = self._tau + self._offset
            targets = [mod for mod in self.modules   # RED sockets (class 0) never match a class bit
                       if group in (0, mod.group) and mod.socket_class & classes]
            hops = np.array([mod.hops if self.reachable(mod.index) else -1 for mod in targets], dtype=np.int64)
            delays = self.latency.sample(hops, self._rng) if targets else np.zeros(0)
            for mod, d in zip(targets, delays):
                rec = ShedRecord(now, mod.index, shed, float(d))
                self.shed_log.append(rec)
                if math.isfinite(d):
                    self._pending.append((self._tau + int(round(d * 1000)), mod.index, not shed, rec))
            return int(np.isfinite(delays).sum())

    # -- test-rig inputs and faults ---------------------------------------------------------------
    def inject_pulses(self, module_index: int, channel: int, count: int) -> int:
        """Adds ``count`` pulses on a pulse input now (counter and current hour); returns the counter."""
        with self._lock:
            self.sync()
            ch = self.modules[module_index - 1].channels[channel]
            key = (self.unix_ms() // 3_600_000) * 3600
            ch.pulses += int(count)
            ch.profile[key] = ch.profile.get(key, 0) + int(count)
            return ch.pulses

    def log_event(self, address: int, code: int) -> m.Event:
        """Appends an event (1 magnet .. 5 reboot) to the log of a module, or of the concentrator (0)."""
        with self._lock:
            log = self.events if address == CONCENTRATOR else self.modules[address - 1].events
            ev = m.Event(len(log), self.unix_ms() // 1000, int(code))
            log.append(ev)
            flag = {m.EV_MAGNET: c.STATUS_MAGNET, m.EV_LINE_OPEN: c.STATUS_PULSE_LINE_FAULT,
                    m.EV_LINE_SHORT: c.STATUS_PULSE_LINE_FAULT, m.EV_BATTERY_LOW: c.STATUS_BATTERY_LOW}.get(int(code))
            if flag and address != CONCENTRATOR:
                self.modules[address - 1].flags |= flag
            return ev

    def reboot(self) -> None:
        """Reboots: flash state (counters, profiles, events, settings) kept, RAM (reply cache) lost."""
        with self._lock:
            self.sync()
            self._cache.clear()
            self._boot_ms = self._tau
            self.stats["reboots"] += 1
            self.log_event(CONCENTRATOR, m.EV_REBOOT)

    def set_out_of_range(self, index: int, mode: str | None = "nak") -> None:
        """Takes a module out of radio range: ``"nak"`` (NAK 0x06), ``"silent"`` (no answer) or None."""
        if mode is None:
            self._out_of_range.pop(index, None)
            self._lost_at.pop(index, None)
        elif mode in ("nak", "silent"):
            self._out_of_range[index] = mode
            self._lost_at.setdefault(index, self.unix_ms() // 1000)
        else:
            raise ValueError(f"out-of-range mode {mode!r} (nak, silent or None)")

    def reachable(self, index: int) -> bool:
        """Whether the module has a mesh route and is not out of range."""
        return self.modules[index - 1].routed and index not in self._out_of_range

    def shed_pending(self, index: int) -> bool:
        """Whether a GROUP_SHED switch is still on its way to module ``index``."""
        with self._lock:
            return any(p[1] == index for p in self._pending)

    def battery_pct(self, index: int) -> float:
        """Charge left in module ``index``'s battery now, % (drains at its mean current)."""
        mod = self.modules[index - 1]
        hours = (self._tau - self._start_ms) / 3_600_000.0
        return max(0.0, mod.battery_pct0 - mod.drain_pct_per_h * hours)

    def status(self, address: int) -> c.ReadStatusReply:
        """READ_STATUS of the concentrator (0) or a module, from the concentrator's table."""
        with self._lock:
            now_s = self.unix_ms() // 1000
            uptime = max(0, (self._tau - self._boot_ms) // 1000)
            if address == CONCENTRATOR:
                return c.ReadStatusReply(c.KIND_J100UC, c.POWER_MAINS, 5000, c.NO_BATTERY, 0, c.NO_RSSI, 0, 0,
                                         uptime & 0xFFFFFFFF, now_s & 0xFFFFFFFF)
            mod = self.modules[address - 1]
            pct = self.battery_pct(address)
            flags = mod.flags | (c.STATUS_BATTERY_LOW if pct < m.BATTERY_LOW_PCT else 0)
            routed = self.reachable(address)
            if not routed:
                flags |= c.STATUS_NO_ROUTE
            heard = now_s if routed else self._lost_at.get(address, 0)
            module_up = max(0, (self._tau - self._start_ms) // 1000)   # emulated modules never reboot
            return c.ReadStatusReply(c.KIND_D100FC, c.POWER_BATTERY, m.battery_mv(pct), int(round(pct)), flags,
                                     mod.rssi_dbm if routed else c.NO_RSSI, mod.hops if routed else 255,
                                     mod.parent, module_up & 0xFFFFFFFF, heard & 0xFFFFFFFF)

    # -- frames -----------------------------------------------------------------------------------
    def handle(self, frame: Frame) -> Frame | None:
        """Executes one request and returns its reply (None: no answer).

        A request with the (address, seq), command and payload of a cached
        reply is a retry: the cached reply is returned as it was and nothing
        runs again. The same (address, seq) with another command or payload
        is not run either: it gets NAK_SEQ_REUSED (not cached; protocol
        v1.1). The cache holds the replies to the last ``cache_size``
        requests executed, NAKs included. Replies (bit 7 set) are ignored.
        """
        if frame.is_reply:
            return None
        key = (frame.address, frame.seq)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                (command, payload), reply = hit
                if (command, payload) != (frame.command, frame.payload):
                    self.stats["seq_reused"] = self.stats.get("seq_reused", 0) + 1
                    return frame.reply(NAK_SEQ_REUSED)
                self.stats["cache_hits"] += 1
                return reply
            if self._out_of_range.get(frame.address) == "silent":
                return None
            self.sync()
            reply = self._execute(frame)
            self.stats["executed"] += 1
            self._cache[key] = ((frame.command, frame.payload), reply)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return reply

    def _execute(self, frame: Frame) -> Frame:
        entry = HANDLERS.get(frame.command)
        if entry is None:
            return frame.reply(NAK_UNKNOWN_COMMAND)
        where, fn = entry
        a = frame.address
        kind = "c" if a == CONCENTRATOR else "b" if a == BROADCAST else "m"
        if kind == "m" and not 1 <= a <= len(self.modules):
            return frame.reply(NAK_UNKNOWN_ADDRESS)
        if kind not in where:
            return frame.reply(NAK_NOT_SUPPORTED)
        try:
            request = unpack_request(frame.command, frame.payload)
            check(self, a, frame.command, request)
        except (ProtocolError, BadPayload):
            return frame.reply(NAK_BAD_PAYLOAD)
        if kind == "m" and frame.command not in FROM_TABLE and not self.reachable(a):
            return frame.reply(NAK_UNREACHABLE)
        return frame.reply(ACK, fn(self, a, request).pack())
