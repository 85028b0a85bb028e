"""Emulator server (pty and TCP, through pyserial) and its fault injection."""

from __future__ import annotations

import time

import pytest
import serial

from hil.codec import commands as c
from hil.codec.frame import ACK, NAK_BAD_PAYLOAD, NAK_BUSY, NAK_CRC, NAK_UNREACHABLE, Frame, ProtocolError
from hil.codec.v1 import CodecV1
from hil.emulator import Device, EmulatorServer, FaultPlan, Faults
from hil.emulator.model import EV_REBOOT
from hil.traffic import TrafficLog
from scenarios.generators.district import DistrictConfig, make_district

CODEC = CodecV1()


@pytest.fixture(scope="module")
def site():
    return make_district(DistrictConfig(buildings=1, streets=1, entrances=1, floors=4, water=False), 5)


@pytest.fixture()
def dev(site):
    return Device.from_site(site, 5)


class Client:
    """A bare pyserial client: sends frames, collects what comes back."""

    def __init__(self, url: str, timeout: float = 0.3, port_timeout: float = 0.02) -> None:
        self.port = serial.serial_for_url(url, baudrate=115200, timeout=port_timeout)
        self.decoder, self.timeout = CODEC.decoder(), timeout

    def send(self, frame: Frame) -> None:
        self.port.write(CODEC.encode(frame))

    def collect(self, seq: int | None = None, wait: float | None = None) -> tuple[list, bytes]:
        """Items and bytes until a reply with ``seq`` arrives (or ``wait`` s pass)."""
        items, raw, end = [], b"", time.monotonic() + (wait or self.timeout)
        while time.monotonic() < end:
            data = self.port.read(self.port.in_waiting or 1)
            raw += data
            items += self.decoder.feed(data)
            if seq is not None and any(isinstance(i, Frame) and i.seq == seq for i in items):
                break
        return items, raw

    def ask(self, frame: Frame) -> Frame | None:
        self.send(frame)
        items, _ = self.collect(frame.seq)
        return next((i for i in items if isinstance(i, Frame) and i.seq == frame.seq), None)

    def close(self) -> None:
        self.port.close()


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_round_trips(dev, transport):
    records = []
    with EmulatorServer(dev, transport=transport, on_traffic=records.append) as srv:
        assert srv.url.startswith("/dev/" if transport == "pty" else "socket://127.0.0.1:")
        cl = Client(srv.url, timeout=1.0, port_timeout=1.0)
        ident = cl.ask(Frame(0, c.IDENTIFY, 1))
        assert c.unpack_reply(ident.command, ident.data).serial == dev.concentrator_id
        sync = cl.ask(Frame(0, c.TIME_SYNC, 2, c.TimeSyncRequest(1_750_000_000).pack()))
        assert c.unpack_reply(sync.command, sync.data).unix_s == 1_750_000_000
        counters = cl.ask(Frame(3, c.READ_COUNTERS, 3, b"\xff"))
        assert counters.status == ACK and len(c.unpack_reply(counters.command, counters.data).counters) == 3
        cl.close()
    assert {r.direction for r in records} >= {"rx", "tx"}
    tx = [r for r in records if r.direction == "tx"]
    assert [r.decoded[0].seq for r in tx] == [1, 2, 3] and tx[0].hex == CODEC.encode(ident).hex()


def test_keeps_up_with_115200_baud(dev):
    with EmulatorServer(dev) as srv:
        cl = Client(srv.url)
        n = 300
        requests = b"".join(CODEC.encode(Frame(1 + i % 10, c.READ_COUNTERS, i, b"\xff")) for i in range(n))
        t0 = time.monotonic()
        cl.port.write(requests)
        got, raw = [], b""
        while len(got) < n and time.monotonic() - t0 < 5:
            data = cl.port.read(cl.port.in_waiting or 1)
            raw += data
            got += [i for i in cl.decoder.feed(data) if isinstance(i, Frame)]
        elapsed = time.monotonic() - t0
        cl.close()
    assert [f.seq for f in got] == list(range(n))
    line_s = (len(requests) + len(raw)) * 10 / 115200   # 8N1, both directions back to back
    assert elapsed <= line_s / 0.8


def test_traffic_log_file(dev, tmp_path):
    path = tmp_path / "emu.log"
    with EmulatorServer(dev, transport="tcp", traffic_log=path) as srv:
        cl = Client(srv.url)
        assert cl.ask(Frame(2, c.IDENTIFY, 9)).status == ACK
        cl.close()
    lines = path.read_text().splitlines()
    assert any(" RX 7e" in ln and "IDENTIFY addr=2 seq=9" in ln for ln in lines)
    assert any(" TX 7e" in ln and "IDENTIFY|reply addr=2 seq=9 status=ACK" in ln for ln in lines)


def test_faults_are_deterministic():
    plan = FaultPlan(seed=9, noise=0.2, drop=0.2, corrupt=0.1, late=0.1, busy=0.1, reboot=0.05)
    faults = [Faults(plan) for _ in range(2)]
    runs = [[f.choose() for _ in range(200)] for f in faults]
    assert runs[0] == runs[1] and len(set(runs[0])) == 7   # six kinds and None
    with pytest.raises(ValueError):
        FaultPlan(drop=0.7, noise=0.5)
    scheduled = Faults(FaultPlan(schedule={2: "drop"}))
    assert [scheduled.choose() for _ in range(3)] == [None, "drop", None]


@pytest.fixture()
def served(dev):
    faults = Faults(FaultPlan(seed=1, late_s=0.5, reboot_silent_ms=300))
    with EmulatorServer(dev, transport="tcp", faults=faults) as srv:
        cl = Client(srv.url)
        yield srv, faults, cl
        cl.close()


def test_fault_noise_and_crc_nak(served):
    srv, faults, cl = served
    faults.trigger("noise")
    cl.send(Frame(1, c.IDENTIFY, 1))
    items, _ = cl.collect(1)
    assert isinstance(items[0], ProtocolError) and items[0].kind == "sync"
    assert isinstance(items[-1], Frame) and items[-1].status == ACK
    srv.send_raw(b"\x01\x02\x03")                              # noise between frames
    bad = bytearray(CODEC.encode(Frame(1, c.IDENTIFY, 2)))
    bad[-1] ^= 0xFF
    cl.port.write(bytes(bad))
    items, _ = cl.collect(2)
    assert items[0].kind == "sync" and items[-1].status == NAK_CRC


def test_fault_drop_then_retry_from_cache(served, dev):
    srv, faults, cl = served
    faults.trigger("drop")
    req = Frame(4, c.RELAY, 5, b"\x00")
    cl.send(req)
    items, raw = cl.collect(5, wait=0.3)
    assert raw == b"" and faults.counts["drop"] == 1
    assert dev.modules[3].relay_on is False                    # it ran
    executed = dev.stats["executed"]
    assert cl.ask(req).status == ACK
    assert dev.stats["executed"] == executed and dev.stats["cache_hits"] == 1


def test_fault_corrupt(served):
    srv, faults, cl = served
    faults.trigger("corrupt")
    cl.send(Frame(1, c.READ_COUNTERS, 3, b"\xff"))
    items, raw = cl.collect(3, wait=0.3)
    items += cl.decoder.flush()
    assert raw and not any(isinstance(i, Frame) for i in items)
    assert any(isinstance(i, ProtocolError) and i.kind in ("crc", "version", "length", "truncated") for i in items)


def test_fault_late_and_busy(served, dev):
    srv, faults, cl = served
    faults.trigger("late")
    cl.send(Frame(1, c.IDENTIFY, 4))
    assert cl.collect(4, wait=0.3)[1] == b""
    items, _ = cl.collect(4, wait=0.6)
    assert items[-1].seq == 4 and items[-1].status == ACK
    faults.trigger("busy")
    executed = dev.stats["executed"]
    assert cl.ask(Frame(1, c.IDENTIFY, 5)).status == NAK_BUSY and dev.stats["executed"] == executed


def test_fault_reboot_mid_transfer(served, dev):
    srv, faults, cl = served
    before = cl.ask(Frame(2, c.READ_COUNTERS, 6, b"\xff"))
    faults.trigger("reboot")
    cl.send(Frame(0, c.READ_NETWORK, 7, b"\x00\x01"))
    items, raw = cl.collect(7, wait=0.1)
    assert raw and not any(isinstance(i, Frame) for i in items)          # half a reply
    time.sleep(0.35)                                                       # link silent meanwhile
    cl.decoder.reset()
    assert cl.ask(Frame(2, c.READ_COUNTERS, 9, b"\xff")).data == before.data   # flash kept
    events = cl.ask(Frame(0, c.READ_EVENTS, 10, b"\x00\x00"))
    assert [e.code for e in c.unpack_reply(events.command, events.data).events] == [EV_REBOOT]
    assert dev.stats["reboots"] == 1


def test_silence_after_reboot_discards_requests(served):
    srv, faults, cl = served
    faults.trigger("reboot")
    cl.send(Frame(0, c.IDENTIFY, 11))
    cl.collect(11, wait=0.05)
    cl.send(Frame(0, c.IDENTIFY, 12))
    assert not any(isinstance(i, Frame) for i in cl.collect(12, wait=0.15)[0])


def test_fault_module_out_of_range(served):
    srv, faults, cl = served
    faults.trigger("out_of_range", module=3, mode="nak")
    assert cl.ask(Frame(3, c.READ_COUNTERS, 13, b"\xff")).status == NAK_UNREACHABLE
    faults.trigger("out_of_range", module=3, mode="silent")
    assert cl.ask(Frame(3, c.READ_COUNTERS, 14, b"\xff")) is None
    faults.trigger("out_of_range", module=3, mode=None)
    assert cl.ask(Frame(3, c.READ_COUNTERS, 15, b"\xff")).status == ACK


def test_plan_out_of_range_and_clock_speed(site):
    from hil.emulator import EmuClock

    dev = Device.from_site(site, 5, clock=EmuClock(speed=36_000.0))
    with EmulatorServer(dev, faults=FaultPlan(out_of_range={2: "nak"}), sync_interval_s=0.01) as srv:
        cl = Client(srv.url)
        assert cl.ask(Frame(2, c.IDENTIFY, 1)).status == NAK_UNREACHABLE
        first = cl.ask(Frame(5, c.READ_COUNTERS, 2, b"\xff"))
        time.sleep(0.3)                                      # about 3 emulated hours
        later = cl.ask(Frame(5, c.READ_COUNTERS, 3, b"\xff"))
        cl.close()
    a, b = (c.unpack_reply(f.command, f.data).counters for f in (first, later))
    assert all(y.pulses > x.pulses for x, y in zip(a, b))


def test_traffic_log_object(dev):
    log = TrafficLog()
    with EmulatorServer(dev, transport="tcp", traffic_log=log, faults=FaultPlan(schedule={1: "drop"})) as srv:
        cl = Client(srv.url)
        cl.send(Frame(1, c.IDENTIFY, 1))
        cl.collect(1, wait=0.2)
        cl.close()
    assert any("drop: reply not sent" in ln for ln in log.lines)


# -- issue 18: disagreements between the emulator and the spec, over the wire ---------------------


def test_issue18_1_set_pulse_weight_channel_ff_is_nakd_and_the_emulator_keeps_answering(dev) -> None:
    with EmulatorServer(dev, "pty") as server:
        client = Client(server.url)
        try:
            bad = client.ask(Frame(1, c.SET_PULSE_WEIGHT, 1, c.SetPulseWeightRequest(0xFF, 10).pack()))
            assert bad is not None and bad.status == NAK_BAD_PAYLOAD
            assert client.ask(Frame(0, c.IDENTIFY, 2)).status == ACK
        finally:
            client.close()
    assert server.errors == 0


@pytest.mark.parametrize("bad", ["truncated", "over_long"])
def test_issue18_2_a_good_frame_after_a_truncated_or_over_long_one_is_answered_within_the_timeout(dev, bad) -> None:
    good = Frame(0, c.IDENTIFY, 7)
    sample = CODEC.encode(Frame(0, c.READ_EVENTS, 6, b"\x00\x00"))
    junk = sample[:6] if bad == "truncated" else sample[:2] + b"\x40" + sample[3:]   # length 0x0040: too long
    with EmulatorServer(dev, "pty") as server:
        client = Client(server.url, timeout=0.5)
        try:
            client.port.write(junk)
            time.sleep(0.2)                     # then the line goes quiet; the next frame comes later
            t0 = time.monotonic()
            assert client.ask(good) is not None and time.monotonic() - t0 < 0.5
            client.port.write(junk + CODEC.encode(Frame(0, c.IDENTIFY, 8)))   # and with no pause at all
            items, _ = client.collect(8, wait=0.5)
            assert any(isinstance(i, Frame) and i.seq == 8 for i in items)
        finally:
            client.close()


def test_issue18_3_no_nak_crc_with_a_seq_taken_from_the_next_frame(dev) -> None:
    first = CODEC.encode(Frame(0, c.IDENTIFY, 0x0101))
    second = Frame(0, c.IDENTIFY, 0x0202)
    with EmulatorServer(dev, "pty") as server:
        client = Client(server.url)
        try:
            client.port.write(first[:5] + CODEC.encode(second))     # header cut after the address
            items, _ = client.collect(wait=0.4)
        finally:
            client.close()
    frames = [i for i in items if isinstance(i, Frame)]
    assert [(f.seq, f.status) for f in frames] == [(0x0202, ACK)]   # no NAK_CRC with a made-up seq


def test_nak_crc_for_a_damaged_request_still_comes_with_its_own_seq(dev) -> None:
    raw = bytearray(CODEC.encode(Frame(2, c.READ_COUNTERS, 0x0303, b"\xff")))
    raw[-1] ^= 0xFF
    with EmulatorServer(dev, "pty") as server:
        client = Client(server.url)
        try:
            client.port.write(bytes(raw))
            items, _ = client.collect(0x0303, wait=0.4)
        finally:
            client.close()
    frames = [i for i in items if isinstance(i, Frame)]
    assert [(f.address, f.seq, f.status) for f in frames] == [(2, 0x0303, NAK_CRC)]


def test_paced_line_is_no_faster_than_the_uart(dev) -> None:
    request = Frame(0, c.READ_NETWORK, 9, c.ReadNetworkRequest(0).pack())
    reply_size = len(CODEC.encode(dev.handle(Frame(0, c.READ_NETWORK, 60_000, request.payload))))
    with EmulatorServer(dev, "pty", baudrate=9600) as server:
        client = Client(server.url, timeout=2.0)
        try:
            t0 = time.monotonic()
            assert client.ask(request) is not None
            took = time.monotonic() - t0
        finally:
            client.close()
    line_s = (len(CODEC.encode(request)) + reply_size) * 10 / 9600     # request in, reply out, one after the other
    assert line_s <= took < line_s + 1.0, (took, line_s)   # never faster than the line (slower: load)
