"""``task=hil target=emulator|twin|serial [port=... rig_port=...]``: the HIL regression and conformance suites.

Runs ``hil/suite`` as plain pytest with the HIL plugin against the chosen
target and writes under ``hil/``: ``junit.xml`` (with the concentrator's
serial number and firmware as properties), ``traffic.log`` (timestamped raw
bytes both ways with the decoded frames beside them) and ``report.md``.
Then the protocol v1.1 conformance suite (``hil/conformance``, one test per
spec id, bytes on the wire only) runs against a fresh emulator on a pty paced
at 115200 baud (``target=emulator``) or the port (``target=serial``):
``conformance.xml`` and ``conformance.md`` (the ids passed and failed). No
wire on ``target=twin``: no conformance run. The command exits with code 1
when a case or an id fails (the files are kept).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from hil.bench import TARGETS
from hil.conformance import report as conformance_report
from scenarios.errors import InputError
from twin.progress import stages


def _results(junit: Path) -> tuple[dict[str, Any], list[dict[str, str]], dict[str, str]]:
    """Counts, one row per case, and the suite properties of a JUnit XML file."""
    root = ET.parse(junit).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    cases = []
    for case in suite.iter("testcase"):
        outcome = "passed"
        message = ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                message = (node.get("message") or "").splitlines()[0] if node.get("message") else ""
        cases.append({"name": case.get("name"), "file": (case.get("classname") or "").rsplit(".", 1)[-1],
                      "outcome": outcome, "seconds": case.get("time") or "0", "message": message})
    counts = {k: sum(c["outcome"] == k for c in cases) for k in ("passed", "failed", "error", "skipped")}
    counts["cases"] = len(cases)
    return counts, cases, props


def write_report(path: Path, target: str, counts: dict[str, Any], cases: list[dict[str, str]],
                 props: dict[str, str]) -> None:
    """``report.md``: the verdict, the device identities, one line per case."""
    verdict = "PASSED" if counts["failed"] == 0 and counts["error"] == 0 else "FAILED"
    lines = [f"# HIL regression against `{target}`: {verdict}", "",
             f"{counts['cases']} cases: {counts['passed']} passed, {counts['failed']} failed, "
             f"{counts['error']} errors, {counts['skipped']} skipped.", ""]
    if props:
        lines += ["| property | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in sorted(props.items())] + [""]
    lines += ["| case | file | outcome | s | message |", "|---|---|---|---|---|"]
    lines += [f"| {c['name']} | {c['file']} | {c['outcome']} | {float(c['seconds']):.2f} | {c['message']} |"
              for c in cases]
    lines += ["", "Raw traffic with decoded frames: `traffic.log`. Protocol: docs/serial-protocol.md."]
    path.write_text("\n".join(lines) + "\n")


def probe(port: str, rig_port: str, traffic_path: Path, codec: str) -> None:
    """Opens the hardware once before the suite: a missing port, or a device answering garbage or nothing,
    is one line naming the port (exit code 2); what was read is kept in ``traffic_path`` beside the run."""
    from hil.bench import open_bench
    from hil.errors import HilError

    try:
        with open_bench("serial", port, rig_port, traffic_path=traffic_path, codec=codec):
            pass
    except HilError as exc:
        kept = f" (traffic so far: {traffic_path})" if traffic_path.is_file() and traffic_path.stat().st_size else ""
        raise InputError(f"{exc}{kept}") from exc


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Runs the suite, writing into ``out_dir``; returns the counts (``exit_code`` 1 on failure)."""
    import pytest

    target = str(cfg.target)
    if target not in TARGETS:
        raise InputError(f"target: '{target}' is not allowed; allowed: {', '.join(TARGETS)}")
    if target == "serial" and not cfg.port:
        raise InputError("port: target=serial needs port=<device path or pyserial URL>")
    if target == "serial":
        probe(str(cfg.port), str(cfg.rig_port), out_dir.parent / "hil-probe-traffic.log", str(cfg.codec))
    suite = Path(str(resources.files("hil") / "suite"))
    junit, traffic = out_dir / "junit.xml", out_dir / "traffic.log"
    traffic.touch()
    with stages(["suite", "conformance", "report"]) as step:
        step("suite")
        args = [str(suite), "-q", "-p", "hil.pytest_plugin", "-p", "no:cacheprovider", f"--hil-target={target}",
                f"--hil-traffic={traffic}", f"--hil-seed={int(cfg.seed)}", f"--junitxml={junit}",
                "-o", "junit_family=xunit2", "--rootdir", str(suite), "-W", "ignore::DeprecationWarning"]
        if cfg.port:
            args.append(f"--hil-port={cfg.port}")
        if cfg.rig_port:
            args.append(f"--hil-rig-port={cfg.rig_port}")
        args.append(f"--hil-codec={cfg.codec}")
        code = int(pytest.main(args))
        if not junit.is_file():
            raise InputError(f"target={target}: the suite did not run (pytest exit code {code})")
        step("conformance")
        conf = conformance(target, str(cfg.port), int(cfg.seed), out_dir)
        step("report")
        counts, cases, props = _results(junit)
        write_report(out_dir / "report.md", target, counts, cases, props)
    failed = counts["failed"] + counts["error"] + len(conf.get("conformance_failed", []))
    failed += len(conf.get("conformance_missing", []))          # an id without a test
    if target == "emulator":                                    # the emulator has everything: no id may skip
        failed += len(conf.get("conformance_skipped", []))
    return {**counts, "target": target, **{k: v for k, v in props.items() if k != "target"}, **conf,
            "exit_code": 1 if failed or code not in (0, 5) else 0}


def conformance(target: str, port: str, seed: int, out_dir: Path) -> dict[str, Any]:
    """Runs ``hil/conformance`` against a fresh paced emulator or the port; writes ``conformance.md``.

    On the emulator the last module is out of radio range (NAK_UNREACHABLE),
    so the ids about modules without a route have one to test.
    """
    import pytest

    if target == "twin":
        return {}
    spec = Path(__file__).resolve().parents[2] / "docs" / "serial-protocol.md"
    suite = Path(str(resources.files("hil") / "conformance"))
    ids = conformance_report.spec_ids(spec.read_text()) if spec.is_file() else []
    junit = out_dir / "conformance.xml"
    server = None
    if target == "emulator":
        from hil.emulator.session import EmulatorOptions, build_server

        server = build_server(EmulatorOptions(seed=seed), traffic_log=out_dir / "conformance-traffic.log")
        server.faults.trigger("out_of_range", module=len(server.device.modules), mode="nak")
        server.start()
        url = server.url
    else:
        url = port
    try:
        pytest.main([str(suite), "-q", "-p", "no:cacheprovider", f"--conf-url={url}", f"--junitxml={junit}",
                     "-o", "junit_family=xunit1", "--rootdir", str(suite), "-W", "ignore::DeprecationWarning"])
    finally:
        if server is not None:
            server.stop()
    if not junit.is_file():
        raise InputError(f"target={target}: the conformance suite did not run")
    results = conformance_report.outcomes(junit)
    if not ids:  # an installed copy without docs/: the ids the suite reports
        ids = sorted(results)
    groups = conformance_report.write_report(out_dir / "conformance.md", target, ids, results)
    return {"conformance_ids": len(ids), **{f"conformance_{k}": v for k, v in groups.items()},
            **{f"conformance_n_{k}": len(v) for k, v in groups.items()}}
