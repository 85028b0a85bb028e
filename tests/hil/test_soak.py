"""Soak: 10,000 frames through the emulator over a pty with faults on the wire.

Every reading a client takes must be the device's value at that moment: a
lost reply would end in NoAnswer, a duplicated or stale one would show an
old counter. The test injects one pulse before each read, so the expected
counter is known exactly.
"""

from __future__ import annotations

from hil.bench import VirtualRig, default_device
from hil.drivers.j100uc import J100UC
from hil.emulator import EmulatorServer, FaultPlan
from hil.transport import Transport

READS = 5000  # one request and one reply each: 10,000 frames on the wire (more with the retries)


def test_soak_10000_frames_with_faults_loses_and_duplicates_nothing() -> None:
    device = default_device(7)
    plan = FaultPlan(seed=11, noise=0.02, drop=0.01, corrupt=0.01, late=0.004, busy=0.005, reboot=0.001,
                     late_s=0.12, reboot_silent_ms=50)
    with EmulatorServer(device, "pty", faults=plan) as server:
        transport = Transport(server.url, timeout_s=0.05, retries=8, backoff_s=0.005)
        try:
            driver, rig = J100UC(transport), VirtualRig(device)
            module = next(e.index for e in driver.network_table() if e.hops > 0)
            expected = {r.channel: r.pulses for r in driver.read_counters(module)}[0]
            wrong = []
            for i in range(READS):
                rig.pulse(module, 0, 10.0, 1)
                expected += 1
                got = {r.channel: r.pulses for r in driver.read_counters(module)}[0]
                if got != expected:
                    wrong.append((i, got, expected))
            faults = dict(server.faults.counts)
            stats = transport.stats.as_dict()
        finally:
            transport.close()
    assert wrong == [], wrong[:5]  # zero lost, zero duplicated, zero stale readings
    assert stats["sent"] >= 2 * READS // 2 and faults["drop"] > 0 and faults["corrupt"] > 0 and faults["noise"] > 0
    assert stats["retries"] > 0 and stats["resyncs"] > 0
