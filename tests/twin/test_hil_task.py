"""``task=hil``: the bundled suite against the emulator over a pty; files; bad ports."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twin.cli", "task=hil", *args, "tracking=off",
                           f"hydra.run.dir={tmp_path}/r"], capture_output=True, text=True, cwd=tmp_path, timeout=300)


def test_suite_passes_against_the_emulator_and_writes_junit_traffic_report(tmp_path) -> None:
    proc = _run(tmp_path, "target=emulator")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp_path / "r" / "hil"
    root = ET.parse(out / "junit.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    cases = list(suite.iter("testcase"))
    assert len(cases) >= 15
    assert sum(1 for c in cases if c.get("name", "").startswith("test_fault_")) >= 5
    assert not any(c.find("failure") is not None or c.find("error") is not None for c in cases)
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props.get("concentrator_serial") and props.get("concentrator_firmware")
    traffic = (out / "traffic.log").read_text().splitlines()
    assert any(" TX 7e" in line for line in traffic) and any(" RX 7e" in line for line in traffic)
    assert any("IDENTIFY" in line for line in traffic)
    assert "PASSED" in (out / "report.md").read_text()


@pytest.mark.parametrize("args, key", [
    (("target=serial", "port=/dev/ttyNOPE9"), "/dev/ttyNOPE9"),
    (("target=serial",), "port"),
    (("target=jtag",), "target"),
    (("target=serial", "port=loop://"), "only our own request came back"),   # a loopback is not "no reply"
])
def test_bad_target_or_port_exits_2_with_one_line(tmp_path, args, key) -> None:
    proc = _run(tmp_path, *args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and key in errors[0], proc.stderr[-2000:]


def test_a_device_answering_garbage_exits_2_and_keeps_what_was_read(tmp_path) -> None:
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.2)
                while not stop.is_set():
                    try:
                        if not conn.recv(1024):
                            break
                    except OSError:
                        continue
                    conn.sendall(b"\x00garbage\xff" * 4)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        proc = _run(tmp_path, "target=serial", f"port=socket://127.0.0.1:{port}")
    finally:
        stop.set()
        thread.join(2)
        server.close()
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and f"socket://127.0.0.1:{port}" in errors[0], proc.stderr[-2000:]
    kept = tmp_path / "r" / "hil-probe-traffic.log"
    assert kept.is_file() and " RX " in kept.read_text()


def test_the_conformance_suite_passes_every_spec_id_against_the_emulator(tmp_path) -> None:
    import json
    from pathlib import Path

    from hil.conformance.report import spec_ids

    proc = _run(tmp_path, "target=emulator")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp_path / "r" / "hil"
    ids = spec_ids((Path(__file__).resolve().parents[2] / "docs" / "serial-protocol.md").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["conformance_ids"] == len(ids) >= 40
    assert summary["conformance_passed"] == ids and summary["conformance_failed"] == []
    report = (out / "conformance.md").read_text()
    assert "PASSED" in report and all(f"| {i} | passed |" in report for i in ids)


def _emulate(tmp_path, *args: str, timeout: float = 60) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "twin.cli", "task=emulate", *args, "tracking=off",
                             f"hydra.run.dir={tmp_path}/e"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path)


def test_emulate_serves_alone_and_prints_its_url(tmp_path, transport="pty") -> None:
    import json

    from hil.drivers.j100uc import J100UC
    from hil.errors import Nak
    from hil.transport import Transport

    plan = tmp_path / "plan.yaml"
    plan.write_text("seed: 3\nout_of_range: {2: nak}\n")
    proc = _emulate(tmp_path, f"transport={transport}", "task.duration_s=5", "task.clock_speed=60",
                    f"task.fault_plan={plan}")
    try:
        url = ""
        for line in proc.stdout:
            if "URL " in line:
                url = line.split("URL ", 1)[1].strip()
                break
        assert url.startswith("/dev/" if transport == "pty" else "socket://"), url
        with Transport(url, timeout_s=0.5) as transport_:
            drv = J100UC(transport_)
            assert drv.identify().kind == 0 and len(drv.network_table()) >= 2
            t0 = drv.read_status(0).last_heard_unix_s
            with pytest.raises(Nak):
                drv.read_counters(2)                      # the fault plan took module 2 out of range
        assert t0 >= 1_704_067_200
        proc.wait(30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    summary = json.loads((tmp_path / "e" / "emulate" / "summary.json").read_text())
    assert summary["executed"] >= 3 and summary["internal_errors"] == 0 and summary["url"] == url
    assert (tmp_path / "e" / "emulate" / "endpoint.json").is_file()


def test_emulate_bad_option_exits_2_with_one_line(tmp_path) -> None:
    args, key = ("transport=serial", "task.fault_plan=/nonexistent/plan.json"), "transport"
    proc = _emulate(tmp_path, *args, "task.duration_s=1")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err[-2000:]
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 1 and key in errors[0], err[-2000:]
