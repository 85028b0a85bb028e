"""Every command of the protocol against the device, results compared with the twin where there is one."""

from __future__ import annotations

import pytest

from hil.codec import commands as c
from hil.suite.helpers import HOUR_S, advance, sync_to_hour


def test_identify_reports_serial_and_firmware(concentrator) -> None:
    ident = concentrator.identify()
    assert ident.serial and ident.firmware and ident.kind == c.KIND_J100UC


def test_time_sync_sets_the_device_clock(bench) -> None:
    hour = sync_to_hour(bench)
    assert abs(bench.concentrator.time_sync(hour + 10) - (hour + 10)) <= 1


def test_network_table_lists_every_module_with_route(bench) -> None:
    table = bench.concentrator.network_table()
    assert table and all(e.index >= 1 for e in table)
    assert [e.index for e in table] == sorted({e.index for e in table})
    if bench.device is not None:  # oracle: the mesh the twin formed
        assert len(table) == len(bench.device.modules)
        for e, mod in zip(table, bench.device.modules):
            assert (e.module_id, e.parent, e.hops) == (mod.module_id, mod.parent, mod.hops)


def test_counters_count_rig_pulses_exactly(bench, module, rig) -> None:
    before = {r.channel: r.pulses for r in bench.concentrator.read_counters(module.index)}
    rig.pulse(module.index, module.channel, rate_hz=10.0, count=37)
    after = {r.channel: r.pulses for r in bench.concentrator.read_counters(module.index)}
    assert after[module.channel] - before[module.channel] == 37


@pytest.mark.hil_oracle
def test_profile_hours_add_up_to_the_counter_delta(bench, module) -> None:
    hour = sync_to_hour(bench)
    c0 = {r.channel: r.pulses for r in bench.concentrator.read_counters(module.index)}[module.channel]
    advance(bench, 3 * HOUR_S)
    c1 = {r.channel: r.pulses for r in bench.concentrator.read_counters(module.index)}[module.channel]
    hours = bench.concentrator.read_profile(module.index, module.channel, hour, hour + 3 * HOUR_S)
    assert [h.hour_unix_s for h in hours] == [hour, hour + HOUR_S, hour + 2 * HOUR_S]
    assert sum(h.pulses for h in hours) == c1 - c0 > 0


def test_read_events_pages_from_an_index(bench, module) -> None:
    events = bench.concentrator.read_events(module.index, 0)
    assert [e.index for e in events] == sorted(e.index for e in events)
    if events:
        later = bench.concentrator.read_events(module.index, events[-1].index)
        assert [e.index for e in later] == [events[-1].index]


def test_set_threshold_round_trip(bench, module) -> None:
    assert bench.concentrator.set_threshold(module.index, 4500) == 4500
    if bench.device is not None:
        assert bench.device.modules[module.index - 1].threshold_w == 4500


def test_set_pulse_weight_round_trip(bench, module) -> None:
    reply = bench.concentrator.set_pulse_weight(module.index, module.channel, 3200)
    assert (reply.channel, reply.pulse_weight) == (module.channel, 3200)
    weights = {r.channel: r.pulse_weight for r in bench.concentrator.read_counters(module.index)}
    assert weights[module.channel] == 3200
