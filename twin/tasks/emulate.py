"""``task=emulate transport=pty|tcp``: the emulated J100UC served alone, for another team's client or firmware test.

Builds the default site's concentrator and its D100FC network (the same
device as ``task=hil target=emulator``), serves it on a pseudo-terminal or a
TCP port with the line paced at ``task.baudrate`` (115200 by the protocol),
a running clock (``task.clock_speed`` emulated seconds per second, from
``task.start_unix_s``) and an optional fault plan (``task.fault_plan``: a JSON
or YAML file), prints where to connect, and serves until
Ctrl-C (or for ``task.duration_s`` seconds). Writes ``emulate/endpoint.json``
(the URL and settings), ``emulate/traffic.log`` (every byte both ways, decoded)
and ``summary.json`` (requests served, faults applied, internal errors).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from hil.emulator.session import EmulatorOptions, build_server


def options(cfg: DictConfig) -> EmulatorOptions:
    """The emulator options from the root ``transport`` key and the ``task.*`` keys."""
    t = cfg.task
    return EmulatorOptions(transport=str(cfg.transport), host=str(t.host), port=int(t.tcp_port),
                           baudrate=int(t.baudrate), clock_speed=float(t.clock_speed),
                           start_unix_s=int(t.start_unix_s), history_h=int(t.history_h), seed=int(cfg.seed),
                           fault_plan=str(t.fault_plan) or None)


def banner(server, opts: EmulatorOptions) -> str:
    """The lines printed when serving starts: where to connect and how the line behaves."""
    dev = server.device
    start = datetime.fromtimestamp(opts.start_unix_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{opts.baudrate} baud 8N1 (paced)" if opts.baudrate else "unpaced (as fast as the processes go)"
    plan = server.faults.plan
    faults = ", ".join(f"{k}={getattr(plan, k):g}" for k in ("noise", "drop", "corrupt", "late", "busy", "reboot")
                       if getattr(plan, k)) or "none"
    if plan.out_of_range:
        faults += f"; out of range: {dict(plan.out_of_range)}"
    return (f"emulator: J100UC '{dev.concentrator_id}' with {len(dev.modules)} D100FC modules, protocol v1.1\n"
            f"emulator: URL {server.url}\n"
            f"emulator: line {line}; clock from {start} at x{opts.clock_speed:g}; faults: {faults}\n"
            "emulator: serving until Ctrl-C")


def run(cfg: DictConfig, out_dir: Path) -> dict[str, Any]:
    """Serves the emulator; returns what was served."""
    opts = options(cfg)
    duration_s = float(cfg.task.duration_s)
    server = build_server(opts, traffic_log=out_dir / "traffic.log")
    server.start()
    started = time.monotonic()
    try:
        endpoint = {"url": server.url, "transport": opts.transport, "baudrate": opts.baudrate,
                    "clock_speed": opts.clock_speed, "start_unix_s": opts.start_unix_s,
                    "modules": len(server.device.modules), "concentrator_id": server.device.concentrator_id}
        (out_dir / "endpoint.json").write_text(json.dumps(endpoint, indent=2) + "\n")
        text = banner(server, opts)
        if duration_s > 0:
            text = text.replace("until Ctrl-C", f"for {duration_s:g} s (or until Ctrl-C)")
        print(text, flush=True)
        try:
            while duration_s <= 0 or time.monotonic() - started < duration_s:
                time.sleep(0.1)
        except KeyboardInterrupt:
            print("emulator: stopped", flush=True)
    finally:
        server.stop()
    return {"url": server.url, "transport": opts.transport, "served_s": round(time.monotonic() - started, 3),
            "requests": server.faults.requests, "executed": server.device.stats["executed"],
            "cache_hits": server.device.stats["cache_hits"], "internal_errors": server.errors,
            **{f"faults_{k}": v for k, v in server.faults.counts.items()}}
