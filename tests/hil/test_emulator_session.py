"""Emulator served alone (hil.emulator.session): fault plans from files and text, options checked."""

from __future__ import annotations

import pytest

from hil.drivers.j100uc import J100UC
from hil.emulator import FaultPlan
from hil.emulator.session import EmulatorOptions, build_server, load_fault_plan
from hil.transport import Transport
from scenarios.errors import InputError


def test_fault_plan_from_yaml_json_and_inline(tmp_path) -> None:
    (tmp_path / "p.yaml").write_text("seed: 4\ndrop: 0.1\nschedule: {3: reboot}\nout_of_range: {2: silent}\n")
    (tmp_path / "p.json").write_text('{"seed": 4, "drop": 0.1, "schedule": {"3": "reboot"}, '
                                     '"out_of_range": {"2": "silent"}}')
    want = FaultPlan(seed=4, drop=0.1, schedule={3: "reboot"}, out_of_range={2: "silent"})
    assert load_fault_plan(str(tmp_path / "p.yaml")) == want == load_fault_plan(tmp_path / "p.json")
    assert load_fault_plan('{"seed": 4, "drop": 0.1, "schedule": {"3": "reboot"}, "out_of_range": {"2": "silent"}}') \
        == want
    assert load_fault_plan("") is None and load_fault_plan(None) is None


@pytest.mark.parametrize("text, key", [
    ('{"drop": 2}', "sum to <= 1"),
    ('{"bogus": 1}', "bogus"),
    ('{"schedule": {"x": "drop"}}', "schedule"),
    ("{not json", "not valid"),
    ("/nonexistent/plan.json", "/nonexistent/plan.json"),
])
def test_bad_fault_plans_are_one_line_errors(text, key) -> None:
    with pytest.raises(InputError) as info:
        load_fault_plan(text)
    assert key in str(info.value) and "\n" not in str(info.value)


def test_tcp_server_with_a_running_clock_and_history() -> None:
    server = build_server(EmulatorOptions(transport="tcp", clock_speed=3600.0, history_h=5, baudrate=0))
    with server, Transport(server.url, timeout_s=0.5) as transport:
        drv = J100UC(transport)
        t1 = drv.read_status(0).last_heard_unix_s
        hours = drv.read_profile(1, 0, 0, 0xFFFFFFFF)
        assert len(hours) >= 5 and hours[0].hour_unix_s == 1_704_067_200 - 5 * 3600
        import time

        time.sleep(0.3)
        assert drv.read_status(0).last_heard_unix_s >= t1 + 600          # the clock runs at x3600


@pytest.mark.parametrize("opts, key", [
    (EmulatorOptions(transport="serial"), "transport"),
    (EmulatorOptions(clock_speed=-1), "clock_speed"),
    (EmulatorOptions(fault_plan={"out_of_range": {99: "nak"}}), "out_of_range"),
])
def test_bad_options(opts, key) -> None:
    with pytest.raises(InputError) as info:
        build_server(opts)
    assert key in str(info.value)
