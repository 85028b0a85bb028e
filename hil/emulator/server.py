"""Serves a :class:`~hil.emulator.device.Device` on a pseudo-terminal or a TCP port.

One background thread multiplexes everything with ``select``: bytes read are
fed to a streaming decoder, each request goes through the fault plan and the
device, replies are written when due (late replies later). There is no
per-byte sleeping, so the emulator keeps up with far more than 115200 baud.
Traffic is reported to an optional callback (:class:`TrafficRecord`) and/or a
:class:`hil.traffic.TrafficLog` (``RX`` = received by the emulator).

Example:
    >>> with EmulatorServer(device) as server:              # doctest: +SKIP
    ...     port = serial.serial_for_url(server.url, baudrate=115200, timeout=1)
"""

from __future__ import annotations

import heapq
import os
import select
import socket
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from hil.codec.commands import COMMAND_NAMES
from hil.codec.frame import NAK_BUSY, NAK_CRC, STATUS_NAMES, Frame, ProtocolError
from hil.codec.v1 import Codec, CodecV1
from hil.emulator.faults import FaultPlan, Faults
from hil.traffic import TrafficLog


def describe(item: Frame | ProtocolError) -> str:
    """One-line summary of a frame or decoder error."""
    if isinstance(item, ProtocolError):
        return f"<{item.kind}: {len(item.skipped)} byte(s)>"
    name = COMMAND_NAMES.get(item.base_command, f"0x{item.base_command:02X}") + ("|reply" if item.is_reply else "")
    text = f"{name} addr={item.address} seq={item.seq}"
    if item.is_reply and item.payload:
        text += f" status={STATUS_NAMES.get(item.payload[0], item.payload[0])}"
    return text + f" len={len(item.payload)}"


@dataclass
class TrafficRecord:
    """One line of emulator traffic.

    Attributes:
        t: Wall-clock time (``time.time()``).
        direction: ``"rx"`` (bytes to the emulator), ``"tx"`` (from it) or ``"ev"``.
        raw: The bytes.
        decoded: Frames and decoder errors of ``raw`` (rx), the reply frame (tx).
        note: Fault applied, or event text.
    """

    t: float
    direction: str
    raw: bytes
    decoded: list = field(default_factory=list)
    note: str = ""

    @property
    def hex(self) -> str:
        """``raw`` in hex."""
        return self.raw.hex()


class EmulatorServer:
    """The emulated concentrator behind a serial-like endpoint.

    Args:
        device: The device to serve.
        transport: ``"pty"`` (a ``/dev/pts/N`` path) or ``"tcp"`` (``socket://host:port``).
        faults: A :class:`Faults`, a :class:`FaultPlan` or None (no faults).
        codec: Frame format (default :class:`CodecV1`).
        host: TCP host.
        port: TCP port (0: any free port).
        on_traffic: Called with every :class:`TrafficRecord` (from the server thread).
        traffic_log: A :class:`TrafficLog`, or a path to append one to.
        sync_interval_s: How often the device's clock-driven state is advanced while idle.
    """

    def __init__(self, device, transport: str = "pty", faults: Faults | FaultPlan | None = None,
                 codec: Codec | None = None, host: str = "127.0.0.1", port: int = 0,
                 on_traffic: Callable[[TrafficRecord], None] | None = None,
                 traffic_log: TrafficLog | str | Path | None = None, sync_interval_s: float = 0.05) -> None:
        if transport not in ("pty", "tcp"):
            raise ValueError(f"transport {transport!r}: pty or tcp")
        self.device, self.transport = device, transport
        self.faults = faults if isinstance(faults, Faults) else Faults(faults)
        self.faults.bind(device)
        self.codec = codec or CodecV1()
        self.on_traffic = on_traffic
        self._own_log = traffic_log is not None and not isinstance(traffic_log, TrafficLog)
        self.traffic_log = TrafficLog(traffic_log) if self._own_log else traffic_log
        self.sync_interval_s = sync_interval_s
        self._host, self._port = host, port
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._due: list[tuple[float, int, bytes, str]] = []   # heap: (time, n, bytes, note)
        self._n = 0
        self._lock = threading.Lock()
        self._url = ""

    @property
    def url(self) -> str:
        """Where to connect: the pty slave path, or ``socket://host:port``."""
        return self._url

    def start(self) -> "EmulatorServer":
        """Opens the endpoint and starts the server thread."""
        self._wake_r, self._wake_w = os.pipe()
        if self.transport == "pty":
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)
            os.set_blocking(self._master, False)
            self._url = os.ttyname(self._slave)
            self._listen = None
        else:
            self._listen = socket.create_server((self._host, self._port))
            self._listen.setblocking(False)
            self._url = f"socket://{self._host}:{self._listen.getsockname()[1]}"
        self._conn: socket.socket | None = None
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"emulator {self._url}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops the thread and closes the endpoint (idempotent)."""
        if self._thread is None:
            return
        self._stop.set()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        self._thread = None
        for fd in (self._wake_r, self._wake_w) + ((self._master, self._slave) if self.transport == "pty" else ()):
            os.close(fd)
        for s in (self._conn, self._listen):
            if s is not None:
                s.close()
        if self._own_log:
            self.traffic_log.close()

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def send_raw(self, data: bytes, delay_s: float = 0.0) -> None:
        """Writes bytes of the test's choosing (e.g. noise between frames) after ``delay_s``."""
        self._schedule(delay_s, data, "raw")
        os.write(self._wake_w, b"x")

    # -- thread -----------------------------------------------------------------------------------
    def _schedule(self, delay_s: float, data: bytes, note: str) -> None:
        with self._lock:
            self._n += 1
            heapq.heappush(self._due, (time.monotonic() + delay_s, self._n, data, note))

    def _record(self, direction: str, raw: bytes, decoded: list, note: str = "") -> None:
        if self.on_traffic is not None:
            self.on_traffic(TrafficRecord(time.time(), direction, raw, decoded, note))
        if self.traffic_log is not None:
            text = "; ".join(describe(d) for d in decoded) + (f" [{note}]" if note else "")
            {"rx": self.traffic_log.rx, "tx": self.traffic_log.tx}.get(
                direction, lambda raw, text: self.traffic_log.event(text))(raw, text)

    def _run(self) -> None:
        decoder, out = self.codec.decoder(), bytearray()
        silent_until, next_sync = 0.0, 0.0
        while not self._stop.is_set():
            now, ready = time.monotonic(), []
            with self._lock:
                while self._due and self._due[0][0] <= now:
                    ready.append(heapq.heappop(self._due))
                wait = min(self._due[0][0] - now if self._due else 1.0, self.sync_interval_s)
            for _, _, data, note in ready:
                out += data
                self._record("tx", data, self.codec.decoder().feed(data), note)
            fd = self._master if self._listen is None else self._conn
            rlist = [self._wake_r] + ([fd] if fd is not None else []) + ([self._listen] if self._listen else [])
            wlist = [fd] if out and fd is not None else []
            readable, writable, _ = select.select(rlist, wlist, [], max(wait, 0.0))
            if self._wake_r in readable:
                os.read(self._wake_r, 512)
            if self._listen is not None and self._listen in readable:
                conn, _ = self._listen.accept()
                if self._conn is not None:
                    self._conn.close()
                self._conn, fd = conn, conn
                conn.setblocking(False)
                decoder.reset()
                out.clear()
                continue
            if fd is not None and fd in readable:
                data = self._read(fd)
                if data is None:                       # TCP client gone
                    self._conn.close()
                    self._conn = None
                    out.clear()
                    continue
                if time.monotonic() < silent_until:
                    self._record("rx", data, [], "discarded: rebooting")
                else:
                    silent_until = self._serve(decoder, data)
            if fd is not None and fd in writable and out:
                try:
                    n = os.write(fd, out) if self._listen is None else fd.send(out)
                except (BlockingIOError, InterruptedError):
                    n = 0
                del out[:n]
            if now >= next_sync:
                self.device.sync()
                next_sync = now + self.sync_interval_s

    def _read(self, fd) -> bytes | None:
        try:
            if self._listen is None:
                return os.read(fd, 65536)
            data = fd.recv(65536)
            return data or None
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            return None if self._listen is not None else b""

    def _serve(self, decoder, data: bytes) -> float:
        """Handles the requests completed by ``data``; returns the end of a reboot silence (or 0)."""
        items = decoder.feed(data)
        self._record("rx", data, items)
        for item in items:
            if isinstance(item, ProtocolError):
                if item.kind == "crc" and item.frame is not None and not item.frame.is_reply:
                    self._schedule(0.0, self.codec.encode(item.frame.reply(NAK_CRC)), "nak crc")
                continue
            if item.is_reply:
                continue
            kind = self.faults.choose()
            reply = item.reply(NAK_BUSY) if kind == "busy" else self.device.handle(item)
            if reply is None:
                self._record("ev", b"", [item], "no answer (module silent)")
                continue
            shaped = self.faults.shape(kind, self.codec.encode(reply))
            for delay, chunk in shaped.writes:
                self._schedule(delay, chunk, kind or "")
            if kind is not None and not shaped.writes:
                self._record("ev", b"", [reply], f"{kind}: reply not sent")
            if shaped.reboot:
                self.device.reboot()
                decoder.reset()
                self._record("ev", b"", [], f"reboot, silent {shaped.silent_s:g} s")
                return time.monotonic() + shaped.silent_s
        return 0.0
