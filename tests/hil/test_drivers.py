"""J100UC, D100FC and rig drivers against fake devices on ptys."""

from __future__ import annotations

import os
import select
import threading
import tty

import pytest

from hil.codec import commands as c
from hil.codec.frame import ACK, BROADCAST, NAK_UNKNOWN_ADDRESS, Frame
from hil.drivers import D100FC, J100UC, PulseStatus, RelayInput, Rig, RigIdentity
from hil.errors import BadPayload, Garbage, Nak, NoAnswer
from hil.transport import Transport
from tests.hil.test_transport import CODEC, FAST, device  # noqa: F401 -- fixture
RIG_FAST = {k: v for k, v in FAST.items() if k != "first_seq"}

T0 = 1_790_000_000 // 3600 * 3600


class FakeConcentrator:
    """A J100UC with 70 modules, 130 profile hours and 130 events (pages of 120)."""

    def __init__(self, kind: int = c.KIND_J100UC) -> None:
        self.kind = kind
        self.requests: list[tuple[int, object]] = []
        self.network = [c.NetworkEntry(i, f"M{i:07d}", (i - 1) // 10, 1 + (i - 1) // 10, -60 - i % 30, 3)
                        for i in range(1, 71)]
        self.profile = {T0 + 3600 * k: 10 + k for k in range(130)}
        self.events = [c.Event(i, T0 + 60 * i, 1 + i % 5) for i in range(130)]
        self.weights = {0: 1000, 1: 100}
        self.relay_on = False

    def __call__(self, frame: Frame) -> bytes:
        req = c.unpack_request(frame.command, frame.payload)
        self.requests.append((frame.address, req))
        if frame.address not in (0, BROADCAST) and not 1 <= frame.address <= 70:
            return CODEC.encode(frame.reply(NAK_UNKNOWN_ADDRESS))
        return CODEC.encode(frame.reply(ACK, self.answer(req).pack()))

    def answer(self, req):
        if isinstance(req, c.IdentifyRequest):
            return c.IdentifyReply("J100UC-0042", "2.1.0", self.kind, 2)
        if isinstance(req, c.TimeSyncRequest):
            return c.TimeSyncReply(req.unix_s)
        if isinstance(req, c.ReadNetworkRequest):
            return c.ReadNetworkReply(tuple(e for e in self.network if e.index >= req.start)[:60])
        if isinstance(req, c.ReadCountersRequest):
            chans = sorted(self.weights) if req.channel == c.ALL_CHANNELS else [req.channel]
            return c.ReadCountersReply(tuple(c.CounterReading(k, 1234 + k, self.weights[k]) for k in chans))
        if isinstance(req, c.ReadProfileRequest):
            lo = req.from_unix_s // 3600 * 3600
            hours = sorted(h for h in self.profile if lo <= h < req.to_unix_s)[:120]
            return c.ReadProfileReply(tuple(c.ProfileHour(h, self.profile[h]) for h in hours))
        if isinstance(req, c.ReadEventsRequest):
            return c.ReadEventsReply(tuple(e for e in self.events if e.index >= req.since_index)[:120])
        if isinstance(req, c.SetThresholdRequest):
            return c.SetThresholdReply(req.threshold_w)
        if isinstance(req, c.RelayRequest):
            self.relay_on = req.on
            return c.RelayReply(req.on, 1_790_000_000_123)
        if isinstance(req, c.GroupShedRequest):
            return c.GroupShedReply(17 if req.classes == c.CLASS_YELLOW else 42)
        if isinstance(req, c.SetPulseWeightRequest):
            self.weights[req.channel] = req.pulse_weight
            return c.SetPulseWeightReply(req.channel, req.pulse_weight)
        raise AssertionError(req)


@pytest.fixture
def conc(device):
    fake = FakeConcentrator()
    with Transport(device(fake).url, **FAST) as port:
        yield J100UC(port), fake


def test_j100uc_identify_and_time_sync(conc):
    drv, fake = conc
    assert drv.identify() == c.IdentifyReply("J100UC-0042", "2.1.0", c.KIND_J100UC, 2)
    assert drv.time_sync(T0 + 5) == T0 + 5
    assert fake.requests == [(0, c.IdentifyRequest()), (0, c.TimeSyncRequest(T0 + 5))]


def test_j100uc_network_table_pages(conc):
    drv, fake = conc
    table = drv.network_table()
    assert [e.index for e in table] == list(range(1, 71)) and table[11].module_id == "M0000012"
    assert fake.requests == [(0, c.ReadNetworkRequest(0)), (0, c.ReadNetworkRequest(61))]


def test_j100uc_counters_and_pulse_weight(conc):
    drv, fake = conc
    assert drv.read_counters(12) == [c.CounterReading(0, 1234, 1000), c.CounterReading(1, 1235, 100)]
    assert drv.read_counters(12, 1) == [c.CounterReading(1, 1235, 100)]
    assert drv.set_pulse_weight(12, 1, 250) == c.SetPulseWeightReply(1, 250)
    assert drv.read_counters(12, 1)[0].pulse_weight == 250
    assert fake.requests[0] == (12, c.ReadCountersRequest(c.ALL_CHANNELS))


def test_j100uc_profile_pages(conc):
    drv, fake = conc
    hours = drv.read_profile(7, 0, T0, T0 + 200 * 3600)
    assert [h.hour_unix_s for h in hours] == [T0 + 3600 * k for k in range(130)]
    assert hours[129].pulses == 139
    assert fake.requests == [(7, c.ReadProfileRequest(0, T0, T0 + 200 * 3600)),
                             (7, c.ReadProfileRequest(0, T0 + 120 * 3600, T0 + 200 * 3600))]
    assert len(drv.read_profile(7, 0, T0, T0 + 5 * 3600)) == 5


def test_j100uc_events_page_until_empty(conc):
    drv, fake = conc
    events = drv.read_events(3)
    assert [e.index for e in events] == list(range(130))
    assert [r for _, r in fake.requests] == [c.ReadEventsRequest(0), c.ReadEventsRequest(120),
                                             c.ReadEventsRequest(130)]
    assert [e.index for e in drv.read_events(0, since=128)] == [128, 129]


def test_j100uc_threshold_relay_group_shed(conc):
    drv, fake = conc
    assert drv.set_threshold(4, 3500) == 3500
    assert drv.relay(4, True) == c.RelayReply(True, 1_790_000_000_123) and fake.relay_on is True
    assert drv.group_shed(2, True, c.CLASS_YELLOW) == 17
    assert drv.group_shed(2, False) == 42
    assert fake.requests[-2] == (BROADCAST, c.GroupShedRequest(2, True, c.CLASS_YELLOW))
    assert fake.requests[-1] == (BROADCAST, c.GroupShedRequest(2, False, c.CLASS_YELLOW | c.CLASS_GREEN))


def test_j100uc_nak_is_one_line(conc):
    drv, _ = conc
    with pytest.raises(Nak) as err:
        drv.read_counters(999)
    assert str(err.value) == (f"serial port {drv.transport.url}: sent READ_COUNTERS to module 999, "
                              "it answered NAK unknown_address (0x04)")


def test_bad_values_and_bad_replies_are_bad_payload(device):
    dev = device(lambda f: CODEC.encode(f.reply(ACK, b"\x05\x01")))  # 2 bytes: a truncated reply
    with Transport(dev.url, **FAST) as port:
        drv = J100UC(port)
        with pytest.raises(BadPayload) as err:
            drv.read_counters(12)
        assert str(err.value).startswith(f"serial port {dev.url}: sent READ_COUNTERS to module 12, "
                                         "the ACK data does not parse (")
        with pytest.raises(BadPayload, match=r"cannot send SET_THRESHOLD to module 1: "):
            drv.set_threshold(1, -5)
        assert len(dev.seen) == 1


def test_d100fc_service_port_talks_to_address_0(device):
    fake = FakeConcentrator(kind=c.KIND_D100FC)
    with Transport(device(fake).url, **FAST) as port:
        mod = D100FC(port)
        assert mod.identify().kind == c.KIND_D100FC
        assert mod.time_sync(T0) == T0
        assert len(mod.read_counters()) == 2
        assert len(mod.read_profile(0, T0, T0 + 130 * 3600)) == 130
        assert len(mod.read_events(since=100)) == 30
        assert mod.set_threshold(900) == 900
        assert mod.relay(False).on is False
        assert mod.set_pulse_weight(0, 500).pulse_weight == 500
    assert {address for address, _ in fake.requests} == {0}


class FakeRig:
    """The rig's line protocol on a pty; ``script`` maps a request line to raw answer bytes."""

    def __init__(self, script=None) -> None:
        self.lines: list[str] = []
        self.pulsing: dict[tuple[int, int], int] = {}
        self.script = script or self.answer
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.url = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def answer(self, line: str) -> bytes:
        words = line.split()
        if words == ["ID"]:
            return b"RIG RIG-0007 1.4\n"
        if words == ["TIME"]:
            return b"TIME 1790000000456\r\n"
        if words[0] == "PULSE" and len(words) == 5:
            self.pulsing[int(words[1]), int(words[2])] = int(words[4])
            return b"OK\n"
        if words[0] == "PULSES":
            return f"PULSES {words[1]} {words[2]} {self.pulsing[int(words[1]), int(words[2])]} 0\n".encode()
        if words == ["STOP"]:
            return b"OK\n"
        if words[:2] == ["READ", "RELAY"]:
            return f"RELAY 30 0 1\nRELAY {words[2]} 1 1790000000789\n".encode()  # first line is a stray
        return b"ERR unknown command\n"

    def _run(self) -> None:
        buf = b""
        while not self._stop.is_set():
            if not select.select([self._master], [], [], 0.02)[0]:
                continue
            buf += os.read(self._master, 1024)
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                self.lines.append(raw.decode())
                out = self.script(raw.decode())
                if out:
                    os.write(self._master, out)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self._master)
        os.close(self._slave)


@pytest.fixture
def rig_factory():
    made: list[FakeRig] = []

    def make(script=None) -> FakeRig:
        made.append(FakeRig(script))
        return made[-1]

    yield make
    for fake in made:
        fake.close()


def test_rig_happy_path(rig_factory):
    fake = rig_factory()
    with Rig(fake.url, **RIG_FAST) as rig:
        assert rig.identify() == RigIdentity("RIG-0007", "1.4")
        assert rig.time_ms() == 1_790_000_000_456
        rig.pulse(12, 1, 2.5, 100)
        assert rig.pulses(12, 1) == PulseStatus(12, 1, 100, 0)
        rig.stop()
        assert rig.read_relay(3) == RelayInput(3, True, 1_790_000_000_789)
        assert rig.stats.strays == 1
    assert fake.lines == ["ID", "TIME", "PULSE 12 1 2.5 100", "PULSES 12 1", "STOP", "READ RELAY 3"]


def test_rig_err_is_nak(rig_factory):
    fake = rig_factory(lambda line: b"ERR no output wired to module 99\n")
    with Rig(fake.url, **RIG_FAST) as rig, pytest.raises(Nak) as err:
        rig.read_relay(99)
    assert str(err.value) == (f"serial port {fake.url}: sent READ RELAY to the rig, "
                              "it answered NAK no output wired to module 99")


def test_rig_no_answer_and_pulse_is_sent_once(rig_factory):
    fake = rig_factory(lambda line: None)
    with Rig(fake.url, **RIG_FAST) as rig:
        with pytest.raises(NoAnswer, match=r": sent ID to the rig, no reply within 0.2 s after 3 tries$"):
            rig.identify()
        with pytest.raises(NoAnswer, match=r": sent PULSE to the rig, no reply within 0.2 s after 1 try$"):
            rig.pulse(1, 0, 10, 5)
    assert fake.lines == ["ID"] * 3 + ["PULSE 1 0 10 5"]


def test_rig_garbage(rig_factory):
    fake = rig_factory(lambda line: b"\xff\xfe\x00noise\n")
    with Rig(fake.url, retries=1, **RIG_FAST) as rig, pytest.raises(Garbage) as err:
        rig.identify()
    assert str(err.value) == (f"serial port {fake.url}: sent ID to the rig, it answered 9 bytes that are not "
                              "frames (expected a rig line 'RIG <serial> <fw>')")


def test_v1_1_status_relay_and_version_through_the_driver() -> None:
    from hil.bench import open_bench

    with open_bench("twin") as bench:
        drv, dev = bench.concentrator, bench.device
        assert drv.protocol_version() == "1.1"
        hub = drv.read_status(0)
        assert (hub.kind, hub.power, hub.battery_pct) == (c.KIND_J100UC, c.POWER_MAINS, c.NO_BATTERY)
        mod = drv.read_status(2)
        assert mod.kind == c.KIND_D100FC and 0 <= mod.battery_pct <= 100 and 3000 <= mod.supply_mv <= 3650
        assert drv.failing_modules() == []
        dev.log_event(3, c.EVENT_MAGNET)
        dev.set_out_of_range(4, "nak")
        failing = dict(drv.failing_modules())
        assert set(failing) == {3, 4} and failing[3].flags == c.STATUS_MAGNET
        assert failing[4].flags & c.STATUS_NO_ROUTE and failing[4].hops == 255
        off = drv.relay(2, False)
        state = drv.read_relay(2)
        assert (state.on, state.switched_unix_ms, state.fitted) == (False, off.switched_unix_ms, True)
        assert state.socket_class == dev.modules[1].socket_class and state.group == dev.modules[1].group
