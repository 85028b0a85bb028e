"""Faults on the wire (emulator): the client recovers, and no reading is lost or counted twice."""

from __future__ import annotations

import pytest

from hil.codec import NAK_UNREACHABLE
from hil.errors import Nak

pytestmark = pytest.mark.hil_faults


def _counter(bench, module) -> int:
    return {r.channel: r.pulses for r in bench.concentrator.read_counters(module.index)}[module.channel]


def test_fault_noise_bytes_between_frames_resync(bench, module) -> None:
    bench.server.faults.trigger("noise", 3)
    for _ in range(3):
        assert bench.concentrator.identify().serial


def test_fault_dropped_reply_recovered_by_retry(bench, module) -> None:
    before = bench.transport.stats.retries
    bench.server.faults.trigger("drop")
    assert bench.concentrator.identify().serial
    assert bench.transport.stats.retries > before


def test_fault_corrupted_reply_recovered(bench, module) -> None:
    bench.server.faults.trigger("corrupt")
    assert bench.concentrator.identify().serial


def test_fault_late_reply_is_not_taken_twice(bench, module, rig) -> None:
    c0 = _counter(bench, module)
    bench.server.faults.trigger("late")
    rig.pulse(module.index, module.channel, 10.0, 5)
    assert _counter(bench, module) == c0 + 5
    assert _counter(bench, module) == c0 + 5  # the stale late reply was discarded, not read as this one


def test_fault_reboot_mid_transfer_keeps_counters(bench, module, rig) -> None:
    c0 = _counter(bench, module)
    rig.pulse(module.index, module.channel, 10.0, 11)
    bench.server.faults.trigger("reboot")
    assert bench.concentrator.identify().serial
    assert _counter(bench, module) == c0 + 11
    codes = [e.code for e in bench.concentrator.read_events(0, 0)]
    assert 5 in codes  # the reboot event


def test_fault_retry_with_the_same_seq_counts_once(bench, module, rig) -> None:
    c0 = _counter(bench, module)
    bench.server.faults.trigger("drop", 2)
    bench.concentrator.set_pulse_weight(module.index, module.channel, 1000)
    rig.pulse(module.index, module.channel, 10.0, 3)
    assert _counter(bench, module) == c0 + 3
    assert bench.device.stats["cache_hits"] >= 1


def test_fault_module_out_of_range_reports_unreachable(bench, module) -> None:
    bench.server.faults.trigger("out_of_range", module=module.index, mode="nak")
    try:
        with pytest.raises(Nak) as exc:
            bench.concentrator.read_counters(module.index)
        assert exc.value.status == NAK_UNREACHABLE
    finally:
        bench.server.faults.trigger("out_of_range", module=module.index, mode=None)
    assert bench.concentrator.read_counters(module.index)
