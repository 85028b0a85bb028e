"""Byte transport to a BALANCE v1 device: requests, retries, resync, reconnect.

Labgrid-style layering: drivers (:mod:`hil.drivers`) speak commands, the
:class:`Transport` moves frames over any pyserial URL (``/dev/ttyUSB0``,
``socket://host:port``, ``rfc2217://host:port``, ``loop://``). Each
:meth:`Transport.request` gets the next seq; the reply is the frame with the
same seq and ``command|0x80`` (strays and duplicates are logged and dropped,
undecodable bytes logged and skipped while the decoder resynchronises). A
timeout or a damaged reply is retried with the **same** seq (the device
answers it from its reply cache: never executed twice) after ``backoff_s``,
doubling; a NAK busy is retried with a new seq. A vanished port
(``SerialException``/``OSError``) is reopened for up to ``reconnect_s`` and
the same seq resent. Errors are :mod:`hil.errors` (one line naming the port).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any, Callable

import serial

from hil.codec.frame import ACK, BROADCAST, NAK_BUSY, NAK_SEQ_REUSED, REPLY_BIT, STATUS_NAMES, Frame, ProtocolError
from hil.codec.v1 import Codec, CodecV1
from hil.errors import Garbage, Loopback, Nak, NoAnswer, PortLost, PortNotFound
from hil.traffic import TrafficLog, TransportStats, command_name, describe_address, describe_frame

PORT_ERRORS = (serial.SerialException, OSError)
"""Exceptions that mean the port went away (unplugged, peer closed)."""

DAMAGED = object()  # a wait() result: the reply came with a bad CRC; retry without waiting the timeout out


def open_port(url: str, baudrate: int, poll_s: float) -> serial.SerialBase:
    """Opens a device path or pyserial URL with read timeout ``poll_s``.

    Raises:
        PortNotFound: If it does not exist or cannot be opened.
    """
    if "://" not in url and not os.path.exists(url):
        raise PortNotFound(url)
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=poll_s, write_timeout=1.0)
        try:
            port.reset_input_buffer()  # bytes a previous client left unread are not ours
        except (AttributeError, NotImplementedError, *PORT_ERRORS):
            pass
        return port
    except ValueError as exc:
        raise PortNotFound(url, f"is not a usable port URL ({exc})") from exc
    except PORT_ERRORS as exc:
        text = str(exc).split("]", 1)[-1].strip()  # drop "could not open ...: [Errno n]"
        raise PortNotFound(url, f"cannot be opened ({text})") from exc


class PortLink:
    """An open port with retries, reconnection and a traffic log (shared by the rig).

    Args:
        url: Device path or pyserial URL.
        baudrate: Line speed.
        timeout_s: How long each try waits for its reply.
        retries: How many times a request is sent in all (tries, at least 1);
            the ``retries`` counter counts the sends after the first.
        backoff_s: Pause before the 2nd try; doubled for each further try.
        reconnect_s: How long to keep reopening a vanished port.
        traffic: Where bytes are logged; a memory-only log by default.

    Raises:
        PortNotFound: If the port cannot be opened.
    """

    def __init__(self, url: str, baudrate: int = 115200, timeout_s: float = 0.5, retries: int = 3,
                 backoff_s: float = 0.05, reconnect_s: float = 5.0, traffic: TrafficLog | None = None) -> None:
        self.url, self.baudrate, self.timeout_s = url, baudrate, timeout_s
        self.tries, self.backoff_s, self.reconnect_s = max(1, retries), backoff_s, reconnect_s
        self.traffic = traffic if traffic is not None else TrafficLog()
        self.stats = TransportStats()
        self._lock = threading.RLock()
        self._poll_s = min(0.02, timeout_s)
        self._port: serial.SerialBase | None = open_port(url, baudrate, self._poll_s)

    def _exchange(self, raw: bytes, summary: str, who: tuple[str, str, str],
                  wait: Callable[[dict[str, int]], Any], idempotent: bool = True) -> Any:
        """Sends ``raw`` and waits for the reply, retrying and reconnecting.

        ``who`` is (request name, target, expected reply) for messages;
        ``wait(junk)`` reads one try's worth and returns the reply, ``None``
        (timeout) or ``DAMAGED`` (bad CRC: retry now), counting unusable
        bytes in ``junk["bytes"]`` and replies in ``junk["replies"]``. A
        non-``idempotent`` request is sent once, and not resent after a
        reconnect once written.

        Raises:
            NoAnswer, Garbage, PortLost: See :meth:`Transport.request`.
        """
        name, target, expected = who
        tries_max = self.tries if idempotent else 1
        junk = {"bytes": 0, "replies": 0, "echoes": 0}
        if self._port is None:
            self._reconnect(serial.SerialException("port was closed"))
        tries = lost = 0
        resend = False
        while resend or tries < tries_max:
            if not resend:
                tries += 1
                if tries > 1:
                    self.stats.retries += 1
                    time.sleep(self.backoff_s * 2 ** (tries - 2))
                    self.traffic.event(f"retry {summary} (try {tries} of {tries_max})")
            resend, written = False, False
            try:
                self._write(raw, summary)
                written = True
                reply = wait(junk)
            except PORT_ERRORS as exc:
                lost += 1
                if lost > self.tries:
                    raise PortLost(self.url, self.reconnect_s, str(exc)) from exc
                self._reconnect(exc)
                resend = idempotent or not written
                continue
            if reply is DAMAGED:
                self.traffic.error(f"damaged reply to {summary} (try {tries} of {tries_max})")
            elif reply is not None:
                return reply
            else:
                self.stats.timeouts += 1
                self.traffic.error(f"no reply to {summary} within {self.timeout_s:g} s (try {tries} of {tries_max})")
        if junk["echoes"] and not junk["replies"]:
            raise Loopback(self.url, name, target, junk["echoes"], tries)
        if junk["bytes"] and not junk["replies"]:
            raise Garbage(self.url, name, target, junk["bytes"], expected, self.timeout_s, tries)
        raise NoAnswer(self.url, name, target, self.timeout_s, tries)

    def _opened(self) -> None:
        """Hook: called after every (re)open."""

    def _write(self, raw: bytes, summary: str) -> None:
        self.traffic.tx(raw, summary)
        self.stats.sent += 1
        if self._port is None:
            raise serial.SerialException("port is closed")
        self._port.write(raw)
        self._port.flush()

    def _read_some(self) -> bytes:
        """Reads what is there, waiting at most one poll interval."""
        if (port := self._port) is None:
            raise serial.SerialException("port is closed")
        data = port.read(max(1, port.in_waiting))
        while data and port.in_waiting and len(data) < 4096:  # the rest of a burst: one log line
            data += port.read(port.in_waiting)  # (socket:// reports 1 while anything is there)
        return data

    def _reconnect(self, cause: BaseException) -> None:
        """Closes the port and reopens it within ``reconnect_s`` (or raises PortLost)."""
        self.traffic.error(f"port lost: {' '.join(str(cause).split())}")
        start, delay = time.monotonic(), 0.05
        self._close_port()
        while self._port is None:
            try:
                self._port = open_port(self.url, self.baudrate, self._poll_s)
            except PortNotFound as exc:
                left = self.reconnect_s - (time.monotonic() - start)
                if left <= 0:
                    raise PortLost(self.url, self.reconnect_s, str(cause)) from exc
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.5)
        self.stats.reconnects += 1
        self.traffic.event(f"reconnected to {self.url} after {time.monotonic() - start:.3f} s")
        self._opened()

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(*PORT_ERRORS):
                port.close()

    def close(self) -> None:
        """Closes the port (the traffic log stays usable)."""
        with self._lock:
            self._close_port()

    def __enter__(self) -> "PortLink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Transport(PortLink):
    """Request/reply over a port with the BALANCE codec.

    Args:
        url: Device path or pyserial URL.
        codec: Frame codec; :class:`~hil.codec.v1.CodecV1` by default.
        baudrate, timeout_s, retries, backoff_s, reconnect_s, traffic: As
            for :class:`PortLink`.
        idle_gap_s: Silence after which a partial frame is given up (else a
            damaged length field hides the frames behind it until the timeout).
        first_seq: The seq before the first request's; None (default) a random
            one, so a restarted client does not meet its predecessor's cached replies.

    Raises:
        PortNotFound: If the port cannot be opened.
    """

    def __init__(self, url: str, codec: Codec | None = None, baudrate: int = 115200, timeout_s: float = 0.5,
                 retries: int = 3, backoff_s: float = 0.05, reconnect_s: float = 5.0,
                 traffic: TrafficLog | None = None, idle_gap_s: float = 0.05, first_seq: int | None = None) -> None:
        self.codec = codec if codec is not None else CodecV1()
        self.idle_gap_s = idle_gap_s
        # a random first seq: a restarted client does not meet the replies its predecessor left in the cache
        self._decoder = self.codec.decoder()
        self._seq = int.from_bytes(os.urandom(2), "big") if first_seq is None else int(first_seq) & 0xFFFF
        super().__init__(url, baudrate, timeout_s, retries, backoff_s, reconnect_s, traffic)

    def _opened(self) -> None:
        self._decoder = self.codec.decoder()

    def next_seq(self) -> int:
        """Returns the next sequence number (counting up from a random start, wrapping at 0xFFFF)."""
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    def request(self, address: int, command: int, payload: bytes = b"") -> Frame:
        """Sends one request and returns its ACK reply.

        Args:
            address: 0 the device itself, 1..0x0FFF a module, 0xFFFF broadcast.
            command: Command code (without the reply bit).
            payload: Request payload.

        Returns:
            The reply frame (``payload[0] == ACK``; the data is ``frame.data``).

        Raises:
            Nak: A non-zero status; ``busy`` only after ``retries`` requests,
                each with a new seq (busy: not run; the NAK may be cached).
            NoAnswer: No matching reply after all tries.
            Garbage: Only undecodable bytes came back (a ``NoAnswer``).
            Loopback: Only our own request came back (a ``NoAnswer``): the port echoes.
            PortLost: The port vanished and did not come back in time.
        """
        name, target = command_name(command), describe_address(address)
        with self._lock:
            for busy in range(self.tries):
                if busy:  # NAK busy: the request did not run; again, later, with a new seq
                    self.stats.busy += 1
                    time.sleep(self.backoff_s * 2 ** (busy - 1))
                    self.traffic.event(f"NAK busy: {name} to {target} again with a new seq")
                frame = Frame(address, command, self.next_seq(), bytes(payload))
                reply = self._exchange(
                    self.codec.encode(frame), describe_frame(frame),
                    (name, target, "a BALANCE v1 reply"), lambda junk: self._await_reply(frame, junk),
                )
                status = reply.payload[0] if reply.payload else None
                if status == NAK_SEQ_REUSED:          # our seq met another request's cached reply: new seq
                    status = NAK_BUSY
                    self.traffic.event(f"NAK seq_reused: {name} to {target} again with a new seq")
                if status != NAK_BUSY:
                    break
            if status == ACK:
                return reply
            if status is None:
                raise Nak(self.url, name, target, "with an empty payload (no status byte)")
            raise Nak(self.url, name, target, STATUS_NAMES.get(status, "unknown").removeprefix("NAK_").lower(), status)

    def _await_reply(self, request: Frame, junk: dict[str, int]) -> Frame | object | None:
        """Reads until the matching reply, a damaged one (``DAMAGED``) or the timeout."""
        deadline = time.monotonic() + self.timeout_s
        want = request.command | REPLY_BIT
        match: Frame | None = None
        damaged, last_rx = False, None
        while match is None and not damaged:
            final = time.monotonic() >= deadline
            chunk = b"" if final else self._read_some()
            items = self._decoder.feed(chunk) if chunk else []
            if chunk:
                last_rx = time.monotonic()
            elif final or (last_rx is not None and time.monotonic() - last_rx >= self.idle_gap_s):
                items += self._decoder.flush()  # idle line: reject a stuck partial frame, rescan
                last_rx = None
            notes = []
            for item in items:
                if isinstance(item, ProtocolError):
                    self.stats.resyncs += 1
                    junk["bytes"] += len(item.skipped)
                    notes.append(f"<{item}>")
                    hdr = item.frame  # only for kind "crc": the header as read
                    damaged |= hdr is not None and hdr.command == want and hdr.seq == request.seq
                    continue
                notes.append(describe_frame(item))
                if not item.is_reply:
                    if item == request:
                        junk["echoes"] += 1   # our own request (loop://, half-duplex bus, RX wired to TX)
                        notes[-1] += " (echo of our request)"
                    continue
                junk["replies"] += 1
                matches = item.seq == request.seq and item.command == want and (
                    request.address in (BROADCAST, item.address)
                )
                if matches and match is None:
                    match = item
                else:
                    self.stats.strays += 1
                    notes[-1] += " (stray, dropped)"
            if chunk:
                self.traffic.rx(chunk, "; ".join(notes))
            elif notes:
                self.traffic.error("at idle: " + "; ".join(notes))
            if final:
                break
        return DAMAGED if match is None and damaged else match
