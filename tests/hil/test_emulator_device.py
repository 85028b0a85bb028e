"""Emulated J100UC (hil.emulator.device): every command through Device.handle."""

from __future__ import annotations

import numpy as np
import pytest

from hil.codec import commands as c
from hil.codec.frame import (ACK, BROADCAST, NAK_BAD_PAYLOAD, NAK_NOT_SUPPORTED, NAK_SEQ_REUSED, NAK_UNKNOWN_ADDRESS,
                             NAK_UNKNOWN_COMMAND, NAK_UNREACHABLE, Frame)
from hil.emulator import DEFAULT_START_UNIX_S, Device, EmuClock
from hil.emulator.model import EV_MAGNET, EV_REBOOT, GREEN, RED, YELLOW
from mesh_sim.bands import band
from mesh_sim.city import run_site
from mesh_sim.config import MeshConfig
from scenarios.generators.district import DistrictConfig, make_district
from twin.control.latency import LatencyModel, fixed_latency

SEED = 3


@pytest.fixture(scope="module")
def site():
    return make_district(DistrictConfig(buildings=1, streets=1, entrances=1, floors=4, water=False), SEED)


@pytest.fixture()
def dev(site):
    return Device.from_site(site, SEED, clock=EmuClock(), latency=fixed_latency(12.0))


class Rig:
    """Sends requests with fresh sequence numbers and unpacks ACKs."""

    def __init__(self, dev: Device) -> None:
        self.dev, self.seq = dev, 0

    def frame(self, address: int, command: int, payload: bytes = b"") -> Frame:
        self.seq += 1
        return Frame(address, command, self.seq, payload)

    def raw(self, address: int, command: int, payload: bytes = b"") -> Frame:
        reply = self.dev.handle(self.frame(address, command, payload))
        assert reply is not None and reply.is_reply and reply.command == command | 0x80
        return reply

    def ack(self, address: int, record):
        reply = self.raw(address, record.COMMAND, record.pack())
        assert reply.status == ACK, reply
        return c.unpack_reply(reply.command, reply.data)

    def nak(self, address: int, command: int, payload: bytes = b"") -> int:
        reply = self.raw(address, command, payload)
        assert reply.status != ACK and reply.data == b""
        return reply.status


@pytest.fixture()
def rig(dev):
    return Rig(dev)


def test_identify_concentrator_and_module(rig, site):
    j = rig.ack(0, c.IdentifyRequest())
    assert (j.serial, j.kind, j.channels) == (site.concentrators[0].concentrator_id, c.KIND_J100UC, 0)
    mod = rig.ack(3, c.IdentifyRequest())
    assert (mod.serial, mod.kind, mod.channels) == (site.modules[2].module_id, c.KIND_D100FC,
                                                    len(site.modules[2].meter_ids))
    assert mod.firmware.startswith("D100FC")


def test_network_table_comes_from_mesh_sim(rig, site):
    table = rig.ack(0, c.ReadNetworkRequest(1)).modules
    assert [e.index for e in table] == list(range(1, len(site.modules) + 1))
    records = {r.node_id: r for r in run_site(site, MeshConfig(days=0.1), SEED).nodes}
    sens = band("433").sensitivity_dbm
    for e in table:
        r = records[e.module_id]
        assert e.hops == r.hops and abs(e.rssi_dbm - (sens + r.link_margin_db)) <= 0.5 + 1e-9
        assert e.parent == 0 if r.parent_id.startswith("J") else table[e.parent - 1].module_id == r.parent_id
        assert 1 <= e.neighbours <= len(site.modules)
    assert [e.index for e in rig.ack(0, c.ReadNetworkRequest(4)).modules][0] == 4


def test_time_sync_sets_device_clock(rig, dev):
    assert dev.unix_time() == DEFAULT_START_UNIX_S
    assert rig.ack(0, c.TimeSyncRequest(1_800_000_000)).unix_s == 1_800_000_000
    dev.clock.step(10)
    assert rig.ack(BROADCAST, c.TimeSyncRequest(1_800_000_100)).unix_s == 1_800_000_100
    assert int(dev.unix_time()) == 1_800_000_100


def test_counters_and_profile_agree_exactly(rig, dev):
    start = {r.channel: r.pulses for r in rig.ack(3, c.ReadCountersRequest()).counters}
    for step in (0.3, 1799.7, 3600.0, 5000.0, 7.0, 40000.0):
        dev.clock.step(step)
        rig.ack(3, c.ReadCountersRequest())
    dev.inject_pulses(3, 1, 17)
    dev.clock.step(900.0)
    rig.ack(0, c.TimeSyncRequest(DEFAULT_START_UNIX_S + 200_000))   # jump: new bins, no pulses invented
    dev.clock.step(3000.0)
    end = rig.ack(3, c.ReadCountersRequest())
    assert len(end.counters) == 3
    for r in end.counters:
        hours, t = [], 0
        while True:  # page on as a requester does
            page = rig.ack(3, c.ReadProfileRequest(r.channel, t, 0xFFFFFFFF)).hours
            hours += page
            if len(page) < c.MAX_PROFILE_HOURS:
                break
            t = page[-1].hour_unix_s + 3600
        assert all(h.hour_unix_s % 3600 == 0 for h in hours)
        assert sum(h.pulses for h in hours) == r.pulses - start[r.channel]
        assert r.pulses > start[r.channel]
    one = rig.ack(3, c.ReadCountersRequest(1)).counters
    assert [x.channel for x in one] == [1]


def test_profile_paging_and_window(rig, dev):
    dev.clock.step(130 * 3600)
    page = rig.ack(5, c.ReadProfileRequest(0, 0, 0xFFFFFFFF)).hours
    assert len(page) == c.MAX_PROFILE_HOURS and page[0].hour_unix_s == DEFAULT_START_UNIX_S
    mid = DEFAULT_START_UNIX_S + 10 * 3600
    window = rig.ack(5, c.ReadProfileRequest(0, mid + 5, mid + 3 * 3600)).hours
    assert [h.hour_unix_s for h in window] == [mid + 3600, mid + 7200]   # from <= hour < to, not the hour before
    window = rig.ack(5, c.ReadProfileRequest(0, mid, mid + 3 * 3600)).hours
    assert [h.hour_unix_s for h in window] == [mid, mid + 3600, mid + 7200]
    assert rig.nak(5, c.READ_PROFILE, c.ReadProfileRequest(0, mid, mid - 1).pack()) == NAK_BAD_PAYLOAD


def test_events_and_reboot(rig, dev):
    dev.clock.step(100)
    dev.log_event(2, EV_MAGNET)
    dev.log_event(2, c.EVENT_BATTERY_LOW)
    events = rig.ack(2, c.ReadEventsRequest(0)).events
    assert [(e.index, e.code) for e in events] == [(0, EV_MAGNET), (1, c.EVENT_BATTERY_LOW)]
    assert events[0].unix_s == DEFAULT_START_UNIX_S + 100
    assert [e.index for e in rig.ack(2, c.ReadEventsRequest(1)).events] == [1]
    before = rig.ack(4, c.ReadCountersRequest())
    dev.reboot()
    assert [e.code for e in rig.ack(0, c.ReadEventsRequest(0)).events] == [EV_REBOOT]
    assert rig.ack(4, c.ReadCountersRequest()) == before      # counters on flash
    assert rig.ack(1, c.ReadEventsRequest(0)).events == ()


def test_threshold_relay_and_pulse_weight(rig, dev):
    assert rig.ack(0, c.SetThresholdRequest(45_000)).threshold_w == 45_000
    assert rig.ack(6, c.SetThresholdRequest(3_000)).threshold_w == 3_000
    assert (dev.threshold_w, dev.modules[5].threshold_w) == (45_000, 3_000)
    dev.clock.step(61.5)
    off = rig.ack(6, c.RelayRequest(False))
    assert (off.on, off.switched_unix_ms) == (False, DEFAULT_START_UNIX_S * 1000 + 61_500)
    dev.clock.step(5)
    assert rig.ack(6, c.RelayRequest(False)).switched_unix_ms == off.switched_unix_ms   # no switch
    assert rig.ack(6, c.RelayRequest(True)).switched_unix_ms == off.switched_unix_ms + 5000
    assert len(dev.modules[4].channels) == 3
    assert rig.ack(5, c.SetPulseWeightRequest(2, 1600)) == c.SetPulseWeightReply(2, 1600)
    assert rig.ack(5, c.ReadCountersRequest(2)).counters[0].pulse_weight == 1600
    assert rig.nak(5, c.SET_PULSE_WEIGHT, c.SetPulseWeightRequest(2, 0).pack()) == NAK_BAD_PAYLOAD
    assert rig.nak(5, c.SET_PULSE_WEIGHT, c.SetPulseWeightRequest(3, 10).pack()) == NAK_BAD_PAYLOAD


def test_relay_off_cuts_the_consumers_share(site):
    totals = []
    for shed in (False, True):
        dev = Device.from_site(site, SEED)
        start = sum(ch.pulses for mod in dev.modules for ch in mod.channels if ch.meter_id.startswith("M-"))
        if shed:
            for mod in dev.modules:
                dev.switch_relay(mod.index, False)
        dev.clock.step(24 * 3600)
        dev.sync()
        totals.append(sum(ch.pulses for mod in dev.modules for ch in mod.channels if ch.meter_id.startswith("M-"))
                      - start)
    assert totals[1] < 0.9 * totals[0]


def test_group_shed_latency_is_recorded(rig, dev):
    dev.clock.step(30)
    reached = rig.ack(BROADCAST, c.GroupShedRequest(1, True, c.CLASS_YELLOW | c.CLASS_GREEN)).modules_reached
    targets = [m.index for m in dev.modules if m.group == 1 and m.socket_class != RED]
    assert any(m.group == 1 and m.socket_class == RED for m in dev.modules)   # RED sockets are never shed
    assert reached == len(targets) and {r.module_index for r in dev.shed_log} == set(targets)
    dev.clock.step(11.9)
    dev.sync()
    assert all(dev.modules[i - 1].relay_on for i in targets)
    dev.clock.step(0.2)
    dev.sync()
    for r in dev.shed_log:
        mod = dev.modules[r.module_index - 1]
        assert r.switch_unix_ms - r.command_unix_ms == 12_000 == round(r.latency_s * 1000)
        assert not mod.relay_on and mod.relay_switched_unix_ms == r.switch_unix_ms
    assert all(m.relay_on for m in dev.modules if m.index not in targets)
    yellow = rig.ack(BROADCAST, c.GroupShedRequest(0, False, c.CLASS_YELLOW)).modules_reached
    assert yellow == sum(m.socket_class == YELLOW for m in dev.modules) and any(
        m.socket_class == GREEN for m in dev.modules)


def test_group_shed_draws_from_a_fitted_model(site):
    model = LatencyModel({1: np.array([20.0, 40.0, 60.0])}, {1: 0.5}, "test")
    dev = Device.from_site(site, SEED, latency=model)
    rig = Rig(dev)
    reached = rig.ack(BROADCAST, c.GroupShedRequest(0, True)).modules_reached
    lost = [r for r in dev.shed_log if not np.isfinite(r.latency_s)]
    sheddable = [m for m in dev.modules if m.socket_class != RED]
    assert reached == len(sheddable) - len(lost) and 0 < reached < len(sheddable)
    dev.clock.step(61)
    dev.sync()
    for r in dev.shed_log:
        if np.isfinite(r.latency_s):
            assert r.latency_s in (20.0, 40.0, 60.0)
            assert r.switch_unix_ms - r.command_unix_ms == r.latency_s * 1000
        else:
            assert r.switch_unix_ms is None and dev.modules[r.module_index - 1].relay_on


def test_nak_cases(rig, dev):
    assert rig.nak(1, 0x30) == NAK_UNKNOWN_COMMAND
    assert rig.nak(1, c.READ_COUNTERS, b"\xff\x00") == NAK_BAD_PAYLOAD
    assert rig.nak(1, c.RELAY, b"\x02") == NAK_BAD_PAYLOAD
    assert rig.nak(1, c.READ_COUNTERS, b"\x05") == NAK_BAD_PAYLOAD
    assert rig.nak(len(dev.modules) + 1, c.IDENTIFY) == NAK_UNKNOWN_ADDRESS
    assert rig.nak(0x0FFF, c.READ_COUNTERS, b"\xff") == NAK_UNKNOWN_ADDRESS
    assert rig.nak(0, c.READ_COUNTERS, b"\xff") == NAK_NOT_SUPPORTED
    assert rig.nak(2, c.GROUP_SHED, c.GroupShedRequest(0, True).pack()) == NAK_NOT_SUPPORTED
    dev.set_out_of_range(2, "nak")
    assert rig.nak(2, c.READ_COUNTERS, b"\xff") == NAK_UNREACHABLE
    dev.set_out_of_range(2, "silent")
    assert dev.handle(rig.frame(2, c.READ_COUNTERS, b"\xff")) is None
    dev.set_out_of_range(2, None)
    rig.ack(2, c.ReadCountersRequest())
    assert dev.handle(Frame(1, c.IDENTIFY | 0x80, 1, b"\x00")) is None     # replies are ignored


def test_retry_is_answered_from_the_cache(dev):
    first = Frame(4, c.READ_COUNTERS, 77, b"\xff")
    a = dev.handle(first)
    dev.clock.step(3600)
    executed = dev.stats["executed"]
    assert dev.handle(first) == a and dev.stats == {**dev.stats, "executed": executed, "cache_hits": 1}
    fresh = dev.handle(Frame(4, c.READ_COUNTERS, 78, b"\xff"))
    assert fresh != a
    relay = Frame(4, c.RELAY, 79, b"\x00")
    off = dev.handle(relay)
    dev.handle(Frame(4, c.RELAY, 80, b"\x01"))
    assert dev.handle(relay) == off and dev.modules[3].relay_on   # the retry did not switch it off again
    assert dev.handle(Frame(4, c.RELAY, 79, b"\x00")) == off
    reused = dev.handle(Frame(4, c.RELAY, 79, b"\x01"))          # same seq, new payload: not executed
    assert reused.status == NAK_SEQ_REUSED and dev.modules[3].relay_on and dev.handle(relay) == off
    dev.reboot()
    assert dev.handle(Frame(4, c.READ_COUNTERS, 77, b"\xff")) != a  # cache was in RAM


def test_same_seed_same_device(site):
    a, b = (Device.from_site(site, 11) for _ in range(2))
    for dev in (a, b):
        dev.clock.step(5 * 3600 + 12.5)
    frames = [Frame(i, c.READ_COUNTERS, i, b"\xff") for i in range(1, len(a.modules) + 1)]
    assert [a.handle(f) for f in frames] == [b.handle(f) for f in frames]


# -- issue 18: disagreements 1, 4 and 5 at the device ------------------------------------------------


def test_issue18_1_set_pulse_weight_to_channel_ff_is_a_bad_payload_not_a_crash(rig, dev):
    assert rig.nak(1, c.SET_PULSE_WEIGHT, c.SetPulseWeightRequest(0xFF, 10).pack()) == NAK_BAD_PAYLOAD
    assert rig.nak(1, c.SET_PULSE_WEIGHT, c.SetPulseWeightRequest(0, 0).pack()) == NAK_BAD_PAYLOAD
    assert rig.nak(1, c.READ_PROFILE, c.ReadProfileRequest(0xFF, 0, 10).pack()) == NAK_BAD_PAYLOAD
    assert rig.ack(1, c.IdentifyRequest()).kind == c.KIND_D100FC


def test_issue18_4_repeated_seq_with_another_payload_is_not_executed(dev):
    before = dev.modules[0].channels[0].pulse_weight
    first = dev.handle(Frame(1, c.SET_PULSE_WEIGHT, 500, c.SetPulseWeightRequest(0, before + 1).pack()))
    again = dev.handle(Frame(1, c.SET_PULSE_WEIGHT, 500, c.SetPulseWeightRequest(0, before + 2).pack()))
    assert again.status == NAK_SEQ_REUSED and again.seq == 500 and first.status == ACK
    assert dev.modules[0].channels[0].pulse_weight == before + 1


def test_issue18_4_an_identical_retry_after_255_requests_is_still_cached(dev):
    retry = Frame(1, c.SET_PULSE_WEIGHT, 900, c.SetPulseWeightRequest(0, 77).pack())
    first = dev.handle(retry)
    for seq in range(1000, 1254):
        dev.handle(Frame(0, c.IDENTIFY, seq))
    dev.handle(Frame(1, c.SET_PULSE_WEIGHT, 1300, c.SetPulseWeightRequest(0, 78).pack()))   # 255th after it
    assert dev.handle(retry) == first and dev.modules[0].channels[0].pulse_weight == 78


def test_issue18_5_read_profile_never_returns_the_hour_before_from(rig, dev):
    dev.clock.step(10 * 3600)
    h5 = DEFAULT_START_UNIX_S + 5 * 3600
    after = rig.ack(2, c.ReadProfileRequest(0, h5 + 1, h5 + 3 * 3600)).hours
    before = rig.ack(2, c.ReadProfileRequest(0, h5 - 1, h5 + 3 * 3600)).hours
    assert [h.hour_unix_s for h in after] == [h5 + 3600, h5 + 7200]
    assert [h.hour_unix_s for h in before] == [h5, h5 + 3600, h5 + 7200]


def test_status_battery_empties_when_the_mesh_run_says_and_flags_failing_modules(site, dev):
    records = {r.node_id: r for r in run_site(site, MeshConfig(days=0.1), SEED).nodes}
    mod = dev.modules[1]
    life_h = records[mod.module_id].battery_life_years * 8766.0
    pct0 = dev.battery_pct(2)
    assert 0.0 < pct0 <= 100.0
    dev.clock.step(100.0)
    dev.sync()
    assert dev.battery_pct(2) == pytest.approx(pct0 - 100.0 * 100.0 / 3600.0 / life_h, rel=1e-9, abs=1e-12)
    status = c.ReadStatusReply.unpack(dev.handle(Frame(2, c.READ_STATUS, 9000)).data)
    assert (status.kind, status.power, status.hops, status.parent) == (c.KIND_D100FC, c.POWER_BATTERY, mod.hops,
                                                                      mod.parent)
    assert status.battery_pct == round(dev.battery_pct(2)) and status.flags == 0 and status.uptime_s == 100
    dev.log_event(2, c.EVENT_PULSE_LINE_OPEN)
    dev.set_out_of_range(2, "nak")
    status = c.ReadStatusReply.unpack(dev.handle(Frame(2, c.READ_STATUS, 9001)).data)
    assert status.flags == c.STATUS_PULSE_LINE_FAULT | c.STATUS_NO_ROUTE and status.hops == 255
    assert status.last_heard_unix_s == DEFAULT_START_UNIX_S + 100
    assert dev.handle(Frame(2, c.READ_RELAY, 9002)).status == NAK_UNREACHABLE
