"""Transport tests against a fake device thread (TCP port or pty) and ``loop://``.

:class:`FakeDevice` is also used by ``test_drivers.py``: a thread that
decodes requests with the codec and writes back whatever the test's handler
returns (a reply, garbage, nothing, or :class:`Vanish` to drop the
connection and stop listening for a while).
"""

from __future__ import annotations

import os
import re
import select
import socket
import threading
import time
import tty
from dataclasses import dataclass
from typing import Callable

import pytest

from hil.codec import commands as c
from hil.codec.frame import ACK, NAK_BUSY, NAK_UNREACHABLE, Frame
from hil.codec.v1 import CodecV1
from hil.errors import Garbage, HilError, Nak, NoAnswer, PortLost, PortNotFound
from hil.traffic import TrafficLog
from hil.transport import Transport
from scenarios.errors import InputError

CODEC = CodecV1()
FAST = {"timeout_s": 0.2, "backoff_s": 0.01, "first_seq": 0}


@dataclass
class Vanish:
    """Handler result: close the connection and the listener for ``down_s``."""

    down_s: float


def ack(frame: Frame, record=None) -> bytes:
    """Encoded ACK reply to ``frame`` with a reply record's data."""
    return CODEC.encode(frame.reply(ACK, record.pack() if record is not None else b""))


class FakeDevice:
    """Answers requests from a thread: ``handler(frame) -> bytes | None | Vanish``.

    Args:
        handler: Builds the raw answer to each request frame.
        kind: ``"pty"`` (URL the pty's slave device path) or ``"tcp"``
            (URL ``socket://127.0.0.1:<port>``; :class:`Vanish` works there only).
    """

    def __init__(self, handler: Callable[[Frame], bytes | None | Vanish], kind: str = "pty") -> None:
        self.handler = handler
        self.seen: list[Frame] = []
        self._stop = threading.Event()
        if kind == "tcp":
            self._listener = self._listen(0)
            self.port = self._listener.getsockname()[1]
            self.url = f"socket://127.0.0.1:{self.port}"
            target = self._run_tcp
        else:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)
            self.url = os.ttyname(self._slave)
            target = self._run_pty
        self._thread = threading.Thread(target=target, daemon=True)
        self._thread.start()

    @staticmethod
    def _listen(port: int) -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(4)
        sock.settimeout(0.02)
        return sock

    def _run_tcp(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            with conn:
                vanish = self._serve(conn.fileno(), lambda: conn.recv(4096), conn.sendall)
            if vanish is not None:
                self._listener.close()
                self._stop.wait(vanish.down_s)
                self._listener = self._listen(self.port)
        self._listener.close()

    def _run_pty(self) -> None:
        self._serve(self._master, lambda: os.read(self._master, 4096), lambda b: os.write(self._master, b))

    def _serve(self, fd: int, read: Callable[[], bytes], write: Callable[[bytes], object]) -> Vanish | None:
        decoder = CODEC.decoder()
        while not self._stop.is_set():
            if not select.select([fd], [], [], 0.02)[0]:
                continue
            try:
                data = read()
            except OSError:
                return None
            if not data:
                return None
            for item in decoder.feed(data):
                if not isinstance(item, Frame) or item.is_reply:
                    continue
                self.seen.append(item)
                out = self.handler(item)
                if isinstance(out, Vanish):
                    return out
                if out:
                    write(out)
        return None

    def close(self) -> None:
        """Stops the thread and closes the pty."""
        self._stop.set()
        self._thread.join(2)
        if hasattr(self, "_master"):
            os.close(self._master)
            os.close(self._slave)


@pytest.fixture
def device():
    """Factory of fake devices, closed after the test."""
    made: list[FakeDevice] = []

    def make(handler, kind: str = "pty") -> FakeDevice:
        made.append(FakeDevice(handler, kind))
        return made[-1]

    yield make
    for dev in made:
        dev.close()


IDENT = c.IdentifyReply("J100UC-0001", "1.2.3", c.KIND_J100UC, 0)


def identify_only(frame: Frame) -> bytes:
    return ack(frame, IDENT)


def test_happy_path_on_a_pty_device_path(device):
    dev = device(identify_only)
    with Transport(dev.url, **FAST) as port:
        reply = port.request(0, c.IDENTIFY)
        assert c.unpack_reply(reply.command, reply.data) == IDENT
        assert reply.seq == dev.seen[0].seq and reply.command == c.IDENTIFY | 0x80
        assert port.stats.as_dict() == {"sent": 1, "retries": 0, "timeouts": 0, "resyncs": 0,
                                        "reconnects": 0, "strays": 0, "busy": 0}
        second = port.request(0, c.IDENTIFY)
        assert second.seq == reply.seq + 1


def test_traffic_log_lines_in_memory_and_file(device, tmp_path):
    dev = device(identify_only)
    log = TrafficLog(tmp_path / "traffic.log")
    with Transport(dev.url, traffic=log, **FAST) as port:
        port.request(0, c.IDENTIFY)
    log.close()
    lines = (tmp_path / "traffic.log").read_text().splitlines()
    assert lines == log.lines and len(lines) >= 2
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
    assert re.fullmatch(stamp + r" TX 7e[0-9a-f]+  IDENTIFY addr=0 seq=1 len=0", lines[0])
    assert re.fullmatch(stamp + r" RX [0-9a-f]+  IDENTIFY addr=0 seq=1 reply status=ACK len=35", lines[-1])
    rx_hex = "".join(line.split()[2] for line in lines if " RX " in line)
    assert rx_hex == ack(Frame(0, c.IDENTIFY, 1), IDENT).hex()


def test_nak_raises_with_status_name(device):
    dev = device(lambda f: CODEC.encode(f.reply(NAK_UNREACHABLE)))
    with Transport(dev.url, **FAST) as port, pytest.raises(Nak) as err:
        port.request(12, c.READ_COUNTERS, c.ReadCountersRequest().pack())
    assert str(err.value) == (f"serial port {dev.url}: sent READ_COUNTERS to module 12, "
                              "it answered NAK unreachable (0x06)")
    assert err.value.status == NAK_UNREACHABLE and len(dev.seen) == 1


def test_busy_is_asked_again_with_a_new_seq(device):
    dev = device(lambda f: CODEC.encode(f.reply(NAK_BUSY)) if len(dev.seen) < 3 else ack(f, IDENT))
    with Transport(dev.url, **FAST) as port:
        assert port.request(0, c.IDENTIFY).seq == 3
        assert [f.seq for f in dev.seen] == [1, 2, 3] and port.stats.busy == 2
    always = device(lambda f: CODEC.encode(f.reply(NAK_BUSY)))
    with Transport(always.url, retries=2, **FAST) as port, pytest.raises(Nak, match=r"NAK busy \(0x05\)$"):
        port.request(0, c.IDENTIFY)
    assert [f.seq for f in always.seen] == [1, 2]


def test_no_answer_after_retries_with_the_same_seq(device):
    dev = device(lambda f: None)
    start = time.monotonic()
    with Transport(dev.url, retries=3, **FAST) as port, pytest.raises(NoAnswer) as err:
        port.request(12, c.READ_COUNTERS, c.ReadCountersRequest().pack())
    assert time.monotonic() - start < 1.5
    msg = str(err.value)
    assert msg == f"serial port {dev.url}: sent READ_COUNTERS to module 12, no reply within 0.2 s after 3 tries"
    assert "\n" not in msg and isinstance(err.value, InputError) and not isinstance(err.value, Garbage)
    assert [f.seq for f in dev.seen] == [1, 1, 1]
    assert (port.stats.sent, port.stats.retries, port.stats.timeouts) == (3, 2, 3)


def test_retry_is_answered_once(device):
    executed: list[int] = []
    cache: dict[int, bytes] = {}

    def lossy(frame: Frame) -> bytes | None:  # drops the first reply, answers retries from its cache
        if frame.seq not in cache:
            executed.append(frame.seq)
            cache[frame.seq] = ack(frame, c.SetThresholdReply(5000))
            return None
        return cache[frame.seq]

    dev = device(lossy)
    with Transport(dev.url, **FAST) as port:
        reply = port.request(3, c.SET_THRESHOLD, c.SetThresholdRequest(5000).pack())
    assert c.unpack_reply(c.SET_THRESHOLD, reply.data) == c.SetThresholdReply(5000)
    assert executed == [1] and [f.seq for f in dev.seen] == [1, 1] and port.stats.retries == 1


def test_garbage_before_the_reply_resyncs(device):
    noise = b"\x00\xff\x7e\x00\x01junk\x7e\x7e\x04\x00" + bytes(range(40))
    dev = device(lambda f: noise + ack(f, IDENT))
    with Transport(dev.url, **FAST) as port:
        reply = port.request(0, c.IDENTIFY)
        assert c.unpack_reply(c.IDENTIFY, reply.data) == IDENT
        assert port.stats.resyncs >= 1 and port.stats.retries == 0
        assert any("<" in line and " RX " in line for line in port.traffic.lines)


def test_damaged_reply_is_retried_at_once(device):
    def crc_flip(frame: Frame) -> bytes:
        good = ack(frame, IDENT)
        return good[:-1] + bytes([good[-1] ^ 0xFF]) if len(dev.seen) == 1 else good

    dev = device(crc_flip)
    start = time.monotonic()
    with Transport(dev.url, timeout_s=2.0, backoff_s=0.01, first_seq=0) as port:
        assert port.request(0, c.IDENTIFY).seq == 1
        assert port.stats.retries == 1 and port.stats.timeouts == 0
    assert time.monotonic() - start < 1.0  # not the 2 s timeout
    assert [f.seq for f in dev.seen] == [1, 1]


def test_stuck_partial_frame_is_given_up_after_an_idle_gap(device):
    # a start byte with a plausible length hides the real reply until the line goes idle
    dev = device(lambda f: b"\x7e\x03\x00" + ack(f, IDENT))
    start = time.monotonic()
    with Transport(dev.url, timeout_s=2.0, first_seq=0) as port:
        assert port.request(0, c.IDENTIFY).seq == 1
        assert port.stats.retries == 0 and port.stats.resyncs >= 1
    assert time.monotonic() - start < 1.0


def test_only_garbage_is_a_garbage_error(device):
    dev = device(lambda f: b"ERROR\r\n" * 5 + b"ABCDE")
    with Transport(dev.url, retries=2, **FAST) as port, pytest.raises(Garbage) as err:
        port.request(0, c.IDENTIFY)
    assert str(err.value) == (f"serial port {dev.url}: sent IDENTIFY to address 0, it answered 80 bytes "
                              "that are not frames (expected a BALANCE v1 reply)")
    assert isinstance(err.value, NoAnswer)


def test_stray_and_duplicate_replies_are_dropped(device):
    def chatty(frame: Frame) -> bytes:
        other = Frame(frame.address, frame.command, (frame.seq + 7) & 0xFFFF)
        wrong_command = Frame(frame.address, c.RELAY, frame.seq)
        good = ack(frame, IDENT)
        return ack(other, IDENT) + ack(wrong_command) + good + good  # the duplicate arrives late

    dev = device(chatty)
    with Transport(dev.url, **FAST) as port:
        assert port.request(0, c.IDENTIFY).seq == 1
        assert port.request(0, c.IDENTIFY).seq == 2
        assert port.stats.strays >= 4 and port.stats.retries == 0


def test_reconnect_after_the_port_vanishes(device):
    executed: list[int] = []

    def flaky(frame: Frame) -> bytes | Vanish:
        if len(dev.seen) == 1:
            return Vanish(0.4)  # drops the link without answering, back after 0.4 s
        executed.append(frame.seq)
        return ack(frame, c.RelayReply(True, 1_790_000_000_000))

    dev = device(flaky, "tcp")
    with Transport(dev.url, reconnect_s=3.0, **FAST) as port:
        reply = port.request(5, c.RELAY, c.RelayRequest(True).pack())
        assert c.unpack_reply(c.RELAY, reply.data).on is True
        assert [f.seq for f in dev.seen] == [1, 1] and executed == [1]
        assert port.stats.reconnects == 1 and port.stats.retries == 0
        assert any(" EV reconnected to " in line for line in port.traffic.lines)
        assert port.request(5, c.RELAY, c.RelayRequest(True).pack()).seq == 2


def test_port_lost_when_it_does_not_come_back(device):
    dev = device(lambda f: Vanish(5.0), "tcp")
    with Transport(dev.url, reconnect_s=0.3, **FAST) as port, pytest.raises(PortLost) as err:
        port.request(0, c.IDENTIFY)
    assert str(err.value).startswith(f"serial port {dev.url}: vanished (")
    assert str(err.value).endswith("and did not come back within 0.3 s")


def test_nonexistent_device_path_is_port_not_found(tmp_path):
    path = str(tmp_path / "ttyUSB9")
    with pytest.raises(PortNotFound) as err:
        Transport(path)
    assert str(err.value) == f"serial port {path}: does not exist"
    assert isinstance(err.value, HilError) and isinstance(err.value, InputError)


def test_refused_socket_is_port_not_found():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"socket://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    with pytest.raises(PortNotFound) as err:
        Transport(url)
    assert str(err.value).startswith(f"serial port {url}: cannot be opened (") and "\n" not in str(err.value)


def test_loop_url_echo_is_not_a_reply():
    with Transport("loop://", timeout_s=0.05, retries=1, first_seq=0) as port, pytest.raises(NoAnswer) as err:
        port.request(0, c.IDENTIFY)
    assert not isinstance(err.value, Garbage) and port.stats.strays == 0
    assert any(" RX 7e" in line and "IDENTIFY addr=0 seq=1 len=0" in line for line in port.traffic.lines)


def test_loopback_is_reported_as_an_echo_not_as_no_reply() -> None:
    from hil.errors import Loopback

    with Transport("loop://", timeout_s=0.05, retries=2, backoff_s=0.0) as transport:
        with pytest.raises(Loopback) as info:
            transport.request(0, c.IDENTIFY)
    text = str(info.value)
    assert "loop://" in text and "only our own request came back" in text and "no reply within" not in text
    assert info.value.echoes == 2 and "\n" not in text
