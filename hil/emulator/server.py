"""Serves a :class:`~hil.emulator.device.Device` on a pseudo-terminal or a TCP port.

One background thread multiplexes everything with ``select``: bytes read are
fed to a streaming decoder, each request goes through the fault plan and the
device, replies are written when due (late replies later). Protocol v1.1
receiver rules (``docs/serial-protocol.md``):

* after ``idle_gap_s`` without a byte, an incomplete frame is given up
  (``flush()``) and the bytes behind its start are scanned again;
* a candidate rejected for its CRC is answered ``NAK_CRC`` only if its
  header is a request's and no frame accepted later starts inside its bytes
  (a candidate that swallowed the start of a good frame has a header made of
  someone else's bytes); otherwise it is dropped silently;
* a failure inside the device never stops the server: the request is logged
  as an internal error (``errors``) and not answered.

With ``baudrate`` > 0 the line is paced like a UART at that rate
(:class:`~hil.emulator.line.LinePacer`): requests are answered once their
last byte would have arrived, replies leave at one character per
``10 / baudrate`` s. ``baudrate=0`` moves bytes at the processes' speed.
Traffic is reported to an optional callback (:class:`TrafficRecord`) and/or a
:class:`hil.traffic.TrafficLog` (``RX`` = received by the emulator).

Example:
    >>> with EmulatorServer(device, baudrate=115200) as server:     # doctest: +SKIP
    ...     port = serial.serial_for_url(server.url, baudrate=115200, timeout=1)
"""

from __future__ import annotations

import heapq
import os
import select
import socket
import termios
import threading
import time
import traceback
import tty
from pathlib import Path
from typing import Callable

from hil.codec.frame import NAK_BUSY, Frame, ProtocolError
from hil.codec.v1 import Codec, CodecV1
from hil.emulator.faults import FaultPlan, Faults
from hil.emulator.line import LinePacer
from hil.emulator.nak_crc import NakCrcRule
from hil.emulator.records import TrafficRecord, describe
from hil.traffic import TrafficLog

#: Silence after which the receiver gives up an incomplete frame, s (protocol v1.1 T_idle).
IDLE_GAP_S = 0.05


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
        baudrate: Pace the line like a UART at this rate (8N1); 0: no pacing.
        idle_gap_s: Silence after which an incomplete frame is given up.

    Attributes:
        errors: Requests that failed inside the device (logged, not answered).
    """

    def __init__(self, device, transport: str = "pty", faults: Faults | FaultPlan | None = None,
                 codec: Codec | None = None, host: str = "127.0.0.1", port: int = 0,
                 on_traffic: Callable[[TrafficRecord], None] | None = None,
                 traffic_log: TrafficLog | str | Path | None = None, sync_interval_s: float = 0.05,
                 baudrate: int = 0, idle_gap_s: float = IDLE_GAP_S) -> None:
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
        self.baudrate, self.idle_gap_s = int(baudrate), float(idle_gap_s)
        self.errors = 0
        self._naks = NakCrcRule(self._size)
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
            if self.baudrate:
                attrs = termios.tcgetattr(self._slave)
                speed = getattr(termios, f"B{self.baudrate}", None)
                if speed is not None:
                    attrs[4] = attrs[5] = speed
                    termios.tcsetattr(self._slave, termios.TCSANOW, attrs)
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
    def _schedule(self, delay_s: float, data: bytes, note: str, at: float | None = None) -> None:
        with self._lock:
            self._n += 1
            heapq.heappush(self._due, ((time.monotonic() if at is None else at) + delay_s, self._n, data, note))

    def _record(self, direction: str, raw: bytes, decoded: list, note: str = "") -> None:
        if self.on_traffic is not None:
            self.on_traffic(TrafficRecord(time.time(), direction, raw, decoded, note))
        if self.traffic_log is not None:
            text = "; ".join(describe(d) for d in decoded) + (f" [{note}]" if note else "")
            {"rx": self.traffic_log.rx, "tx": self.traffic_log.tx}.get(
                direction, lambda raw, text: self.traffic_log.event(text))(raw, text)

    def _reset_rx(self) -> None:
        """Forgets the receive state (new connection, reboot)."""
        self._decoder.reset()
        self._naks.reset()

    def _run(self) -> None:
        self._decoder = self.codec.decoder()
        self._reset_rx()
        pacer, out = LinePacer(self.baudrate, chunk=16), bytearray()
        silent_until, next_sync, last_rx = 0.0, 0.0, 0.0
        while not self._stop.is_set():
            now, ready = time.monotonic(), []
            with self._lock:
                while self._due and self._due[0][0] <= now:
                    ready.append(heapq.heappop(self._due))
                wait = min(self._due[0][0] - now if self._due else 1.0, self.sync_interval_s)
            for due, _, data, note in ready:
                if not out:
                    pacer.start_tx(due)      # the UART starts when the reply is due, not when we woke up
                out += data
                if self.on_traffic is not None or self.traffic_log is not None:
                    self._record("tx", data, self.codec.decoder().feed(data), note)
            if self._decoder.buffered:
                wait = min(wait, max(last_rx + self.idle_gap_s - now, 0.0))
            fd = self._master if self._listen is None else self._conn
            tx_wait = pacer.next_write_in(len(out), now) if out and fd is not None else None
            if tx_wait is not None:
                wait = min(wait, tx_wait)
            rlist = [self._wake_r] + ([fd] if fd is not None else []) + ([self._listen] if self._listen else [])
            wlist = [fd] if tx_wait == 0.0 else []
            readable, writable, _ = select.select(rlist, wlist, [], max(wait, 0.0))
            now = time.monotonic()
            if self._wake_r in readable:
                os.read(self._wake_r, 512)
            if self._listen is not None and self._listen in readable:
                conn, _ = self._listen.accept()
                if self._conn is not None:
                    self._conn.close()
                self._conn, fd = conn, conn
                conn.setblocking(False)
                self._reset_rx()
                out.clear()
                continue
            if fd is not None and fd in readable:
                data = self._read(fd)
                if data is None:                       # TCP client gone
                    self._conn.close()
                    self._conn = None
                    out.clear()
                    continue
                if data:
                    last_rx = pacer.received(len(data), now)
                    if now < silent_until:
                        self._record("rx", data, [], "discarded: rebooting")
                    else:
                        silent_until = max(silent_until, self._serve(self._decoder.feed(data), data, last_rx))
            elif self._decoder.buffered and now >= last_rx + self.idle_gap_s and now >= silent_until:
                items = self._decoder.flush()          # idle line: give up the incomplete frame, rescan
                self._record("ev", b"", items, f"idle {self.idle_gap_s * 1000:g} ms: partial frame given up")
                silent_until = max(silent_until, self._serve(items, None, now))
            if fd is not None and fd in writable and out:
                n = pacer.writable(len(out), time.monotonic())
                try:
                    done = os.write(fd, out[:n]) if self._listen is None else fd.send(out[:n])
                except (BlockingIOError, InterruptedError):
                    done = 0
                except OSError:
                    done = n                           # peer gone: drop the bytes
                pacer.refund(n - done)
                del out[:done]
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

    def _size(self, frame: Frame) -> int:
        """Bytes the frame took on the wire (v1: 11 + payload; another codec: its encoding)."""
        return 11 + len(frame.payload) if isinstance(self.codec, CodecV1) else len(self.codec.encode(frame))

    def _send_naks(self, naks: list[Frame], at: float) -> None:
        for nak in naks:
            self._schedule(0.0, self.codec.encode(nak), "nak crc", at)

    def _serve(self, items: list, data: bytes | None, at: float) -> float:
        """Handles decoded items; replies are due from ``at``. Returns the end of a reboot silence (or 0)."""
        if data is not None:
            self._record("rx", data, items)
        for item in items:
            self._send_naks(self._naks.see(item), at)
            if isinstance(item, ProtocolError) or item.is_reply:
                continue
            try:
                silent = self._answer(item, at)
            except Exception as exc:                   # noqa: BLE001 -- the line must keep answering
                self.errors += 1
                self._record("ev", b"", [item], "internal error, not answered: "
                             + " | ".join(traceback.format_exception_only(type(exc), exc)).strip())
                continue
            if silent:
                self._send_naks(self._naks.due(), at)
                return silent
        self._send_naks(self._naks.due(), at)
        return 0.0

    def _answer(self, item: Frame, at: float) -> float:
        """Runs one request through the faults and the device; returns the end of a reboot silence (or 0)."""
        kind = self.faults.choose()
        reply = item.reply(NAK_BUSY) if kind == "busy" else self.device.handle(item)
        if reply is None:
            self._record("ev", b"", [item], "no answer (module silent)")
            return 0.0
        shaped = self.faults.shape(kind, self.codec.encode(reply))
        for delay, chunk in shaped.writes:
            self._schedule(delay, chunk, kind or "", at)
        if kind is not None and not shaped.writes:
            self._record("ev", b"", [reply], f"{kind}: reply not sent")
        if shaped.reboot:
            self.device.reboot()
            self._reset_rx()
            self._record("ev", b"", [], f"reboot, silent {shaped.silent_s:g} s")
            return time.monotonic() + shaped.silent_s
        return 0.0
